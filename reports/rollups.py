"""The reports' daily roll-ups: writing them, and which days of a period they may answer.

A closed day (before today, in the report's time zone) is rolled up into `MentionDay` rows by
`rollups_refresh`, which the beat runs every few minutes. A day is read from its rows only
while they are exact: rolled up, and no mention published that day written since the run that
last checked it (`Mention.updated_at`, which every write renews, an insert included: a late
mention dated in the past counts too). Any other day (today, a day not rolled up yet, a day changed
since) is counted live from the mentions, with the same grouping, so a figure is always the
one the mentions give. Nothing that writes mentions has to know the roll-ups exist.
"""

from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from inbox.selectors import CRITICAL_RISK
from monitoring.models import Mention, MentionStatus
from reports.models import MentionDay, RolledDay, RollupState
from reports.selectors.figures import sentiment_micro
from reports.selectors.period import Period, local_today, report_timezone

SQLITE_MARGIN_SECONDS = 60
# The dimensions a MentionDay row is counted by: every grouping the report's figures need.
DIMENSIONS = ("stream_id", "platform", "team_id", "sentiment_label", "reason_flags", "high_risk")


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


def _day_rollup(day: date, horizon) -> int:
    period = Period(day, day)
    rows = counted(
        Mention.objects.filter(published_at__gte=period.start, published_at__lt=period.end)
    )
    with transaction.atomic():
        MentionDay.objects.filter(day=day).delete()
        MentionDay.objects.bulk_create([MentionDay(day=day, **row) for row in rows])
        RolledDay.objects.update_or_create(day=day, defaults={"rolled_at": horizon})
    return len(rows)


def _changed_days(rolled: dict[date, object]) -> set[date]:
    """The days of `rolled` ({day: horizon of its roll-up}) with a mention written since."""
    if not rolled:
        return set()
    changed = (
        Mention.objects.filter(updated_at__gte=min(rolled.values()))
        .annotate(day=TruncDate("published_at", tzinfo=report_timezone()))
        .filter(day__in=list(rolled))
        .values("day")
        .annotate(last=Max("updated_at"))
        .order_by()
    )
    return {row["day"] for row in changed if row["last"] >= rolled[row["day"]]}


def rollups_refresh(*, now=None) -> dict:
    """Roll up every closed day not rolled up yet, and every rolled-up day changed since its
    roll-up; what was done. Idempotent: two runs at once write the same rows."""
    started = now or timezone.now()
    horizon = snapshot_horizon(started)
    tz = report_timezone()
    today = timezone.localtime(started, tz).date()
    state = RollupState.objects.filter(pk=1).first()
    if state is not None and state.timezone != tz.key:
        # The days were cut in another time zone: none of them is a day any more.
        MentionDay.objects.all().delete()
        RolledDay.objects.all().delete()
    due: set[date] = set()
    first = Mention.objects.order_by("published_at").values_list("published_at", flat=True).first()
    if first is not None:
        rolled = dict(RolledDay.objects.values_list("day", "rolled_at"))
        day = timezone.localtime(first, tz).date()
        while day < today:
            if day not in rolled:
                due.add(day)
            day += timedelta(days=1)
        due |= {day for day in _changed_days(rolled) if day < today}
    rows = sum(_day_rollup(day, horizon) for day in sorted(due))
    # Every other day was found unchanged up to the horizon: from there on a reader looks for
    # changes, so it reads only those since this run, not since the day's roll-up.
    RolledDay.objects.exclude(day__in=due).filter(rolled_at__lt=horizon).update(rolled_at=horizon)
    RollupState.objects.update_or_create(pk=1, defaults={"checked_at": started, "timezone": tz.key})
    return {"days": len(due), "rows": rows}


def split_days(period: Period) -> tuple[list[date], list[date]]:
    """The days of `period` its roll-up rows answer exactly, and those counted live."""
    days = [period.first + timedelta(days=n) for n in range(period.days)]
    state = RollupState.objects.filter(pk=1).first()
    if state is None or state.timezone != report_timezone().key:
        return [], days
    today = local_today()
    rolled = dict(
        RolledDay.objects.filter(
            day__gte=period.first, day__lte=period.last, day__lt=today
        ).values_list("day", "rolled_at")
    )
    exact = set(rolled) - _changed_days(rolled)
    return sorted(exact), [day for day in days if day not in exact]


def day_runs(days: list[date]) -> list[Period]:
    """Consecutive days as periods: a range query each."""
    runs: list[Period] = []
    for day in sorted(days):
        if runs and runs[-1].last + timedelta(days=1) == day:
            runs[-1] = Period(runs[-1].first, day)
        else:
            runs.append(Period(day, day))
    return runs
