"""The brand accounts inventory, who has access to them, and offboarding cases.

The tables keep the names they had when these models lived in accounts.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from riskdesk.networks import Platform


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
    # A connected account of an admin API (kind meta_business) riskdesk revokes through.
    revocation_connection = models.ForeignKey(
        "connections.ConnectedAccount",
        verbose_name=_("revocation connection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revoked_accounts",
        help_text=_("Lets riskdesk remove people from this account through the network's API."),
    )

    class Meta:
        db_table = "accounts_brandaccount"
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
        db_table = "accounts_accessgrant"
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
        "accounts.ScimProvider",
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
        db_table = "accounts_offboardingcase"
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
        db_table = "accounts_offboardingtask"
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
        db_table = "accounts_revocationattempt"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.task} at {self.at:%Y-%m-%d %H:%M}: {self.outcome}"


class AccessFinding(models.Model):
    """A risky access the review has reported, kept so security hears of each one once."""

    key = models.CharField(max_length=200, unique=True)
    code = models.CharField(max_length=32)
    summary = models.CharField(max_length=500)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_accessfinding"
        ordering = ["-first_seen"]

    def __str__(self):
        return self.summary
