"""The reports' daily roll-ups: writing them, and which days of a period they may answer.

Two roll-ups, each a `Kind`: PUBLICATION counts the mentions by the day they were published
(`MentionDay`: volume, sentiment, risk, share of voice), RESPONSES by the day they arrived
(`ResponseDay`: response times and SLA). A closed day (before today, in the report's time
zone) is rolled up by `rollups_refresh`, which the beat runs every few minutes. A day is read
from its rows only while they are exact: rolled up, and no mention of that day written since
the run that last checked it (`Mention.updated_at`, which every write renews, an insert
included: a late mention dated in the past counts too). Any other day (today, a day not rolled
up yet, a day changed since) is counted live from the mentions, with the same grouping, so a
figure is always the one the mentions give. Nothing that writes mentions has to know the
roll-ups exist.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, models, transaction
from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Max, Q, Sum, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from inbox.selectors import CRITICAL_RISK
from monitoring.models import Mention, MentionStatus
from reports.models import MentionDay, ResponseDay, RolledDay, RolledResponseDay, RollupState
from reports.selectors.figures import first_response_seconds, resolution_seconds, sentiment_micro
from reports.selectors.period import Period, local_today, report_timezone
from reports.selectors.stats import pack, pack_moments

SQLITE_MARGIN_SECONDS = 60
# The dimensions a MentionDay row is counted by: every grouping the report's figures need.
DIMENSIONS = ("stream_id", "platform", "team_id", "sentiment_label", "reason_flags", "high_risk")
# A ResponseDay row's: the groupings of the response times, and the visibility rule's team.
RESPONSE_KEYS = ("day", "stream_id", "team_id", "assignee_id")


def snapshot_horizon(now):
    """The earliest `updated_at` a write not yet visible to a run beginning `now` can carry.

    `updated_at` is the writing transaction's start (`Now()`): a transaction still open when
    the run reads may commit a change stamped before `now`. On PostgreSQL the oldest open
    transaction says how far back; SQLite writes one transaction at a time, each short: a
    margin covers it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT min(xact_start) FROM pg_stat_activity"
                " WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()"
                " AND datname = current_database()"
            )
            oldest = cursor.fetchone()[0]
        return min(now, oldest) if oldest else now
    return now - timedelta(seconds=SQLITE_MARGIN_SECONDS)


def counted(mentions, by=DIMENSIONS):
    """`mentions` (the brand's own posts left out) grouped `by` (DIMENSIONS, and "day" for the
    local day of publication), with MentionDay's measures: the live twin of the roll-up rows."""
    return (
        mentions.exclude(status=MentionStatus.OWN)
        .annotate(
            high_risk=ExpressionWrapper(Q(risk_score__gte=CRITICAL_RISK), BooleanField()),
            day=TruncDate("published_at", tzinfo=report_timezone()),
        )
        .values(*by)
        .annotate(
            total=Count("pk"),
            sentiment_micro=Sum(sentiment_micro()),
            sentiment_count=Count("sentiment"),
        )
        .order_by()
    )


def response_counted(mentions) -> list[dict]:
    """`mentions` (the brand's own posts left out) grouped by RESPONSE_KEYS ("day": the local
    day of arrival), with ResponseDay's measures: the live twin of its rows."""
    keyed = (
        mentions.exclude(status=MentionStatus.OWN)
        .annotate(day=TruncDate("received_at", tzinfo=report_timezone()))
        .order_by()
    )
    answered, resolved = Q(first_response_at__isnull=False), Q(resolved_at__isnull=False)
    first_due, resolve_due = (
        Q(first_response_due_at__isnull=False),
        Q(resolve_due_at__isnull=False),
    )
    rows = {
        tuple(row[key] for key in RESPONSE_KEYS): row
        for row in keyed.values(*RESPONSE_KEYS).annotate(
            total=Count("pk"),
            responded=Count("pk", filter=answered),
            resolved=Count("pk", filter=resolved),
            first_met=Count("pk", filter=Q(first_response_at__lte=F("first_response_due_at"))),
            first_due_done=Count("pk", filter=answered & first_due),
            resolve_met=Count("pk", filter=Q(resolved_at__lte=F("resolve_due_at"))),
            resolve_due_done=Count("pk", filter=resolved & resolve_due),
        )
    }
    # Per group: durations to answer and to resolve, targets still running.
    kept = {group: ([], [], [], []) for group in rows}
    for *group, first, resolution, first_waiting, resolve_waiting in keyed.filter(
        answered | resolved | (first_due & ~answered) | (resolve_due & ~resolved)
    ).values_list(
        *RESPONSE_KEYS,
        Case(When(answered, then=first_response_seconds())),
        Case(When(resolved, then=resolution_seconds())),
        Case(When(first_due & ~answered, then=F("first_response_due_at"))),
        Case(When(resolve_due & ~resolved, then=F("resolve_due_at"))),
    ):
        for values, value in zip(
            kept[tuple(group)], (first, resolution, first_waiting, resolve_waiting), strict=True
        ):
            if value is not None:
                values.append(value)
    for group, row in rows.items():
        firsts, resolutions, first_waiting, resolve_waiting = kept[group]
        row["first_response_seconds"] = pack(firsts)
        row["resolution_seconds"] = pack(resolutions)
        row["first_waiting"] = pack_moments(first_waiting)
        row["resolve_waiting"] = pack_moments(resolve_waiting)
    return list(rows.values())


