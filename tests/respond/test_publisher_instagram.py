"""The Instagram publisher against the fake Graph API, over real HTTP."""

import pytest

from monitoring.connectors.base import (
    MalformedPayload,
    PermanentError,
    RateLimited,
    TransientError,
)
from monitoring.connectors.meta import parse_delivery
from respond.publishers import get_publisher
from respond.publishers.base import NotSupported
from respond.publishers.meta import AlreadyReplied, InstagramPublisher
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.meta_graph import (
    IG_USER_ID,
    IG_USERNAME,
    TOKEN,
    FakeMetaGraph,
    delivery,
    graph_error,
    instagram_comment,
)
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db

MEDIA = "17900000000000001"
FIELDS = ("platform", "external_id", "text", "published_at", "author_id", "author_handle")
FIELDS += ("author_name", "parent_id", "thread_id", "raw")


@pytest.fixture
def graph():
    with FakeMetaGraph() as fake:
        yield fake


@pytest.fixture
def publisher(graph, connected, http):
    account = connected("instagram", base_url=graph.url, secret={"access_token": TOKEN})
    return InstagramPublisher(account, http)


def stored(comment: dict):
    """The mention the webhook stores for `comment` (an IG `comments` change)."""
    change = instagram_comment(
        comment["id"],
        text=comment["text"],
        media_id=comment["media"]["id"],
        username=comment["username"],
        parent_id=comment.get("parent_id"),
    )
    payload = delivery("instagram", change, entry_id=IG_USER_ID)
    (mention,), _problems, _ = parse_delivery(payload)
    return MentionFactory(**{name: getattr(mention, name) for name in FIELDS})


@pytest.fixture
def sam(graph):
    return stored(graph.ig_comment(MEDIA, "@acme where is my refund?", username="sam.doe"))


def test_the_registry_knows_the_instagram_publisher():
    assert get_publisher("instagram") is InstagramPublisher


def test_a_reply_lands_under_the_comment_as_the_brand(graph, publisher, sam):
    sent = publisher.reply(mention=sam, body="@sam.doe we are checking, sorry!", key="k1")

    (posted,) = graph.posted
    assert posted["id"] == sent.network_id
    assert posted["parent_id"] == sam.external_id
    assert posted["username"] == IG_USERNAME
    assert posted["text"] == "@sam.doe we are checking, sorry!"
    request = graph.requests[-1]
    assert (request.method, request.path) == ("POST", f"/v21.0/{sam.external_id}/replies")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_a_reply_to_a_reply_goes_under_the_top_level_comment(graph, publisher, sam):
    top = graph.comments[sam.external_id]
    reply = stored(graph.ig_comment(MEDIA, "me too!", username="ana", parent=top))

    publisher.reply(mention=reply, body="Sorry Ana, DM us.", key="k2")

    assert graph.posted[-1]["parent_id"] == sam.external_id


def test_a_private_reply_goes_once_per_comment(graph, publisher, sam):
    sent = publisher.message(mention=sam, body="Your order number, please?", key="k3")

    (message,) = graph.messages
    assert message["sender"] == IG_USER_ID  # the account the webhook delivered it for
    assert message["comment_id"] == sam.external_id
    assert message["text"] == "Your order number, please?"
    assert sent.network_id == message["message_id"]
    assert graph.requests[-1].path == f"/v21.0/{IG_USER_ID}/messages"

    with pytest.raises(PermanentError, match="already had its one private reply"):
        publisher.message(mention=sam, body="Hello again", key="k4")
    assert len(graph.messages) == 1


def test_a_private_reply_is_limited_in_bytes(graph, publisher, sam):
    with pytest.raises(PermanentError, match="1000 bytes"):
        publisher.message(mention=sam, body="é" * 501, key="k5")  # 1,002 bytes
    assert graph.requests == []


def test_a_timeout_after_instagram_accepted_is_transient_and_find_sent_finds_the_reply(
    graph, publisher, sam
):
    top = graph.comments[sam.external_id]
    graph.ig_comment(MEDIA, "Sorry about that.", username="copycat", parent=top)
    graph.inject(Fault(delay=0.8, after=True, match="/replies"))
    with pytest.raises(TransientError):
        publisher.reply(mention=sam, body="Sorry about that.", key="k6")
    assert len(graph.requests) == 1  # one attempt: a write is never retried blindly

    found = publisher.find_sent(mention=sam, body="Sorry about that.", private=False, key="k6")

    (posted,) = graph.posted
    assert found.network_id == posted["id"]  # the brand's, not the copycat's same words
    assert [r.method for r in graph.requests] == ["POST", "GET"]


