"""The dashboard's risk cards, and the risk badge and chart pieces other pages reuse."""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Q, Window
from django.db.models.functions import TruncHour
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alerting.models import SpikeAlert
from inbox.page import counts_version
from inbox.selectors import CRITICAL_RISK, overdue_q
from monitoring.models import OPEN_STATUSES, Mention, MentionStatus, visibility_key
from monitoring.reasons import reason_label
from riskdesk.permissions import can

# --- Dashboard: the risk cards ------------------------------------------------------------

RISK_DAYS = 7
RISKIEST_SHOWN = 10
IMPERSONATIONS_SHOWN = 5
SPIKES_SHOWN = 10
CHART_HOURS = 24
RISK_TTL = 20  # seconds the risk cards' shared figures are kept (see dashboard_risk)
# Chart geometry, in SVG user units.
BAR_WIDTH, BAR_GAP, CHART_HEIGHT = 10, 2, 60


def risk_band(score: int) -> str:
    """The badge colour of a risk score."""
    if score >= 70:
        return "danger"
    if score >= 40:
        return "warning"
    return "info" if score >= 15 else "muted"


@dataclass
class Bar:
    hour: datetime
    total: int
    negative: int
    x: int = 0
    height: int = 0
    negative_height: int = 0

    @property
    def y(self) -> int:
        return CHART_HEIGHT - self.height

    @property
    def negative_y(self) -> int:
        return CHART_HEIGHT - self.negative_height


def _bar_label(bar: Bar) -> str:
    # The template's blocktranslate message, so its translations still apply.
    return ngettext(
        "%(counter)s mention, %(negative)s negative",
        "%(counter)s mentions, %(negative)s negative",
        bar.total,
    ) % {"counter": bar.total, "negative": bar.negative}


@dataclass
class StreamChart:
    stream_id: int | None
    name: str
    bars: list[Bar]
    total: int
    negative: int
    width: int = CHART_HOURS * (BAR_WIDTH + BAR_GAP)
    height: int = CHART_HEIGHT
    bar_width: int = BAR_WIDTH

    # The bars and the hidden table, 24 of each per stream, are written here rather than by
    # template loops: on every dashboard load the loops cost more than all its queries. The
    # numbers are ints; the texts are escaped.
    def bars_svg(self) -> str:
        zone = timezone.get_current_timezone()
        parts = []
        for bar in self.bars:
            if not bar.total:
                continue
            _iso, hour = _hour_texts(bar.hour, zone)
            negative = (
                f'<rect class="chart__negative" x="{bar.x}" y="{bar.negative_y}"'
                f' width="{self.bar_width}" height="{bar.negative_height}"></rect>'
                if bar.negative_height
                else ""
            )
            parts.append(
                f"<g><title>{hour} · {escape(_bar_label(bar))}</title>"
                f'<rect class="chart__total" x="{bar.x}" y="{bar.y}" width="{self.bar_width}"'
                f' height="{bar.height}"></rect>{negative}</g>'
            )
        return mark_safe("".join(parts))  # noqa: S308  (ints and escaped texts)

    def rows_html(self) -> str:
        zone = timezone.get_current_timezone()
        rows = []
        for bar in self.bars:
            iso, hour = _hour_texts(bar.hour, zone)
            rows.append(
                f'<tr><th scope="row"><time datetime="{iso}">{hour}</time></th>'
                f"<td>{int(bar.total)}</td><td>{int(bar.negative)}</td></tr>"
            )
        return mark_safe("".join(rows))  # noqa: S308  (ints and escaped texts)


@functools.lru_cache(maxsize=1024)
def _hour_texts(moment: datetime, zone) -> tuple[str, str]:
    """An hour's ISO time and "HH:MM" in `zone`, escaped: the same 24 for every stream."""
    local = timezone.localtime(moment, zone) if timezone.is_aware(moment) else moment
    return escape(date_filter(local, "c")), escape(date_filter(local, "H:i"))


def _volume_charts(mentions, now: datetime) -> list[StreamChart]:
    """Hourly `mentions` (those the reader may see) and negative ones per stream over the
    last day: one query. The brand's own posts count in the volume, never as negative."""
    # Local hours, as TruncHour cuts them (some time zones are offset by half an hour).
    end = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    hours = [end - timedelta(hours=CHART_HOURS - i) for i in range(CHART_HOURS)]
    rows = (
        mentions.filter(published_at__gte=hours[0], published_at__lt=end)
        .annotate(hour=TruncHour("published_at"))
        .values("stream_id", "stream__name", "hour")
        .annotate(
            total=Count("pk"),
            negative=Count(
                "pk", filter=Q(sentiment_label="negative") & ~Q(status=MentionStatus.OWN)
            ),
        )
        .order_by()
    )
    by_stream: dict[int | None, tuple[str, dict[datetime, tuple[int, int]]]] = {}
    for row in rows:
        name = row["stream__name"] or _("No stream (pushed)")
        by_stream.setdefault(row["stream_id"], (name, {}))[1][row["hour"]] = (
            row["total"],
            row["negative"],
        )
    charts = []
    for stream_id, (name, counts) in by_stream.items():
        bars = [Bar(hour, *counts.get(hour, (0, 0))) for hour in hours]
        peak = max(bar.total for bar in bars) or 1
        for i, bar in enumerate(bars):
            bar.x = i * (BAR_WIDTH + BAR_GAP)
            bar.height = round(CHART_HEIGHT * bar.total / peak)
            bar.negative_height = round(CHART_HEIGHT * bar.negative / peak)
        charts.append(
            StreamChart(
                stream_id,
                name,
                bars,
                total=sum(b.total for b in bars),
                negative=sum(b.negative for b in bars),
            )
        )
    charts.sort(key=lambda chart: (-chart.total, chart.name))
    return charts


