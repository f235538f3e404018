"""What the inbox page shows around its rows, read from the cache where it need not be fresh.

A page of rows is one query and one cache read (inbox.selectors.render_rows); what surrounds
it should not cost more. The filter bar's teams and streams change when an admin edits them:
they are cached until then (signals forget them). The count of SLA breaches changes with the
clock as much as with triage: it is cached for BREACHES_TTL seconds per set of hidden
queues, and forgotten by the triage writes that close or reopen mentions
(`forget_counts`, called by inbox.services). The toolbar's pickers (people, teams, open
incidents) load when the toolbar is first used (`toolbar_choices`, views.inbox_toolbar). A
person's saved views are cached until they save or delete one.
"""

import functools
import hashlib

from django.core.cache import cache
from django.db import transaction
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from accounts.models import Team, User
from inbox.models import SavedView
from monitoring.models import Mention, Stream, hidden_team_ids, visibility_key
from riskdesk.near_cache import NearCache

CHOICES_TTL = 10 * 60
FILTER_FIELDS_TEMPLATES = ("inbox/_filter_fields.html", "includes/field.html")
FILTER_FIELDS_ELSEWHERE = ("q", "sort")  # written by inbox.html beside the search box
BREACHES_TTL = 30
TEAMS_KEY = "inbox:choices:teams"
STREAMS_KEY = "inbox:choices:streams"
COUNTS_VERSION_KEY = "inbox:counts:version"
FILTER_BARS_NEAR = NearCache(max_entries=200)  # keyed by what they show: kept in the process


def _cached(key: str, read) -> list:
    found = cache.get(key)
    if found is None:
        found = read()
        cache.set(key, found, CHOICES_TTL)
    return found


def team_choices(user) -> list[tuple[int, str]]:
    """(pk, name) of the teams `user` may see, by name: `visible_teams` without a query."""
    every = _cached(
        TEAMS_KEY, lambda: list(Team.objects.order_by("name").values_list("pk", "name"))
    )
    hidden = set(hidden_team_ids(user))
    return [(pk, name) for pk, name in every if pk not in hidden]


def stream_choices() -> list[tuple[int, str]]:
    return _cached(
        STREAMS_KEY, lambda: [(s.pk, str(s)) for s in Stream.objects.order_by("name").only("name")]
    )


def forget_choices(**_signal) -> None:
    """A team or stream saved or deleted (post_save / post_delete)."""
    cache.delete_many([TEAMS_KEY, STREAMS_KEY])


def _saved_views_key(owner_id: int) -> str:
    return f"inbox:saved-views:{owner_id}"


def saved_views(user) -> list[SavedView]:
    """`user`'s saved views, cached until one of them is saved or deleted."""
    return _cached(_saved_views_key(user.pk), lambda: list(SavedView.objects.filter(owner=user)))


def forget_saved_views(instance, **_signal) -> None:
    """A saved view saved or deleted (post_save / post_delete): now, and after the commit."""
    key = _saved_views_key(instance.owner_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def counts_version() -> int:
    return cache.get_or_set(COUNTS_VERSION_KEY, 1, None)


def forget_counts() -> None:
    """Mentions closed, reopened or moved: the cached counts are stale."""
    try:
        cache.incr(COUNTS_VERSION_KEY)
    except ValueError:  # never set, or evicted: nothing was cached under it
        cache.set(COUNTS_VERSION_KEY, 1, None)


def breach_count(user) -> int:
    """Open mentions past a due time among those `user` may see, at most BREACHES_TTL old."""
    from inbox.selectors import breach_count as count

    key = f"inbox:counts:breached:{counts_version()}:{visibility_key(user)}"
    found = cache.get(key)
    if found is None:
        found = count(Mention.objects.visible_to(user), timezone.now())
        cache.set(key, found, BREACHES_TTL)
    return found


def assignable_people():
    return (
        User.objects.filter(is_active=True, groups__isnull=False)
        .distinct()
        .order_by("display_name")
    )


@functools.cache
def _filter_templates_digest() -> str:
    sources = "\0".join(get_template(name).template.source for name in FILTER_FIELDS_TEMPLATES)
    return hashlib.blake2b(sources.encode(), digest_size=8).hexdigest()


def filter_fields(form) -> str:
    """The filter bar's fields, rendered once per set of values, choices and language.

    The fields show the values asked for and the choices offered (the team and stream choices
    set by the view from team_choices and stream_choices), in the reader's language, nothing
    else: their HTML is the same for every page with the same filters. A bar with errors is
    rendered afresh (it shows them).
    """
    if form.errors:
        return render_to_string(
            FILTER_FIELDS_TEMPLATES[0], {"form": form, "elsewhere": FILTER_FIELDS_ELSEWHERE}
        )
    data = form.data
    values = sorted(
        (name, data.getlist(name) if hasattr(data, "getlist") else data.get(name))
        for name in form.fields
        if name not in FILTER_FIELDS_ELSEWHERE
    )
    choices = [form.fields[name].widget.choices for name in ("team", "stream")]
    shown = repr((values, choices, translation.get_language(), _filter_templates_digest()))
    key = "inbox:filter-fields:" + hashlib.blake2b(shown.encode(), digest_size=16).hexdigest()
    found = FILTER_BARS_NEAR.get(key)
    if found is None:
        found = render_to_string(
            FILTER_FIELDS_TEMPLATES[0], {"form": form, "elsewhere": FILTER_FIELDS_ELSEWHERE}
        )
        FILTER_BARS_NEAR.set(key, found, CHOICES_TTL)
    return mark_safe(found)  # noqa: S308 -- rendered by the template, which escapes
