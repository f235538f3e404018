"""Streamed exports: rows go out as the database cursor yields them.

A year of mentions never sits in memory: the query runs on a server-side cursor
(`.iterator(chunk_size=…)`, named cursors on PostgreSQL) and each row is written and sent
before the next chunk is read. CSV goes through `riskdesk.csv_export` (no cell can run as a
spreadsheet formula); JSON Lines is one JSON object a line.
"""

import json
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse

from inbox.filters import InboxFilter
from inbox.selectors import ORDER
from monitoring.models import Mention
from reports.selectors import incidents_in, local_today, parse_period, shared_report
from reports.services import export_record
from riskdesk import csv_export
from riskdesk.filters import AuditEventFilter
from riskdesk.models import AuditEvent
from riskdesk.permissions import require

CHUNK = 2000
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}

# (column, field read from the database) of a mention's export row.
MENTION_COLUMNS = [
    ("id", "pk"),
    ("network", "platform"),
    ("external_id", "external_id"),
    ("published_at", "published_at"),
    ("received_at", "received_at"),
    ("author_handle", "author_handle"),
    ("author_name", "author_name"),
    ("text", "text"),
    ("url", "url"),
    ("language", "language"),
    ("sentiment", "sentiment"),
    ("sentiment_label", "sentiment_label"),
    ("risk_score", "risk_score"),
    ("risk_reasons", "risk_reasons"),
    ("stream", "stream__name"),
    ("team", "team__name"),
    ("assignee", "assignee__display_name"),
    ("priority", "priority"),
    ("status", "status"),
    ("first_response_at", "first_response_at"),
    ("resolved_at", "resolved_at"),
]
AUDIT_COLUMNS = [
    ("id", "pk"),
    ("time", "created_at"),
    ("actor", "actor_label"),
    ("action", "verb"),
    ("object_type", "target_type__model"),
    ("object_id", "target_id"),
    ("object", "target_label"),
    ("before", "before"),
    ("after", "after"),
    ("ip_address", "ip_address"),
]


class _Echo:
    """A file whose `write` hands back what it was given, for the CSV writer to yield."""

    def write(self, value):
        return value


def _reason_codes(reasons) -> str:
    return ";".join(r.get("code", "") for r in reasons or [] if isinstance(r, dict))


def _cell(column: str, value):
    if column == "risk_reasons":
        return _reason_codes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return value


def _json_value(column: str, value):
    return (
        [r.get("code") for r in value or [] if isinstance(r, dict)]
        if column == "risk_reasons"
        else value
    )


def queryset_rows(queryset, columns) -> Iterator[tuple]:
    """The export rows of `queryset`, read a chunk at a time from a server-side cursor."""
    fields = [name for _column, name in columns]
    return queryset.values_list(*fields).iterator(chunk_size=CHUNK)


def csv_lines(header: list[str], rows: Iterable) -> Iterator[str]:
    writer = csv_export.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(
            [_cell(column, value) for column, value in zip(header, row, strict=True)]
        )


def jsonl_lines(header: list[str], rows: Iterable) -> Iterator[str]:
    for row in rows:
        record = {
            column: _json_value(column, value) for column, value in zip(header, row, strict=True)
        }
        yield json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n"


def streamed(kind: str, filename: str, header: list[str], rows: Iterable) -> StreamingHttpResponse:
    """A download of `rows` as CSV or JSON Lines, written as they are read."""
    lines = csv_lines(header, rows) if kind == "csv" else jsonl_lines(header, rows)
    response = StreamingHttpResponse(lines, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _filters(data) -> dict:
    return {key: data.get(key) for key in sorted(data) if data.get(key)}


def mentions_download(user, data, kind: str) -> StreamingHttpResponse:
    """The mentions the inbox shows with the filters in `data` (its own FilterSet), as a file.

    Raises ValidationError for filters the inbox would refuse.
    """
    require(user, "report.view")
    filterset = InboxFilter(data, queryset=Mention.objects.visible_to(user), user=user)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors.as_json())
    queryset = filterset.qs
    export_record(
        actor=user, what="mentions", kind=kind, rows=queryset.order_by().count(),
        filters=_filters(data),
    )  # fmt: skip
    ordered = queryset.order_by(*ORDER.get(filterset.order, ORDER["newest"]))
    header = [column for column, _name in MENTION_COLUMNS]
    rows = queryset_rows(ordered, MENTION_COLUMNS)
    return streamed(kind, f"mentions-{local_today():%Y%m%d}", header, rows)


