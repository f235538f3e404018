"""The incident reads, one module per part:

- `incidents`: visible and open incidents, the incidents of a mention, open tasks, the
  linked mentions' figures (other apps reuse these);
- `metrics`: time to detect, acknowledge, contain and resolve, per incident and by month;
- `context`: the publishing freeze on every page (a context processor, named in settings).

The names below are re-exported so callers keep writing `from incidents.selectors import
open_incidents` or `selectors.mention_stats(...)`.
"""

from incidents.selectors.incidents import (
    CHART_MAX_HOURS,
    RISKIEST_SHOWN,
    VolumeChart,
    incidents_for_mention,
    incidents_visible,
    mention_stats,
    open_incidents,
    open_tasks_for,
)
from incidents.selectors.metrics import (
    METRICS,
    REPORT_MONTHS,
    Period,
    duration_label,
    incident_metrics,
    metrics_report,
)

__all__ = [
    "CHART_MAX_HOURS",
    "METRICS",
    "REPORT_MONTHS",
    "RISKIEST_SHOWN",
    "Period",
    "VolumeChart",
    "duration_label",
    "incident_metrics",
    "incidents_for_mention",
    "incidents_visible",
    "mention_stats",
    "metrics_report",
    "open_incidents",
    "open_tasks_for",
]
