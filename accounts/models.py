from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from riskdesk.crypto import EncryptedSecret
from riskdesk.networks import Platform


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("a user needs an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)  # None gives an unusable password
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class EmploymentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DEPARTED = "departed", _("Departed")


class User(AbstractBaseUser, PermissionsMixin):
    """A person who works with riskdesk. Signs in with an e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150)
    employment_status = models.CharField(
        _("employment status"),
        max_length=16,
        choices=EmploymentStatus.choices,
        default=EmploymentStatus.ACTIVE,
    )
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    is_active = models.BooleanField(
        _("can sign in"),
        default=True,
        help_text=_("Off for departed people: they can no longer sign in or use the API."),
    )
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        permissions = [
            ("manage_roles", _("Can give and take riskdesk roles")),
            ("change_employment", _("Can record arrivals and departures")),
        ]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(employment_status="departed")
                | models.Q(departed_at__isnull=False),
                name="accounts_user_departed_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("id")),
                name="accounts_user_not_own_manager",
            ),
        ]

    def __str__(self):
        return self.display_name or self.email

    def save(self, *args, **kwargs):
        # `set_password` keeps the new raw password until the save: every way of changing
        # a password (form, reset link, admin, changepassword) ends here. A hash upgrade
        # at sign-in clears it first, so it does not count.
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            from accounts.services import api_tokens_revoke_all

            api_tokens_revoke_all(user=self, reason="password_change")

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name.split(" ")[0] if self.display_name else self.email

    @property
    def roles(self) -> list[str]:
        """The names of the riskdesk roles this person holds."""
        if not hasattr(self, "_roles_cache"):
            names = {g.name for g in self.groups.all()}
            self._roles_cache = [r.value for r in Role if r.value in names]
        return self._roles_cache

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def has_admin_rights(self) -> bool:
        """Superusers and riskdesk admins: only another admin may change them."""
        return self.is_superuser or self.has_role(Role.ADMIN)

    @property
    def must_use_two_factor(self) -> bool:
        return settings.RISKDESK_REQUIRE_2FA and any(
            self.has_role(r) for r in settings.RISKDESK_2FA_ROLES
        )


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A key for `Authorization: Token <key>`. Only its SHA-256 is kept; the key is shown once.

    Tokens expire (RISKDESK_API_TOKEN_DAYS), can be revoked by their owner or an
    admin, and are all revoked when their owner turns on two-factor or changes
    their password.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class TeamKind(models.TextChoices):
    SOCIAL = "social", _("Social media")
    PR = "pr", _("PR and communications")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    LEGAL = "legal", _("Legal")
    HR = "hr", _("Human resources")
    SECURITY = "security", _("Security")
    MANAGEMENT = "management", _("Management")
    OTHER = "other", _("Other")


class Team(models.Model):
    """A group of people who work a queue, own streams or take a role in incidents."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("short name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=TeamKind.choices)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(
        _("team e-mail"), blank=True, help_text=_("Where the team's notifications go.")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="TeamMembership",
        related_name="teams",
        verbose_name=_("members"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    is_lead = models.BooleanField(_("team lead"), default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team__name", "user__display_name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="accounts_membership_unique")
        ]

    def __str__(self):
        return f"{self.user} in {self.team}"


class AccessMethod(models.TextChoices):
    NATIVE_ROLES = "native_roles", _("Native roles on the network")
    TOOL_SEAT = "tool_seat", _("Seats in a management tool")
    SHARED_CREDENTIAL = "shared_credential", _("Shared credential in a password manager")


class BrandAccount(models.Model):
    """One of the brand's own accounts on a social network.

    Impersonation detection compares mention authors against these: an author
    with the same platform id is the brand; one whose name looks like it is not.
    """

    platform = models.CharField(_("network"), max_length=16, choices=Platform.choices)
    handle = models.CharField(
        _("handle"), max_length=255, help_text=_("As the network shows it, without the @.")
    )
    display_name = models.CharField(_("display name"), max_length=255, blank=True)
    platform_id = models.CharField(
        _("id on the network"),
        max_length=255,
        blank=True,
        help_text=_("The network's stable id for the account; handles can change."),
    )
    url = models.URLField(_("link"), blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("owning team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="brand_accounts",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # How people get in, for offboarding and the access review.
    access_method = models.CharField(
        _("how it is accessed"),
        max_length=24,
        choices=AccessMethod.choices,
        blank=True,
    )
    credential_location = models.CharField(
        _("where the credential lives"),
        max_length=255,
        blank=True,
        help_text=_("The management tool, or the password manager vault and entry."),
    )
    mfa_enabled = models.BooleanField(_("multi-factor on"), default=False)
    credential_rotated_at = models.DateTimeField(
        _("credential last rotated"), null=True, blank=True
    )
    recovery_email = models.EmailField(_("recovery e-mail"), blank=True)
    recovery_phone_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recovery phone owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Whose phone receives the account's recovery codes."),
    )
    revocation_connection = models.ForeignKey(
        "RevocationConnection",
        verbose_name=_("revocation connection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        help_text=_("Lets riskdesk remove people from this account through the network's API."),
    )

    class Meta:
        ordering = ["platform", "handle"]
        verbose_name = _("brand account")
        verbose_name_plural = _("brand accounts")
        constraints = [
            models.UniqueConstraint(
                Lower("handle"), "platform", name="accounts_brandaccount_handle_unique"
            )
        ]

    def __str__(self):
        return f"@{self.handle} ({self.get_platform_display()})"


# --- Brand account access, grants and offboarding ------------------------------------------


class RevocationConnection(EncryptedSecret, models.Model):
    """How riskdesk removes people from a network on its own: an admin API and its token.

    The token (a Meta Business system user token, say) is encrypted at rest
    and never shown back; only the names of the fields set are.
    """

    class Kind(models.TextChoices):
        META_BUSINESS = "meta_business", _("Meta Business Manager")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    business_id = models.CharField(
        _("business id"),
        max_length=64,
        help_text=_("The Business Manager's id, as its settings page shows it."),
    )
    base_url = models.URLField(
        _("API address"), blank=True, help_text=_("Leave empty for graph.facebook.com.")
    )
    secret_encrypted = models.TextField(editable=False, blank=True)
    secret_fields = models.JSONField(default=list, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(_("token last changed"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("revocation connection")
        verbose_name_plural = _("revocation connections")

    def __str__(self):
        return self.name


class AccessLevel(models.TextChoices):
    ADMIN = "admin", _("Admin")
    EDITOR = "editor", _("Editor")
    MODERATOR = "moderator", _("Moderator")
    ADVERTISER = "advertiser", _("Advertiser")
    ANALYST = "analyst", _("Analyst")
    OTHER = "other", _("Other")


class AccessVia(models.TextChoices):
    NATIVE_ROLE = "native_role", _("Native role")
    TOOL_SEAT = "tool_seat", _("Management tool seat")
    SHARED_CREDENTIAL = "shared_credential", _("Shared credential")
    API_TOKEN = "api_token", _("API token")


class RevocationMethod(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatically, through the network's API")
    MANUAL = "manual", _("By hand, with evidence")


class AccessGrant(models.Model):
    """One person's access to one brand account: what level, through what, since when.

    Revoked grants stay, with who revoked them, how and the evidence: the
    inventory is also the record that a departed person's access ended.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="access_grants",
    )
    account = models.ForeignKey(
        BrandAccount,
        verbose_name=_("brand account"),
        on_delete=models.PROTECT,
        related_name="access_grants",
    )
    level = models.CharField(_("level"), max_length=16, choices=AccessLevel.choices)
    via = models.CharField(_("through"), max_length=24, choices=AccessVia.choices)
    tool = models.CharField(
        _("tool"),
        max_length=100,
        blank=True,
        help_text=_("The management tool or password manager, when access goes through one."),
    )
    external_login = models.CharField(
        _("login on the network"),
        max_length=255,
        blank=True,
        help_text=_("The e-mail or user id the person uses there, when it is not their own."),
    )
    note = models.TextField(_("note"), blank=True)
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revocation_method = models.CharField(
        _("revoked how"), max_length=16, choices=RevocationMethod.choices, blank=True
    )
    revocation_evidence = models.TextField(_("revocation evidence"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account__platform", "account__handle", "person__display_name", "pk"]
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "account", "via"],
                condition=models.Q(revoked_at__isnull=True),
                name="accounts_accessgrant_one_active",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | ~models.Q(revocation_method=""),
                name="accounts_accessgrant_revoked_has_method",
            ),
        ]
        indexes = [models.Index(fields=["person", "revoked_at"])]

    def __str__(self):
        return f"{self.person} · {self.account} · {self.get_level_display()}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")


class CaseSource(models.TextChoices):
    MANUAL = "manual", _("Opened by HR")
    SCIM = "scim", _("Opened by the identity provider")


class OffboardingCase(models.Model):
    """Everything a departing person could reach, to revoke before the deadline."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="offboarding_cases",
    )
    departure_at = models.DateTimeField(_("departure"))
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    source = models.CharField(
        _("opened by"), max_length=16, choices=CaseSource.choices, default=CaseSource.MANUAL
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    identity_provider = models.ForeignKey(
        "ScimProvider",
        verbose_name=_("identity provider"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    note = models.TextField(_("note"), blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("offboarding case")
        verbose_name_plural = _("offboarding cases")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="open"),
                name="accounts_offboardingcase_one_open",
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return _("Offboarding of %(person)s") % {"person": self.person}

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and timezone.now() > self.deadline

    @property
    def time_left(self):
        return self.deadline - timezone.now()


class TaskKind(models.TextChoices):
    REVOKE = "revoke", _("Revoke access")
    ROTATE = "rotate", _("Rotate shared credential")
    RECOVERY = "recovery", _("Change recovery contact")
    TRANSFER = "transfer", _("Transfer ownership")
    OTHER = "other", _("Other")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed: needs attention")
    DONE = "done", _("Done")


class OffboardingTask(models.Model):
    """One thing to do before the case can close: revoke, rotate, hand over."""

    case = models.ForeignKey(OffboardingCase, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=16, choices=TaskKind.choices)
    title = models.CharField(_("task"), max_length=255)
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    automatic = models.BooleanField(_("automatic"), default=False)
    grant = models.ForeignKey(
        AccessGrant, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    account = models.ForeignKey(
        BrandAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owned_kind = models.CharField(max_length=64, blank=True)  # riskdesk.ownership key
    owned_id = models.CharField(max_length=64, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offboarding_tasks",
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_file = models.FileField(_("screenshot"), upload_to="offboarding/", blank=True)
    new_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("new owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "kind", "pk"]
        verbose_name = _("offboarding task")
        verbose_name_plural = _("offboarding tasks")
        indexes = [models.Index(fields=["automatic", "status", "next_attempt_at"])]

    def __str__(self):
        return self.title

    @property
    def is_done(self) -> bool:
        return self.status == TaskStatus.DONE


class RevocationAttempt(models.Model):
    """One call to a network's API for a task: what was asked and what it answered."""

    task = models.ForeignKey(OffboardingTask, on_delete=models.CASCADE, related_name="calls")
    at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16)  # done, transient, rate_limited, permanent
    message = models.TextField(blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.task} at {self.at:%Y-%m-%d %H:%M}: {self.outcome}"


class ScimProvider(models.Model):
    """An identity provider (Okta, Microsoft Entra) that provisions people over SCIM 2.0.

    Only a digest of its bearer token is stored; the token is shown once.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(_("token starts with"), max_length=12, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last request"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        permissions = [("manage_scim", _("Can connect identity providers over SCIM"))]

    def __str__(self):
        return self.name


class ScimIdentity(models.Model):
    """The identity provider's own id for a person (SCIM `externalId`)."""

    provider = models.ForeignKey(ScimProvider, on_delete=models.CASCADE, related_name="people")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_identities"
    )
    external_id = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "user"], name="accounts_scim_one_per_user")
        ]

    def __str__(self):
        return f"{self.provider} / {self.external_id or self.user_id}"


class AccessFinding(models.Model):
    """A risky access the review has reported, kept so security hears of each one once."""

    key = models.CharField(max_length=200, unique=True)
    code = models.CharField(max_length=32)
    summary = models.CharField(max_length=500)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_seen"]

    def __str__(self):
        return self.summary
