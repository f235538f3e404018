"""Time to detect, acknowledge, contain and resolve: per incident and month by month.

- detect: from the first linked mention's publication to the declaration;
- acknowledge: from the declaration to the first move out of `declared`;
- contain: from the declaration to `contained` (or `resolved` when it skipped it);
- resolve: from the declaration to `resolved`.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident, Severity

METRICS = [
    ("detect", _("Time to detect"), _("first linked mention → declared")),
    ("acknowledge", _("Time to acknowledge"), _("declared → investigating")),
    ("contain", _("Time to contain"), _("declared → contained")),
    ("resolve", _("Time to resolve"), _("declared → resolved")),
]
REPORT_MONTHS = 12


def incident_metrics(incident: Incident) -> list[tuple[str, str, str, timedelta | None]]:
    values = {
        "detect": incident.time_to_detect,
        "acknowledge": incident.time_to_acknowledge,
        "contain": incident.time_to_contain,
        "resolve": incident.time_to_resolve,
    }
    return [(key, label, help_text, values[key]) for key, label, help_text in METRICS]


def duration_label(value: timedelta | None) -> str:
    """ "2 d 3 h", "3 h 05 min", "12 min", "40 s"; an em dash for none."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


@dataclass
class Period:
    start: datetime
    count: int = 0
    by_severity: dict[int, int] = field(default_factory=dict)
    durations: dict[str, list[timedelta]] = field(default_factory=dict)

    @property
    def medians(self) -> dict[str, timedelta | None]:
        return {
            key: (timedelta(seconds=median(d.total_seconds() for d in values)) if values else None)
            for key, *_rest in METRICS
            for values in [self.durations.get(key, [])]
        }

    @property
    def severity_counts(self) -> list[tuple[int, int]]:
        return [(sev, self.by_severity.get(sev, 0)) for sev in Severity.values]


def _month_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _months_back(now: datetime, months: int) -> list[datetime]:
    first = _month_start(now)
    starts = [first]
    for _n in range(months - 1):
        previous = (starts[-1] - timedelta(days=1)).replace(day=1)
        starts.append(previous)
    return list(reversed(starts))


def metrics_report(*, now: datetime | None = None, months: int = REPORT_MONTHS) -> dict:
    """Incidents declared per month with their median times, and the totals: one query."""
    now = now or timezone.now()
    starts = _months_back(now, months)
    periods = {start: Period(start) for start in starts}
    total = Period(starts[0])
    rows = Incident.objects.filter(declared_at__gte=starts[0]).only(
        "severity",
        "declared_at",
        "first_mention_at",
        "acknowledged_at",
        "contained_at",
        "resolved_at",
    )
    for incident in rows:
        period = periods.get(_month_start(incident.declared_at))
        if period is None:
            continue
        values = {key: value for key, _l, _h, value in incident_metrics(incident)}
        for bucket in (period, total):
            bucket.count += 1
            bucket.by_severity[incident.severity] = bucket.by_severity.get(incident.severity, 0) + 1
            for key, value in values.items():
                if value is not None:
                    bucket.durations.setdefault(key, []).append(value)
    return {"periods": [periods[s] for s in starts], "total": total, "metrics": METRICS}
