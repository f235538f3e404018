"""What a person owns in riskdesk, app by app, so offboarding can hand it over.

Each app registers the kinds of things people own (streams, rules, incidents
they lead, sponsored posts they wrote...) from its AppConfig.ready(). An
offboarding case asks `owned_items(person)` and makes one "transfer ownership"
task per item; completing the task calls the kind's `transfer`, which must set
the new owner and write the audit event (the caller holds the transaction).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass(frozen=True)
class OwnedKind:
    key: str  # "<app>.<model>", stable: stored on tasks
    label: str
    owned_by: Callable[[object], QuerySet]  # person -> the items they own
    transfer: Callable[..., None]  # transfer(actor=, item=, new_owner=)


_kinds: dict[str, OwnedKind] = {}


def register(key: str, *, label, owned_by, transfer) -> None:
    if key in _kinds:
        raise ValueError(f"owned kind {key!r} registered twice")
    _kinds[key] = OwnedKind(key, label, owned_by, transfer)


def kinds() -> list[OwnedKind]:
    return list(_kinds.values())


def kind(key: str) -> OwnedKind:
    return _kinds[key]


def owned_items(person) -> list[tuple[OwnedKind, object]]:
    return [(k, item) for k in _kinds.values() for item in k.owned_by(person)]
