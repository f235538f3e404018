"""Reading the audit trail for people: sign-ins grouped, mentions named.

The audit page lists rows, not raw events: the sign-ins and sign-outs of one person on
one day collapse into one row that opens on each of its events (every event stays
reachable, and its own page is one click away). A mention is named by its author and
the start of its text, only for a viewer who may read it.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import Mention
from riskdesk.models import AuditEvent

SIGN_IN_VERBS = frozenset({"auth.login", "auth.logout"})
ROWS_PER_PAGE = 50
BATCH = 200
# A page reads at most this many events, however many sign-ins there are in a row.
MAX_EVENTS_PER_PAGE = 1000
MENTION_EXCERPT = 60


@dataclass
class AuditRow:
    """One line of the audit page: one event, or a person's sign-ins of one day."""

    event: AuditEvent  # the newest
    events: list[AuditEvent] = field(default_factory=list)  # newest first

    @property
    def is_group(self) -> bool:
        return len(self.events) > 1

    @property
    def oldest(self) -> AuditEvent:
        return self.events[-1]

    @property
    def sign_ins(self) -> int:
        return sum(1 for e in self.events if e.verb == "auth.login")

    @property
    def sign_outs(self) -> int:
        return sum(1 for e in self.events if e.verb == "auth.logout")


@dataclass
class AuditPage:
    items: list[AuditRow]
    next_before: int | None
    event_count: int


def _sign_in_key(event: AuditEvent) -> tuple[int | str, date] | None:
    if event.verb not in SIGN_IN_VERBS:
        return None
    return (event.actor_id or event.actor_label, timezone.localdate(event.created_at))


def audit_page(
    queryset: QuerySet, before: str | None, *, viewer, rows: int = ROWS_PER_PAGE
) -> AuditPage:
    """Up to `rows` rows of events below `before` (keyset on the id, newest first).

    The page covers every event from its newest to `next_before` (excluded from the
    next page), so grouping never hides an event between two pages.
    """
    queryset = queryset.order_by("-pk").defer("before", "after", "user_agent")
    if before and before.isdigit():  # a mangled cursor shows the first page, not an error
        queryset = queryset.filter(pk__lt=int(before))
    found: list[AuditRow] = []
    groups: dict[tuple, AuditRow] = {}
    read = 0
    last_pk = None
    more = False
    while not more:
        batch = list(queryset.filter(pk__lt=last_pk)[:BATCH] if last_pk else queryset[:BATCH])
        for event in batch:
            key = _sign_in_key(event)
            if read == MAX_EVENTS_PER_PAGE or (len(found) == rows and key not in groups):
                more = True
                break
            if key is not None and key in groups:
                groups[key].events.append(event)
            else:
                row = AuditRow(event=event, events=[event])
                found.append(row)
                if key is not None:
                    groups[key] = row
            read += 1
            last_pk = event.pk
        if len(batch) < BATCH:
            break
    name_targets([e for row in found for e in row.events], viewer=viewer)
    return AuditPage(items=found, next_before=last_pk if more else None, event_count=read)


def _mention_label(mention: Mention) -> str:
    text = " ".join(mention.text.split())
    if len(text) > MENTION_EXCERPT:
        text = text[:MENTION_EXCERPT].rstrip() + "…"
    author = f"@{mention.author_handle}" if mention.author_handle else _("someone")
    return f"{author}: “{text}”"


def name_targets(events, *, viewer) -> None:
    """Set `display_target` on each event: its target's label, a mention by author and text.

    One query for every mention of `events`, through the one visibility rule; a mention the
    viewer may not read (or one since removed) is only "a mention". Needs `target_type`
    selected with the events.
    """
    events = list(events)
    mention_ids = {
        int(e.target_id)
        for e in events
        if e.target_type is not None
        and (e.target_type.app_label, e.target_type.model) == ("monitoring", "mention")
        and e.target_id.isdigit()
    }
    readable = {}
    if mention_ids:
        readable = {
            m.pk: _mention_label(m)
            for m in Mention.objects.visible_to(viewer)
            .filter(pk__in=mention_ids)
            .only("pk", "author_handle", "text")
        }
    for event in events:
        if event.target_type is not None and (
            event.target_type.app_label,
            event.target_type.model,
        ) == ("monitoring", "mention"):
            key = int(event.target_id) if event.target_id.isdigit() else None
            event.display_target = readable.get(key) or _("a mention")
        else:
            event.display_target = event.target_label
