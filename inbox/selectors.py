"""Reading the triage inbox: who sees which mentions, its pages and views, SLA clocks, rows.

The filters are `inbox.filters.InboxFilter`. Pages are keyset pages over (published_at, id)
or (risk_score, published_at, id), so the millionth mention costs what the first does.
"""

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Count, F, Prefetch, Q, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncWeek
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from inbox.models import Holiday, SlaTarget, TeamHours
from monitoring.models import OPEN_STATUSES, Mention, MentionStatus, Tag, hidden_team_ids
from monitoring.reasons import REASON_LABELS  # noqa: F401 (the inbox's name for them)
from riskdesk.near_cache import NearCache

PAGE_SIZE = 50
VIEWING_SECONDS = 30
CRITICAL_RISK = 70  # the "Unassigned critical" view and the dashboard's count


def visible_teams(user):
    return Team.objects.exclude(pk__in=hidden_team_ids(user)).order_by("name")


@dataclass
class InboxPage:
    items: list
    next_cursor: str | None


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, tz=UTC)


def cursor_key(sort: str, cursor: str) -> tuple | None:
    """The sort key `cursor` stands at: (published_at, id), or (risk_score, published_at, id)
    when riskiest; None for a mangled cursor (first page)."""
    parts = cursor.split(".")
    if not all(p.lstrip("-").isdigit() for p in parts):
        return None
    numbers = [int(p) for p in parts]
    if sort == "riskiest" and len(numbers) == 3:
        score, published, pk = numbers
        return score, _from_micros(published), pk
    if sort == "newest" and len(numbers) == 2:
        published, pk = numbers
        return _from_micros(published), pk
    return None


def after_cursor(sort: str, cursor: str) -> Q | None:
    """The rows after `cursor` in `sort` order; None for a mangled cursor (first page)."""
    key = cursor_key(sort, cursor)
    if key is None:
        return None
    if sort == "riskiest":
        score, published, pk = key
        return (
            Q(risk_score__lt=score)
            | Q(risk_score=score, published_at__lt=published)
            | Q(risk_score=score, published_at=published, pk__lt=pk)
        )
    published, pk = key
    return Q(published_at__lt=published) | Q(published_at=published, pk__lt=pk)


def cursor_of(sort: str, mention: Mention) -> str:
    key = f"{_micros(mention.published_at)}.{mention.pk}"
    return f"{mention.risk_score}.{key}" if sort == "riskiest" else key


ORDER = {
    "newest": ("-published_at", "-pk"),
    "riskiest": ("-risk_score", "-published_at", "-pk"),
}


def tags_by_name() -> Prefetch:
    return Prefetch("tags", queryset=Tag.objects.order_by("name"))


def list_queryset(queryset):
    """What a list row shows, in a fixed number of queries."""
    return queryset.select_related("team", "assignee", "impersonates", "stream").prefetch_related(
        tags_by_name()
    )


ROW_KEY_FIELDS = (
    "id",
    "published_at",
    "risk_score",
    "status",
    "received_at",
    "first_response_at",
    "first_response_due_at",
    "resolve_due_at",
    "updated_at",
)


def inbox_page(queryset, *, sort: str = "newest", cursor: str | None = None, size=PAGE_SIZE):
    queryset = queryset.order_by(*ORDER.get(sort, ORDER["newest"]))
    if cursor:
        after = after_cursor(sort, cursor)
        if after is not None:
            queryset = queryset.filter(after)
    # What the rows' cache keys, the cursor and the clocks need: the rows not in the cache
    # are read in full (render_rows below).
    items = list(queryset.only(*ROW_KEY_FIELDS)[: size + 1])
    next_cursor = cursor_of(sort, items[size - 1]) if len(items) > size else None
    return InboxPage(items=items[:size], next_cursor=next_cursor)


def page_of_matches(matches, visible, *, sort: str = "newest", cursor=None, size=PAGE_SIZE):
    """The page among mentions already found with every filter (`matches`: the (id,
    published_at, risk_score) of each, from `inbox.filters.few_first`): ordered and cut here,
    then only the page's rows read, by id and date, from `visible`."""
    rank = itemgetter(2, 1, 0) if sort == "riskiest" else itemgetter(1, 0)
    ranked = sorted(matches, key=rank, reverse=True)
    start = cursor_key(sort, cursor) if cursor else None
    if start is not None:
        ranked = [match for match in ranked if rank(match) < start]
    read = by_id_and_date(visible, ranked[: size + 1]).order_by(*ORDER.get(sort, ORDER["newest"]))
    items = list(read.only(*ROW_KEY_FIELDS))
    next_cursor = cursor_of(sort, items[size - 1]) if len(items) > size else None
    return InboxPage(items=items[:size], next_cursor=next_cursor)