@dataclass(frozen=True)
class Kind:
    """One roll-up: the mention date its days are cut by, its rows, its days rolled up and
    how a day's rows are counted from its mentions."""

    field: str
    rows: type[models.Model]
    rolled: type[models.Model]
    count: Callable[[object], list[dict]]


PUBLICATION = Kind("published_at", MentionDay, RolledDay, counted)
RESPONSES = Kind("received_at", ResponseDay, RolledResponseDay, response_counted)
KINDS = (PUBLICATION, RESPONSES)


def _day_rollup(kind: Kind, day: date, horizon) -> int:
    period = Period(day, day)
    mentions = Mention.objects.filter(
        **{f"{kind.field}__gte": period.start, f"{kind.field}__lt": period.end}
    )
    rows = [kind.rows(**(row | {"day": day})) for row in kind.count(mentions)]
    with transaction.atomic():
        kind.rows.objects.filter(day=day).delete()
        kind.rows.objects.bulk_create(rows)
        kind.rolled.objects.update_or_create(day=day, defaults={"rolled_at": horizon})
    return len(rows)


def _changed_days(kind: Kind, rolled: dict[date, object]) -> set[date]:
    """The days of `rolled` ({day: horizon of its roll-up}) with a mention written since."""
    if not rolled:
        return set()
    changed = (
        Mention.objects.filter(updated_at__gte=min(rolled.values()))
        .annotate(day=TruncDate(kind.field, tzinfo=report_timezone()))
        .filter(day__in=list(rolled))
        .values("day")
        .annotate(last=Max("updated_at"))
        .order_by()
    )
    return {row["day"] for row in changed if row["last"] >= rolled[row["day"]]}


def _refresh(kind: Kind, horizon, today: date) -> dict:
    due: set[date] = set()
    first = Mention.objects.order_by(kind.field).values_list(kind.field, flat=True).first()
    if first is not None:
        rolled = dict(kind.rolled.objects.values_list("day", "rolled_at"))
        day = timezone.localtime(first, report_timezone()).date()
        while day < today:
            if day not in rolled:
                due.add(day)
            day += timedelta(days=1)
        due |= {day for day in _changed_days(kind, rolled) if day < today}
    rows = sum(_day_rollup(kind, day, horizon) for day in sorted(due))
    # Every other day was found unchanged up to the horizon: from there on a reader looks for
    # changes, so it reads only those since this run, not since the day's roll-up.
    kind.rolled.objects.exclude(day__in=due).filter(rolled_at__lt=horizon).update(rolled_at=horizon)
    return {"days": len(due), "rows": rows}


def rollups_refresh(*, now=None) -> dict:
    """Roll up, for each kind, every closed day not rolled up yet and every rolled-up day
    changed since its roll-up; what was done, the publication days' first. Idempotent: two
    runs at once write the same rows."""
    started = now or timezone.now()
    horizon = snapshot_horizon(started)
    tz = report_timezone()
    today = timezone.localtime(started, tz).date()
    state = RollupState.objects.filter(pk=1).first()
    if state is not None and state.timezone != tz.key:
        # The days were cut in another time zone: none of them is a day any more.
        for kind in KINDS:
            kind.rows.objects.all().delete()
            kind.rolled.objects.all().delete()
    done = _refresh(PUBLICATION, horizon, today)
    done["responses"] = _refresh(RESPONSES, horizon, today)
    RollupState.objects.update_or_create(pk=1, defaults={"checked_at": started, "timezone": tz.key})
    return done


def exact_days(span: Period) -> dict[Kind, set[date]]:
    """The days of `span` each kind's roll-up rows answer exactly: read once for a report
    and its previous period."""
    state = RollupState.objects.filter(pk=1).first()
    if state is None or state.timezone != report_timezone().key:
        return {kind: set() for kind in KINDS}
    today = local_today()
    exact = {}
    for kind in KINDS:
        rolled = dict(
            kind.rolled.objects.filter(
                day__gte=span.first, day__lte=span.last, day__lt=today
            ).values_list("day", "rolled_at")
        )
        exact[kind] = set(rolled) - _changed_days(kind, rolled)
    return exact


def split_days(
    period: Period, kind: Kind = PUBLICATION, exact: dict[Kind, set[date]] | None = None
) -> tuple[list[date], list[date]]:
    """The days of `period` the roll-up rows of `kind` answer exactly, and those counted
    live (`exact`: exact_days of a span holding `period`, read when None)."""
    exact_here = (exact if exact is not None else exact_days(period))[kind]
    days = [period.first + timedelta(days=n) for n in range(period.days)]
    return [d for d in days if d in exact_here], [d for d in days if d not in exact_here]


def _day_runs(days: list[date]) -> list[Period]:
    """Consecutive days as periods: a range query each."""
    runs: list[Period] = []
    for day in sorted(days):
        if runs and runs[-1].last + timedelta(days=1) == day:
            runs[-1] = Period(runs[-1].first, day)
        else:
            runs.append(Period(day, day))
    return runs


def on_days(days: list[date], kind: Kind | None = None) -> Q:
    """The roll-up rows of `days` (`kind` None), or the mentions whose date of `kind` falls on
    one of them: a range for each run of consecutive days."""
    where = Q()
    for run in _day_runs(days):
        if kind is None:
            where |= Q(day__gte=run.first, day__lte=run.last)
        else:
            where |= Q(**{f"{kind.field}__gte": run.start, f"{kind.field}__lt": run.end})
    return where
