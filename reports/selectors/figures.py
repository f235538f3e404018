"""The report's figures, each one aggregated by the database.

Mentions are read through `Mention.objects.visible_to(user)` only: a report never counts a
mention its reader cannot see. The brand's figures leave out the brand's own posts and the
competitors' streams (those count in the share of voice only). Volume, sentiment, risk and
share of voice count mentions by publication; response times and SLA by arrival
(`received_at`), as the inbox's SLA page does.
"""

from datetime import date

from django.db import connection
from django.db.models import BigIntegerField, Case, Count, F, FloatField, Q, Sum, Value, When
from django.db.models.functions import Cast, Greatest, Round, TruncDay, TruncWeek
from django.utils import timezone

from accounts.models import Team, User
from inbox.filters import has_reason
from inbox.selectors import CRITICAL_RISK, REASON_LABELS, sla_counts
from incidents.selectors import incidents_visible
from monitoring.enrichment import REASON_CODES
from monitoring.models import Mention, MentionStatus, Stream
from reports.selectors.period import Period, report_timezone
from reports.selectors.stats import Seconds, percentile_aggregates, percentiles
from riskdesk.networks import Platform

SENTIMENTS = ("negative", "neutral", "positive")


def sentiment_micro():
    """A mention's sentiment in millionths, an integer: summed exactly in any order, so the
    average is the same from the mentions and from the daily roll-ups (reports.rollups)."""
    return Cast(Round(F("sentiment") * 1_000_000), BigIntegerField())


def average(micro_sum, count) -> float | None:
    return micro_sum / count / 1_000_000 if count else None


def _sentiment_counts() -> dict:
    return {
        "total": Count("pk"),
        **{label: Count("pk", filter=Q(sentiment_label=label)) for label in SENTIMENTS},
        "sentiment_micro": Sum(sentiment_micro()),
        "sentiment_count": Count("sentiment"),
    }


def _averaged(row: dict) -> dict:
    row["average"] = average(row.pop("sentiment_micro"), row.pop("sentiment_count"))
    return row


