import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from django.http import QueryDict

from monitoring.connectors import get_connector
from monitoring.connectors.base import PermanentError, RateLimited
from monitoring.connectors.meta import (
    DeliveryError,
    MetaConnector,
    parse_delivery,
    verify_handshake,
    verify_signature,
)
from tests.connections.factories import ConnectedAccountFactory
from tests.fakes.base import Fault
from tests.fakes.meta_graph import (
    APP_SECRET,
    TOKEN,
    VERIFY_TOKEN,
    FakeMetaGraph,
    delivery,
    graph_error,
    instagram_comment,
    instagram_mention,
    page_comment,
    signed_delivery,
)
from tests.monitoring.factories import StreamFactory

NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "17841400000000001"


# --- Signatures ------------------------------------------------------------------------


def test_signed_delivery_verifies():
    body, headers = signed_delivery(delivery("page", page_comment()))

    assert headers["X-Hub-Signature-256"].startswith("sha256=")
    assert verify_signature(body, headers["X-Hub-Signature-256"], APP_SECRET)


def test_signature_hex_case_does_not_matter():
    body, headers = signed_delivery({"object": "page", "entry": []})
    scheme, digest = headers["X-Hub-Signature-256"].split("=")

    assert verify_signature(body, f"{scheme}={digest.upper()}", APP_SECRET)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha256",
        "deadbeef",
        "sha256=not-hex-at-all",
        "sha256=é\udcff",
    ],
)
def test_missing_or_malformed_signature_fails(header):
    body, _headers = signed_delivery({"object": "page", "entry": []})

    assert verify_signature(body, header, APP_SECRET) is False


def test_signature_with_the_wrong_prefix_fails():
    body, headers = signed_delivery({"object": "page", "entry": []})
    digest = headers["X-Hub-Signature-256"].removeprefix("sha256=")
    sha1 = hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest()

    assert not verify_signature(body, f"sha1={digest}", APP_SECRET)
    assert not verify_signature(body, f"sha1={sha1}", APP_SECRET)
    assert not verify_signature(body, f"SHA256={digest}", APP_SECRET)


def test_signature_with_another_secret_fails():
    body, headers = signed_delivery({"object": "page", "entry": []}, "someone-else")

    assert not verify_signature(body, headers["X-Hub-Signature-256"], APP_SECRET)


def test_tampered_body_fails():
    body, headers = signed_delivery(delivery("page", page_comment(message="fine")))
    tampered = body.replace(b"fine", b"evil")

    assert not verify_signature(tampered, headers["X-Hub-Signature-256"], APP_SECRET)
    assert not verify_signature(body + b" ", headers["X-Hub-Signature-256"], APP_SECRET)


def test_empty_app_secret_never_verifies():
    body, headers = signed_delivery({"object": "page", "entry": []}, "")

    assert not verify_signature(body, headers["X-Hub-Signature-256"], "")


# --- Handshake -------------------------------------------------------------------------


def handshake(mode="subscribe", token=VERIFY_TOKEN, challenge="1158201444"):
    return {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge}


def test_handshake_answers_the_challenge():
    assert verify_handshake(handshake(), VERIFY_TOKEN) == "1158201444"


def test_handshake_reads_query_dicts_and_parsed_queries():
    query = "hub.mode=subscribe&hub.challenge=42&hub.verify_token=" + VERIFY_TOKEN

    assert verify_handshake(QueryDict(query), VERIFY_TOKEN) == "42"
    assert verify_handshake(parse_qs(query), VERIFY_TOKEN) == "42"


@pytest.mark.parametrize(
    "params",
    [
        handshake(token="guess"),
        handshake(token=""),
        handshake(token=None),
        handshake(mode="unsubscribe"),
        handshake(mode=None),
        handshake(challenge=None),
        handshake(challenge="<script>alert(1)</script>"),
        {},
    ],
)
def test_handshake_refuses(params):
    assert verify_handshake(params, VERIFY_TOKEN) is None


def test_handshake_without_our_token_is_refused():
    assert verify_handshake(handshake(token=""), "") is None


# --- Deliveries ------------------------------------------------------------------------


