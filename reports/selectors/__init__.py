"""The reports' reads, one module per part:

- `period`: the date range, its previous period, its days or weeks, the time zone;
- `stats`: durations and percentiles, computed by the database or from packed durations;
- `figures`: each section's figures, counted from the mentions;
- `rolled` and `responses`: the same figures from the daily roll-ups and the live days;
- this module: the whole report, and the headline figures compared with the previous period.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from incidents.selectors.metrics import duration_label as incident_duration_label
from monitoring.models import visibility_key
from reports import rollups  # which imports this package's modules: read at call time
from reports.selectors import responses, rolled
from reports.selectors.figures import (
    incident_times,
    incidents_in,
    response_times,
)
from reports.selectors.period import (
    MAX_DAYS,
    PRESETS,
    Period,
    last_week,
    local_today,
    parse_period,
    report_timezone,
)
from riskdesk.permissions import can

__all__ = [
    "HEADLINE",
    "MAX_DAYS",
    "PRESETS",
    "Figure",
    "Period",
    "Report",
    "compare",
    "duration_label",
    "incidents_in",
    "last_week",
    "local_today",
    "parse_period",
    "report_for",
    "report_timezone",
    "response_times",
    "shared_report",
]

INCIDENTS_SHOWN = 50
REPORT_TTL = 60  # seconds a report is kept for its readers (shared_report)

# (key, label, kind): a count and a duration change by a relative %, a share by points,
# a score by its difference.
HEADLINE = [
    ("mentions", _("Mentions"), "count"),
    ("negative_share", _("Negative"), "share"),
    ("average_sentiment", _("Average sentiment"), "score"),
    ("high_risk", _("High risk"), "count"),
    ("share_of_voice", _("Share of voice"), "share"),
    ("first_response_p50", _("Median first response"), "duration"),
    ("resolution_p50", _("Median resolution"), "duration"),
    ("first_response_sla", _("First responses in time"), "share"),
    ("resolution_sla", _("Resolutions in time"), "share"),
    ("incidents", _("Incidents"), "count"),
    ("detect_p50", _("Median time to detect"), "duration"),
]


def duration_label(seconds) -> str:
    """Seconds written as the incidents' metrics write times: "2 d 3 h", "12 min"."""
    return incident_duration_label(None if seconds is None else timedelta(seconds=seconds))


@dataclass
class Figure:
    key: str
    label: str
    kind: str
    value: float | int | None
    previous: float | int | None

    @property
    def change(self) -> float | None:
        """Relative change in % (counts, durations) or the difference (shares, scores)."""
        if self.value is None or self.previous is None:
            return None
        if self.kind in ("share", "score"):
            return round(self.value - self.previous, 2 if self.kind == "score" else 1)
        if not self.previous:
            return None
        return round(100 * (self.value - self.previous) / self.previous)

    @property
    def change_label(self) -> str:
        change = self.change
        if change is None:
            return "—"
        sign = "+" if change > 0 else ("-" if change < 0 else "±")
        number = abs(change)
        if self.kind == "share":
            return f"{sign}{number:g} pts"
        if self.kind == "score":
            return f"{sign}{number:g}"
        return f"{sign}{number:g} %"

    @property
    def direction(self) -> str:
        change = self.change
        return "flat" if not change else ("up" if change > 0 else "down")

    def _show(self, value) -> str:
        if value is None:
            return "—"
        if self.kind == "duration":
            return duration_label(value)
        if self.kind == "share":
            return f"{value:g} %"
        return f"{value:g}" if isinstance(value, float) else str(value)

    @property
    def value_label(self) -> str:
        return self._show(self.value)

    @property
    def previous_label(self) -> str:
        return self._show(self.previous)


def compare(current: dict, previous: dict) -> list[Figure]:
    return [
        Figure(key, str(label), kind, current.get(key), previous.get(key))
        for key, label, kind in HEADLINE
    ]


