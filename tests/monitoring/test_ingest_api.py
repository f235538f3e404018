"""POST /api/v1/ingest/: any listening tool pushes mentions, answered item by item."""

import pytest

from monitoring.models import Mention
from riskdesk.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/ingest/"


def item(n: int, **fields) -> dict:
    return {
        "platform": "other",
        "external_id": f"mw-{n}",
        "text": f"Acme mention {n}",
        "published_at": "2026-03-01T12:00:00Z",
        "url": f"https://news.example.org/{n}",
        "author_id": f"a{n}",
        "author_handle": f"writer{n}",
        "author_name": f"Writer {n}",
        "author_followers": 10 * n,
        "raw": {"source": "meltwater", "n": n},
    } | fields


def test_each_item_is_stored_duplicate_or_invalid(api_client_for):
    Mention.objects.create(
        platform="other", external_id="mw-2", text="known", published_at="2026-03-01T00:00Z"
    )
    batch = [
        item(1),
        item(2),
        item(3, published_at="yesterday"),
        item(4, platform="myspace"),
        item(1),
        "not an object",
        item(5, text="   "),
    ]
    response = api_client_for("social").post(URL, batch)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stored"], body["duplicates"], body["invalid"]) == (1, 2, 4)
    statuses = [(a["index"], a["status"]) for a in body["items"]]
    assert statuses == [
        (0, "stored"),
        (1, "duplicate"),
        (2, "invalid"),
        (3, "invalid"),
        (4, "duplicate"),
        (5, "invalid"),
        (6, "invalid"),
    ]
    assert "published_at" in body["items"][2]["errors"]
    assert "platform" in body["items"][3]["errors"]
    stored = Mention.objects.get(external_id="mw-1")
    assert body["items"][0]["id"] == stored.pk
    assert stored.author_followers == 10
    assert stored.raw == {"source": "meltwater", "n": 1}
    event = AuditEvent.objects.get(verb="mention.ingest")
    assert event.after == {"received": 3, "stored": 1}


def test_a_follower_count_beyond_a_64_bit_integer_is_invalid_not_an_error(api_client_for):
    response = api_client_for("social").post(URL, [item(1, author_followers=2**63), item(2)])

    assert response.status_code == 200, response.content
    assert [a["status"] for a in response.json()["items"]] == ["invalid", "stored"]
    assert "author_followers" in response.json()["items"][0]["errors"]


def test_resubmitting_the_same_batch_stores_nothing_twice(api_client_for):
    client = api_client_for("social")
    first = client.post(URL, [item(1), item(2)]).json()
    second = client.post(URL, [item(1), item(2)]).json()
    assert (first["stored"], second["stored"], second["duplicates"]) == (2, 0, 2)
    assert Mention.objects.count() == 2


def test_hostile_huge_emoji_and_rtl_texts(api_client_for, settings):
    texts = [
        "<img src=x onerror=alert(1)>",
        "🔥" * 5000,
        "مرحبا، منتجكم خطير",
        "A" * (settings.MONITORING_MAX_TEXT + 500),
    ]
    body = (
        api_client_for("social")
        .post(URL, [item(n, text=text) for n, text in enumerate(texts)])
        .json()
    )
    assert body["stored"] == 4
    stored = dict(Mention.objects.values_list("external_id", "text"))
    assert stored["mw-0"] == texts[0]
    assert stored["mw-1"] == texts[1]
    assert stored["mw-2"] == texts[2]
    assert len(stored["mw-3"]) == settings.MONITORING_MAX_TEXT


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"platform": "x"}', "application/json"),
        ("[{", "application/json"),
        ("platform=x", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_is_not_a_json_list_is_a_clear_400(api_client_for, body, content_type):
    response = api_client_for("social").generic("POST", URL, body, content_type=content_type)
    assert response.status_code in (400, 415)
    assert response.json()["detail"]
    assert not Mention.objects.exists()


def test_too_large_a_batch_is_refused_whole(api_client_for):
    response = api_client_for("social").post(URL, [item(n) for n in range(1001)])
    assert response.status_code == 400
    assert not Mention.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("legal", 403), ("hr", 403)])
def test_only_those_allowed_may_ingest(api_client_for, role, status):
    assert api_client_for(role).post(URL, [item(1)]).status_code == status
    assert not Mention.objects.exists()


def test_anonymous_gets_401(api_client):
    assert api_client.post(URL, [item(1)]).status_code == 401


def test_token_authenticated_tool_can_push(api_client, social_user):
    from accounts.services import api_token_create

    _token, key = api_token_create(actor=social_user, user=social_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.post(URL, [item(1)]).json()["stored"] == 1
