"""The kinds of connected account: every connector, publisher and revoker that signs in
with one.

A connected account's `kind` names what uses its secret: a monitoring connector (`x`,
`mastodon`…) reads with it, a publisher (respond.publishers: `x`, `facebook`…) acts as the
brand account with it, a revoker (`meta_business`) removes people with it. One kind may
serve a connector and a publisher alike (an `x` account reads with a bearer token and
replies with a user token). The classes say which secret fields they read and their
network, so adding one adds its kind here without another list to keep.
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


def _kind(name: str, classes: list) -> Kind:
    """The kind `name` as the classes that use it (first: connector, publisher, revoker) say."""
    fields = [f for cls in classes for f in cls.secret_fields]
    return Kind(
        name=name,
        label=classes[0].label,
        platform=classes[0].platform,
        secret_fields=tuple(dict.fromkeys(fields)),
        required_secrets=tuple(
            dict.fromkeys(f for cls in classes for f in getattr(cls, "required_secrets", ()))
        ),
        needs_business_id=any(getattr(cls, "needs_business_id", False) for cls in classes),
    )


@cache
def kinds() -> dict[str, Kind]:
    """Every kind by name: the monitoring connectors', the publishers', the revokers'."""
    from monitoring.connectors import CONNECTOR_PATHS, get_connector
    from offboarding.revocation import REVOKER_PATHS, get_revoker
    from respond.publishers import PUBLISHER_PATHS, get_publisher

    users: dict[str, list] = {}
    for paths, get in (
        (CONNECTOR_PATHS, get_connector),
        (PUBLISHER_PATHS, get_publisher),
        (REVOKER_PATHS, get_revoker),
    ):
        for name in paths:
            users.setdefault(name, []).append(get(name))
    return {name: _kind(name, classes) for name, classes in users.items()}


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
