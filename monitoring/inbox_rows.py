"""Inbox rows: rendered once per state of their mention, then read from the cache.

The template engine takes about half a millisecond a row, most of a page's time; a page of
rows read from the cache costs one round trip. A row's key holds everything the row shows
that can change: the mention's `updated_at` (every triage action renews it), its SLA state
and who is viewing it, and the reader's language, time zone and right to triage, plus a
digest of the row's templates so a deployment never serves old markup. What a key cannot
see (a team or a person renamed) lasts at most ROW_TTL. Relative times in a row ("3 minutes
ago", the SLA countdown) are written by the browser (riskdesk.js), so a cached row does not
age.
"""

import hashlib
from functools import cache

from django.core.cache import cache as shared_cache
from django.db.models import prefetch_related_objects
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from monitoring.inbox import tags_by_name
from monitoring.models import Mention

ROW_TEMPLATE = "monitoring/_inbox_row.html"
ROW_TEMPLATES = (
    ROW_TEMPLATE,
    "monitoring/_mention_author.html",
    "monitoring/_sla_timer.html",
    "monitoring/_row_viewers.html",
)
ROW_TTL = 15 * 60


@cache
def _templates_digest() -> str:
    sources = "\0".join(get_template(name).template.source for name in ROW_TEMPLATES)
    return hashlib.blake2b(sources.encode(), digest_size=8).hexdigest()


def _row_key(mention: Mention, can_triage: bool) -> str:
    """`mention` as decorated by inbox_views.decorate (timer, viewers)."""
    state = f"{mention.timer.label}.{mention.timer.state}" if mention.timer else "-"
    viewers = hashlib.blake2b("\0".join(mention.viewers).encode(), digest_size=6).hexdigest()
    return ":".join(
        (
            "inbox-row",
            _templates_digest(),
            str(mention.pk),
            str(mention.updated_at.timestamp()),
            state,
            viewers,
            "t" if can_triage else "r",
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
        )
    )


def render_rows(mentions: list[Mention], *, can_triage: bool) -> None:
    """Give each decorated mention its row's HTML (`mention.row_html`).

    A row's relations (team, assignee, tags) are read only for the rows rendered anew.
    """
    keys = {mention.pk: _row_key(mention, can_triage) for mention in mentions}
    cached = shared_cache.get_many(keys.values())
    missing = [mention for mention in mentions if keys[mention.pk] not in cached]
    prefetch_related_objects(missing, "team", "assignee", tags_by_name())
    for mention in missing:
        cached[keys[mention.pk]] = render_to_string(
            ROW_TEMPLATE, {"m": mention, "can_triage": can_triage}
        )
    if missing:
        shared_cache.set_many(
            {keys[mention.pk]: cached[keys[mention.pk]] for mention in missing}, ROW_TTL
        )
    for mention in mentions:
        mention.row_html = mark_safe(cached[keys[mention.pk]])  # noqa: S308 -- escaped by the template