@dataclass
class Report:
    period: Period
    previous: Period
    figures: list[Figure]
    over_time: list[dict] = field(default_factory=list)
    networks: list[dict] = field(default_factory=list)
    streams: list[dict] = field(default_factory=list)
    reasons: list[dict] = field(default_factory=list)
    voice: list[dict] = field(default_factory=list)
    teams: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    incident_summary: dict = field(default_factory=dict)
    incidents: list = field(default_factory=list)
    incidents_more: int = 0
    computed_at: datetime | None = None
    key: str = ""  # the cache key its readers share it under (shared_report)

    def as_dict(self) -> dict:
        """The figures as JSON-ready data (the API's summary)."""
        incidents = [
            {
                "id": incident.pk,
                "reference": incident.reference,
                "title": incident.title,
                "severity": incident.severity,
                "status": incident.status,
                "declared_at": incident.declared_at,
                "resolved_at": incident.resolved_at,
                "time_to_detect": _round(incident.detect),
                "time_to_resolve": _round(incident.resolve),
            }
            for incident in self.incidents
        ]
        return {
            "from": self.period.first,
            "to": self.period.last,
            "previous_from": self.previous.first,
            "previous_to": self.previous.last,
            "bucket": self.period.bucket,
            "figures": [
                {
                    "key": f.key,
                    "value": f.value,
                    "previous": f.previous,
                    "change": f.change,
                    "change_label": f.change_label,
                }
                for f in self.figures
            ],
            "over_time": self.over_time,
            "networks": self.networks,
            "streams": self.streams,
            "risk_reasons": self.reasons,
            "share_of_voice": self.voice,
            "response_by_team": self.teams,
            "response_by_person": self.people,
            "incidents": self.incident_summary | {"list": incidents},
        }


def _incident_headline(summary: dict) -> dict:
    return {"incidents": summary["count"], "detect_p50": summary["detect_p50"]}


def _round(value):
    return round(value) if value is not None else None


def report_for(user, period: Period, *, now=None) -> Report:
    """Every section of the report on `period` as `user` may see it.

    The publication figures and the response times come from the daily roll-ups and the live
    days (`rolled`, `responses`); the incidents from their own queries.
    """
    now = now or timezone.now()
    previous = period.previous()
    streams = rolled.streams_by_id()
    exact = rollups.exact_days(Period(previous.first, period.last))
    rows = rolled.published_rows(user, period, streams, exact)
    previous_rows = rolled.published_rows(user, previous, streams, exact)
    answered = responses.response_rows(user, period, streams, exact)
    previous_answered = responses.response_rows(user, previous, streams, exact)
    incidents = list(incidents_in(user, period)[: INCIDENTS_SHOWN + 1])
    summary = incident_times(user, period)
    previous_summary = incident_times(user, previous)
    return Report(
        period=period,
        previous=previous,
        figures=compare(
            rolled.headline_counts(rows)
            | responses.headline_times(answered, now)
            | _incident_headline(summary),
            rolled.headline_counts(previous_rows)
            | responses.headline_times(previous_answered, now)
            | _incident_headline(previous_summary),
        ),
        over_time=rolled.volume_over_time(rows, period),
        networks=rolled.volume_by_network(rows),
        streams=rolled.volume_by_stream(rows),
        reasons=rolled.risk_by_reason(rows),
        voice=rolled.share_of_voice(rows),
        teams=responses.response_times(answered, now, by="team"),
        people=responses.response_times(answered, now, by="assignee"),
        incident_summary=summary,
        incidents=incidents[:INCIDENTS_SHOWN],
        incidents_more=max(0, summary["count"] - INCIDENTS_SHOWN),
        computed_at=now,
    )


def shared_report(user, period: Period) -> Report:
    """`report_for(user, period)`, computed once for everyone who reads the same mentions and
    incidents in the same language, and kept REPORT_TTL seconds: the page, its printable copy
    and its section downloads show the same figures, and a reload or a return to a period
    costs no count (templates/reports/_sections.html keeps its rendering as long). The page
    says when its figures were computed."""
    key = ":".join(
        (
            "reports:report",
            visibility_key(user),
            "incidents" if can(user, "incident.view") else "-",
            translation.get_language() or "-",
            str(report_timezone()),
            period.first.isoformat(),
            period.last.isoformat(),
        )
    )
    report = cache.get(key)
    if report is None:
        report = report_for(user, period)
        cache.set(key, report, REPORT_TTL)
    report.key = key  # which its rendering is kept under: never one reader's for another
    return report