def audit_download(user, data, kind: str) -> StreamingHttpResponse:
    """The audit events the audit page lists with the filters in `data`, as a file."""
    require(user, "audit.view")
    filterset = AuditEventFilter(data, queryset=AuditEvent.objects.all())
    if not filterset.is_valid():
        raise ValidationError(filterset.errors.as_json())
    queryset = filterset.qs
    export_record(
        actor=user, what="audit", kind=kind, rows=queryset.order_by().count(),
        filters=_filters(data),
    )  # fmt: skip
    header = [column for column, _name in AUDIT_COLUMNS]
    rows = queryset_rows(queryset.order_by("-pk"), AUDIT_COLUMNS)
    return streamed(kind, f"audit-{local_today():%Y%m%d}", header, rows)


SENTIMENT_COLUMNS = [
    "total",
    "negative",
    "neutral",
    "positive",
    "negative_share",
    "neutral_share",
    "positive_share",
    "average",
]
TIME_COLUMNS = [
    "total",
    "responded",
    "resolved",
    "first_response_p50",
    "first_response_p90",
    "resolution_p50",
    "resolution_p90",
    "first_response_sla",
    "resolution_sla",
]
INCIDENT_COLUMNS = [
    ("reference", None),
    ("title", "title"),
    ("severity", "severity"),
    ("status", "status"),
    ("declared_at", "declared_at"),
    ("first_mention_at", "first_mention_at"),
    ("resolved_at", "resolved_at"),
    ("time_to_detect", "detect"),
    ("time_to_resolve", "resolve"),
]


def _pick(rows, first: tuple[str, str], columns: list[str]) -> tuple[list[str], Iterator]:
    column, key = first
    return [column, *columns], ([row[key], *(row[c] for c in columns)] for row in rows)


def _incident_rows(incidents) -> Iterator[list]:
    names = [name for _column, name in INCIDENT_COLUMNS[1:]]
    for pk, *values in incidents.values_list("pk", *names).iterator(chunk_size=CHUNK):
        *rest, detect, resolve = values
        yield [f"INC-{pk}", *rest, _whole(detect), _whole(resolve)]


def _whole(value):
    return round(value) if value is not None else None


def section(report, name: str, incidents) -> tuple[list[str], Iterable] | None:
    """The header and rows of one section of `report` (`incidents`: the period's queryset)."""
    if name == "figures":
        header = ["figure", "value", "previous", "change"]
        return header, ([f.key, f.value, f.previous, f.change_label] for f in report.figures)
    if name == "over_time":
        return _pick(report.over_time, (report.period.bucket, "day"), SENTIMENT_COLUMNS)
    if name == "networks":
        return _pick(report.networks, ("network", "platform"), SENTIMENT_COLUMNS)
    if name == "streams":
        return _pick(report.streams, ("stream", "label"), SENTIMENT_COLUMNS)
    if name == "reasons":
        return _pick(report.reasons, ("reason", "code"), ["label", "count"])
    if name == "voice":
        rows = ({**row, "label": row["label"] or "brand"} for row in report.voice)
        return _pick(rows, ("stream", "label"), ["brand", "count", "share"])
    if name == "teams":
        return _pick(report.teams, ("team", "label"), TIME_COLUMNS)
    if name == "people":
        return _pick(report.people, ("person", "label"), TIME_COLUMNS)
    if name == "incidents":
        return [column for column, _name in INCIDENT_COLUMNS], _incident_rows(incidents)
    return None


SECTIONS = [
    "figures",
    "over_time",
    "networks",
    "streams",
    "reasons",
    "voice",
    "teams",
    "people",
    "incidents",
]


def section_download(user, data, name: str) -> StreamingHttpResponse | None:
    """One section of the report on the period in `data`, as CSV (None: no such section)."""
    require(user, "report.view")
    if name not in SECTIONS:
        return None
    period, _errors = parse_period(data)
    report = shared_report(user, period)
    header, rows = section(report, name, incidents_in(user, period))
    if name == "incidents":
        count = report.incident_summary["count"]
    else:  # a handful of aggregated rows
        rows = list(rows)
        count = len(rows)
    export_record(
        actor=user, what=f"report.{name}", kind="csv", rows=count,
        filters={"from": period.first.isoformat(), "to": period.last.isoformat()},
    )  # fmt: skip
    filename = f"report-{name}-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    return streamed("csv", filename, header, rows)
