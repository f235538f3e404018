"""Reads other parts of riskdesk reuse: open incidents, incidents of a mention, stats."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone

from incidents.models import OPEN_STATUSES, Incident, IncidentMention, IncidentTask
from monitoring.dashboard import BAR_GAP, BAR_WIDTH, CHART_HEIGHT, Bar, risk_band
from monitoring.models import Mention
from riskdesk.permissions import can

CHART_MAX_HOURS = 48
RISKIEST_SHOWN = 10


def incidents_visible(user) -> QuerySet:
    if not can(user, "incident.view"):
        return Incident.objects.none()
    return Incident.objects.all()


def open_incidents(user) -> QuerySet:
    """Open incidents the user may see, most severe first (pickers: "add to an incident")."""
    return (
        incidents_visible(user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("lead")
        .order_by("severity", "-declared_at", "-id")
    )


def incidents_for_mention(mention_ids) -> dict[int, list[Incident]]:
    """The incidents each mention is linked to, newest first: {mention_id: [Incident, ...]}."""
    ids = [int(pk) for pk in mention_ids]
    found: dict[int, list[Incident]] = {}
    if not ids:
        return found
    links = (
        IncidentMention.objects.filter(mention_id__in=ids)
        .select_related("incident")
        .order_by("-incident__declared_at", "-incident_id")
    )
    for link in links:
        found.setdefault(link.mention_id, []).append(link.incident)
    return found


def open_tasks_for(user) -> QuerySet:
    """Tasks waiting for the user: assigned to them, or of a role they hold with no owner."""
    mine = Q(assignee=user)
    for role in ("lead", "legal", "communications", "customer_service", "security", "social_lead"):
        mine |= Q(assignee__isnull=True, role=role, **{f"incident__{role}": user})
    return (
        IncidentTask.objects.filter(mine, state=IncidentTask.State.OPEN)
        .exclude(
            ~Q(kind=IncidentTask.Kind.ACTION_ITEM), incident__status__in=["resolved", "reviewed"]
        )
        .select_related("incident")
        .order_by("due_at", "id")
    )


@dataclass
class VolumeChart:
    bars: list[Bar]
    width: int
    height: int = CHART_HEIGHT
    bar_width: int = BAR_WIDTH


def _chart(incident: Incident, links, now: datetime) -> VolumeChart | None:
    """`links` (the linked mentions the reader sees) per hour, and the negative ones, from the
    first linked mention (at most 48 hours back) to now: one query."""
    end = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start_from = incident.first_mention_at or incident.declared_at
    hours_back = int((end - start_from).total_seconds() // 3600) + 1
    hours_back = max(6, min(CHART_MAX_HOURS, hours_back))
    hours = [end - timedelta(hours=hours_back - i) for i in range(hours_back)]
    rows = (
        links.filter(published_at__gte=hours[0], published_at__lt=end)
        .annotate(hour=TruncHour("published_at"))
        .values("hour")
        .annotate(total=Count("pk"), negative=Count("pk", filter=Q(sentiment_label="negative")))
        .order_by()
    )
    counts = {row["hour"]: (row["total"], row["negative"]) for row in rows}
    if not counts:
        return None
    bars = [Bar(hour, *counts.get(hour, (0, 0))) for hour in hours]
    peak = max(bar.total for bar in bars) or 1
    for i, bar in enumerate(bars):
        bar.x = i * (BAR_WIDTH + BAR_GAP)
        bar.height = round(CHART_HEIGHT * bar.total / peak)
        bar.negative_height = round(CHART_HEIGHT * bar.negative / peak)
    return VolumeChart(bars=bars, width=len(bars) * (BAR_WIDTH + BAR_GAP))


def mention_stats(incident: Incident, *, user, now: datetime | None = None) -> dict:
    """Count, sentiment, volume over time and the newest riskiest linked mentions (4 queries).

    Of the linked mentions `user` may see: someone in Legal may link a mention of its queue
    to an incident everybody follows; the others learn only how many they cannot see
    (`restricted`), never their text, author or id.
    """
    now = now or timezone.now()
    linked = Mention.objects.visible_to(user).filter(incident_links__incident=incident)
    figures = linked.aggregate(
        count=Count("pk"),
        negative=Count("pk", filter=Q(sentiment_label="negative")),
        positive=Count("pk", filter=Q(sentiment_label="positive")),
        sentiment=Avg("sentiment"),
        last_hour=Count("pk", filter=Q(published_at__gte=now - timedelta(hours=1))),
        newest=Max("published_at"),
        oldest=Min("published_at"),
        top_risk=Max("risk_score"),
    )
    riskiest = list(
        linked.select_related("team", "impersonates").order_by(
            "-risk_score", "-published_at", "-id"
        )[:RISKIEST_SHOWN]
    )
    for mention in riskiest:
        mention.band = risk_band(mention.risk_score)
    count = figures["count"]
    figures["negative_share"] = round(100 * figures["negative"] / count) if count else 0
    return figures | {
        "riskiest": riskiest,
        "chart": _chart(incident, linked, now) if count else None,
        "restricted": max(0, incident.mention_count - count),
    }
