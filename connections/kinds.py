"""The kinds of connected account: every connector and revoker that signs in with one.

A connected account's `kind` names the class that uses its secret: a monitoring
connector (`x`, `mastodon`…) reads with it, a revoker (`meta_business`) removes people
with it. The class says which secret fields it reads and its network, so adding a
connector or a revoker adds its kind here without another list to keep.
"""

from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext_lazy as _

META_BUSINESS = "meta_business"
# Meta's tokens act for a Facebook Page and the Instagram account linked to it alike.
META_PLATFORMS = frozenset({"facebook", "instagram"})

# Labels and help of secret fields that say more than their name (others: "Api key").
SECRET_TEXT = {
    (META_BUSINESS, "access_token"): (
        _("System user access token"),
        _("Needs business_management. Stored encrypted, never shown again."),
    ),
    (META_BUSINESS, "app_secret"): (
        _("App secret"),
        _("Optional: signs each call with appsecret_proof."),
    ),
}


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    platform: str
    secret_fields: tuple[str, ...]
    # Secret fields a new account must have; when empty, any one of secret_fields will do.
    required_secrets: tuple[str, ...]
    needs_business_id: bool

    @property
    def platforms(self) -> frozenset[str]:
        """The networks of the brand accounts it may act as."""
        return META_PLATFORMS if self.platform in META_PLATFORMS else frozenset({self.platform})


def _kind(name: str, cls) -> Kind:
    return Kind(
        name=name,
        label=cls.label,
        platform=cls.platform,
        secret_fields=tuple(cls.secret_fields),
        required_secrets=tuple(getattr(cls, "required_secrets", ())),
        needs_business_id=getattr(cls, "needs_business_id", False),
    )


@cache
def kinds() -> dict[str, Kind]:
    """Every kind by name: the monitoring connectors, then the revokers."""
    from monitoring.connectors import CONNECTOR_PATHS, get_connector
    from offboarding.revocation import REVOKER_PATHS, get_revoker

    found = {name: _kind(name, get_connector(name)) for name in CONNECTOR_PATHS}
    return found | {name: _kind(name, get_revoker(name)) for name in REVOKER_PATHS}


def get_kind(name: str) -> Kind | None:
    return kinds().get(name)


def kind_label(name: str) -> str:
    """The kind's display name, or its stored name if no such class is installed."""
    kind = get_kind(name)
    return kind.label if kind is not None else name


def kind_choices() -> list[tuple[str, str]]:
    """The kinds an account can be connected for: those that read a secret."""
    return [(kind.name, kind.label) for kind in kinds().values() if kind.secret_fields]


def secret_text(kind: str, field: str) -> tuple[str, str]:
    """(label, help) of a secret field: its own words, else its name as a label."""
    return SECRET_TEXT.get((kind, field), (field.replace("_", " ").capitalize(), ""))
