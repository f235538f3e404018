"""`inbox`: the triage inbox page over a million mentions, beside its own SQL run alone (#5).

Seeds RISKDESK_BENCH_INBOX_ROWS mentions (default 1,000,000) with PostgreSQL COPY, then
serves /inbox/ through Django's test client, logged in as the demo social-team user, for a
fixed set of filter combinations and searches, and the other pages that read the mentions on
every load (the dashboard with its risk cards, the reports at their default range and a week),
all at the same target (the reports as their readers share them for a minute; the time to
compute one, which its first reader waits for, is `report_computed`). Each page's queries
are captured once and re-run on a cursor: that is the reference, measured in the same run,
round by round.

The rows follow the labelled set (monitoring/enrichment/data/labelled/), enriched once by the real
enricher: its texts, languages, networks, sentiment, risk scores and reasons, routed as the
demo rules route them (team, priority, tags), most of them benign. Status, assignee and SLA
times follow the mention's age: recent ones are open, old ones mostly resolved or ignored.
The search vector is a generated column, so COPY fills it. On SQLite a small count is
inserted instead (`sqlite_rows_capped`), and search runs on LIKE.
"""

import os
import re
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlencode

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks.inbox.seed import load_postgresql, load_sqlite, no_mentions, seed_organisation
from inbox.selectors import CRITICAL_RISK
from reports.rollups import rollups_refresh
from reports.selectors import parse_period, report_for

ROWS_ENV = "RISKDESK_BENCH_INBOX_ROWS"
DEFAULT_ROWS = 1_000_000
SQLITE_MAX_ROWS = 20_000
PAGE_TARGET_MS = 30  # issue 21
SEARCH_TARGET_MS = 50
# Name -> query string; {team} and {since}/{until} are filled in at run time.
COMBINATIONS = {
    "all": "",
    "open": "status=open",
    "open_page2": "status=open&cursor={cursor}",
    "mine": "status=open&assignee=me",
    "critical": f"status=open&assignee=none&risk_min={CRITICAL_RISK}&sort=riskiest",
    "impersonation": "status=open&impersonation=true",
    "breached": "status=open&breached=true&sort=riskiest",
    "team": "status=open&team={team}",
    "tag": "status=open&tag=complaint",
    "reason": "reason=crisis&sort=riskiest",
    "fr_x_negative": "language=fr&platform=x&sentiment=negative",
    "resolved_week": "status=resolved&since={since}&until={until}",
}
# The other pages that read the mentions on every load, at the same target (issue 21, point 5):
# the dashboard with its risk cards (counts by received_at), the reports at their default range.
OTHER_PAGES = {
    "dashboard": "/",
    "reports": "/reports/",
    "reports_7d": "/reports/?preset=7d",
}
SEARCHES = [
    "remboursement",
    "refund",
    "phishing",
    "avocat",
    "lumora brew",
    '"never ask"',
    "panne OR arnaque",
    "ines_7",
]


def _rows_wanted() -> int:
    rows = int(os.environ.get(ROWS_ENV, DEFAULT_ROWS))  # a bad value fails loudly
    if rows < 1000:
        raise ValueError(f"{ROWS_ENV} must be at least 1000, not {rows}")
    return rows


@contextmanager
def _served_as_in_production():
    """DEBUG off, and templates rendered without the test runner's instrumentation.

    setup_test_environment() makes every template render send a signal on which the test
    client copies the context: a cost (about a sixth of the page here) no server pays.
    """
    from django.template import Template
    from django.test.utils import _TestState

    saved = getattr(_TestState, "saved_data", None)
    instrumented = Template._render
    if saved is not None:
        Template._render = saved.template_render
    try:
        with override_settings(DEBUG=False):
            yield
    finally:
        Template._render = instrumented


def _page(client: Client, url: str) -> tuple[float, str]:
    started = time.perf_counter()
    response = client.get(url)
    seconds = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return seconds, response.content.decode()


# A server-side cursor (a form's choices read with .iterator()) is logged as its DECLARE.
DECLARE = re.compile(
    r"DECLARE \S+ (?:NO )?(?:SCROLL )?CURSOR (?:WITH(?:OUT)? HOLD )?FOR (.*)", re.S
)


def _page_queries(client: Client, url: str) -> list[str]:
    """The page's statements, ready to run again on a plain cursor."""
    with CaptureQueriesContext(connection) as captured:
        _page(client, url)
    statements = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")):
            continue
        declared = DECLARE.match(sql)
        statements.append(declared[1] if declared else sql)
    return statements


def _sql_alone(statements: list[str]) -> list[float]:
    """Seconds each statement takes, rows fetched."""
    each = []
    with connection.cursor() as cursor:
        for sql in statements:
            started = time.perf_counter()
            cursor.execute(sql)
            if cursor.description:
                cursor.fetchall()
            each.append(time.perf_counter() - started)
    return each


def _ms(seconds: list[float], q: int) -> float:
    return round(statistics.quantiles(seconds, n=100, method="inclusive")[q - 1] * 1000, 1)


def _urls(org: dict, client: Client, now) -> dict[str, str]:
    fill = {
        "team": org["teams"]["customer-service"],
        "since": (now - timedelta(days=30)).isoformat(),
        "until": (now - timedelta(days=23)).isoformat(),
    }
    _seconds, html = _page(client, "/inbox/?status=open")
    fill["cursor"] = re.search(r"cursor=([0-9.-]+)", html)[1]  # from the "more" link
    urls = {}
    for name, query in COMBINATIONS.items():
        pairs = [pair.split("=", 1) for pair in query.split("&") if pair]
        urls[name] = "/inbox/?" + urlencode([(k, v.format(**fill)) for k, v in pairs])
    for term in SEARCHES:
        urls[f"q:{term}"] = "/inbox/?" + urlencode({"q": term})
    return urls


