"""Exports: streamed, the pages' own filters, audited, permission-checked."""

import csv
import io
import json
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from monitoring.models import Mention, MentionStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.monitoring.factories import MentionFactory
from tests.riskdesk.factories import AuditEventFactory

pytestmark = pytest.mark.django_db

ROWS = 100_000
PEAK_BOUND = 8 * 1024 * 1024  # bytes; the whole CSV of ROWS mentions is several times this


def _content(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_mentions_export_has_the_inbox_filters_and_is_audited(client_for, user_for):
    MentionFactory(text='=HYPERLINK("http://x")', status=MentionStatus.RESOLVED)
    MentionFactory(text="still open")
    response = client_for("social").get("/reports/mentions.csv?status=resolved")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(_content(response))))
    assert rows[0][:3] == ["id", "network", "external_id"]
    assert len(rows) == 2
    assert rows[1][rows[0].index("text")] == '\'=HYPERLINK("http://x")'  # never a formula
    event = AuditEvent.objects.get(verb="export.mentions")
    assert event.actor == user_for("social")
    assert event.after["rows"] == 1
    assert event.after["filters"] == {"status": "resolved"}
    assert event.after["format"] == "csv"


def test_mentions_export_as_json_lines(client_for):
    MentionFactory(risk_reasons=[{"code": "legal", "detail": "sue"}])
    response = client_for("social").get("/reports/mentions.jsonl")
    lines = _content(response).splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["risk_reasons"] == ["legal"]
    assert response["Content-Type"] == "application/x-ndjson"


def test_mentions_export_never_holds_a_hidden_queue(client_for):
    from accounts.models import TeamKind

    legal = TeamFactory(kind=TeamKind.LEGAL)
    MentionFactory(team=legal, text="secret")
    MentionFactory(text="public")
    content = _content(client_for("social").get("/reports/mentions.csv"))
    assert "public" in content
    assert "secret" not in content
    # Naming the hidden queue is a filter the inbox refuses too.
    assert client_for("social").get(f"/reports/mentions.csv?team={legal.pk}").status_code == 400


def test_audit_export_has_the_audit_page_filters(client_for):
    AuditEventFactory(verb="stream.create")
    AuditEventFactory(verb="team.change")
    response = client_for("admin").get("/reports/audit.csv?verb=stream")
    rows = list(csv.reader(io.StringIO(_content(response))))
    assert [row[rows[0].index("action")] for row in rows[1:]] == ["stream.create"]
    assert AuditEvent.objects.filter(verb="export.audit").get().after["rows"] == 1
    jsonl = _content(client_for("admin").get("/reports/audit.jsonl?verb=team"))
    assert json.loads(jsonl.splitlines()[0])["action"] == "team.change"


@pytest.mark.parametrize(
    ("role", "mentions", "audit"),
    [
        ("social", 200, 403),
        ("manager", 200, 403),
        ("admin", 200, 200),
        ("legal", 403, 403),
        ("hr", 403, 403),
        ("no-role", 403, 403),
    ],
)
def test_who_may_export(client_for, role, mentions, audit):
    client = client_for(role)
    assert client.get("/reports/mentions.csv").status_code == mentions
    assert client.get("/reports/audit.csv").status_code == audit
    assert (
        client.get("/api/v1/reports/exports/audit-events/", HTTP_ACCEPT="*/*").status_code == audit
    )
    refused = AuditEvent.objects.filter(verb__startswith="export.")
    assert refused.count() == (mentions == 200) + 2 * (audit == 200)


def test_unknown_formats_and_sections_are_not_found(client_for):
    client = client_for("social")
    assert client.get("/reports/mentions.xlsx").status_code == 404
    assert client.get("/reports/export/nothing.csv").status_code == 404


def test_every_report_section_downloads(client_for):
    from reports.exports import SECTIONS

    MentionFactory(published_at=datetime.now(UTC) - timedelta(days=1))
    client = client_for("manager")
    for name in SECTIONS:
        response = client.get(f"/reports/export/{name}.csv?preset=7d")
        assert response.status_code == 200, name
        header = next(csv.reader(io.StringIO(_content(response))))
        assert header, name
    assert AuditEvent.objects.filter(verb__startswith="export.report.").count() == len(SECTIONS)


COLUMNS = (
    "platform, external_id, author_id, author_handle, author_name, author_verified, text, url, "
    "language, published_at, parent_id, thread_id, engagement, raw, sentiment, sentiment_label, "
    "risk_score, risk_reasons, priority, status, rule_trace, received_at, updated_at"
)
TEXT = "A fairly ordinary mention of the brand, long enough to look like a real post. " * 2


def _many_mentions(count: int) -> None:
    """`count` mentions, one a second from 1 January, made by the database itself (seconds)."""
    table = Mention._meta.db_table
    if connection.vendor == "postgresql":
        start = "TIMESTAMPTZ '2026-01-01 00:00:00+00' + n * INTERVAL '1 second'"
        sql = (
            f"INSERT INTO {table} ({COLUMNS}) SELECT 'x', 'bulk-' || n, 'u' || n, 'user' || n, "  # noqa: S608
            f"'User', false, %s, '', 'en', {start}, '', '', 0, '{{}}'::jsonb, 0.1, 'neutral', 0, "
            f"'[]'::jsonb, 2, 'new', '[]'::jsonb, {start}, now() "
            "FROM generate_series(0, %s) AS n"
        )
    else:
        start = "datetime('2026-01-01 00:00:00', '+' || n || ' seconds')"
        sql = (
            "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < %s) "  # noqa: S608
            f"INSERT INTO {table} ({COLUMNS}) SELECT 'x', 'bulk-' || n, 'u' || n, 'user' || n, "
            f"'User', 0, %s, '', 'en', {start}, '', '', 0, '{{}}', 0.1, 'neutral', 0, '[]', 2, "
            f"'new', '[]', {start}, {start} FROM seq"
        )
    params = [TEXT, count - 1] if connection.vendor == "postgresql" else [count - 1, TEXT]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert Mention.objects.count() == count


def test_a_large_export_streams_in_bounded_memory(client_for):
    """100,000 mentions: the CSV is tens of megabytes, the peak memory a few."""
    _many_mentions(ROWS)
    client = client_for("social")
    response = client.get("/reports/mentions.csv")
    assert response.streaming
    tracemalloc.start()
    try:
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()
    assert lines == ROWS + 1
    assert size > 3 * PEAK_BOUND  # what a response built in memory would hold at least
    assert peak < PEAK_BOUND, f"peak {peak / 1e6:.1f} MB while streaming {size / 1e6:.1f} MB"
