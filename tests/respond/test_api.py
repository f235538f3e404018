"""/api/v1/replies/, /api/v1/moderation/ and a mention's thread: the panel's powers, for clients."""

import pytest

from inbox.models import MentionReply
from respond import services
from riskdesk.models import AuditEvent
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db


def test_a_client_sends_a_reply_and_follows_it_to_the_network(
    api_client_for, support, greg, mastodon, queued
):
    api = api_client_for("social")

    created = api.post(
        "/api/v1/replies/",
        {"mention": greg.pk, "account": support.pk, "body": "Local mode works offline."},
        format="json",
    )

    assert created.status_code == 201, created.content
    assert created.json()["state"] == "queued"
    services.reply_send(created.json()["id"])
    sent = api.get(f"/api/v1/replies/{created.json()['id']}/").json()
    assert sent["state"] == "sent"
    assert sent["network_url"].startswith(mastodon.url)

    thread = api.get(f"/api/v1/mentions/{greg.pk}/thread/").json()
    assert [r["body"] for r in thread["sent"]] == ["Local mode works offline."]
    assert thread["sent"][0]["state"] == "sent"


def test_the_gates_answer_400_with_the_reason(api_client_for, support, greg):
    api = api_client_for("social")
    too_long = api.post(
        "/api/v1/replies/",
        {"mention": greg.pk, "account": support.pk, "body": "x" * 600},
        format="json",
    )
    assert too_long.status_code == 400
    assert "at most 500 characters" in str(too_long.json())
    assert not MentionReply.objects.exists()


def test_an_account_the_caller_is_not_listed_on_is_refused(api_client_for, support, greg):
    support.acting_people.clear()
    refused = api_client_for("social").post(
        "/api/v1/replies/",
        {"mention": greg.pk, "account": support.pk, "body": "Hello"},
        format="json",
    )
    assert refused.status_code == 403


def test_a_hidden_mention_is_not_there(api_client_for, support):
    from tests.accounts.factories import TeamFactory

    legal_only = MentionFactory(platform="mastodon", team=TeamFactory(kind="legal", slug="legal"))
    refused = api_client_for("social").post(
        "/api/v1/replies/",
        {"mention": legal_only.pk, "account": support.pk, "body": "Hello"},
        format="json",
    )
    assert refused.status_code == 400
    assert "mention" in refused.json()
    assert (
        api_client_for("social").get(f"/api/v1/mentions/{legal_only.pk}/thread/").status_code == 404
    )


def test_a_report_through_the_api_is_recorded_with_the_networks_answer(
    api_client_for, support, greg, mastodon
):
    response = api_client_for("social").post(
        "/api/v1/moderation/",
        {"mention": greg.pk, "account": support.pk, "action": "report", "reason": "Phishing"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "done"
    assert mastodon.reports[-1]["comment"] == "Phishing"
    event = AuditEvent.objects.get(verb="mention.report")
    assert event.after["reason"] == "Phishing"


def test_legal_cannot_moderate(api_client_for, support, greg):
    response = api_client_for("legal").post(
        "/api/v1/moderation/",
        {"mention": greg.pk, "account": support.pk, "action": "report", "reason": "x"},
        format="json",
    )
    assert response.status_code == 403