def by_id_and_date(queryset, keys):
    """`queryset` narrowed to the mentions of `keys` ((id, published_at, ...) each).

    With its date, each id is looked up in its month's partition alone (mentions are
    partitioned by published_at: by id alone, every partition's key would be probed). The
    pairs are joined as a set, not `id = ANY(list)`: against a list of a thousand or two
    scattered ids the planner walked the date index instead (50 ms at 1M).
    """
    ids, dates = [key[0] for key in keys], [key[1] for key in keys]
    if connection.vendor != "postgresql":
        return queryset.filter(pk__in=ids)
    table = Mention._meta.db_table
    return queryset.filter(
        RawSQL(  # noqa: S611 (our own names; the values go as parameters)
            f"({table}.id, {table}.published_at) IN "  # noqa: S608
            "(SELECT * FROM unnest(%s::bigint[], %s::timestamptz[]))",
            (ids, dates),
            output_field=BooleanField(),
        )
    )


@dataclass(frozen=True)
class View:
    key: str
    name: str
    query: str


def builtin_views(user, teams=None) -> list[View]:
    """The shared views: my queue, the critical ones nobody took, and one per team.

    `teams`: the (pk, name) of the teams `user` sees, if the caller has them already.
    """
    views = [
        View("mine", _("My queue"), "status=open&assignee=me"),
        View(
            "critical",
            _("Unassigned critical"),
            f"status=open&assignee=none&risk_min={CRITICAL_RISK}&sort=riskiest",
        ),
        View("impersonation", _("Impersonation"), "status=open&impersonation=true"),
        View("breached", _("SLA breached"), "status=open&breached=true&sort=riskiest"),
    ]
    if teams is None:
        teams = visible_teams(user).values_list("pk", "name")
    for pk, name in teams:
        views.append(View(f"team-{pk}", name, f"status=open&team={pk}"))
    return views


# --- The conversation around a mention ---------------------------------------------------

THREAD_SHOWN = 50  # posts the panel shows around a mention, the parent chain included
THREAD_SCAN = 2000  # posts of one thread looked through for the chain (ids only)


@dataclass
class Thread:
    """The root and the parents above a mention, then the rest of the thread, oldest first.

    Only what the reader may see: a hidden post is simply absent (the chain stops above it,
    the root still shows). `more` is how many of the rest are not shown.
    """

    chain: list
    replies: list
    more: int = 0

    def __bool__(self) -> bool:
        return bool(self.chain or self.replies)


def thread_of(mention: Mention, visible) -> Thread:
    """`mention`'s conversation among `visible` (Mention.objects.visible_to(...)): 2 queries."""
    key = mention.thread_id or mention.external_id
    around = Q(thread_id=key) | Q(external_id=key)
    if mention.parent_id:
        around |= Q(external_id=mention.parent_id)
    members = visible.filter(around, platform=mention.platform).exclude(pk=mention.pk)
    scanned = list(
        members.order_by("published_at", "pk").values_list("pk", "external_id", "parent_id")[
            :THREAD_SCAN
        ]
    )
    if not scanned:
        return Thread([], [])
    by_external = {external_id: (pk, parent) for pk, external_id, parent in scanned}
    chain: list[int] = []
    parent = mention.parent_id
    while parent in by_external and len(chain) < THREAD_SHOWN:
        pk, parent = by_external[parent]
        if pk in chain:
            break  # a loop in what the network said: stop there
        chain.append(pk)
    root = by_external.get(key)
    if root and key != mention.external_id and root[0] not in chain:
        chain.append(root[0])
    chain.reverse()
    others = [pk for pk, _external_id, _parent in scanned if pk not in chain]
    shown = others[: max(0, THREAD_SHOWN - len(chain))]
    total = len(scanned) if len(scanned) < THREAD_SCAN else members.count()
    rows = visible.filter(pk__in=[*chain, *shown]).select_related("owned_by").in_bulk()
    for row in rows.values():
        row.is_brand = row.owned_by_id is not None or row.status == MentionStatus.OWN
        row.answers_this = row.parent_id == mention.external_id
    return Thread(
        chain=[rows[pk] for pk in chain if pk in rows],
        replies=[rows[pk] for pk in shown if pk in rows],
        more=max(0, total - len(chain) - len(shown)),
    )


# Soft locks: who has a mention open right now, kept in the cache for a few seconds.
def viewers_key(mention_id: int) -> str:
    return f"mention-viewers:{mention_id}"


