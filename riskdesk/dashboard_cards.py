"""The dashboard's per-person cards, each kept for its reader until its app writes.

A card (people and streams, incidents, compliance, publishing, offboarding, policies,
advocacy) is worked out from its app's rows and from its reader's roles and teams: about half
of a dashboard load, in two dozen queries. Each is kept per reader, language and time zone
under its app's version, which every save or delete of one of the app's rows moves on, and
every save or delete of a person, team, membership, role or setting moves on for all of them
(a card depends on who is in which team). So what anyone changes shows at the next load.
Writes that send no signal (`QuerySet.update`, `bulk_create`, a stream's status after a poll)
and the passing of time (a task falling overdue) show within CARD_TTL.
"""

import time
from collections.abc import Callable
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation

CARD_TTL = 30
CARD_APPS = (
    "accounts", "incidents", "compliance", "publishing", "offboarding", "policies", "advocacy",
)  # fmt: skip
PEOPLE_APPS = ("accounts", "auth", "workspace")  # people, teams, roles, settings: every card
_VERSION_KEY = "dashboard:card-version:{}"

Card = Callable[[object], dict | None]


def _versions() -> dict[str, int]:
    keys = {app: _VERSION_KEY.format(app) for app in CARD_APPS}
    found = cache.get_many(keys.values())
    # A version never set, or evicted, starts from the clock: never one a card was kept under.
    missing = {key: time.time_ns() for key in keys.values() if key not in found}
    if missing:
        cache.set_many(missing, None)
    return {app: found.get(key) or missing[key] for app, key in keys.items()}


def kept_cards(user, cards: dict[str, Card]) -> dict[str, dict | None]:
    """{app: its card for `user`}, from the kept copies where their app has not written."""
    versions = _versions()
    reader = f"{user.pk}:{translation.get_language()}:{timezone.get_current_timezone_name()}"
    keys = {app: f"dashboard:card:{app}:{versions[app]}:{reader}" for app in cards}
    kept = cache.get_many(keys.values())
    fresh = {}  # each card wrapped: a card may be None, which get_many cannot tell from missing
    for app, card in cards.items():
        if keys[app] not in kept:
            fresh[keys[app]] = kept[keys[app]] = {"card": card(user)}
    if fresh:
        cache.set_many(fresh, CARD_TTL)
    return {app: kept[keys[app]]["card"] for app in cards}


def _forget_on_write(sender, action: str = "post_", **_signal) -> None:
    """A row saved or deleted (post_save, post_delete, m2m_changed): its app's cards are stale,
    all of them when it is a person, a team, a membership or a role. Once the write is
    committed (at once outside a transaction): a card worked out before then read the rows as
    they were, and is left behind under the old version."""
    app = sender._meta.app_label
    if app in PEOPLE_APPS:
        stale = CARD_APPS
    elif app in CARD_APPS:
        stale = (app,)
    else:
        return
    if action.startswith("post_"):
        _forget_once_committed(stale)


class _StaleCards:
    """What a transaction's writes made stale. Each write still registers its own commit
    callback (a savepoint rolled back takes its own with it), and the first to run forgets
    every card of the batch: a service saving hundreds of rows moves each version once, not
    hundreds of times. A batch whose transaction rolled back is carried into the next one,
    which at worst forgets a card too many."""

    def __init__(self) -> None:
        self.apps: set[str] = set()

    def forget(self, connection) -> None:
        if getattr(connection, "riskdesk_stale_cards", None) is self:
            connection.riskdesk_stale_cards = None  # the next write starts a new batch
        apps, self.apps = self.apps, set()  # the batch's other callbacks find nothing left
        if apps:
            forget_cards(sorted(apps))


def _forget_once_committed(stale) -> None:
    connection = transaction.get_connection()
    batch = getattr(connection, "riskdesk_stale_cards", None)
    if batch is None:
        batch = connection.riskdesk_stale_cards = _StaleCards()
    batch.apps.update(stale)
    transaction.on_commit(partial(batch.forget, connection))


def forget_cards(apps=CARD_APPS) -> None:
    for app in apps:
        try:
            cache.incr(_VERSION_KEY.format(app))
        except ValueError:  # never set, or evicted
            cache.set(_VERSION_KEY.format(app), time.time_ns(), None)


def connect() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_forget_on_write, dispatch_uid=f"riskdesk.forget_cards.{signal}")
