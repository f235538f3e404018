"""The X publisher against the fake X API, over real HTTP."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from inbox import services as inbox_services
from inbox.models import MentionReply, ReplyState
from monitoring.connectors.base import (
    MalformedPayload,
    PermanentError,
    RateLimited,
    TransientError,
)
from respond import services
from respond.publishers import get_publisher
from respond.publishers.base import NotSupported
from respond.publishers.x import DuplicatePost, XPublisher
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.x import FakeX
from tests.monitoring.factories import MentionFactory
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def x():
    with FakeX() as fake:
        yield fake


@pytest.fixture
def publisher(x, connected, http):
    account = connected("x", base_url=x.url, secret={"access_token": "user-token"})
    return XPublisher(account, http)


def stored(publisher, tweet, user, **fields):
    """The mention as the X connector stores it (its author_id is what DMs are sent to)."""
    found = publisher.normalize(tweet, {user["id"]: user})
    kept = ("platform", "external_id", "text", "published_at", "author_id", "author_handle")
    kept += ("author_name", "url", "language", "parent_id", "thread_id", "raw")
    return MentionFactory(**{name: getattr(found, name) for name in kept}, **fields)


@pytest.fixture
def launch(x):
    return x.add_tweet("Our new kettle is out today", author=x.brand)


@pytest.fixture
def greg_user(x):
    return x.add_user("greg", "Greg H.")


@pytest.fixture
def greg(x, publisher, launch, greg_user):
    """Greg's reply to the brand's own post."""
    tweet = x.add_tweet("@acme does it work offline?", author=greg_user, reply_to=launch)
    return stored(publisher, tweet, greg_user)


def posts(x, method="POST", path="/2/tweets"):
    return [r for r in x.requests if r.method == method and r.path == path]


def test_a_reply_is_posted_in_the_thread_as_the_brand(x, publisher, greg, launch):
    sent = publisher.reply(mention=greg, body="Yes, local mode works offline.", key="k1")

    posted = x.find(sent.network_id)
    assert posted["author_id"] == x.brand["id"]
    assert posted["referenced_tweets"] == [{"type": "replied_to", "id": greg.external_id}]
    assert posted["conversation_id"] == launch["id"]
    assert posts(x)[-1].json() == {
        "text": "Yes, local mode works offline.",
        "reply": {"in_reply_to_tweet_id": greg.external_id},
    }
    assert posts(x)[-1].headers["authorization"] == "Bearer user-token"
    assert sent.url == f"https://x.com/i/web/status/{sent.network_id}"
    assert sent.answer["id"] == sent.network_id


def test_a_private_message_goes_to_the_author_id_the_connector_stored(x, publisher, greg):
    assert greg.author_id == x.users[greg.author_id]["id"]

    sent = publisher.message(mention=greg, body="Could you send us your order number?", key="k2")

    event = x.dm_events[-1]
    assert event["id"] == sent.network_id
    assert event["sender_id"] == x.brand["id"]
    assert event["participant_ids"] == [x.brand["id"], greg.author_id]
    assert sent.url == f"https://x.com/messages/{event['dm_conversation_id']}"
    assert not any(t.get("_sent") for t in x.tweets)  # nothing public


def test_a_message_to_someone_who_does_not_take_them_is_refused(x, publisher, greg):
    x.dm_closed.add(greg.author_id)
    with pytest.raises(PermanentError, match="cannot send messages to this user"):
        publisher.message(mention=greg, body="Hello", key="k2b")


def test_a_timeout_after_x_accepted_the_reply_is_transient_and_find_sent_finds_it(
    x, publisher, greg
):
    body = "Sorry & thanks: the fix is at https://acme.example/help/offline"
    assert publisher.find_sent(mention=greg, body=body, private=False, key="k3") is None

    x.inject(Fault(delay=0.8, after=True, match="/2/tweets"))
    with pytest.raises(TransientError):
        publisher.reply(mention=greg, body=body, key="k3")
    assert len(posts(x)) == 1  # one attempt: a write is never retried blindly
    [accepted] = [t for t in x.by_brand() if t.get("_sent") == body]
    # X reads it back with the @name it answers, a t.co link and &amp;.
    assert accepted["text"].startswith("@greg Sorry &amp; thanks: the fix is at https://t.co/")

    found = publisher.find_sent(mention=greg, body=body, private=False, key="k3")

    assert found.network_id == accepted["id"]
    assert found.url == f"https://x.com/i/web/status/{accepted['id']}"
    assert len(posts(x)) == 1  # looking never posts
    assert x.requests[-1].path == f"/2/users/{x.brand['id']}/tweets"  # the brand's posts
    assert x.requests[-1].arg("since_id") == greg.external_id  # since the mention


def test_find_sent_ignores_the_same_text_in_another_thread(x, publisher, greg, greg_user, launch):
    other = stored(
        publisher, x.add_tweet("@acme price?", author=greg_user, reply_to=launch), greg_user
    )
    publisher.reply(mention=other, body="It is 49 euros.", key="k4")

    assert (
        publisher.find_sent(mention=greg, body="It is 49 euros.", private=False, key="k5") is None
    )


def test_a_timeout_after_x_accepted_a_message_and_find_sent_finds_it(x, publisher, greg):
    # The same words sent to Greg before his post answered something else.
    publisher.message(mention=greg, body="Which model do you have?", key="old")
    x.dm_events[0]["created_at"] = "2026-02-01T10:00:00.000Z"
    assert (
        publisher.find_sent(mention=greg, body="Which model do you have?", private=True, key="k")
        is None
    )

    x.inject(Fault(delay=0.8, after=True, match="/messages"))
    with pytest.raises(TransientError):
        publisher.message(mention=greg, body="Which model do you have?", key="k6")
    assert len(x.dm_events) == 2

    found = publisher.find_sent(
        mention=greg, body="Which model do you have?", private=True, key="k6"
    )

    assert found.network_id == x.dm_events[1]["id"]
    assert len(x.dm_events) == 2


def test_a_duplicate_is_refused_permanently_with_xs_reason(x, publisher, greg):
    publisher.reply(mention=greg, body="Thanks!", key="k7")

    with pytest.raises(DuplicatePost, match="not allowed to create a Tweet with duplicate content"):
        publisher.reply(mention=greg, body="Thanks!", key="k8")
    assert sum(t.get("_sent") == "Thanks!" for t in x.tweets) == 1


def test_the_brand_deletes_its_own_reply_but_not_others(x, publisher, greg):
    sent = publisher.reply(mention=greg, body="Wrong link, sorry", key="k9")

    done = publisher.delete(network_id=sent.network_id)

    assert x.find(sent.network_id) is None
    assert done.answer == {"id": sent.network_id, "deleted": True}
    assert sent.network_id in done.summary
    with pytest.raises(PermanentError, match="403"):
        publisher.delete(network_id=greg.external_id)
    with pytest.raises(PermanentError, match="no longer has this post"):
        publisher.delete(network_id=sent.network_id)


def test_a_reply_to_the_brands_post_is_hidden_and_unhidden(x, publisher, greg):
    assert publisher.can_hide

    hidden = publisher.hide(mention=greg, hidden=True)
    assert x.find(greg.external_id)["hidden"] is True
    assert hidden.summary == "Hid the reply by @greg on X."
    assert [r.json() for r in posts(x, "PUT", f"/2/tweets/{greg.external_id}/hidden")] == [
        {"hidden": True}
    ]

    shown = publisher.hide(mention=greg, hidden=False)
    assert x.find(greg.external_id)["hidden"] is False
    assert shown.answer == {"hidden": False}


def test_only_replies_in_the_brands_own_conversations_can_be_hidden(x, publisher, greg_user):
    elsewhere = x.add_tweet("acme kettles leak", author=greg_user)
    with pytest.raises(PermanentError, match="does not allow this"):
        publisher.hide(mention=stored(publisher, elsewhere, greg_user), hidden=True)


def test_reports_go_through_xs_pages_not_the_api(publisher, greg):
    assert not publisher.can_report
    with pytest.raises(NotSupported):
        publisher.report(mention=greg, comment="spam")

    assert publisher.report_page(mention=greg) == greg.url
    greg.impersonates_id = 1
    assert publisher.report_page(mention=greg).startswith("https://help.x.com/")


def test_length_is_xs_weighted_count(publisher):
    assert publisher.max_length == 280
    assert publisher.length("Hello") == 5
    assert publisher.length("日本語") == 6  # CJK weighs 2
    assert publisher.length("👨‍👩‍👧‍👦") == 2  # an emoji sequence weighs 2, whatever its parts
    assert publisher.length("café, “quoted”") == 14
    link = "https://acme.example/a/very/long/path/to/the/help/page/about/offline/mode"
    assert publisher.length(f"See {link}") == 4 + 23
    assert publisher.length("See acme.com/help.") == 4 + 23 + 1


def test_a_text_over_the_limit_is_refused_by_x_too(x, publisher, greg):
    body = "日" * 141
    assert publisher.length(body) == 282 > publisher.max_length
    with pytest.raises(PermanentError, match="too long"):
        publisher.reply(mention=greg, body=body, key="k10")


def test_refused_tokens(x, publisher, greg):
    publisher.secret = {"access_token": "revoked"}
    with pytest.raises(PermanentError, match="refused the access token"):
        publisher.reply(mention=greg, body="Hello", key="k11")

    publisher.secret = {"access_token": "good-token"}  # the app's bearer token, not a user's
    with pytest.raises(PermanentError, match="user token"):
        publisher.reply(mention=greg, body="Hello", key="k12")

    publisher.secret = {}
    with pytest.raises(PermanentError, match="no access token"):
        publisher.reply(mention=greg, body="Hello", key="k13")


def test_rate_limits_server_errors_and_garbage(x, publisher, greg):
    x.write_limit = 0
    with pytest.raises(RateLimited) as limited:
        publisher.reply(mention=greg, body="Hello", key="k14")
    assert limited.value.until == datetime.fromtimestamp(x.reset_at, tz=UTC)
    x.write_limit = 100

    x.inject(Fault(status=503, body="busy", match="/2/tweets"))
    with pytest.raises(TransientError):
        publisher.reply(mention=greg, body="Hello", key="k15")
    assert len(posts(x)) == 2  # the refused one and this one: not retried
    assert not x.by_brand()[1:]  # only the launch post: nothing posted

    x.inject(Fault(status=201, body=GARBAGE, match="/2/tweets"))
    with pytest.raises(MalformedPayload):
        publisher.reply(mention=greg, body="Hello", key="k16")

    x.inject(Fault(status=201, body={"errors": [{"message": "odd"}]}, match="/2/tweets"))
    with pytest.raises(MalformedPayload, match=r"without data\.id"):
        publisher.reply(mention=greg, body="Hello", key="k17")


def test_the_token_goes_only_to_xs_hosts(connected, http, greg):
    account = connected("x", secret={"access_token": "user-token"})
    publisher = XPublisher(account, http)
    assert publisher.base_url == "https://api.x.com"
    publisher.base_url = "https://elsewhere.example"
    with pytest.raises(PermanentError, match="refused to send the credential"):
        publisher.reply(mention=greg, body="Hello", key="k18")


def test_the_outbox_sends_through_x_once_after_a_lost_answer(
    x, greg, connected, social_user, queued
):
    assert get_publisher("x") is XPublisher
    account = connected(
        "x",
        platform="x",
        base_url=x.url,
        brand_account=BrandAccountFactory(platform="x", handle="acme"),
        secret={"access_token": "user-token"},
    )
    account.acting_people.add(social_user)
    reply = inbox_services.mention_reply(
        actor=social_user, mention=greg, body="We are on it.", account=account
    )
    x.inject(Fault(delay=0.8, after=True, match="/2/tweets"))
    assert services.reply_send(reply.pk).state == ReplyState.QUEUED

    MentionReply.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
    done = services.reply_send(reply.pk)  # looks before sending: X has no idempotency key

    assert done.state == ReplyState.SENT
    [posted] = [t for t in x.tweets if t.get("_sent") == "We are on it."]
    assert done.network_id == posted["id"]  # what the X connector reads back as its id
    assert len(posts(x)) == 1


# --- The brand's own posts ---------------------------------------------------------------


def test_a_post_of_the_brand_is_a_top_level_tweet(x, publisher):
    assert publisher.can_publish
    assert not publisher.idempotent

    sent = publisher.publish(body="Spring kettles are here", key="p1", language="en")

    posted = x.find(sent.network_id)
    assert posted["author_id"] == x.brand["id"]
    assert "referenced_tweets" not in posted
    assert posted["conversation_id"] == posted["id"]
    assert posted["text"] == "Spring kettles are here"
    assert posts(x)[-1].json() == {"text": "Spring kettles are here"}
    assert posts(x)[-1].headers["authorization"] == "Bearer user-token"
    assert sent.url == f"https://x.com/i/web/status/{posted['id']}"
    assert sent.answer["id"] == posted["id"]


def test_after_a_lost_answer_find_published_finds_the_post(x, publisher, greg):
    body = "Spring & summer: https://acme.example/spring"
    assert publisher.find_published(body=body, key="p2") is None

    x.inject(Fault(delay=0.8, after=True, match="/2/tweets"))
    with pytest.raises(TransientError):
        publisher.publish(body=body, key="p2")
    assert len(posts(x)) == 1
    [accepted] = [t for t in x.by_brand() if t.get("_sent") == body]

    found = publisher.find_published(body=body, key="p2")

    assert found.network_id == accepted["id"]
    assert found.url == f"https://x.com/i/web/status/{accepted['id']}"
    assert len(posts(x)) == 1  # looking never posts
    looked = x.requests[-1]
    assert looked.path == f"/2/users/{x.brand['id']}/tweets"
    assert looked.arg("exclude") == "replies,retweets"
    assert looked.arg("start_time")  # only the last days


def test_find_published_ignores_replies_and_old_posts_with_the_same_text(x, publisher, greg):
    publisher.reply(mention=greg, body="See you in spring", key="r1")
    x.add_tweet(
        "See you in spring", author=x.brand, created_at=datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    )

    assert publisher.find_published(body="See you in spring", key="p3") is None


def test_publishing_refusals_limits_and_failures(x, publisher):
    publisher.publish(body="Once only", key="p4")
    with pytest.raises(DuplicatePost, match="duplicate content"):
        publisher.publish(body="Once only", key="p5")

    with pytest.raises(PermanentError, match=r"X refused the request.*too long"):
        publisher.publish(body="日" * 141, key="p6")

    x.write_limit = 0
    with pytest.raises(RateLimited) as limited:
        publisher.publish(body="Hello", key="p7")
    assert limited.value.until == datetime.fromtimestamp(x.reset_at, tz=UTC)
    x.write_limit = 100

    x.inject(Fault(status=500, body="oops", match="/2/tweets"))
    with pytest.raises(TransientError):
        publisher.publish(body="Hello", key="p8")
    x.inject(Fault(delay=0.8, match="/2/tweets"))  # no answer in time: unknown outcome
    with pytest.raises(TransientError):
        publisher.publish(body="Hello", key="p9")
    x.inject(Fault(status=201, body=GARBAGE, match="/2/tweets"))
    with pytest.raises(MalformedPayload):
        publisher.publish(body="Hello", key="p10")
    assert not [t for t in x.by_brand() if t.get("_sent") == "Hello"]

    publisher.secret = {"access_token": "revoked"}
    with pytest.raises(PermanentError, match="X refused the access token"):
        publisher.publish(body="Hello", key="p11")
    publisher.secret = {"access_token": "good-token"}
    with pytest.raises(PermanentError, match="user token"):
        publisher.publish(body="Hello", key="p12")