def test_page_comment_becomes_a_mention():
    mentions, problems, to_fetch = parse_delivery(delivery("page", page_comment()))

    (mention,) = mentions
    assert problems == []
    assert to_fetch == []
    assert mention.platform == "facebook"
    assert mention.external_id == "1234567890_111_222"
    assert mention.text == "Acme broke my order"
    assert mention.author_id == "555"
    assert mention.author_name == "Sam Doe"
    assert mention.thread_id == "1234567890_111"
    assert mention.parent_id == ""
    assert mention.published_at == NOON
    assert mention.url == "https://www.facebook.com/1234567890_111_222"
    assert mention.raw["change"]["value"]["comment_id"] == "1234567890_111_222"


def test_reply_keeps_its_parent_comment():
    change = page_comment("1234567890_111_333", parent_id="1234567890_111_222")

    (mention,) = parse_delivery(delivery("page", change))[0]

    assert mention.parent_id == "1234567890_111_222"
    assert mention.thread_id == "1234567890_111"


def test_edited_comment_is_a_mention_and_the_last_version_wins():
    payload = delivery(
        "page", page_comment(message="first"), page_comment(message="second", verb="edited")
    )

    (mention,) = parse_delivery(payload)[0]

    assert mention.text == "second"


@pytest.mark.parametrize("verb", ["remove", "hide", "unhide", "block"])
def test_removals_and_moderation_are_no_mentions(verb):
    assert parse_delivery(delivery("page", page_comment(verb=verb))) == ([], [], [])


def test_visitor_post_becomes_a_mention():
    change = page_comment(item="status", message="Acme lied to me", post_id="1234567890_999")

    (mention,) = parse_delivery(delivery("page", change))[0]

    assert mention.external_id == "1234567890_999"
    assert mention.url == "https://www.facebook.com/1234567890/posts/999"
    assert mention.parent_id == ""


def test_items_without_text_or_not_posts_are_skipped():
    reaction = {"field": "feed", "value": {"item": "reaction", "verb": "add", "post_id": "1_2"}}
    sticker = page_comment(message="")
    rating = {"field": "ratings", "value": {"review_text": "meh"}}

    assert parse_delivery(delivery("page", reaction, sticker, rating)) == ([], [], [])


def test_created_time_falls_back_to_the_entry_time():
    change = page_comment()
    del change["value"]["created_time"]

    (mention,) = parse_delivery(delivery("page", change, time=1772366400 + 60))[0]

    assert mention.published_at == NOON + timedelta(minutes=1)


def test_instagram_comment_becomes_a_mention():
    change = instagram_comment(parent_id="18000000000000000")

    mentions, problems, to_fetch = parse_delivery(delivery("instagram", change, entry_id=ACCOUNT))

    (mention,) = mentions
    assert (problems, to_fetch) == ([], [])
    assert mention.platform == "instagram"
    assert mention.external_id == "18000000000000001"
    assert mention.text == "@acme where is my refund?"
    assert mention.author_id == "17840000000000009"
    assert mention.author_handle == "@sam.doe"
    assert mention.thread_id == "17900000000000001"
    assert mention.parent_id == "18000000000000000"
    assert mention.published_at == NOON


def test_instagram_mention_is_to_be_fetched():
    payload = delivery("instagram", instagram_mention(), instagram_mention(), entry_id=ACCOUNT)

    mentions, problems, to_fetch = parse_delivery(payload)

    assert (mentions, problems) == ([], [])
    assert to_fetch == [
        {
            "account_id": ACCOUNT,
            "comment_id": "18000000000000002",
            "media_id": "17900000000000002",
        }
    ]


