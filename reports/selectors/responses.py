"""The report's response times and SLA (overall, per team, per person) from the daily
roll-ups and the live days.

`response_rows` reads the rolled-up days' `ResponseDay` rows, the visibility rule filtering
their teams, and counts the other days live (`reports.rollups.split_days`); the competitors'
streams are left out here, as the live figures leave them out. `response_times` then sums each
group's counts and finds its percentiles among its durations, and equals what
`reports.selectors.figures.response_times` computes from the mentions
(tests/reports/test_rollups.py).
"""

from datetime import datetime

from django.db import connection
from django.db.models import Aggregate, BinaryField, Sum

from monitoring.models import visible_by_team
from reports import rollups  # which imports this package's period: read at call time
from reports.models import ResponseDay
from reports.selectors.figures import group_names, labelled_response_rows, mentions_in
from reports.selectors.period import Period
from reports.selectors.stats import packed_before, packed_percentiles

COUNTS = (
    "total",
    "responded",
    "resolved",
    "first_met",
    "first_due_done",
    "resolve_met",
    "resolve_due_done",
)
DURATIONS = {"first_response": "first_response_seconds", "resolution": "resolution_seconds"}
# Targets still running when counted: (the SLA count each adds to once past, and the count
# of those answered or resolved with a target it adds to).
WAITING = {
    "first_waiting": ("first_due", "first_due_done"),
    "resolve_waiting": ("resolve_due", "resolve_due_done"),
}
PACKED = (*DURATIONS.values(), *WAITING)
GROUPS = {None: None, "team": "team_id", "assignee": "assignee_id"}


class Joined(Aggregate):
    """PostgreSQL's concatenation of a group's packed durations, in one value."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ''::bytea)"
    output_field = BinaryField()


def response_rows(user, period: Period, streams: dict, exact=None) -> list[dict]:
    """The response rows of `period` that `user` may see, rolled up or counted live, the
    competitors' streams (`streams`: id -> (name, is_competitor)) left out: the counts and
    the packed durations and targets per team and assignee (finer on SQLite and live days).
    `exact`: rollups.exact_days of a span holding `period`, read when None."""
    rolled, live = rollups.split_days(period, rollups.RESPONSES, exact)
    competitors = [pk for pk, (_name, competitor) in streams.items() if competitor]
    rows = []
    if rolled:
        days = visible_by_team(ResponseDay.objects.filter(rollups.on_days(rolled)), user).exclude(
            stream_id__in=competitors
        )
        if connection.vendor == "postgresql":  # summed and joined by the database
            days = (
                days.values("team_id", "assignee_id")
                .annotate(
                    **{name: Sum(name) for name in COUNTS},
                    **{field: Joined(field) for field in PACKED},
                )
                .order_by()
            )
        rows += days.values("team_id", "assignee_id", *COUNTS, *PACKED)
    if live:
        where = rollups.on_days(live, rollups.RESPONSES)
        mentions = mentions_in(user, period, field="received_at").filter(where)
        rows += rollups.response_counted(mentions.exclude(stream_id__in=competitors))
    return rows


def response_times(rows: list[dict], now: datetime, *, by: str | None) -> list[dict]:
    """`figures.response_times` at `now` from `rows` (response_rows): per team (`by="team"`),
    person (`by="assignee"`) or overall (None)."""
    key = GROUPS[by]
    groups: dict = {} if key else {None: []}
    names = group_names(by, {row[key] for row in rows}) if key else {}
    for row in rows:
        # A team or person deleted since the roll-up: their mentions have none now.
        group = row[key] if key and row[key] in names else None
        groups.setdefault(group, []).append(row)
    grouped = {}
    for group, members in groups.items():
        figures = {name: sum(row[name] for row in members) for name in COUNTS}
        for field, (count, done) in WAITING.items():
            figures[count] = figures.pop(done) + packed_before((row[field] for row in members), now)
        for prefix, field in DURATIONS.items():
            figures |= packed_percentiles((row[field] for row in members), prefix)
        grouped[group] = figures
    return labelled_response_rows(grouped, by, names)


def headline_times(rows: list[dict], now: datetime) -> dict:
    """The headline's response figures (`figures.headline_times` without the incidents)."""
    overall = response_times(rows, now, by=None)[0]
    return {
        name: overall[name]
        for name in (
            "first_response_p50",
            "resolution_p50",
            "first_response_sla",
            "resolution_sla",
        )
    }
