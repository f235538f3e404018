"""The dashboard's per-person cards kept per reader until their app writes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from policies.services.acknowledgements import acknowledgement_record
from tests.accounts.factories import TeamFactory, TeamMembershipFactory
from tests.policies.factories import PolicyFactory, publish

pytestmark = pytest.mark.django_db

CARD_TABLES = (
    '"accounts_team"',
    '"monitoring_stream"',
    "COUNT(",
    "policies_",
    "incidents_",
    "compliance_",
    "publishing_",
    "offboarding_",
    "advocacy_",
)


def _card_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard")).status_code == 200
    return [q["sql"] for q in queries if any(t in q["sql"] for t in CARD_TABLES)]


def test_a_reload_reads_no_card_rows_and_shows_the_same_cards(
    client_for, user_for, django_capture_on_commit_callbacks
):
    legal, reviewer = user_for("legal"), user_for("manager")
    policy = PolicyFactory(title="Posting from the brand accounts", owner=legal)
    with django_capture_on_commit_callbacks(execute=True):
        publish(policy, "# Rules\n", author=legal, reviewer=reviewer)
    manager = client_for("manager")
    first = manager.get(reverse("dashboard")).context
    assert _card_queries(manager) == []
    again = manager.get(reverse("dashboard")).context
    assert [p.title for p in first["policies_card"]["pending"]] == [policy.title]
    for card in ("people", "teams", "monitoring", "incidents", "compliance", "policies_card"):
        assert again[card] == first[card]


def test_what_a_reader_does_shows_at_their_next_load(
    client_for, user_for, django_capture_on_commit_callbacks
):
    legal, reviewer, social = user_for("legal"), user_for("manager"), user_for("social")
    policy = PolicyFactory(title="Posting from the brand accounts", owner=legal)
    with django_capture_on_commit_callbacks(execute=True):
        revision = publish(policy, "# Rules\n", author=legal, reviewer=reviewer)
    page = client_for("social")
    assert "Posting from the brand accounts" in page.get(reverse("dashboard")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        acknowledgement_record(actor=social, revision=revision)
    assert "Posting from the brand accounts" not in page.get(reverse("dashboard")).content.decode()


def test_a_team_change_reaches_every_card(client_for, user_for, django_capture_on_commit_callbacks):
    legal, reviewer, social = user_for("legal"), user_for("manager"), user_for("social")
    team = TeamFactory(name="Retail")
    policy = PolicyFactory(title="Store staff on social media", owner=legal, teams=[team])
    with django_capture_on_commit_callbacks(execute=True):
        publish(policy, "# Rules\n", author=legal, reviewer=reviewer)
    page = client_for("social")
    assert "Store staff on social media" not in page.get(reverse("dashboard")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        TeamMembershipFactory(team=team, user=social)
    assert "Store staff on social media" in page.get(reverse("dashboard")).content.decode()


def test_a_card_is_kept_for_its_reader_only(
    client_for, user_for, django_capture_on_commit_callbacks
):
    legal, reviewer, hr = user_for("legal"), user_for("manager"), client_for("hr")
    team = TeamFactory(name="Retail")
    TeamMembershipFactory(team=team, user=user_for("social"))
    policy = PolicyFactory(title="Store staff on social media", owner=legal, teams=[team])
    with django_capture_on_commit_callbacks(execute=True):
        publish(policy, "# Rules\n", author=legal, reviewer=reviewer)
    assert (
        "Store staff on social media"
        in client_for("social").get(reverse("dashboard")).content.decode()
    )
    assert "Store staff on social media" not in hr.get(reverse("dashboard")).content.decode()