def _measure(client: Client, urls: dict[str, str], rounds: int) -> dict[str, dict]:
    """Round-robin over the URLs (so a busy moment weighs on all): page, then its SQL alone."""
    statements, figures = {}, {}
    for name, url in urls.items():
        _seconds, html = _page(client, url)  # warm
        statements[name] = _page_queries(client, url)
        figures[name] = {"rows": html.count('class="inbox-row '), "page": [], "sql": [], "each": []}
    for _ in range(rounds):
        for name, url in urls.items():
            figures[name]["page"].append(_page(client, url)[0])
            each = _sql_alone(statements[name])
            figures[name]["sql"].append(sum(each))
            figures[name]["each"].append(each)
    results = {}
    for name, f in figures.items():
        results[name] = {
            "rows": f["rows"],
            "queries": len(statements[name]),
            "p50_ms": _ms(f["page"], 50),
            "p95_ms": _ms(f["page"], 95),
            "sql_p50_ms": _ms(f["sql"], 50),
            "sql_p95_ms": _ms(f["sql"], 95),
            # The page's slowest statement, by its median: where the SQL time goes.
            "slowest_query_ms": round(
                max(statistics.median(times) for times in zip(*f["each"], strict=True)) * 1000, 1
            ),
        }
    results["_raw"] = figures
    return results


def _report_computed(user, rounds: int) -> dict[str, float]:
    """Milliseconds (median) to compute the report, as its first reader waits for it: the pages
    above show the report the readers share (reports.selectors.shared_report)."""
    figures = {}
    for name, query in (("reports", {}), ("reports_7d", {"preset": "7d"})):
        period, _errors = parse_period(query)
        seconds = []
        for _ in range(rounds):
            started = time.perf_counter()
            report_for(user, period)
            seconds.append(time.perf_counter() - started)
        figures[f"{name}_p50_ms"] = round(statistics.median(seconds) * 1000, 1)
    return figures


def inbox(rounds: int = 40) -> dict:
    postgresql = connection.vendor == "postgresql"
    wanted = _rows_wanted()
    rows = wanted if postgresql else min(wanted, SQLITE_MAX_ROWS)
    now = timezone.now()
    no_mentions(postgresql)
    org = seed_organisation()
    seeded = (load_postgresql if postgresql else load_sqlite)(rows, org, now)
    # The reports' daily roll-ups, built as an install builds them: the beat's task, once.
    started = time.perf_counter()
    rolled = rollups_refresh()
    seeded["rollups_s"] = round(time.perf_counter() - started, 1)
    seeded["rollups_days"] = rolled["days"]
    seeded["rollups_rows"] = rolled["rows"]
    seeded["rollups_response_days"] = rolled["responses"]["days"]
    seeded["rollups_response_rows"] = rolled["responses"]["rows"]
    print(
        f"inbox: roll-ups of {rolled['days']} days (and their responses) built in"
        f" {seeded['rollups_s']} s",
        file=sys.stderr,
    )
    client = Client()
    client.force_login(org["user"])
    load_before = os.getloadavg()[0]
    with _served_as_in_production():
        urls = _urls(org, client, now)
        measured = _measure(client, urls, rounds)
        # Seconds a page on a 1M run: fewer rounds, else they would take the bench's time.
        other_rounds = max(3, rounds // 8)
        others = _measure(client, OTHER_PAGES, other_rounds)
        computed = _report_computed(org["user"], other_rounds)
    load_after = os.getloadavg()[0]
    raw = measured.pop("_raw")
    others.pop("_raw")
    pages = {name: m for name, m in measured.items() if not name.startswith("q:")}
    searches = {name[2:]: m for name, m in measured.items() if name.startswith("q:")}
    search_page = [s for name, f in raw.items() if name.startswith("q:") for s in f["page"]]
    search_sql = [s for name, f in raw.items() if name.startswith("q:") for s in f["sql"]]
    worst = max(m["p95_ms"] for m in pages.values())
    search_p95 = _ms(search_page, 95)
    result = {
        "rows": rows,
        **({} if rows == wanted else {"sqlite_rows_capped": f"{wanted} asked, {rows} seeded"}),
        **seeded,
        "rounds": rounds,
        "load_avg_1m": [round(load_before, 1), round(load_after, 1)],
        "page_size": 50,
        "reference": "the same page's captured SQL re-run on a cursor",
        "pages": pages,
        "page_p95_worst_ms": worst,
        "search": {
            "p50_ms": _ms(search_page, 50),
            "p95_ms": search_p95,
            "sql_p50_ms": _ms(search_sql, 50),
            "sql_p95_ms": _ms(search_sql, 95),
            "terms": searches,
        },
        "other_pages": others,
        "other_pages_rounds": other_rounds,
        "report_computed": computed,
        "target_page_p95_ms": PAGE_TARGET_MS,
        "target_search_p95_ms": SEARCH_TARGET_MS,
        "missed": [name for name, m in (pages | others).items() if m["p95_ms"] >= PAGE_TARGET_MS]
        + (["search"] if search_p95 >= SEARCH_TARGET_MS else []),
    }
    return result
