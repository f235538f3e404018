"""The publishing freeze on every page (wired in settings' context processors).

The banner reads the freeze from the cache: every page shows it, and it changes only when a
freeze starts or lifts, or its incident is edited, which forget it (IncidentsConfig.ready).
Whether publishing may go ahead is never read from here: `incidents.freeze.current_freeze`.
"""

from django.core.cache import cache
from django.db import transaction
from django.utils.functional import SimpleLazyObject

from incidents import freeze as freezes

BANNER_KEY = "incidents:freeze-banner"
BANNER_TTL = 60
NO_FREEZE = "none"  # cached too: most pages are served with no freeze


def shown_freeze():
    """The active freeze as the banner shows it (with its incident), at most BANNER_TTL old."""
    found = cache.get(BANNER_KEY)
    if found is None:
        found = freezes.active_freezes().select_related("incident").first() or NO_FREEZE
        cache.set(BANNER_KEY, found, BANNER_TTL)
    return None if found == NO_FREEZE else found


def forget_shown_freeze(**_signal) -> None:
    """A freeze or an incident saved or deleted: now, and once its transaction commits."""
    cache.delete(BANNER_KEY)
    transaction.on_commit(lambda: cache.delete(BANNER_KEY))


def publishing_freeze(request):
    """`publishing_freeze`: the active freeze or None, read once and only if a template asks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"publishing_freeze": None}
    return {"publishing_freeze": SimpleLazyObject(shown_freeze)}
