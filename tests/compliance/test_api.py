"""/api/v1/sponsored-posts/: create, workflow actions, 409s, clearance, comments, media."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from compliance import services
from compliance.models import PostStatus, SponsoredPost
from tests.compliance.factories import approve, make_post, png, submitted_post
from tests.conftest import ANONYMOUS

pytestmark = pytest.mark.django_db

URL = "/api/v1/sponsored-posts/"


def body(**overrides):
    return {
        "title": "Iced cortado",
        "text": "#ad Iced cortado on the Lumora Brew, two minutes flat.",
        "platform": "instagram",
        "account_kind": "partner",
        "partner_handle": "@baristabeth",
        "markets": ["US"],
        "planned_at": (timezone.now() + timedelta(days=2)).isoformat(),
        "links": [],
    } | overrides


def test_social_creates_a_post_through_the_api(api_client_for):
    response = api_client_for("social").post(URL, body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "draft"
    assert data["partner_handle"] == "baristabeth"
    assert len(data["content_digest"]) == 64
    assert {c["code"] for c in data["checks"]} >= {"disclosure.visible"}
    assert all({"severity", "rule", "message"} <= set(c) for c in data["checks"])


def test_bad_input_answers_400_with_field_errors(api_client_for):
    client = api_client_for("social")
    response = client.post(URL, body(markets=["XX"], platform="myspace"), format="json")
    assert response.status_code == 400
    assert {"markets", "platform"} <= set(response.json())
    response = client.post(URL, body(links=["ftp://x"], text="  "), format="json")
    assert response.status_code == 400
    assert {"links", "text"} <= set(response.json())
    assert not SponsoredPost.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("legal", 403), ("manager", 403), (ANONYMOUS, 401)])
def test_only_the_social_team_creates(client_for, role, status):
    response = client_for(role, api=True).post(URL, body(), format="json")
    assert response.status_code == status


def test_the_whole_loop_through_the_api(api_client_for, social_user, legal_user):
    social, legal = api_client_for("social"), api_client_for("legal")
    post = social.post(
        URL, body(text="Iced cortado #coffee #latte #ad #barista"), format="json"
    ).json()
    url = f"{URL}{post['id']}/"
    assert social.post(f"{url}submit/").json()["status"] == "submitted"
    assert social.post(f"{url}submit/").status_code == 409  # twice
    # Legal asks for changes (a comment is required).
    assert (
        legal.post(f"{url}request-changes/", {"content_digest": post["content_digest"]}).status_code
        == 400
    )
    response = legal.post(
        f"{url}request-changes/",
        {"content_digest": post["content_digest"], "comment": "Put #ad first."},
    )
    assert response.json()["status"] == "changes_requested"
    # The author fixes the disclosure and submits again.
    fixed = social.patch(
        url,
        {"text": "#ad Iced cortado #coffee #latte #barista", "version": response.json()["version"]},
    ).json()
    assert fixed["content_digest"] != post["content_digest"]
    assert social.post(f"{url}submit/").status_code == 200
    # An approval on the old digest is refused; on the new one it holds.
    stale = legal.post(f"{url}approve/", {"content_digest": post["content_digest"]})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    approved = legal.post(f"{url}approve/", {"content_digest": fixed["content_digest"]}).json()
    assert approved["status"] == "approved"
    assert approved["cleared"] is True
    assert approved["approved_digest"] == fixed["content_digest"]
    assert [d["outcome"] for d in approved["decisions"]] == ["changes_requested", "approved"]
    # The publishing tool asks with the content it holds.
    content = {
        "text": "#ad Iced cortado #coffee #latte #barista",
        "account": "instagram:@BaristaBeth",
        "planned_at": fixed["planned_at"],
        "media": [],
        "links": [],
    }
    answer = social.get(f"{url}clearance/", content).json()
    assert answer["cleared"] is True, answer
    assert answer["reason"] == "cleared"
    assert social.post(f"{url}schedule/").json()["status"] == "scheduled"
    published = social.post(f"{url}publish/", {"url": "https://instagram.com/p/xyz"}).json()
    assert published["status"] == "published"


def test_legal_without_the_role_gets_403(api_client_for, social_user, user_for):
    post = submitted_post(social_user)
    for role in ("social", "manager", "admin", "hr"):
        response = api_client_for(role).post(
            f"{URL}{post.pk}/approve/", {"content_digest": post.content_digest}
        )
        assert response.status_code == 403, role
    assert not post.decisions.exists()


def test_a_frozen_approval_answers_409_with_the_reason(api_client_for, social_user, frozen):
    post = submitted_post(social_user)
    response = api_client_for("legal").post(
        f"{URL}{post.pk}/approve/", {"content_digest": post.content_digest}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "frozen"
    assert frozen.reason in response.json()["detail"]


def test_a_bad_digest_is_a_400(api_client_for, social_user):
    post = submitted_post(social_user)
    response = api_client_for("legal").post(f"{URL}{post.pk}/approve/", {"content_digest": "abc"})
    assert response.status_code == 400
    assert "content_digest" in response.json()


def test_clearance_answers(api_client_for, social_user, legal_user, monkeypatch):
    post = submitted_post(social_user)
    client = api_client_for("social")
    url = f"{URL}{post.pk}/clearance/"
    assert client.get(url, {"digest": post.content_digest}).json()["reason"] == "not_approved"
    post = approve(post, legal_user)
    assert client.get(url, {"digest": post.content_digest}).json()["cleared"] is True
    other = client.get(url, {"digest": "f" * 64}).json()
    assert (other["cleared"], other["reason"]) == (False, "content_mismatch")
    changed = dict(services.canonical_content(post), text=post.text + "!")
    answer = client.post(url, changed, format="json").json()
    assert answer["reason"] == "content_mismatch"
    same = client.post(url, services.canonical_content(post), format="json").json()
    assert same["cleared"] is True
    from incidents import freeze
    from tests.compliance.conftest import FakeFreeze

    monkeypatch.setattr(freeze, "current_freeze", lambda: FakeFreeze(reason="Outage"))
    frozen = client.get(url, {"digest": post.content_digest}).json()
    assert (frozen["cleared"], frozen["reason"], frozen["freeze"]) == (False, "frozen", "Outage")
    monkeypatch.setattr(freeze, "current_freeze", lambda: None)
    # The approval ran out (the sweep has not moved the post yet).
    past = timezone.now() - timedelta(seconds=1)
    SponsoredPost.objects.filter(pk=post.pk).update(approval_expires_at=past)
    assert client.get(url, {"digest": post.content_digest}).json()["reason"] == "expired"
    assert client.get(url, {"text": "x"}).status_code == 400
    assert (
        client.get(url, {"text": "x", "account": "x:@a", "planned_at": "soon"}).status_code == 400
    )


def test_an_edit_after_approval_clears_nothing_until_legal_approves_again(
    api_client_for, social_user, legal_user
):
    post = approve(submitted_post(social_user), legal_user)
    old = post.content_digest
    social = api_client_for("social")
    data = social.patch(f"{URL}{post.pk}/", {"text": post.text + " Now 20% off"}).json()
    assert data["status"] == "submitted"
    assert data["cleared"] is False
    assert data["decisions"][0]["voided_at"] is not None
    assert social.get(f"{URL}{post.pk}/clearance/", {"digest": old}).json()["cleared"] is False


@pytest.mark.parametrize(
    "change",
    [{"markets": ["US", "FR"]}, {"contract_reference": "LUM-9"}, {"partner_name": "Other"}],
)
def test_an_approval_on_a_stale_digest_is_refused_and_changes_nothing(
    api_client_for, social_user, change
):
    post = submitted_post(social_user)
    read = post.content_digest
    social = api_client_for("social")
    assert social.patch(f"{URL}{post.pk}/", change, format="json").status_code == 200
    response = api_client_for("legal").post(f"{URL}{post.pk}/approve/", {"content_digest": read})
    assert response.status_code == 409
    assert response.json()["code"] == "stale"
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED
    assert not post.decisions.exists()
    missing = api_client_for("legal").post(f"{URL}{post.pk}/approve/", {})
    assert missing.status_code == 400
    assert "content_digest" in missing.json()


def test_the_schema_documents_the_digest_of_each_approval(api_client_for):
    schema = api_client_for("admin").get("/api/schema/", {"format": "json"}).json()
    parts = schema["components"]["schemas"]
    assert "content_digest" in parts["DecideRequest"]["required"]


def test_comments(api_client_for, social_user, legal_user):
    post = make_post(social_user)
    client = api_client_for("legal")
    created = client.post(f"{URL}{post.pk}/comments/", {"body": "@social please fix"})
    assert created.status_code == 201
    assert created.json()["mentioned"] == [social_user.pk]
    assert client.post(f"{URL}{post.pk}/comments/", {"body": ""}).status_code == 400
    listed = client.get(f"{URL}{post.pk}/comments/").json()
    assert [c["body"] for c in listed] == ["@social please fix"]


def test_media_upload(api_client_for, social_user):
    post = make_post(social_user)
    client = api_client_for("social")
    response = client.post(
        f"{URL}{post.pk}/media/", {"file": [png(), png("b.png")]}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert len(response.json()["media"]) == 2
    bad = SimpleUploadedFile("x.png", b"not a png", "image/png")
    response = client.post(f"{URL}{post.pk}/media/", {"file": [bad]}, format="multipart")
    assert response.status_code == 400
    assert "media" in response.json()
    assert client.post(f"{URL}{post.pk}/media/", {}, format="multipart").status_code == 400


def test_evidence(api_client_for, social_user, legal_user):
    post = approve(submitted_post(social_user), legal_user)
    data = api_client_for("manager").get(f"{URL}{post.pk}/evidence/").json()
    assert data["content_digest"] == post.content_digest
    assert data["decisions"][0]["outcome"] == "approved"


def test_list_is_paginated_and_its_queries_do_not_grow(api_client_for, social_user,
                                                      django_assert_max_num_queries):  # fmt: skip
    client = api_client_for("legal")
    post = submitted_post(social_user, media=[png()])
    approve(
        post, __import__("tests.accounts.factories", fromlist=["x"]).UserFactory(roles=["legal"])
    )
    client.get(URL)
    with django_assert_max_num_queries(12) as first:
        client.get(URL)
    for n in range(4):
        submitted_post(social_user, title=f"P{n}", media=[png()])
    with django_assert_max_num_queries(len(first.captured_queries)):
        data = client.get(URL + "?status=submitted").json()
    assert len(data["results"]) == 4
    assert "next" in data


def test_version_conflict_is_409(api_client_for, social_user):
    post = make_post(social_user)
    response = api_client_for("social").patch(f"{URL}{post.pk}/", {"text": "x #ad", "version": 99})
    assert response.status_code == 409
    assert response.json()["code"] == "stale"
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
