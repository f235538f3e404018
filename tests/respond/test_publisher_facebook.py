"""The Facebook publisher against the fake Graph API, over real HTTP."""

import hashlib
import hmac

import pytest
from django.utils import timezone

from monitoring.connectors.base import (
    MalformedPayload,
    PermanentError,
    RateLimited,
    TransientError,
)
from monitoring.connectors.meta import parse_delivery
from respond.publishers import get_publisher
from respond.publishers.meta import FacebookPublisher
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.meta_graph import (
    APP_SECRET,
    PAGE_ID,
    TOKEN,
    FakeMetaGraph,
    delivery,
    graph_error,
    page_comment,
)
from tests.monitoring.factories import MentionFactory
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db

FIELDS = ("platform", "external_id", "text", "published_at", "author_id", "author_name")
FIELDS += ("url", "parent_id", "thread_id", "raw")


@pytest.fixture
def graph():
    with FakeMetaGraph() as fake:
        yield fake


@pytest.fixture
def post(graph):
    return graph.page_post("Our new kettle is out")


@pytest.fixture
def publisher(graph, connected, http):
    brand = BrandAccountFactory(platform="facebook", handle="acme", platform_id=PAGE_ID)
    account = connected(
        "facebook", base_url=graph.url, secret={"access_token": TOKEN}, brand_account=brand
    )
    return FacebookPublisher(account, http)


def stored(comment: dict, post: dict):
    """The mention the webhook stores for `comment` (from the Page's feed changes)."""
    change = page_comment(
        comment["id"],
        message=comment["message"],
        post_id=post["id"],
        parent_id=comment["parent_id"],
        author=(comment["from"]["id"], comment["from"]["name"]),
    )
    (mention,), _problems, _ = parse_delivery(delivery("page", change, entry_id=PAGE_ID))
    return MentionFactory(**{name: getattr(mention, name) for name in FIELDS})


@pytest.fixture
def sam(graph, post):
    return stored(graph.page_comment(post["id"], "My kettle leaks"), post)


def test_the_registry_knows_the_facebook_publisher():
    assert get_publisher("facebook") is FacebookPublisher


def test_a_reply_lands_under_the_comment_as_the_page(graph, publisher, sam):
    sent = publisher.reply(mention=sam, body="Sorry! We are on it.", key="k1")

    (posted,) = graph.posted
    assert posted["id"] == sent.network_id
    assert posted["parent_id"] == sam.external_id
    assert posted["from"]["id"] == PAGE_ID
    assert posted["message"] == "Sorry! We are on it."
    assert sent.url == f"https://www.facebook.com/{sent.network_id}"
    request = graph.requests[-1]
    assert (request.method, request.path) == ("POST", f"/v21.0/{sam.external_id}/comments")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.arg("access_token") is None  # the token stays out of URLs


def test_a_reply_to_a_reply_joins_the_top_level_comment(graph, publisher, post, sam):
    reply = stored(graph.page_comment(sam.external_id, "Same here", author=("556", "Ana")), post)

    publisher.reply(mention=reply, body="Thanks both, we are on it.", key="k2")

    assert graph.posted[-1]["parent_id"] == sam.external_id


def test_a_private_reply_goes_once_per_comment(graph, publisher, sam):
    sent = publisher.message(mention=sam, body="Could you send us your order number?", key="k3")

    (message,) = graph.messages
    assert message["comment_id"] == sam.external_id
    assert message["sender"] == PAGE_ID
    assert message["recipient_id"] == "555"
    assert message["text"] == "Could you send us your order number?"
    assert sent.network_id == message["message_id"]
    assert graph.requests[-1].json()["recipient"] == {"comment_id": sam.external_id}

    with pytest.raises(PermanentError, match="already had its one private reply"):
        publisher.message(mention=sam, body="Hello again", key="k4")
    assert len(graph.messages) == 1


def test_a_private_reply_longer_than_messenger_takes_is_not_sent(graph, publisher, sam):
    with pytest.raises(PermanentError, match="2000 characters"):
        publisher.message(mention=sam, body="x" * 2001, key="k5")
    assert graph.requests == []


def test_a_timeout_after_facebook_accepted_is_transient_and_find_sent_finds_the_reply(
    graph, publisher, post, sam
):
    graph.page_comment(sam.external_id, "Sorry about that.", author=("777", "Copycat"))
    graph.inject(Fault(delay=0.8, after=True, match="/comments"))
    with pytest.raises(TransientError):
        publisher.reply(mention=sam, body="Sorry about that.", key="k6")
    assert len(graph.requests) == 1  # one attempt: a write is never retried blindly

    found = publisher.find_sent(mention=sam, body="Sorry about that.", private=False, key="k6")

    (posted,) = graph.posted
    assert found.network_id == posted["id"]  # the Page's, not the copycat's same words
    assert [r.method for r in graph.requests] == ["POST", "GET"]


