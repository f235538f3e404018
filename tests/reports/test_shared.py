"""The report kept for its readers (selectors.shared_report): computed once for who sees the
same mentions and incidents, never shown to who sees others."""

import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import TeamMembership
from tests.accounts.factories import UserFactory
from tests.conftest import sign_in
from tests.reports.factories import NOW, organisation

pytestmark = pytest.mark.django_db

URL = "/reports/?from=2026-03-01&to=2026-03-07"


def _mentions_figure(client) -> str:
    html = client.get(URL).content.decode()
    return re.search(r'figure__label">Mentions</p>\s*<p class="figure__value">(\d+)<', html)[1]


@pytest.fixture
def org(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(NOW, tick=False):
        yield organisation()


def test_a_reload_counts_nothing_and_says_when_the_figures_were_computed(org, client_for):
    client = client_for("social")
    first = client.get(URL)
    with CaptureQueriesContext(connection) as reload:
        again = client.get(URL)
    sections = re.compile(r'<section class="report-section".*</main>', re.S)
    assert sections.search(again.content.decode())[0] == sections.search(first.content.decode())[0]
    assert "Figures as of noon</p>" in again.content.decode()
    tables = " ".join(q["sql"] for q in reload.captured_queries)
    assert "monitoring_mention" not in tables
    assert "reports_mentionday" not in tables
    assert "incidents_incident" not in tables


def test_readers_of_other_queues_never_share_a_report(org, client_for):
    # The admin reads the Legal queue's mention (m7) first; the social user must not see it.
    assert _mentions_figure(client_for("admin")) == "5"
    assert _mentions_figure(client_for("social")) == "4"
    member = UserFactory(roles=["social"])
    TeamMembership.objects.create(team=org.legal, user=member)
    client = Client()
    sign_in(client, member)
    assert _mentions_figure(client) == "5"


def test_a_section_download_is_the_figures_on_the_page(org, client_for):
    client = client_for("social")
    client.get(URL)
    org.mentions["m3"].delete()  # within the report's minute: the page and its CSV still agree
    csv = client.get("/reports/export/figures.csv?from=2026-03-01&to=2026-03-07")
    rows = b"".join(csv.streaming_content).decode().splitlines()
    assert "mentions,4,1,'+300 %" in rows  # not m3's deletion: 3