def test_malformed_changes_are_problems_and_the_rest_is_read():
    bad_id = page_comment()
    bad_id["value"]["comment_id"] = "../../me?fields=x"
    no_comment_id = page_comment()
    del no_comment_id["value"]["comment_id"]
    bad_from = page_comment("1234567890_111_444")
    bad_from["value"]["from"] = "Sam"
    payload = {
        "object": "page",
        "entry": [
            "not an entry",
            {"id": "1", "changes": "not a list"},
            {"id": "1", "time": 1772366400, "changes": [None, {"field": "feed", "value": []}]},
            {"id": "1", "changes": [bad_id, no_comment_id, bad_from, page_comment()]},
            {"id": "1", "messaging": [{"message": {"text": "a DM"}}]},
        ],
    }

    mentions, problems, _to_fetch = parse_delivery(payload)

    assert [m.external_id for m in mentions] == ["1234567890_111_222"]
    assert problems == [
        "entry 0: not an object with a list of changes",
        "entry 1: not an object with a list of changes",
        "entry 2 change 0: not an object with a value",
        "entry 2 change 1: not an object with a value",
        "entry 3 change 0: comment_id '../../me?fields=x' is not a Graph id",
        "entry 3 change 1: missing comment_id",
        "entry 3 change 2: from is not an object",
    ]


def test_malformed_instagram_changes_are_problems():
    no_text = instagram_comment()
    del no_text["value"]["text"]
    caption = {"field": "mentions", "value": {"media_id": "17900000000000002"}}
    payload = delivery("instagram", no_text, caption, instagram_comment("18000000000000005"))

    mentions, problems, to_fetch = parse_delivery(payload)

    assert [m.external_id for m in mentions] == ["18000000000000005"]
    assert to_fetch == []
    assert problems == [
        "entry 0 change 0: missing text",
        "entry 0 change 1: caption mentions are not read, only comment mentions",
    ]


def test_entry_that_is_not_a_list_is_a_problem():
    assert parse_delivery({"object": "page", "entry": {"id": "1"}}) == (
        [],
        ["entry is not a list"],
        [],
    )


def test_other_objects_are_a_problem():
    _mentions, problems, _to_fetch = parse_delivery({"object": "user", "entry": []})

    assert problems == ["deliveries for object 'user' are not handled"]


@pytest.mark.parametrize(
    "payload", [None, [], "page", {"entry": []}, {"object": 3, "entry": []}, {"object": "page"}]
)
def test_what_is_not_a_delivery_raises(payload):
    with pytest.raises(DeliveryError):
        parse_delivery(payload)
    assert issubclass(DeliveryError, ValueError)


def test_a_delivery_of_a_thousand_changes_parses():
    changes = [page_comment(f"1234567890_111_{n}", message=f"comment {n}") for n in range(1000)]
    body, headers = signed_delivery(delivery("page", *changes))

    assert verify_signature(body, headers["X-Hub-Signature-256"], APP_SECRET)
    mentions, problems, _to_fetch = parse_delivery(json.loads(body))

    assert len(mentions) == 1000
    assert problems == []
    assert mentions[-1].text == "comment 999"


# --- Graph API -------------------------------------------------------------------------


@pytest.fixture
def graph():
    with FakeMetaGraph() as server:
        server.add_comment(
            ACCOUNT, "17900000000000002", "18000000000000002", "@acme you scammed me"
        )
        yield server


