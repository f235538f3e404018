"""Browsing the audit trail: /audit/ in the browser, /api/v1/audit-events/ for clients."""

from datetime import UTC, datetime

import pytest
import time_machine

from tests.accounts.factories import UserFactory
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.riskdesk.factories import AuditEventFactory

pytestmark = pytest.mark.django_db

NOT_ADMINS = ["social", "legal", "hr", "manager", NO_ROLE]


def _verbs(results):
    return sorted(item["verb"] for item in results)


# --- API -------------------------------------------------------------------------


def test_admin_lists_events_newest_first_with_cursor_pages(api_client_for):
    client = api_client_for("admin")
    events = AuditEventFactory.create_batch(3)

    first = client.get("/api/v1/audit-events/", {"page_size": 2})

    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"next", "previous", "results"}
    assert [e["id"] for e in body["results"]] == [events[2].pk, events[1].pk]
    assert body["previous"] is None
    assert body["next"] is not None

    second = client.get(body["next"]).json()
    assert [e["id"] for e in second["results"]] == [events[0].pk]
    assert second["next"] is None
    assert second["previous"] is not None


def test_an_event_through_the_api_carries_its_whole_record(api_client_for):
    event = AuditEventFactory(verb="team.update", ip_address="203.0.113.9", user_agent="agent/2")
    client = api_client_for("admin")

    body = client.get(f"/api/v1/audit-events/{event.pk}/").json()

    assert body["verb"] == "team.update"
    assert body["actor"] == event.actor_id
    assert body["target_type"] == "accounts.user"
    assert body["target_id"] == str(event.actor_id)
    assert body["before"] == {"display_name": "Before"}
    assert body["after"] == {"display_name": "After"}
    assert body["ip_address"] == "203.0.113.9"
    assert body["user_agent"] == "agent/2"


def test_api_filters_events_by_verb_prefix(api_client_for):
    AuditEventFactory(verb="team.create")
    AuditEventFactory(verb="team.members")
    AuditEventFactory(verb="user.update")
    client = api_client_for("admin")

    response = client.get("/api/v1/audit-events/", {"verb": "team."})

    assert _verbs(response.json()["results"]) == ["team.create", "team.members"]


def test_api_filters_events_by_actor(api_client_for):
    mine = AuditEventFactory(verb="team.create")
    AuditEventFactory(verb="team.update")
    client = api_client_for("admin")

    response = client.get("/api/v1/audit-events/", {"actor": mine.actor_id})

    assert [e["id"] for e in response.json()["results"]] == [mine.pk]


def test_api_filters_events_since_a_time(api_client_for):
    with time_machine.travel(datetime(2024, 1, 10, tzinfo=UTC), tick=False):
        AuditEventFactory(verb="old.event")
    with time_machine.travel(datetime(2025, 6, 1, tzinfo=UTC), tick=False):
        AuditEventFactory(verb="new.event")
    client = api_client_for("admin")

    response = client.get("/api/v1/audit-events/", {"since": "2025-01-01T00:00:00Z"})

    assert response.status_code == 200
    assert _verbs(response.json()["results"]) == ["new.event"]


def test_api_answers_a_malformed_filter_with_a_field_error(api_client_for):
    response = api_client_for("admin").get("/api/v1/audit-events/", {"since": "last tuesday"})

    assert response.status_code == 400
    assert "since" in response.json()


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_api_refuses_the_trail_to_everyone_but_admins(api_client_for, role):
    event = AuditEventFactory()
    client = api_client_for(role)

    assert client.get("/api/v1/audit-events/").status_code == 403
    assert client.get(f"/api/v1/audit-events/{event.pk}/").status_code == 403


def test_api_asks_anonymous_callers_to_authenticate(api_client):
    response = api_client.get("/api/v1/audit-events/")

    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_api_list_query_count_does_not_grow_with_events(
    api_client_for, django_assert_max_num_queries
):
    client = api_client_for("admin")
    for _ in range(30):  # thirty different actors and targets
        AuditEventFactory()

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/audit-events/")

    assert len(response.json()["results"]) == 30


# --- Browser ---------------------------------------------------------------------


def test_admin_sees_the_audit_page(client_for):
    event = AuditEventFactory(verb="team.create")

    response = client_for("admin").get("/audit/")

    assert response.status_code == 200
    assert [row.event.pk for row in response.context["page"].items] == [event.pk]
    assert b"<html" in response.content
    assert b"team.create" in response.content


def test_audit_page_filters_by_verb_from_the_query_string(client_for):
    AuditEventFactory(verb="team.create")
    AuditEventFactory(verb="user.update")

    response = client_for("admin").get("/audit/", {"verb": "user."})

    assert response.status_code == 200
    assert [row.event.verb for row in response.context["page"].items] == ["user.update"]


def test_audit_page_answers_htmx_with_the_rows_fragment_only(client_for):
    AuditEventFactory(verb="team.create")

    response = client_for("admin").get("/audit/", {"verb": "team."}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.templates[0].name == "riskdesk/_audit_rows.html"
    assert b"<html" not in response.content
    assert b"team.create" in response.content


def test_audit_page_pages_with_a_keyset_cursor(client_for):
    events = AuditEventFactory.create_batch(3)
    client = client_for("admin")

    response = client.get("/audit/", {"before": events[2].pk})

    assert [row.event.pk for row in response.context["page"].items] == [
        events[1].pk,
        events[0].pk,
    ]


def test_admin_opens_one_event(client_for):
    event = AuditEventFactory(verb="team.members")

    response = client_for("admin").get(f"/audit/{event.pk}/")

    assert response.status_code == 200
    assert response.context["event"] == event
    assert client_for("admin").get(f"/audit/{event.pk + 1000}/").status_code == 404


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_audit_pages_are_refused_to_everyone_but_admins(client_for, role):
    event = AuditEventFactory()
    client = client_for(role)

    assert client.get("/audit/").status_code == 403
    assert client.get(f"/audit/{event.pk}/").status_code == 403


def test_audit_page_sends_anonymous_visitors_to_sign_in(client_for):
    response = client_for(ANONYMOUS).get("/audit/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/audit/")


def test_audit_page_query_count_does_not_grow_with_events(
    client_for, django_assert_max_num_queries
):
    client = client_for("admin")
    for _ in range(30):
        AuditEventFactory(actor=UserFactory())

    with django_assert_max_num_queries(9):
        response = client.get("/audit/")

    assert len(response.context["page"].items) == 30
