"""A manager opens the reports, picks last month and downloads its CSV, in a real Chromium."""

import csv
import io
from pathlib import Path

import pytest

from accounts.demo import demo_email
from riskdesk.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_downloads_last_month_s_report(live_server, page, demo, shots):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("E-mail address").fill(demo_email("manager"))
    page.get_by_label("Password").fill(demo)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.wait_for_url(f"{live_server.url}/reports/")
    main = page.get_by_role("main")
    assert main.get_by_role("heading", name="Reports", exact=True).is_visible()

    main.get_by_role("link", name="Last month").click()
    page.wait_for_url(f"{live_server.url}/reports/?preset=last_month")
    assert main.get_by_role("heading", name="Mentions by day").is_visible()
    assert main.get_by_role("img", name="Mentions by day").is_visible()  # the SVG chart
    # A table beside the chart, for who cannot read it.
    main.locator("#sec-volume ~ details summary").click()
    assert main.locator("#sec-volume ~ details table").is_visible()
    shots(page, "last-month")

    with page.expect_download() as download_info:
        main.locator("#sec-networks ~ .report-section__foot a").click()
    download = download_info.value
    assert download.suggested_filename.startswith("report-networks-")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0][:2] == ["network", "total"]
    assert AuditEvent.objects.filter(verb="export.report.networks").exists()

    main.get_by_role("link", name="Printable page").click()
    page.wait_for_url(f"{live_server.url}/reports/print/?*")
    assert page.get_by_role("navigation", name="Main").count() == 0
    shots(page, "printable")

    assert page.csp_violations == []
    assert errors == []
