"""The report's publication figures (volume, sentiment, networks, streams, risk reasons, share
of voice, the headline's counts) from the daily roll-ups and the live days.

`published_rows` reads the rolled-up days' `MentionDay` rows and counts the other days live
(`reports.rollups.split_days`), the visibility rule filtering teams first, in two groupings:
by day, stream, network and sentiment (KEYS), and by stream and risk (RISK_KEYS), each
far fewer rows than all the dimensions together. Each figure is then summed from these rows,
and equals what `reports.selectors.figures` counts from the mentions
(tests/reports/test_rollups.py).
"""

from collections import defaultdict
from datetime import timedelta

from django.db import connection
from django.db.models import Sum

from inbox.selectors import REASON_LABELS
from monitoring.enrichment import REASON_CODES
from monitoring.models import REASON_BITS, Stream, visible_by_team
from reports import rollups  # which imports this package's period: read at call time
from reports.models import MentionDay
from reports.selectors.figures import SENTIMENTS, _with_shares, average, mentions_in, share
from reports.selectors.period import Period
from riskdesk.networks import Platform

KEYS = ("day", "stream_id", "platform", "sentiment_label")
RISK_KEYS = ("stream_id", "reason_flags", "high_risk")


class Rows:
    """A period's counted rows (by KEYS) and risk rows (by RISK_KEYS), and the streams they
    name (id -> (name, is_competitor))."""

    def __init__(self, rows: list[dict], streams: dict, risk: list[dict] | None = None):
        self.streams = streams
        self.all = self._known(rows)
        self.brand = [r for r in self.all if not self._competitor(r["stream_id"])]
        self.competitors = [r for r in self.all if self._competitor(r["stream_id"])]
        self.brand_risk = [
            r for r in self._known(risk or []) if not self._competitor(r["stream_id"])
        ]

    def _known(self, rows: list[dict]) -> list[dict]:
        for row in rows:
            if row["stream_id"] not in self.streams:
                row["stream_id"] = None  # a deleted stream: its mentions have none now
        return rows

    def _competitor(self, stream_id) -> bool:
        return stream_id is not None and self.streams[stream_id][1]


def published_rows(user, period: Period, streams: dict | None = None, exact=None) -> Rows:
    """The rows of `period` that `user` may see (`exact`: rollups.exact_days of a span holding
    `period`, read when None)."""
    if streams is None:
        streams = streams_by_id()
    rolled, live = rollups.split_days(period, rollups.PUBLICATION, exact)
    rows, risk = [], []
    if rolled:
        days = visible_by_team(MentionDay.objects.filter(rollups.on_days(rolled)), user).order_by()
        rows += days.values(*KEYS).annotate(
            total=Sum("total"),
            sentiment_micro=Sum("sentiment_micro"),
            sentiment_count=Sum("sentiment_count"),
        )
        risk += days.values(*RISK_KEYS).annotate(total=Sum("total"))
    if live:
        mentions = mentions_in(user, period).filter(rollups.on_days(live, rollups.PUBLICATION))
        rows += rollups.counted(mentions, by=KEYS)
        risk += rollups.counted(mentions, by=RISK_KEYS)
    return Rows(list(rows), streams, list(risk))


def streams_by_id() -> dict:
    """Every stream, in the database's order of names (the share of voice lists them so)."""
    return {
        pk: (name, competitor)
        for pk, name, competitor in Stream.objects.order_by("name").values_list(
            "pk", "name", "is_competitor"
        )
    }


def _sentiment(rows) -> dict:
    total = sum(r["total"] for r in rows)
    counts = dict.fromkeys(SENTIMENTS, 0)
    micro, n = 0, 0
    for r in rows:
        if r["sentiment_label"] in counts:
            counts[r["sentiment_label"]] += r["total"]
        if r["sentiment_count"]:
            micro += r["sentiment_micro"]
            n += r["sentiment_count"]
    return {"total": total, **counts, "average": average(micro, n)}


def _grouped(rows, key) -> dict:
    groups = defaultdict(list)
    for r in rows:
        groups[key(r)].append(r)
    return groups


def volume_over_time(rows: Rows, period: Period) -> list[dict]:
    if period.bucket == "day":
        groups = _grouped(rows.brand, lambda r: r["day"])
    else:
        groups = _grouped(rows.brand, lambda r: r["day"] - timedelta(days=r["day"].weekday()))
    return [
        _with_shares({"day": day, **_sentiment(groups.get(day, []))}) for day in period.buckets()
    ]


def volume_by_network(rows: Rows) -> list[dict]:
    labels = dict(Platform.choices)
    result = [
        _with_shares(
            {
                "platform": platform,
                **_sentiment(group),
                "label": str(labels.get(platform, platform)),
            }
        )
        for platform, group in _grouped(rows.brand, lambda r: r["platform"]).items()
    ]
    return sorted(result, key=lambda r: (-r["total"], r["platform"]))


def volume_by_stream(rows: Rows) -> list[dict]:
    result = []
    for stream_id, group in _grouped(rows.brand, lambda r: r["stream_id"]).items():
        name = rows.streams[stream_id][0] if stream_id is not None else None
        result.append(
            _with_shares({"stream_id": stream_id, "stream__name": name, **_sentiment(group)})
        )
    # As the database orders stream__name: a missing one last on PostgreSQL, first on SQLite.
    nulls_last = connection.vendor == "postgresql"
    result.sort(
        key=lambda r: (
            -r["total"],
            (r["stream__name"] is None) == nulls_last,
            r["stream__name"] or "",
        )
    )
    for r in result:
        r["label"] = r["stream__name"] or "—"
    return result


def risk_by_reason(rows: Rows) -> list[dict]:
    result = []
    for code in REASON_CODES:
        bit = REASON_BITS[code]
        count = sum(r["total"] for r in rows.brand_risk if r["reason_flags"] & bit)
        result.append({"code": code, "label": str(REASON_LABELS.get(code, code)), "count": count})
    return sorted(result, key=lambda row: (-row["count"], row["code"]))


def share_of_voice(rows: Rows) -> list[dict]:
    found = defaultdict(int)
    for r in rows.competitors:
        found[r["stream_id"]] += r["total"]
    result = [
        {
            "stream_id": None,
            "label": "",
            "brand": True,
            "count": sum(r["total"] for r in rows.brand),
        }
    ]
    for pk, (name, competitor) in rows.streams.items():
        if competitor:
            result.append({"stream_id": pk, "label": name, "brand": False, "count": found[pk]})
    total = sum(row["count"] for row in result)
    for row in result:
        row["share"] = share(row["count"], total)
    return result


def headline_counts(rows: Rows) -> dict:
    """The headline's publication figures (`figures.headline` adds the times and incidents)."""
    mentions = _sentiment(rows.brand)
    voice = share_of_voice(rows)
    return {
        "mentions": mentions["total"],
        "negative_share": share(mentions["negative"], mentions["total"]),
        "average_sentiment": round(mentions["average"], 2)
        if mentions["average"] is not None
        else None,
        "high_risk": sum(r["total"] for r in rows.brand_risk if r["high_risk"]),
        "share_of_voice": voice[0]["share"] if len(voice) > 1 else None,
    }