def viewers_of(mention_ids, *, except_user: User) -> dict[int, list[str]]:
    """For each mention, the names of the other people who have it open."""
    now = timezone.now().timestamp()
    found = cache.get_many([viewers_key(pk) for pk in mention_ids])
    result = {}
    for pk in mention_ids:
        names = [
            name
            for uid, (name, until) in (found.get(viewers_key(pk)) or {}).items()
            if uid != except_user.pk and until > now
        ]
        if names:
            result[pk] = sorted(names)
    return result


# --- Service-level targets --------------------------------------------------
# Due times are stored on the mention (set by a pipeline step when it arrives,
# recomputed when its priority or team changes: inbox.services), so "breached" is an
# indexed comparison and the dashboard can count breaches across millions of rows.
# Targets that count business hours only use the team's hours; a team without
# hours is served round the clock.

WARN_AT = 0.25  # a timer turns amber when a quarter of its time is left


def add_business_time(
    start: datetime, duration: timedelta, hours: TeamHours | None, holidays=frozenset()
) -> datetime:
    """`start` plus `duration` counted only inside `hours` (round the clock without them).

    The clock also stands still on `holidays` (dates in the team's time zone).
    """
    if hours is None or not hours.weekdays or hours.opens >= hours.closes:
        return start + duration
    zone = ZoneInfo(hours.timezone)
    moment = start.astimezone(zone)
    left = duration
    for _day in range(366 + len(holidays)):
        opens = datetime.combine(moment.date(), hours.opens, zone)
        closes = datetime.combine(moment.date(), hours.closes, zone)
        working = moment.weekday() in hours.weekdays and moment.date() not in holidays
        if working and moment < closes:
            moment = max(moment, opens)
            if moment + left <= closes:
                return (moment + left).astimezone(start.tzinfo)
            left -= closes - moment
        next_day = moment.date() + timedelta(days=1)
        moment = datetime.combine(next_day, hours.opens, zone)
    return start + duration  # hours that never open: fall back rather than loop


@dataclass(frozen=True)
class Targets:
    by_priority: dict[int, SlaTarget]  # the defaults, for every team
    hours: dict[int, TeamHours]
    by_team: dict[tuple[int, int], SlaTarget] = field(default_factory=dict)
    holidays: dict[int, frozenset] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Targets":
        defaults, own = {}, {}
        for target in SlaTarget.objects.all():
            if target.team_id is None:
                defaults[target.priority] = target
            else:
                own[(target.team_id, target.priority)] = target
        days: dict[int, set] = {}
        for team_id, day in Holiday.objects.values_list("team_id", "date"):
            days.setdefault(team_id, set()).add(day)
        return cls(
            by_priority=defaults,
            hours={h.team_id: h for h in TeamHours.objects.all()},
            by_team=own,
            holidays={team_id: frozenset(found) for team_id, found in days.items()},
        )

    def target(self, priority: int, team_id: int | None) -> SlaTarget | None:
        """The team's own target for `priority`, else the default one."""
        return self.by_team.get((team_id, priority)) or self.by_priority.get(priority)

    def due(self, *, start: datetime, priority: int, team_id: int | None):
        """(first response due, resolution due) for a mention, or (None, None) without a target."""
        target = self.target(priority, team_id)
        if target is None:
            return None, None
        hours = self.hours.get(team_id) if target.business_hours else None
        holidays = self.holidays.get(team_id, frozenset())
        return (
            add_business_time(start, target.first_response, hours, holidays),
            add_business_time(start, target.resolution, hours, holidays),
        )


@dataclass(frozen=True)
class Timer:
    label: str  # "first response" or "resolution"
    due_at: datetime
    left: timedelta  # negative once breached
    state: str  # "ok", "warn", "breached"


def timer(mention: Mention, now: datetime | None = None) -> Timer | None:
    """The clock that runs now on an open mention (None once closed or without a target)."""
    if mention.status not in OPEN_STATUSES:
        return None
    now = now or timezone.now()
    if mention.first_response_at is None and mention.first_response_due_at:
        label, due = "first_response", mention.first_response_due_at
    elif mention.resolve_due_at:
        label, due = "resolution", mention.resolve_due_at
    else:
        return None
    total = due - mention.received_at
    left = due - now
    if left < timedelta(0):
        state = "breached"
    elif total.total_seconds() > 0 and left / total <= WARN_AT:
        state = "warn"
    else:
        state = "ok"
    return Timer(label, due, left, state)


def overdue_q(now: datetime) -> Q:
    """Past a due time it has not met; breached if still open."""
    return Q(first_response_at__isnull=True, first_response_due_at__lt=now) | Q(
        resolve_due_at__lt=now
    )


def breached_q(now: datetime) -> Q:
    return Q(status__in=OPEN_STATUSES) & overdue_q(now)