def test_a_lost_private_reply_is_found_on_the_comment(graph, publisher, sam):
    graph.inject(Fault(delay=0.8, after=True, match="/messages"))
    with pytest.raises(TransientError):
        publisher.message(mention=sam, body="Your order number, please?", key="k7")

    found = publisher.find_sent(
        mention=sam, body="Your order number, please?", private=True, key="k7"
    )

    (message,) = graph.messages
    assert found.network_id == message["message_id"]
    assert "private_reply_conversation" in graph.requests[-1].arg("fields")


def test_find_sent_is_none_when_nothing_was_posted(graph, publisher, sam):
    assert publisher.find_sent(mention=sam, body="Hi", private=False, key="k") is None
    assert publisher.find_sent(mention=sam, body="Hi", private=True, key="k") is None


def test_without_a_brand_account_the_page_is_the_tokens_own(graph, connected, http, sam):
    account = connected("facebook", base_url=graph.url, secret={"page_access_token": TOKEN})
    publisher = FacebookPublisher(account, http)

    assert publisher.page_id() == PAGE_ID
    assert graph.requests[-1].path == "/v21.0/me"


def test_the_brand_deletes_its_reply(graph, publisher, sam):
    sent = publisher.reply(mention=sam, body="Wrong link, sorry", key="k8")

    done = publisher.delete(network_id=sent.network_id)

    assert graph.deleted == [sent.network_id]
    assert sent.network_id not in graph.fb_comments
    assert done.answer == {"success": True}
    with pytest.raises(PermanentError, match="no longer exists"):
        publisher.delete(network_id=sent.network_id)


def test_hiding_and_unhiding_a_comment(graph, publisher, sam):
    done = publisher.hide(mention=sam, hidden=True)

    assert graph.fb_comments[sam.external_id]["is_hidden"] is True
    assert graph.requests[-1].body == b"is_hidden=true"
    assert "hid" in done.summary

    publisher.hide(mention=sam, hidden=False)

    assert graph.moderated == [(sam.external_id, True), (sam.external_id, False)]


def test_reports_happen_on_the_comment_itself(publisher, sam):
    assert publisher.can_report is False
    assert publisher.report_page(mention=sam) == f"https://www.facebook.com/{sam.external_id}"
    assert publisher.report_page(mention=MentionFactory(url="")) == publisher.report_page_url


def test_length_limit(graph, publisher, sam):
    assert publisher.max_length == 8000
    with pytest.raises(PermanentError, match="at most 8000 characters"):
        publisher.reply(mention=sam, body="x" * 8001, key="long")
    assert graph.posted == []


def test_token_refused_and_permission_missing_are_permanent(graph, publisher, sam):
    publisher.secret = {"access_token": "revoked"}
    with pytest.raises(PermanentError, match="refused the access token"):
        publisher.reply(mention=sam, body="Hello", key="k9")

    publisher.secret = {"access_token": TOKEN}
    graph.permissions.discard("pages_messaging")
    with pytest.raises(PermanentError, match="does not allow this"):
        publisher.message(mention=sam, body="Hello", key="k10")

    publisher.secret = {}
    with pytest.raises(PermanentError, match="no access token"):
        publisher.reply(mention=sam, body="Hello", key="k11")
    assert graph.posted == []
    assert graph.messages == []


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_rate_limits(graph, publisher, sam, code):
    graph.inject(Fault(*graph_error(code), match="/comments"))
    with pytest.raises(RateLimited):
        publisher.reply(mention=sam, body="Hello", key="k12")


def test_server_errors_and_garbage(graph, publisher, sam):
    graph.inject(Fault(status=500, body={"error": {"code": 2, "message": "Service"}}))
    with pytest.raises(TransientError):
        publisher.reply(mention=sam, body="Hello", key="k13")
    assert graph.posted == []
    assert len(graph.requests) == 1

    graph.inject(Fault(status=200, body=GARBAGE, match="/comments"))
    with pytest.raises(MalformedPayload):
        publisher.reply(mention=sam, body="Hello", key="k14")

    graph.inject(Fault(status=200, body={"success": False}))
    with pytest.raises(MalformedPayload, match="success"):
        publisher.hide(mention=sam, hidden=True)


def test_appsecret_proof_goes_with_the_token_when_the_secret_has_the_app_secret(
    graph, publisher, sam
):
    graph.require_proof = True
    with pytest.raises(PermanentError, match="appsecret_proof"):
        publisher.reply(mention=sam, body="Hello", key="k15")

    publisher.secret = {"access_token": TOKEN, "app_secret": APP_SECRET}
    publisher.reply(mention=sam, body="Hello", key="k16")

    expected = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    assert graph.requests[-1].arg("appsecret_proof") == expected


