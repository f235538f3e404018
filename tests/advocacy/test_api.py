"""/api/v1/library/ and /api/v1/shares/: happy paths and every refusal with its reason."""

import pytest
from rest_framework.test import APIClient

from advocacy.models import LibraryPost, LibraryStatus, Share
from tests.accounts.factories import UserFactory
from tests.advocacy.factories import available_post, make_post
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

NEW = {
    "title": "Solar roastery",
    "text": "Our Lyon roastery now runs on solar power.",
    "link": "https://lumora.example/solar",
    "networks": ["x", "linkedin"],
    "markets": ["US", "FR"],
}


def api(user) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def test_curators_create_publish_and_retire(curator):
    client = api(curator)
    created = client.post("/api/v1/library/", NEW, format="json")
    assert created.status_code == 201, created.data
    pk = created.data["id"]
    assert created.data["status"] == "draft"
    assert created.data["legal"] is None
    published = client.post(f"/api/v1/library/{pk}/publish/")
    assert published.status_code == 200
    assert published.data["status"] == "available"
    assert published.data["shareable"] == ""
    changed = client.patch(f"/api/v1/library/{pk}/", {"title": "Solar!", "version": 1},
                           format="json")  # fmt: skip
    assert changed.status_code == 409  # stale version
    changed = client.patch(f"/api/v1/library/{pk}/", {"title": "Solar!"}, format="json")
    assert changed.status_code == 200
    assert changed.data["title"] == "Solar!"
    retired = client.post(f"/api/v1/library/{pk}/retire/")
    assert retired.data["status"] == "retired"
    again = client.post(f"/api/v1/library/{pk}/retire/")
    assert again.status_code == 409
    assert again.data["detail"] == "This post is already retired."


def test_ask_legal_and_refusals(curator, user_for):
    client = api(curator)
    pk = client.post("/api/v1/library/", NEW | {"needs_legal": True}, format="json").data["id"]
    refused = client.post(f"/api/v1/library/{pk}/publish/")
    assert refused.status_code == 409
    assert refused.data["code"] == "needs_legal"
    asked = client.post(f"/api/v1/library/{pk}/ask-legal/")
    assert asked.status_code == 200
    assert asked.data["status"] == "waiting"
    assert asked.data["legal"]["status"] == "submitted"
    assert asked.data["legal"]["cleared"] is False
    manager_post = make_post(user_for("manager"), needs_legal=True)
    by_manager = api(user_for("manager")).post(f"/api/v1/library/{manager_post.pk}/ask-legal/")
    assert by_manager.status_code == 409
    assert by_manager.data["code"] == "legal_writer"


def test_invalid_posts_are_400(curator):
    response = api(curator).post(
        "/api/v1/library/", NEW | {"networks": ["myspace"], "link": "javascript:x"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.data) >= {"networks", "link"}


def test_non_curators_see_only_available_posts_and_cannot_write(employee, curator):
    shown = available_post(curator)
    make_post(curator, title="Draft")
    client = api(employee)
    listed = client.get("/api/v1/library/")
    assert [p["id"] for p in listed.data["results"]] == [shown.pk]
    assert client.post("/api/v1/library/", NEW, format="json").status_code == 403
    assert client.post(f"/api/v1/library/{shown.pk}/retire/").status_code == 403
    assert client.delete(f"/api/v1/library/{shown.pk}/").status_code == 403
    draft = LibraryPost.objects.get(title="Draft")
    assert client.get(f"/api/v1/library/{draft.pk}/").status_code == 404


def test_delete_only_unshared_drafts(curator):
    client = api(curator)
    draft = make_post(curator)
    assert client.delete(f"/api/v1/library/{draft.pk}/").status_code == 204
    shown = available_post(curator)
    assert client.delete(f"/api/v1/library/{shown.pk}/").status_code == 409


def test_share_happy_path(ready_employee, curator):
    post = available_post(curator)
    response = api(ready_employee).post(
        "/api/v1/shares/", {"post": post.pk, "network": "x", "market": "FR"}, format="json"
    )
    assert response.status_code == 201, response.data
    assert response.data["text"].endswith("#salarié")
    assert response.data["share_url"].startswith("https://twitter.com/intent/tweet?text=")
    assert "/s/" in response.data["tracked_url"]
    assert response.data["user"] == ready_employee.pk


def test_share_untrained_is_403_with_what_is_missing(smp, employee, curator):
    post = available_post(curator)
    response = api(employee).post(
        "/api/v1/shares/", {"post": post.pk, "network": "x", "market": "US"}, format="json"
    )
    assert response.status_code == 403
    assert response.data["code"] == "not_ready"
    assert {m["code"] for m in response.data["missing"]} == {"acknowledge", "training"}
    assert "Complete the training" in response.data["detail"]
    assert not Share.objects.exists()


def test_share_errors_are_400_and_409(ready_employee, curator, frozen):
    post = available_post(curator)
    client = api(ready_employee)
    bad = client.post("/api/v1/shares/", {"post": post.pk, "network": "myspace", "market": "US"},
                      format="json")  # fmt: skip
    assert bad.status_code == 400
    missing = client.post("/api/v1/shares/", {"post": 99999, "network": "x", "market": "US"},
                          format="json")  # fmt: skip
    assert missing.status_code == 400
    paused = client.post("/api/v1/shares/", {"post": post.pk, "network": "x", "market": "US"},
                         format="json")  # fmt: skip
    assert paused.status_code == 409
    assert frozen.reason in paused.data["detail"]


def test_share_validation_before_freeze(ready_employee, curator):
    post = available_post(curator)
    response = api(ready_employee).post(
        "/api/v1/shares/", {"post": post.pk, "network": "x", "market": "UK"}, format="json"
    )
    assert response.status_code == 400
    assert "market" in response.data


def test_share_of_a_waiting_post_is_409(ready_employee, curator):
    from advocacy import services

    post = services.library_post_ask_legal(actor=curator, post=make_post(curator, needs_legal=True))
    response = api(curator).post(
        "/api/v1/shares/", {"post": post.pk, "network": "x", "market": "US"}, format="json"
    )
    # The curator is not trained: the gate speaks first.
    assert response.status_code == 403
    assert LibraryPost.objects.get(pk=post.pk).status == LibraryStatus.WAITING


def test_shares_list_own_only_curators_all(ready_employee, smp, curator):
    other = smp.make_ready(UserFactory())
    post = available_post(curator)
    for person in (ready_employee, other):
        api(person).post("/api/v1/shares/", {"post": post.pk, "network": "copy", "market": "US"},
                         format="json")  # fmt: skip
    mine = api(ready_employee).get("/api/v1/shares/")
    assert [s["user"] for s in mine.data["results"]] == [ready_employee.pk]
    theirs = Share.objects.get(user=other)
    assert api(ready_employee).get(f"/api/v1/shares/{theirs.pk}/").status_code == 404
    assert len(api(curator).get("/api/v1/shares/").data["results"]) == 2


def test_anonymous_is_401(api_client, db):
    assert api_client.get("/api/v1/library/").status_code == 401
    assert api_client.post("/api/v1/shares/", {}, format="json").status_code == 401