def breach_count(queryset, now: datetime | None = None) -> int:
    return queryset.filter(breached_q(now or timezone.now())).count()


def sla_counts(now: datetime) -> dict:
    """Aggregates of the targets met: `first_met` of `first_due`, `resolve_met` of `resolve_due`.

    A first response (or resolution) counts as met when it happened before its due
    time; one still open past its due time counts as missed; one still running does
    not count yet. Shared by the weekly SLA page and the reports (reports.selectors).
    """
    return {
        "first_met": Count("pk", filter=Q(first_response_at__lte=F("first_response_due_at"))),
        "first_due": Count(
            "pk",
            filter=Q(first_response_due_at__isnull=False)
            & (Q(first_response_at__isnull=False) | Q(first_response_due_at__lt=now)),
        ),
        "resolve_met": Count("pk", filter=Q(resolved_at__lte=F("resolve_due_at"))),
        "resolve_due": Count(
            "pk",
            filter=Q(resolve_due_at__isnull=False)
            & (Q(resolved_at__isnull=False) | Q(resolve_due_at__lt=now)),
        ),
    }


def weekly_report(queryset, *, weeks: int = 8) -> list[dict]:
    """Per team and week of arrival: mentions with targets, and the share of each target met
    (`sla_counts`)."""
    now = timezone.now()
    since = now - timedelta(weeks=weeks)
    rows = (
        queryset.filter(received_at__gte=since, first_response_due_at__isnull=False)
        .annotate(week=TruncWeek("received_at"))
        .values("week", "team__name")
        .annotate(total=Count("pk"), **sla_counts(now))
        .order_by("-week", "team__name")
    )
    report = []
    for row in rows:
        report.append(
            {
                "week": row["week"],
                "team": row["team__name"],
                "total": row["total"],
                "first_response_pct": _pct(row["first_met"], row["first_due"]),
                "resolution_pct": _pct(row["resolve_met"], row["resolve_due"]),
            }
        )
    return report


def _pct(met: int, due: int) -> float | None:
    return round(100 * met / due, 1) if due else None


# --- Rows: rendered once per state of their mention, then read from the cache ---
# The template engine takes about half a millisecond a row, most of a page's time; a page of
# rows read from the cache costs one round trip. A row's key holds everything the row shows
# that can change: the mention's `updated_at` (every triage action renews it), its SLA state
# and who is viewing it, and the reader's language, time zone and right to triage, plus a
# digest of the row's templates so a deployment never serves old markup. What a key cannot
# see (a team or a person renamed) lasts at most ROW_TTL. Relative times in a row ("3 minutes
# ago", the SLA countdown) are written by the browser (riskdesk.js), so a cached row does not
# age.

ROW_TEMPLATE = "inbox/_inbox_row.html"
ROW_TEMPLATES = (
    ROW_TEMPLATE,
    "monitoring/_mention_author.html",
    "inbox/_sla_timer.html",
    "inbox/_row_viewers.html",
)
ROW_TTL = 15 * 60
# Rendered rows kept in the process too (a few KB each): a page's fifty without a cache trip.
ROWS_NEAR = NearCache(max_entries=5000)


@functools.cache
def _templates_digest() -> str:
    sources = "\0".join(get_template(name).template.source for name in ROW_TEMPLATES)
    return hashlib.blake2b(sources.encode(), digest_size=8).hexdigest()


def _row_key(mention: Mention, can_triage: bool) -> str:
    """`mention` as decorated by inbox.views.decorate (timer, viewers)."""
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


def render_rows(mentions: list[Mention], *, can_triage: bool, read) -> None:
    """Give each decorated mention its row's HTML (`mention.row_html`).

    The rows not in the cache are rendered from `read(those mentions)`: the same mentions,
    read in full and decorated (inbox_page reads only ROW_KEY_FIELDS); their relations
    (team, assignee, tags) are read for them only.
    """
    keys = {mention.pk: _row_key(mention, can_triage) for mention in mentions}
    cached = ROWS_NEAR.get_many(keys.values())
    missing = [mention for mention in mentions if keys[mention.pk] not in cached]
    if missing:
        anew = read(missing)
        prefetch_related_objects(anew, "team", "assignee", tags_by_name())
        rendered = {
            keys[mention.pk]: render_to_string(
                ROW_TEMPLATE, {"m": mention, "can_triage": can_triage}
            )
            for mention in anew
        }
        ROWS_NEAR.set_many(rendered, ROW_TTL)
        cached |= rendered
    for mention in mentions:
        # escaped by the template; a row gone from sight since the page was read shows nothing
        mention.row_html = mark_safe(cached.get(keys[mention.pk], ""))  # noqa: S308
