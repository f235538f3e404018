from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from accounts.roles import Role
from riskdesk.crypto import EncryptedSecret


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


class ScimGroup(models.Model):
    """A group an identity provider pushes over SCIM `/Groups`, with its members.

    Its `display_name` is what the single sign-on group mapping names: being a member of a
    mapped group gives the role, leaving it takes the role away (accounts.services.sso).
    """

    provider = models.ForeignKey(ScimProvider, on_delete=models.CASCADE, related_name="groups")
    display_name = models.CharField(_("name"), max_length=255)
    external_id = models.CharField(max_length=255, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="scim_groups", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "pk"]
        verbose_name = _("SCIM group")
        verbose_name_plural = _("SCIM groups")
        constraints = [
            models.UniqueConstraint(
                "provider", Lower("display_name"), name="accounts_scim_group_name_unique"
            )
        ]

    def __str__(self):
        return self.display_name


class IdentityProvider(EncryptedSecret, models.Model):
    """Single sign-on with OpenID Connect (Okta, Microsoft Entra, Google Workspace, Keycloak).

    The client secret is encrypted at rest (`secret_encrypted`, riskdesk.crypto) and never
    shown again. `group_roles` maps a group name (from the id_token's `groups_claim`, and
    from SCIM `/Groups` of `scim_provider`) to a riskdesk role.
    """

    name = models.CharField(_("display name"), max_length=100, unique=True)
    slug = models.SlugField(_("short name"), max_length=100, unique=True)
    issuer = models.URLField(
        _("issuer"),
        max_length=500,
        help_text=_(
            "The provider's issuer URL; its discovery document is read from "
            "<issuer>/.well-known/openid-configuration."
        ),
    )
    client_id = models.CharField(_("client id"), max_length=255)
    secret_encrypted = models.TextField(blank=True, editable=False)
    secret_fields = models.JSONField(default=list, blank=True, editable=False)
    scopes = models.CharField(_("scopes"), max_length=255, default="openid email profile groups")
    groups_claim = models.CharField(_("groups claim"), max_length=100, default="groups")
    group_roles = models.JSONField(_("group to role mapping"), default=dict, blank=True)
    allowed_hosts = models.JSONField(
        _("other allowed hosts"),
        default=list,
        blank=True,
        help_text=_(
            "Host names besides the issuer's that its endpoints may use "
            "(Google: oauth2.googleapis.com, www.googleapis.com)."
        ),
    )
    email_domains = models.JSONField(
        _("e-mail domains"),
        default=list,
        blank=True,
        help_text=_(
            "When set, only addresses in these domains are matched (and Google's hd claim must "
            "be one of them): a provider that also signs in outside accounts cannot match "
            "your people."
        ),
    )
    scim_provider = models.ForeignKey(
        ScimProvider,
        verbose_name=_("SCIM connection of the same provider"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="identity_providers",
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)
    password_sign_in = models.BooleanField(
        _("password sign-in allowed"),
        default=True,
        help_text=_(
            "Off: people sign in only through this provider. Administrators keep a password "
            "sign-in for emergencies."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("single sign-on provider")
        verbose_name_plural = _("single sign-on providers")
        permissions = [("manage_sso", _("Can configure single sign-on"))]

    def __str__(self):
        return self.name

    @property
    def client_secret(self) -> str:
        return self.secret.get("client_secret", "")

    @property
    def scope_list(self) -> list[str]:
        scopes = self.scopes.split()
        return scopes if "openid" in scopes else ["openid", *scopes]


class SsoIdentity(Device):
    """A person's account at an identity provider (the id_token's `sub`), linked once.

    It is also the django-otp device of a single sign-on session: the callback, and
    nothing else, records it in the session (`django_otp.login`) once the provider's
    tokens are verified, so the session counts as verified for riskdesk's two-factor rule
    (the provider asked for the second factor). Turning the provider off unconfirms its
    identities, which unverifies those sessions at their next request.
    """

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="identities"
    )
    subject = models.CharField(max_length=255)
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="accounts_sso_subject_unique"
            ),
            models.UniqueConstraint(fields=["provider", "user"], name="accounts_sso_one_per_user"),
        ]

    def verify_token(self, token):
        return False  # never accepts a typed code: only the sign-in callback uses it