def meta(http, graph, **secret):
    credential = ConnectedAccountFactory(
        kind="meta",
        secret={"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN, "page_access_token": TOKEN}
        | secret,
    )
    stream = StreamFactory(connector="meta", query="", base_url=graph.url, credential=credential)
    return MetaConnector(stream, http)


def wanted(comment_id="18000000000000002"):
    return {"account_id": ACCOUNT, "comment_id": comment_id, "media_id": "17900000000000002"}


def test_the_registry_knows_the_meta_connector():
    connector = get_connector("meta")

    assert connector is MetaConnector
    assert connector.polled is False
    assert connector.label == "Meta (Facebook and Instagram)"
    assert connector.secret_fields == ("app_secret", "verify_token", "page_access_token")


@pytest.mark.django_db
def test_meta_streams_are_not_polled(http, graph):
    with pytest.raises(NotImplementedError, match="webhook"):
        meta(http, graph).fetch({})


@pytest.mark.django_db
def test_mentioned_comments_are_read_from_the_graph(http, graph):
    connector = meta(http, graph)

    (mention,) = connector.fetch_mentioned_comments([wanted()])

    assert connector.problems == []
    assert mention.platform == "instagram"
    assert mention.external_id == "18000000000000002"
    assert mention.text == "@acme you scammed me"
    assert mention.published_at == NOON
    assert mention.thread_id == "17900000000000002"
    assert mention.engagement == 3
    request = graph.requests[-1]
    assert request.path == f"/v21.0/{ACCOUNT}"
    assert request.arg("fields") == (
        "mentioned_comment.comment_id(18000000000000002){id,text,timestamp,like_count,media}"
    )
    assert request.arg("access_token") == TOKEN
    proof = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    assert request.arg("appsecret_proof") == proof


@pytest.mark.django_db
def test_mentions_from_a_delivery_end_to_end(http, graph):
    payload = delivery("instagram", instagram_mention(), instagram_comment(), entry_id=ACCOUNT)
    mentions, _problems, to_fetch = parse_delivery(payload)

    mentions += meta(http, graph).fetch_mentioned_comments(to_fetch)

    assert sorted(m.external_id for m in mentions) == ["18000000000000001", "18000000000000002"]


@pytest.mark.django_db
def test_a_comment_the_graph_will_not_show_is_skipped(http, graph):
    connector = meta(http, graph)

    mentions = connector.fetch_mentioned_comments([wanted("18000000000000099"), wanted()])

    assert [m.external_id for m in mentions] == ["18000000000000002"]
    (problem,) = connector.problems
    assert "18000000000000099" in problem
    assert "code 100" in problem


@pytest.mark.django_db
def test_expired_token_is_permanent(http, graph):
    status, body = graph_error(190, subcode=463)
    graph.inject(Fault(status=status, body=body))

    with pytest.raises(PermanentError, match="access token") as caught:
        meta(http, graph).fetch_mentioned_comments([wanted()])

    assert caught.value.status_code == 400
    assert "Session has expired" in caught.value.message


@pytest.mark.django_db
def test_wrong_token_is_permanent(http, graph):
    with pytest.raises(PermanentError, match="code 190"):
        meta(http, graph, page_access_token="revoked").fetch_mentioned_comments([wanted()])


@pytest.mark.django_db
def test_credential_without_a_token_is_permanent(http, graph):
    with pytest.raises(PermanentError, match="no page access token"):
        meta(http, graph, page_access_token="").fetch_mentioned_comments([wanted()])


@pytest.mark.django_db
def test_rate_limit_waits_as_long_as_meta_says(http, graph):
    status, body = graph_error(4, status=403)
    usage = {
        "1234567890": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]
    }
    graph.inject(
        Fault(status=status, body=body, headers={"X-Business-Use-Case-Usage": json.dumps(usage)})
    )

    with pytest.raises(RateLimited) as caught:
        meta(http, graph).fetch_mentioned_comments([wanted()])

    left = caught.value.until - datetime.now(UTC)
    assert timedelta(minutes=6) < left <= timedelta(minutes=7)


@pytest.mark.django_db
def test_rate_limit_without_an_estimate_waits_the_default(http, graph, settings):
    status, body = graph_error(17)
    graph.inject(Fault(status=status, body=body))

    with pytest.raises(RateLimited) as caught:
        meta(http, graph).fetch_mentioned_comments([wanted()])

    left = caught.value.until - datetime.now(UTC)
    wait = settings.MONITORING_HTTP["default_rate_wait"]
    assert timedelta(seconds=wait - 5) < left <= timedelta(seconds=wait)


@pytest.mark.django_db
def test_spent_quota_makes_the_connector_wait(http, graph):
    connector = meta(http, graph)
    graph.business_usage = {
        "1234567890": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 5}]
    }

    assert len(connector.fetch_mentioned_comments([wanted()])) == 1

    left = connector.wait_until - datetime.now(UTC)
    assert timedelta(minutes=4) < left <= timedelta(minutes=5)


@pytest.mark.django_db
def test_usage_without_an_estimate_does_not_wait(http, graph):
    connector = meta(http, graph)
    graph.usage = {"call_count": 100, "total_cputime": 20, "total_time": 30}

    assert len(connector.fetch_mentioned_comments([wanted()])) == 1

    assert connector.wait_until is None