def share(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _with_shares(row: dict) -> dict:
    if "sentiment_count" in row:
        _averaged(row)
    for label in SENTIMENTS:
        row[f"{label}_share"] = share(row[label], row["total"])
    if row.get("average") is not None:
        row["average"] = round(row["average"], 2)
    return row


def mentions_in(user, period: Period, *, field: str = "published_at"):
    """Every mention `user` may read in `period` (by `field`), the brand's own posts left out."""
    return (
        Mention.objects.visible_to(user)
        .filter(**{f"{field}__gte": period.start, f"{field}__lt": period.end})
        .exclude(status=MentionStatus.OWN)
    )


def brand_mentions(user, period: Period, *, field: str = "published_at"):
    return mentions_in(user, period, field=field).exclude(stream__is_competitor=True)


def _local_date(value) -> date:
    if hasattr(value, "hour"):
        return timezone.localtime(value, report_timezone()).date() if value.tzinfo else value.date()
    return value


def volume_over_time(user, period: Period) -> list[dict]:
    """One row per day (or week) of the period, empty ones included."""
    trunc = TruncDay if period.bucket == "day" else TruncWeek
    rows = (
        brand_mentions(user, period)
        .annotate(bucket=trunc("published_at", tzinfo=report_timezone()))
        .values("bucket")
        .annotate(**_sentiment_counts())
        .order_by("bucket")
    )
    found = {_local_date(row.pop("bucket")): row for row in rows}
    empty = dict.fromkeys(["total", *SENTIMENTS, "sentiment_micro", "sentiment_count"], 0)
    return [_with_shares({"day": day, **found.get(day, empty)}) for day in period.buckets()]


def volume_by_network(user, period: Period) -> list[dict]:
    labels = dict(Platform.choices)
    rows = (
        brand_mentions(user, period)
        .values("platform")
        .annotate(**_sentiment_counts())
        .order_by("-total", "platform")
    )
    return [
        _with_shares({**row, "label": str(labels.get(row["platform"], row["platform"]))})
        for row in rows
    ]


def volume_by_stream(user, period: Period) -> list[dict]:
    rows = (
        brand_mentions(user, period)
        .values("stream_id", "stream__name")
        .annotate(**_sentiment_counts())
        .order_by("-total", "stream__name")
    )
    return [_with_shares({**row, "label": row.pop("stream__name") or "—"}) for row in rows]


def risk_by_reason(user, period: Period) -> list[dict]:
    """How many mentions carry each risk reason (a mention with two counts in both)."""
    counts = brand_mentions(user, period).aggregate(
        **{code: Count("pk", filter=has_reason(code)) for code in REASON_CODES}
    )
    rows = [
        {"code": code, "label": str(REASON_LABELS.get(code, code)), "count": counts[code]}
        for code in REASON_CODES
    ]
    return sorted(rows, key=lambda row: (-row["count"], row["code"]))


def share_of_voice(user, period: Period) -> list[dict]:
    """The brand's mentions and each competitor stream's, with their share of all of them."""
    brand = brand_mentions(user, period).count()
    found = dict(
        mentions_in(user, period)
        .filter(stream__is_competitor=True)
        .values("stream_id")
        .annotate(n=Count("pk"))
        .values_list("stream_id", "n")
    )
    rows = [{"stream_id": None, "label": "", "brand": True, "count": brand}]
    for stream in Stream.objects.filter(is_competitor=True).order_by("name"):
        rows.append(
            {
                "stream_id": stream.pk,
                "label": stream.name,
                "brand": False,
                "count": found.get(stream.pk, 0),
            }
        )
    total = sum(row["count"] for row in rows)
    for row in rows:
        row["share"] = share(row["count"], total)
    return rows


def first_response_seconds():
    # A brand reply found by polling can predate riskdesk's receipt: answered at once, not sooner.
    return Greatest(Seconds(F("first_response_at"), F("received_at")), Value(0.0))


def resolution_seconds():
    return Greatest(Seconds(F("resolved_at"), F("received_at")), Value(0.0))


def response_times(user, period: Period, *, by: str | None, now=None) -> list[dict]:
    """Per team (`by="team"`), person (`by="assignee"`) or overall (None): mentions received,
    median and 90th percentile of first response and resolution (seconds), SLA met shares."""
    now = now or timezone.now()
    mentions = brand_mentions(user, period, field="received_at")
    key = f"{by}_id" if by else None
    counts = {
        "total": Count("pk"),
        "responded": Count("pk", filter=Q(first_response_at__isnull=False)),
        "resolved": Count("pk", filter=Q(resolved_at__isnull=False)),
        **sla_counts(now),
    }
    first_kept, resolved_kept = Q(first_response_at__isnull=False), Q(resolved_at__isnull=False)
    together = connection.vendor == "postgresql"
    if together:
        # The percentiles in the counting query itself: one pass over the rows, not three.
        counts |= percentile_aggregates(
            (
                ("first_response", first_response_seconds(), first_kept),
                ("resolution", resolution_seconds(), resolved_kept),
            )
        )
    if key:
        grouped = {row.pop(key): row for row in mentions.values(key).annotate(**counts).order_by()}
    else:
        grouped = {None: mentions.aggregate(**counts)}
    first = resolution = {}
    if not together:
        first = percentiles(
            mentions, key=key, value=first_response_seconds(), condition=first_kept,
            prefix="first_response",
        )  # fmt: skip
        resolution = percentiles(
            mentions, key=key, value=resolution_seconds(), condition=resolved_kept,
            prefix="resolution",
        )  # fmt: skip
    for group, row in grouped.items():
        row |= first.get(group, {}) | resolution.get(group, {})
    return labelled_response_rows(grouped, by)


def group_names(by: str | None, ids) -> dict:
    """{id: name} of the teams (`by="team"`) or people (`by="assignee"`) of `ids` that exist."""
    ids = [pk for pk in ids if pk]
    if by == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    if by == "assignee":
        return dict(User.objects.filter(pk__in=ids).values_list("pk", "display_name"))
    return {}


def labelled_response_rows(grouped: dict, by: str | None, names: dict | None = None) -> list[dict]:
    """{group: counts and percentiles} as the report lists them: the percentiles in whole
    seconds, the SLA shares, the team's or person's name (`names`, read when None), the
    busiest first."""
    if names is None:
        names = group_names(by, grouped)
    rows = []
    for group, row in grouped.items():
        for name in (
            "first_response_p50",
            "first_response_p90",
            "resolution_p50",
            "resolution_p90",
        ):
            value = row.get(name)
            row[name] = round(value) if value is not None else None
        row["first_response_sla"] = share(row["first_met"], row["first_due"])
        row["resolution_sla"] = share(row["resolve_met"], row["resolve_due"])
        row["id"] = group
        row["label"] = names.get(group, "") if group else ""
        rows.append(row)
    return sorted(rows, key=lambda row: (-row["total"], row["label"]))


def _detect():
    # GREATEST ignores a NULL on PostgreSQL (not on SQLite): say "none" for both.
    return Case(
        When(
            first_mention_at__isnull=False,
            then=Greatest(Seconds(F("declared_at"), F("first_mention_at")), Value(0.0)),
        ),
        default=None,
        output_field=FloatField(),
    )


def _incident_resolve():
    return Seconds(F("resolved_at"), F("declared_at"))


def incidents_in(user, period: Period):
    """The incidents declared in `period` that `user` may see, with their times in seconds:
    to detect (first linked mention → declared) and to resolve (declared → resolved)."""
    return (
        incidents_visible(user)
        .filter(declared_at__gte=period.start, declared_at__lt=period.end)
        .annotate(
            detect=_detect(),
            resolve=_incident_resolve(),
        )
        .order_by("declared_at", "pk")
    )


def incident_times(user, period: Period) -> dict:
    incidents = incidents_in(user, period)
    detected, resolved = Q(first_mention_at__isnull=False), Q(resolved_at__isnull=False)
    times = (("detect", _detect(), detected), ("resolve", _incident_resolve(), resolved))
    counts = {"count": Count("pk"), "resolved": Count("pk", filter=resolved)}
    if connection.vendor == "postgresql":
        summary = incidents.aggregate(**counts, **percentile_aggregates(times))
    else:
        summary = incidents.aggregate(**counts)
        for prefix, value, kept in times:
            found = percentiles(incidents, key=None, value=value, condition=kept, prefix=prefix)
            summary |= found[None]
    return {k: round(v) if isinstance(v, float) else v for k, v in summary.items()}


def headline(user, period: Period, now=None) -> dict:
    """The figures compared with the previous period."""
    now = now or timezone.now()
    mentions = _averaged(
        brand_mentions(user, period).aggregate(
            **_sentiment_counts(), high_risk=Count("pk", filter=Q(risk_score__gte=CRITICAL_RISK))
        )
    )
    voice = share_of_voice(user, period)
    return {
        "mentions": mentions["total"],
        "negative_share": share(mentions["negative"], mentions["total"]),
        "average_sentiment": round(mentions["average"], 2)
        if mentions["average"] is not None
        else None,
        "high_risk": mentions["high_risk"],
        "share_of_voice": voice[0]["share"] if len(voice) > 1 else None,
    } | headline_times(user, period, now)


def headline_times(user, period: Period, now) -> dict:
    """The headline's times and incidents (the counts come from the mentions or the roll-ups)."""
    overall = response_times(user, period, by=None, now=now)[0]
    incidents = incident_times(user, period)
    return {
        "first_response_p50": overall["first_response_p50"],
        "resolution_p50": overall["resolution_p50"],
        "first_response_sla": overall["first_response_sla"],
        "resolution_sla": overall["resolution_sla"],
        "incidents": incidents["count"],
        "detect_p50": incidents["detect_p50"],
    }