def test_the_token_goes_only_to_the_graph_host(connected, http, sam):
    account = connected("facebook", secret={"access_token": TOKEN})
    publisher = FacebookPublisher(account, http)
    assert publisher.base_url == "https://graph.facebook.com"
    publisher.base_url = "https://evil.example"

    with pytest.raises(PermanentError, match="refused to send the credential"):
        publisher.reply(mention=sam, body="Hello", key="k17")


def test_ids_that_are_not_graph_ids_never_reach_a_path(publisher):
    mention = MentionFactory(platform="facebook", external_id="../me/feed")
    with pytest.raises(PermanentError, match="not a Graph id"):
        publisher.reply(mention=mention, body="Hello", key="k18")


# --- The Page's own posts ------------------------------------------------------------------


def feed_posts(graph):
    return [r for r in graph.requests if r.method == "POST" and r.path.endswith("/feed")]


def test_a_post_of_the_page_goes_to_its_feed(graph, publisher):
    assert publisher.can_publish
    assert not publisher.idempotent
    body = "Spring kettles are here: https://acme.example/spring"

    sent = publisher.publish(body=body, key="p1", language="en")

    posted = graph.posts[sent.network_id]
    assert posted["message"] == body
    assert posted["from"]["id"] == PAGE_ID
    assert sent.network_id.startswith(f"{PAGE_ID}_")
    assert sent.url == f"https://www.facebook.com/{sent.network_id}"
    assert sent.answer == {"id": sent.network_id, "on": PAGE_ID}
    [request] = feed_posts(graph)
    assert request.path == f"/v21.0/{PAGE_ID}/feed"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_after_a_lost_answer_find_published_finds_the_post(graph, publisher):
    graph.page_post("Spring kettles", created_time=1_600_000_000)  # years ago: another post
    assert publisher.find_published(body="Spring kettles", key="p2") is None

    graph.inject(Fault(delay=0.8, after=True, match="/feed"))
    with pytest.raises(TransientError):
        publisher.publish(body="Spring kettles", key="p2")
    assert len(feed_posts(graph)) == 1

    found = publisher.find_published(body="Spring kettles", key="p2")

    [accepted] = [p for p in graph.posted if p["message"] == "Spring kettles"]
    assert found.network_id == accepted["id"]
    assert found.url == accepted["permalink_url"]
    assert found.answer["found"] is True
    assert len(feed_posts(graph)) == 1  # looking never posts
    looked = graph.requests[-1]
    assert looked.path == f"/v21.0/{PAGE_ID}/posts"
    assert looked.arg("since")
    assert publisher.find_published(body="Summer kettles", key="p3") is None


def test_publishing_refusals_limits_and_failures(graph, publisher):
    publisher.publish(body="Once", key="p4")
    with pytest.raises(PermanentError, match=r"duplicate.*506"):
        publisher.publish(body="Once", key="p5")

    graph.permissions.discard("pages_manage_posts")
    with pytest.raises(PermanentError, match=r"does not allow this.*pages_manage_posts"):
        publisher.publish(body="Hello", key="p6")
    graph.permissions.add("pages_manage_posts")

    publisher.secret = {"access_token": "revoked"}
    with pytest.raises(PermanentError, match="refused the access token"):
        publisher.publish(body="Hello", key="p7")
    publisher.secret = {"access_token": TOKEN}

    with pytest.raises(PermanentError, match="63206 characters"):
        publisher.publish(body="x" * 63_207, key="p8")

    usage = '{"%s": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 15}]}'
    status, body = graph_error(32)
    graph.inject(Fault(status, body, {"X-Business-Use-Case-Usage": usage % PAGE_ID}, match="/feed"))
    with pytest.raises(RateLimited) as limited:
        publisher.publish(body="Hello", key="p9")
    wait = (limited.value.until - timezone.now()).total_seconds()
    assert 14 * 60 < wait <= 15 * 60

    graph.inject(Fault(status=503, body={"error": {"code": 2, "message": "Service"}}))
    with pytest.raises(TransientError):
        publisher.publish(body="Hello", key="p10")
    graph.inject(Fault(delay=0.8, match="/feed"))
    with pytest.raises(TransientError):
        publisher.publish(body="Hello", key="p11")
    graph.inject(Fault(status=200, body=GARBAGE, match="/feed"))
    with pytest.raises(MalformedPayload):
        publisher.publish(body="Hello", key="p12")
    graph.inject(Fault(status=200, body={"success": True}, match="/feed"))
    with pytest.raises(MalformedPayload, match="without an id"):
        publisher.publish(body="Hello", key="p13")
    assert [p["message"] for p in graph.posted] == ["Once"]