def _top_codes(reasons, limit: int = 3) -> list[str]:
    codes = []
    for reason in reasons or ():
        code = reason.get("code") if isinstance(reason, dict) else None
        if code and code not in codes:
            codes.append(code)
    return codes[:limit]


def dashboard_risk(user) -> dict | None:
    """What the dashboard's risk cards show; None for who cannot see mentions.

    The figures are the same for everyone who sees the same queues, in the same language and
    time zone (each reader's own count is among the open counts by assignee): they are read
    once for all of them, in six queries, and kept RISK_TTL seconds or until a triage write
    changes the counts (inbox.page.forget_counts). The cards reload every 30 seconds, on
    every open dashboard.
    """
    if not can(user, "mention.view"):
        return None
    key = ":".join(
        (
            f"dashboard:risk:{counts_version()}",
            visibility_key(user),
            translation.get_language() or "-",
            timezone.get_current_timezone_name(),
        )
    )
    risk = cache.get(key)
    if risk is None:
        now = timezone.now()
        risk = {**_shared_risk(Mention.objects.visible_to(user), now), "computed_at": now}
        cache.set(key, risk, RISK_TTL)
    mine = risk["open_by_assignee"].get(user.pk, 0)
    # The cards but the first are rendered once under the same key (_dashboard_risk.html).
    return {**risk, "queue": {**risk["queue"], "mine": mine}, "key": key, "ttl": RISK_TTL}


def _shared_risk(mentions, now: datetime) -> dict:
    """The risk cards' figures of `mentions` (those one set of readers may see)."""
    since = now - timedelta(days=RISK_DAYS)
    # Open statuses only: the brand's own posts (status "own") are never in these lists.
    riskiest = list(
        mentions.filter(status__in=OPEN_STATUSES, published_at__gte=since)
        .select_related("team", "impersonates")
        .defer("raw")
        .order_by("-risk_score", "-published_at", "-id")[:RISKIEST_SHOWN]
    )
    for mention in riskiest:
        mention.band = risk_band(mention.risk_score)
        mention.reason_codes = _top_codes(mention.risk_reasons)
        mention.reason_labels = [reason_label(code) for code in mention.reason_codes]
    # The window count gives the total alongside the newest few, in the same query.
    impersonations = list(
        mentions.filter(impersonates__isnull=False, published_at__gte=since)
        .select_related("impersonates")
        .defer("raw")
        .annotate(found=Window(Count("pk")))
        .order_by("-published_at", "-id")[:IMPERSONATIONS_SHOWN]
    )
    spikes = list(
        SpikeAlert.objects.filter(status=SpikeAlert.Status.OPEN)
        .select_related("stream", "tag")
        .annotate(open_count=Window(Count("pk")))
        .order_by("-created_at", "-id")[:SPIKES_SHOWN]
    )
    # Only columns of mention_open_queue, the open statuses said once: an index-only scan,
    # not 40,000 rows fetched at 1M. risk_score is never null: counting it counts rows. By
    # assignee, so that each reader's own count comes with the others'.
    by_assignee = (
        mentions.filter(status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(
            open=Count("*"),
            unassigned_critical=Count(
                "risk_score", filter=Q(assignee__isnull=True, risk_score__gte=CRITICAL_RISK)
            ),
            breached=Count("risk_score", filter=overdue_q(now)),
        )
        .order_by()
    )
    queue = {"open": 0, "unassigned_critical": 0, "breached": 0}
    open_by_assignee = {}
    for row in by_assignee:
        for name in queue:
            queue[name] += row[name]
        open_by_assignee[row["assignee_id"]] = row["open"]
    return {
        "queue": queue,
        "open_by_assignee": open_by_assignee,
        "critical_risk": CRITICAL_RISK,
        "riskiest": riskiest,
        "impersonations": impersonations,
        "impersonations_count": impersonations[0].found if impersonations else 0,
        "spikes": spikes,
        "spikes_count": spikes[0].open_count if spikes else 0,
        "charts": _volume_charts(mentions, now),
        # The monitoring card's figure (it counts what came in, whatever its date).
        "mentions_24h": mentions.filter(received_at__gte=now - timedelta(hours=24)).count(),
        "days": RISK_DAYS,
    }
