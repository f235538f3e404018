"""Service-level targets: when a mention's first response and resolution are due.

Due times are stored on the mention (set by a pipeline step when it arrives,
recomputed when its priority or team changes), so "breached" is an indexed
comparison and the dashboard can count breaches across millions of rows.
Targets that count business hours only use the team's hours; a team without
hours is served round the clock.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from monitoring.models import OPEN_STATUSES, Mention, SlaTarget, TeamHours

WARN_AT = 0.25  # a timer turns amber when a quarter of its time is left


def add_business_time(start: datetime, duration: timedelta, hours: TeamHours | None) -> datetime:
    """`start` plus `duration` counted only inside `hours` (round the clock without them)."""
    if hours is None or not hours.weekdays or hours.opens >= hours.closes:
        return start + duration
    zone = ZoneInfo(hours.timezone)
    moment = start.astimezone(zone)
    left = duration
    for _day in range(366):
        opens = datetime.combine(moment.date(), hours.opens, zone)
        closes = datetime.combine(moment.date(), hours.closes, zone)
        if moment.weekday() in hours.weekdays and moment < closes:
            moment = max(moment, opens)
            if moment + left <= closes:
                return (moment + left).astimezone(start.tzinfo)
            left -= closes - moment
        next_day = moment.date() + timedelta(days=1)
        moment = datetime.combine(next_day, hours.opens, zone)
    return start + duration  # hours that never open: fall back rather than loop


@dataclass(frozen=True)
class Targets:
    by_priority: dict[int, SlaTarget]
    hours: dict[int, TeamHours]

    @classmethod
    def load(cls) -> "Targets":
        return cls(
            by_priority={t.priority: t for t in SlaTarget.objects.all()},
            hours={h.team_id: h for h in TeamHours.objects.all()},
        )

    def due(self, *, start: datetime, priority: int, team_id: int | None):
        """(first response due, resolution due) for a mention, or (None, None) without a target."""
        target = self.by_priority.get(priority)
        if target is None:
            return None, None
        hours = self.hours.get(team_id) if target.business_hours else None
        return (
            add_business_time(start, target.first_response, hours),
            add_business_time(start, target.resolution, hours),
        )


def apply_sla(batch: list) -> None:
    """Pipeline step (after routing): stamp each new mention with its due times."""
    targets = Targets.load()
    now = timezone.now()
    for mention in batch:
        mention.first_response_due_at, mention.resolve_due_at = targets.due(
            start=now, priority=mention.priority, team_id=mention.team_id
        )


def recompute_due(mentions) -> None:
    """After a priority or team change: due times from when each mention arrived."""
    targets = Targets.load()
    for mention in mentions:
        first, resolve = targets.due(
            start=mention.received_at, priority=mention.priority, team_id=mention.team_id
        )
        Mention.objects.filter(pk=mention.pk).update(
            first_response_due_at=first, resolve_due_at=resolve
        )
        mention.first_response_due_at, mention.resolve_due_at = first, resolve


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


def weekly_report(queryset, *, weeks: int = 8) -> list[dict]:
    """Per team and week of arrival: mentions with targets, and the share of each target met.

    A first response (or resolution) counts as met when it happened before its due
    time; one still open past its due time counts as missed; one still running does
    not count yet.
    """
    now = timezone.now()
    since = now - timedelta(weeks=weeks)
    rows = (
        queryset.filter(received_at__gte=since, first_response_due_at__isnull=False)
        .annotate(week=TruncWeek("received_at"))
        .values("week", "team__name")
        .annotate(
            total=Count("pk"),
            first_met=Count("pk", filter=Q(first_response_at__lte=F("first_response_due_at"))),
            first_due=Count(
                "pk",
                filter=Q(first_response_at__isnull=False) | Q(first_response_due_at__lt=now),
            ),
            resolve_met=Count("pk", filter=Q(resolved_at__lte=F("resolve_due_at"))),
            resolve_due=Count(
                "pk", filter=Q(resolved_at__isnull=False) | Q(resolve_due_at__lt=now)
            ),
        )
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