def test_find_sent_is_none_when_nothing_was_posted(publisher, sam):
    assert publisher.find_sent(mention=sam, body="Hi", private=False, key="k") is None


def test_a_lost_private_reply_is_never_sent_twice(graph, publisher, sam):
    graph.inject(Fault(delay=0.8, after=True, match="/messages"))
    with pytest.raises(TransientError):
        publisher.message(mention=sam, body="Your order number?", key="k7")

    # Instagram shows no trace of it on the comment: find_sent cannot tell...
    assert (
        publisher.find_sent(mention=sam, body="Your order number?", private=True, key="k7") is None
    )
    # ...but the network refuses a second private reply, so it never goes twice.
    with pytest.raises(AlreadyReplied, match="already had its one private reply"):
        publisher.message(mention=sam, body="Your order number?", key="k7")
    assert len(graph.messages) == 1


def test_without_any_brand_identity_find_sent_says_what_to_set(connected, graph, http):
    account = connected("instagram", base_url=graph.url, secret={"access_token": TOKEN})
    publisher = InstagramPublisher(account, http)
    mention = MentionFactory(platform="instagram", external_id="18000000000000077", raw={})

    with pytest.raises(PermanentError, match="set the brand account"):
        publisher.find_sent(mention=mention, body="Hi", private=False, key="k")


def test_the_brand_deletes_its_reply(graph, publisher, sam):
    sent = publisher.reply(mention=sam, body="Wrong link, sorry", key="k8")

    publisher.delete(network_id=sent.network_id)

    assert graph.deleted == [sent.network_id]
    assert sent.network_id not in graph.comments
    with pytest.raises(PermanentError, match="no longer exists"):
        publisher.delete(network_id=sent.network_id)


def test_a_reply_to_a_deleted_comment_says_so(graph, publisher, sam):
    del graph.comments[sam.external_id]
    with pytest.raises(PermanentError, match="no longer exists"):
        publisher.reply(mention=sam, body="Hello", key="k9")


def test_hiding_and_unhiding_a_comment(graph, publisher, sam):
    publisher.hide(mention=sam, hidden=True)

    assert graph.comments[sam.external_id]["hidden"] is True
    assert graph.requests[-1].body == b"hide=true"
    with pytest.raises(PermanentError, match="hidden comment"):
        publisher.reply(mention=sam, body="Hello", key="k10")

    publisher.hide(mention=sam, hidden=False)

    assert graph.moderated == [(sam.external_id, True), (sam.external_id, False)]


def test_reports_go_to_the_authors_profile(publisher, sam):
    assert publisher.can_report is False
    assert publisher.report_page(mention=sam) == "https://www.instagram.com/sam.doe/"


def test_length_limit(graph, publisher, sam):
    assert publisher.max_length == 2200
    with pytest.raises(PermanentError, match="at most 2200 characters"):
        publisher.reply(mention=sam, body="x" * 2201, key="long")
    assert graph.posted == []


def test_token_refused_and_permission_missing_are_permanent(graph, publisher, sam):
    publisher.secret = {"access_token": "revoked"}
    with pytest.raises(PermanentError, match="refused the access token"):
        publisher.reply(mention=sam, body="Hello", key="k11")

    publisher.secret = {"access_token": TOKEN}
    graph.permissions.discard("instagram_manage_comments")
    with pytest.raises(PermanentError, match="does not allow this"):
        publisher.hide(mention=sam, hidden=True)
    assert graph.moderated == []


def test_rate_limits_server_errors_and_garbage(graph, publisher, sam):
    graph.inject(Fault(*graph_error(17), match="/replies"))
    with pytest.raises(RateLimited):
        publisher.reply(mention=sam, body="Hello", key="k12")

    graph.inject(Fault(status=502, body="bad gateway"))
    with pytest.raises(TransientError):
        publisher.reply(mention=sam, body="Hello", key="k13")
    assert graph.posted == []

    graph.inject(Fault(status=200, body=GARBAGE, match="/replies"))
    with pytest.raises(MalformedPayload):
        publisher.reply(mention=sam, body="Hello", key="k14")


def test_the_token_goes_only_to_the_graph_host(connected, http, sam):
    account = connected("instagram", secret={"access_token": TOKEN})
    publisher = InstagramPublisher(account, http)
    publisher.base_url = "https://evil.example"

    with pytest.raises(PermanentError, match="refused to send the credential"):
        publisher.reply(mention=sam, body="Hello", key="k15")


def test_instagram_publishes_no_text_posts(graph, publisher):
    assert not publisher.can_publish

    with pytest.raises(NotSupported, match="only images and videos"):
        publisher.publish(body="Spring kettles are here", key="p1", language="en")
    assert graph.requests == []
