"""/api/v1/posts/: the calendar's powers for clients, with the same gates."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from incidents.freeze import freeze_lift, freeze_start
from publishing import services
from publishing.models import BrandPost
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def _body(account, **fields):
    when = timezone.now() + timedelta(hours=3)
    return {
        "title": "Spring menu",
        "text": "Our spring menu is here.",
        "accounts": [account.pk],
        "scheduled_at": when.isoformat(),
        **fields,
    }


def test_a_client_schedules_a_post_and_follows_it_to_the_network(api_client_for, lumora, mastodon):
    api = api_client_for("social")
    created = api.post("/api/v1/posts/", _body(lumora, schedule=True), format="json")
    assert created.status_code == 201, created.content
    post = created.json()
    assert post["status"] == "scheduled"
    assert [d["account"] for d in post["deliveries"]] == [lumora.pk]
    with time_machine.travel(timezone.now() + timedelta(hours=3, minutes=1)):
        services.delivery_send(post["deliveries"][0]["id"])
    sent = api.get(f"/api/v1/posts/{post['id']}/").json()
    assert sent["status"] == "published"
    assert sent["deliveries"][0]["network_url"].startswith(mastodon.url)


def test_the_gates_answer_400_with_the_reason(api_client_for, lumora):
    api = api_client_for("social")
    past = timezone.now() - timedelta(minutes=5)
    answer = api.post("/api/v1/posts/", _body(lumora, scheduled_at=past.isoformat()), format="json")
    assert answer.status_code == 400
    assert "future" in answer.json()["scheduled_at"][0]
    answer = api.post("/api/v1/posts/", _body(lumora, text="x" * 600), format="json")
    assert answer.status_code == 400
    assert "500 characters" in answer.json()["accounts"][0]
    answer = api.post("/api/v1/posts/", _body(lumora, accounts=[999999]), format="json")
    assert answer.status_code == 400
    assert not BrandPost.objects.exists()


def test_an_account_the_client_is_not_listed_on_is_refused(api_client_for, lumora, user_for):
    api = api_client_for("social")
    lumora.acting_people.clear()
    answer = api.post("/api/v1/posts/", _body(lumora), format="json")
    assert answer.status_code == 400
    assert "may not publish as" in answer.json()["accounts"][0]


def test_legal_and_managers_read_the_calendar_but_do_not_write(api_client_for, write):
    write()
    for role in ("legal", "manager"):
        api = api_client_for(role)
        assert api.get("/api/v1/posts/").status_code == 200
        assert len(api.get("/api/v1/posts/").json()["results"]) == 1
        assert api.post("/api/v1/posts/", {}, format="json").status_code == 403
    assert api_client_for("hr").get("/api/v1/posts/").status_code == 403


def test_a_stale_version_is_refused(api_client_for, write):
    post = write()
    api = api_client_for("social")
    first = api.patch(f"/api/v1/posts/{post.pk}/", {"text": "One.", "version": 1}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["version"] == 2
    second = api.patch(f"/api/v1/posts/{post.pk}/", {"text": "Two.", "version": 1}, format="json")
    assert second.status_code == 400


def test_a_held_post_is_released_through_the_api(api_client_for, write, manager_user):
    post = write(schedule=True)
    api = api_client_for("social")
    assert api.post(f"/api/v1/posts/{post.pk}/release/", {"decision": "publish"}).status_code == 400
    incident = IncidentFactory(severity=1)
    freeze_start(actor=manager_user, incident=incident, reason="Recall")
    services.posts_hold_frozen()
    held = api.get(f"/api/v1/posts/{post.pk}/").json()
    assert (held["status"], held["held_reason"], held["held_incident"]) == (
        "held",
        "frozen",
        incident.pk,
    )
    freeze_lift(actor=manager_user, incident=incident)
    answer = api.post(f"/api/v1/posts/{post.pk}/release/", {"decision": "drop"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["status"] == "dropped"


def test_retry_names_a_delivery_of_the_post(api_client_for, write):
    post = write()
    api = api_client_for("social")
    answer = api.post(f"/api/v1/posts/{post.pk}/retry/", {"delivery": 424242}, format="json")
    assert answer.status_code == 400
    delivery = post.deliveries.get()
    answer = api.post(f"/api/v1/posts/{post.pk}/retry/", {"delivery": delivery.pk}, format="json")
    assert answer.status_code == 400
    assert "Only a failed delivery" in str(answer.json())
