from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
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
    def must_use_two_factor(self) -> bool:
        return settings.RISKDESK_REQUIRE_2FA and any(
            self.has_role(r) for r in settings.RISKDESK_2FA_ROLES
        )


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
