"""The dashboard's per-person cards kept per reader until their app writes."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from policies.services.acknowledgements import acknowledgement_record
from riskdesk import dashboard_cards
from tests.accounts.factories import TeamFactory, TeamMembershipFactory
from tests.incidents.factories import PlaybookFactory
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


@pytest.fixture
def moved(monkeypatch) -> list[list[str]]:
    """The apps whose cards each call of forget_cards made stale."""
    calls: list[list[str]] = []
    monkeypatch.setattr(dashboard_cards, "forget_cards", lambda apps: calls.append(list(apps)))
    return calls


def test_a_transaction_moves_each_version_once(user_for, moved, django_capture_on_commit_callbacks):
    legal = user_for("legal")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n in range(20):
            PolicyFactory(title=f"Policy {n}", owner=legal)
        PlaybookFactory()
    assert len(moved) == 1  # not 21 (the person made before is in the batch too: every app)
    assert {"incidents", "policies"} <= set(moved[0])


def _policy_rolled_back(owner) -> None:
    with transaction.atomic():
        PolicyFactory(owner=owner)
        raise RuntimeError


def test_a_write_rolled_back_leaves_the_others_to_forget(
    user_for, moved, django_capture_on_commit_callbacks
):
    legal = user_for("legal")
    with pytest.raises(RuntimeError):
        _policy_rolled_back(legal)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        PlaybookFactory()
        with pytest.raises(RuntimeError):
            _policy_rolled_back(legal)
    assert len(moved) == 1
    assert "incidents" in moved[0]
