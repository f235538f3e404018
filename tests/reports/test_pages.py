"""The reports page, its period, the API summary, and who may see them."""

from datetime import date

import pytest

from reports.selectors import parse_period
from tests.reports.factories import NOW, organisation

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("query", "first", "last", "errors"),
    [
        ({}, date(2026, 2, 9), TODAY, 0),
        ({"preset": "7d"}, date(2026, 3, 4), TODAY, 0),
        ({"preset": "last_month"}, date(2026, 2, 1), date(2026, 2, 28), 0),
        ({"preset": "quarter"}, date(2026, 1, 1), TODAY, 0),
        ({"from": "2026-03-01", "to": "2026-03-07"}, date(2026, 3, 1), date(2026, 3, 7), 0),
        ({"from": "2026-03-07", "to": "2026-03-01"}, date(2026, 2, 9), TODAY, 1),
        ({"from": "yesterday", "to": "2026-03-01"}, date(2026, 2, 9), TODAY, 1),
        ({"from": "2026-02-30"}, date(2026, 2, 9), TODAY, 1),
        ({"from": "2020-01-01", "to": "2026-03-01"}, date(2024, 3, 1), date(2026, 3, 1), 1),
    ],
)
def test_the_period_asked_for(query, first, last, errors):
    period, messages = parse_period(query, today=TODAY)
    assert (period.first, period.last) == (first, last)
    assert len(messages) == errors
    assert period.days <= 731


def test_the_previous_period_has_the_same_length():
    period, _messages = parse_period({"from": "2026-03-01", "to": "2026-03-07"}, today=TODAY)
    previous = period.previous()
    assert (previous.first, previous.last) == (date(2026, 2, 22), date(2026, 2, 28))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("social", 200),
        ("manager", 200),
        ("admin", 200),
        ("legal", 403),
        ("hr", 403),
        ("no-role", 403),
    ],
)
def test_who_reads_the_reports(client_for, role, status):
    client = client_for(role)
    assert client.get("/reports/").status_code == status
    assert client.get("/reports/print/").status_code == status
    assert client.get("/api/v1/reports/summary/").status_code == status
    assert client.get("/reports/export/figures.csv").status_code == status


def test_nobody_signed_in_is_sent_to_sign_in(client, api_client):
    assert client.get("/reports/").status_code == 302
    assert api_client.get("/api/v1/reports/summary/").status_code == 401


def test_the_page_shows_the_figures_charts_and_tables(client_for, settings):
    settings.TIME_ZONE = "UTC"
    organisation()
    response = client_for("manager").get("/reports/?from=2026-03-01&to=2026-03-07")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html
    assert "+300 %" in html  # 4 mentions against 1
    assert "Show table" in html
    assert 'style="' not in html  # the CSP forbids inline styles
    assert "/reports/export/networks.csv?from=2026-03-01&amp;to=2026-03-07" in html
    printable = client_for("manager").get("/reports/print/?from=2026-03-01&to=2026-03-07")
    assert "sidebar" not in printable.content.decode()


def test_bad_dates_say_so(client_for):
    response = client_for("social").get("/reports/?from=2026-03-07&to=2026-03-01")
    assert response.status_code == 200
    assert "The start date is after the end date" in response.content.decode()
    api = client_for("social").get("/api/v1/reports/summary/?from=2000-01-01&to=2026-01-01")
    assert api.status_code == 200
    assert api.json()["from"] == "2024-01-02"  # 731 days, 2024 a leap year
    assert "at most two years" in api.json()["messages"][0]


def test_the_api_summary_has_the_page_figures(client_for, settings):
    settings.TIME_ZONE = "UTC"
    organisation()
    import time_machine

    with time_machine.travel(NOW, tick=False):
        data = (
            client_for("social")
            .get("/api/v1/reports/summary/?from=2026-03-01&to=2026-03-07")
            .json()
        )
    figures = {f["key"]: f for f in data["figures"]}
    assert figures["mentions"]["value"] == 4
    assert figures["mentions"]["change_label"] == "+300 %"
    assert figures["first_response_sla"]["value"] == 66.7
    assert data["incidents"]["count"] == 2
    assert [row["count"] for row in data["share_of_voice"]] == [4, 1]
    assert data["bucket"] == "day"
    assert len(data["over_time"]) == 7
