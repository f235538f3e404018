"""Connected accounts: what riskdesk may do on a network, and with which secret.

One model for every secret riskdesk sends to a network: the token a stream reads with,
the token riskdesk replies, sends private messages and moderates with as a brand account,
and the admin token it removes people from a business with. Each names its kind (the
connector, publisher or revoker that uses it), the brand account it acts as when it acts
as one, the scopes the network granted, when its token expires, who connected it and who
may act as it.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riskdesk.crypto import EncryptedSecret
from riskdesk.networks import Platform


class ConnectionMethod(models.TextChoices):
    OAUTH = "oauth", _("The network's sign-in (OAuth)")
    APP_PASSWORD = "app_password", _("App password")
    TOKEN = "token", _("Token pasted by an admin")


class ConnectedAccount(EncryptedSecret, models.Model):
    """riskdesk may read, act or administer on a network with this account's secret.

    The secret (access and refresh tokens, app passwords, client secrets) is encrypted
    at rest and never shown back; only the names of its fields are kept in clear.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"),
        max_length=32,
        help_text=_("The connector, publisher or revoker that uses it: mastodon, x…"),
    )
    platform = models.CharField(_("network"), max_length=16, choices=Platform.choices, blank=True)
    brand_account = models.ForeignKey(
        "offboarding.BrandAccount",
        verbose_name=_("acts as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="connections",
        help_text=_("The brand account riskdesk replies and moderates as; empty to only read."),
    )
    method = models.CharField(
        _("connected by"), max_length=16, choices=ConnectionMethod.choices, default="token"
    )
    base_url = models.URLField(
        _("API address"),
        blank=True,
        help_text=_("Leave empty for the network's own API; set it for a Mastodon instance."),
    )
    business_id = models.CharField(
        _("business id"),
        max_length=64,
        blank=True,
        help_text=_("For Meta Business Manager: the business's id, as its settings page shows it."),
    )
    scopes = models.JSONField(_("granted scopes"), default=list, blank=True)
    secret_encrypted = models.TextField(editable=False, blank=True)
    secret_fields = models.JSONField(
        _("fields set"), default=list, editable=False, help_text=_("Names only, never values.")
    )
    # Hosts, besides its network's own API hosts, that the secret may be sent to: the
    # instance of a Mastodon token, a proxy or fake of the network. Set by who manages it.
    allowed_hosts = models.JSONField(
        _("other allowed hosts"),
        default=list,
        blank=True,
        help_text=_(
            "Host names, besides the network's own API hosts, that may receive this secret: "
            "a Mastodon instance other than mastodon.social, for example."
        ),
    )
    expires_at = models.DateTimeField(_("token expires"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("token last refreshed"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("connected by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("connected"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("secret last changed"), default=timezone.now)
    # Who may act as the brand account through it (reply, send, moderate): these people and
    # the members of these teams. Reading with it and managing it are role permissions.
    acting_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("people who may act as it"),
        blank=True,
        related_name="connected_accounts",
    )
    acting_teams = models.ManyToManyField(
        "accounts.Team",
        verbose_name=_("teams who may act as it"),
        blank=True,
        related_name="connected_accounts",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("connected account")
        verbose_name_plural = _("connected accounts")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="connected_account_name_unique"),
        ]
        permissions = [("act_connectedaccount", _("Can act as connected brand accounts"))]

    def __str__(self):
        return self.name

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
