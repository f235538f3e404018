"""The Reddit publisher against the fake Reddit, over real HTTP."""

from datetime import timedelta

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
from respond.publishers.reddit import RedditPublisher
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.reddit import TOKEN_PATH, FakeReddit
from tests.monitoring.factories import MentionFactory
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db

APP = {"client_id": "client-id", "client_secret": "client-secret"}
SECRET = APP | {"refresh_token": "brand-refresh"}


@pytest.fixture
def reddit():
    with FakeReddit() as fake:
        yield fake


@pytest.fixture
def connect(reddit, connected, http):
    def make(secret=SECRET):
        return RedditPublisher(connected("reddit", base_url=reddit.url, secret=secret), http)

    return make


@pytest.fixture
def publisher(connect):
    return connect()


def stored(publisher, child, **fields):
    """The mention as the Reddit connector stores it."""
    found = publisher.normalize(child)
    kept = ("platform", "external_id", "text", "published_at", "author_id", "author_handle")
    kept += ("author_name", "url", "language", "parent_id", "thread_id", "raw")
    return MentionFactory(**{name: getattr(found, name) for name in kept}, **fields)


@pytest.fixture
def post(reddit):
    return reddit.add_post("Acme kettle leaks", "Mine leaked everywhere", author="alice")


@pytest.fixture
def bob(reddit, publisher, post):
    """Bob's comment under Alice's post."""
    return stored(publisher, reddit.comment("Same, and support is silent", post=post, author="bob"))


def writes(reddit, path):
    return [r for r in reddit.requests if r.method == "POST" and r.path == path]


def test_a_reply_lands_under_the_comment_as_the_brand(reddit, publisher, bob, post):
    sent = publisher.reply(mention=bob, body="Sorry Bob & thanks: we sent you a DM.", key="k1")

    posted = reddit.find(sent.network_id)["data"]
    assert posted["author"] == reddit.brand
    assert posted["parent_id"] == bob.external_id
    assert posted["link_id"] == post["data"]["name"]
    assert posted["body"] == "Sorry Bob & thanks: we sent you a DM."
    assert sent.url == f"https://www.reddit.com{posted['permalink']}"
    assert sent.network_id.startswith("t1_")
    request = writes(reddit, "/api/comment")[-1]
    assert request.headers["authorization"].startswith("Bearer ")
    assert b"thing_id=t1_" in request.body
    assert b"api_type=json" in request.body


def test_a_reply_to_a_post_is_a_top_level_comment(reddit, publisher, post):
    sent = publisher.reply(mention=stored(publisher, post), body="We are on it.", key="k2")

    assert reddit.find(sent.network_id)["data"]["parent_id"] == post["data"]["name"]


def test_a_private_message_goes_to_the_author_about_the_post(reddit, publisher, bob):
    sent = publisher.message(mention=bob, body="Could you send us your order number?", key="k3")

    message = reddit.messages[-1]["data"]
    assert (message["author"], message["dest"]) == (reddit.brand, "bob")
    assert message["subject"] == "Re: Acme kettle leaks"
    assert message["body"] == "Could you send us your order number?"
    assert sent.network_id == message["name"]  # read back: /api/compose answers no id


def test_a_message_to_someone_who_only_takes_them_from_friends_is_refused(reddit, publisher, bob):
    reddit.dm_closed.add("bob")
    with pytest.raises(PermanentError, match="can't send a message to that user"):
        publisher.message(mention=bob, body="Hello", key="k4")


def test_a_timeout_after_reddit_accepted_the_reply_and_find_sent_finds_it(reddit, publisher, bob):
    body = "Sorry about that.\nHere is what to do: https://acme.example/help"
    assert publisher.find_sent(mention=bob, body=body, private=False, key="k5") is None

    reddit.inject(Fault(delay=0.8, after=True, match="/api/comment"))
    with pytest.raises(TransientError):
        publisher.reply(mention=bob, body=body, key="k5")
    assert len(writes(reddit, "/api/comment")) == 1  # one attempt
    [accepted] = [c for c in reddit.comments if c["data"]["author"] == reddit.brand]

    found = publisher.find_sent(mention=bob, body=body, private=False, key="k5")

    assert found.network_id == accepted["data"]["name"]
    assert len(writes(reddit, "/api/comment")) == 1  # looking never posts
    assert reddit.requests[-1].path == f"/user/{reddit.brand}/comments"
    assert publisher.find_sent(mention=bob, body="Other text", private=False, key="k6") is None


def test_a_timeout_after_reddit_accepted_a_message_and_find_sent_finds_it(reddit, publisher, bob):
    # The same words sent to Bob before his comment answered something else.
    publisher.message(mention=bob, body="Which model is it?", key="old")
    reddit.messages[0]["data"]["created_utc"] = bob.published_at.timestamp() - 60
    assert (
        publisher.find_sent(mention=bob, body="Which model is it?", private=True, key="k") is None
    )

    reddit.inject(Fault(delay=0.8, after=True, match="/api/compose"))
    with pytest.raises(TransientError):
        publisher.message(mention=bob, body="Which model is it?", key="k7")
    assert len(reddit.messages) == 2

    found = publisher.find_sent(mention=bob, body="Which model is it?", private=True, key="k7")

    assert found.network_id == reddit.messages[1]["data"]["name"]
    assert len(reddit.messages) == 2


def test_the_brand_deletes_its_own_reply_but_not_others(reddit, publisher, bob):
    sent = publisher.reply(mention=bob, body="Wrong link, sorry", key="k8")

    done = publisher.delete(network_id=sent.network_id)

    assert reddit.find(sent.network_id)["data"]["author"] == "[deleted]"
    assert sent.network_id in done.summary
    with pytest.raises(PermanentError, match="did not delete"):
        publisher.delete(network_id=bob.external_id)  # Reddit said {} and did nothing
    assert reddit.find(bob.external_id)["data"]["author"] == "bob"


def test_a_report_reaches_the_subreddits_moderators(reddit, publisher, bob):
    comment = "Impersonates our support team and asks people for their card numbers. " * 3

    done = publisher.report(mention=bob, comment=comment)

    report = reddit.reports[-1]
    assert report["thing_id"] == bob.external_id
    assert report["reason"] == "other"
    assert report["other_reason"] == comment[:100]
    assert report["by"] == reddit.brand
    assert done.summary == "Reported u/bob to the moderators of r/acme."


def test_hiding_is_not_something_a_brand_can_do_on_reddit(publisher, bob):
    assert not publisher.can_hide
    with pytest.raises(NotSupported):
        publisher.hide(mention=bob, hidden=True)


def test_length_and_the_limit(reddit, publisher, bob):
    assert publisher.max_length == 10_000
    assert publisher.length("é" * 10) == 10
    with pytest.raises(PermanentError, match="too long"):
        publisher.reply(mention=bob, body="x" * 10_001, key="k9")


def test_reddits_rate_limits(reddit, publisher, bob):
    reddit.comment_ratelimit = 300
    with pytest.raises(RateLimited, match="try again in 5 minutes") as limited:
        publisher.reply(mention=bob, body="Hello", key="k10")
    expected = timezone.now() + timedelta(seconds=300)
    assert abs(limited.value.until - expected) < timedelta(seconds=5)

    reddit.rate_limit = 0
    with pytest.raises(RateLimited):
        publisher.reply(mention=bob, body="Hello", key="k11")


def test_tokens_refused_renewed_and_missing(reddit, connect, bob):
    publisher = connect()
    publisher.reply(mention=bob, body="First", key="k12")
    reddit.expire_tokens()

    publisher.reply(mention=bob, body="Second", key="k13")  # a new token, once

    assert len([r for r in reddit.requests if r.path == TOKEN_PATH]) == 2
    assert b"grant_type=refresh_token" in reddit.requests[-2].body

    with pytest.raises(PermanentError, match="refused to sign in as the brand account"):
        connect(APP | {"refresh_token": "revoked"}).reply(mention=bob, body="Hi", key="k14")
    with pytest.raises(PermanentError, match="needs a refresh token"):
        connect(APP).reply(mention=bob, body="Hi", key="k15")

    script = connect(APP | {"username": "acme_support", "password": "brand-password"})
    sent = script.reply(mention=bob, body="From the script app", key="k16")
    assert reddit.find(sent.network_id)["data"]["author"] == reddit.brand


def test_forbidden_server_errors_and_garbage(reddit, publisher, bob):
    bob.external_id = "t1_gone"
    with pytest.raises(PermanentError, match="does not allow this"):
        publisher.reply(mention=bob, body="Hello", key="k17")

    reddit.inject(Fault(status=503, body="busy", match="/api/comment"))
    with pytest.raises(TransientError):
        publisher.reply(mention=bob, body="Hello", key="k18")
    assert len(writes(reddit, "/api/comment")) == 2  # the refused one and this: not retried
    assert not [c for c in reddit.comments if c["data"]["author"] == reddit.brand]

    reddit.inject(Fault(status=200, body=GARBAGE, match="/api/comment"))
    with pytest.raises(MalformedPayload):
        publisher.reply(mention=bob, body="Hello", key="k19")


def test_the_secrets_go_only_to_reddits_hosts(reddit, connected, http, connect, bob):
    assert RedditPublisher(connected("reddit", secret=SECRET), http).token_url == (
        "https://www.reddit.com/api/v1/access_token"
    )
    publisher = connect()
    publisher.base_url = "https://elsewhere.example"
    with pytest.raises(PermanentError, match="refused to send the credential"):
        publisher.reply(mention=bob, body="Hello", key="k20")  # neither the refresh token...

    publisher = connect()
    publisher.reply(mention=bob, body="Hello", key="k21")
    publisher.base_url = "https://elsewhere.example"
    with pytest.raises(PermanentError, match="refused to send the credential"):
        publisher.reply(mention=bob, body="Again", key="k22")  # ...nor the access token


def test_the_outbox_sends_through_reddit_once_after_a_lost_answer(
    reddit, bob, connected, social_user, queued
):
    assert get_publisher("reddit") is RedditPublisher
    account = connected(
        "reddit",
        platform="reddit",
        base_url=reddit.url,
        brand_account=BrandAccountFactory(platform="reddit", handle="acme_support"),
        secret=SECRET,
    )
    account.acting_people.add(social_user)
    reply = inbox_services.mention_reply(
        actor=social_user, mention=bob, body="We are on it.", account=account
    )
    reddit.inject(Fault(delay=0.8, after=True, match="/api/comment"))
    assert services.reply_send(reply.pk).state == ReplyState.QUEUED

    MentionReply.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
    done = services.reply_send(reply.pk)  # looks before sending: Reddit has no key

    assert done.state == ReplyState.SENT
    [posted] = [c for c in reddit.comments if c["data"]["author"] == reddit.brand]
    assert done.network_id == posted["data"]["name"]  # the connector's id for it
    assert len(writes(reddit, "/api/comment")) == 1


# --- The brand's own posts ---------------------------------------------------------------

SPRING = "Spring kettles are here\n\nRead more: https://acme.example/spring"


def test_a_post_of_the_brand_is_a_self_post_on_its_profile(reddit, publisher):
    assert publisher.can_publish
    assert not publisher.idempotent

    sent = publisher.publish(body=SPRING, key="p1", language="en")

    posted = reddit.find(sent.network_id)["data"]
    assert posted["author"] == reddit.brand
    assert posted["subreddit"] == f"u_{reddit.brand}"
    assert posted["title"] == "Spring kettles are here"
    assert posted["selftext"] == "Read more: https://acme.example/spring"
    assert sent.network_id == posted["name"]
    assert sent.url == posted["url"]
    assert sent.answer == {"id": posted["id"], "name": posted["name"], "url": posted["url"]}
    [request] = writes(reddit, "/api/submit")
    assert b"kind=self" in request.body
    assert b"api_type=json" in request.body


def test_a_one_line_post_is_all_title_and_a_long_first_line_is_cut(reddit, publisher):
    short = reddit.find(publisher.publish(body="Spring is here", key="p2").network_id)["data"]
    assert (short["title"], short["selftext"]) == ("Spring is here", "")

    body = "Spring " * 60  # one line of 420 characters
    long = reddit.find(publisher.publish(body=body, key="p3").network_id)["data"]
    assert len(long["title"]) == 300
    assert long["title"].endswith("…")
    assert long["selftext"] == body.strip()  # nothing lost


def test_after_a_lost_answer_find_published_finds_the_post(reddit, publisher):
    old = reddit.add_post(
        "Spring kettles are here",
        "Read more: https://acme.example/spring",
        author=reddit.brand,
        subreddit=f"u_{reddit.brand}",
    )  # a year ago: another post
    assert publisher.find_published(body=SPRING, key="p4") is None

    reddit.inject(Fault(delay=0.8, after=True, match="/api/submit"))
    with pytest.raises(TransientError):
        publisher.publish(body=SPRING, key="p4")
    assert len(writes(reddit, "/api/submit")) == 1

    found = publisher.find_published(body=SPRING, key="p4")

    [accepted] = [p for p in reddit.items if p is not old and p["data"]["author"] == reddit.brand]
    assert found.network_id == accepted["data"]["name"]
    assert found.url == f"https://www.reddit.com{accepted['data']['permalink']}"
    assert len(writes(reddit, "/api/submit")) == 1  # looking never posts
    assert reddit.requests[-1].path == f"/user/{reddit.brand}/submitted"
    assert publisher.find_published(body="Summer kettles", key="p5") is None


def test_publishing_refusals_limits_and_failures(reddit, publisher):
    with pytest.raises(PermanentError, match=r"Reddit refused: this is too long.*\(TOO_LONG\)"):
        publisher.publish(body="Spring\n" + "x" * 40_001, key="p6")

    reddit.comment_ratelimit = 600
    with pytest.raises(RateLimited, match="try again in 10 minutes") as limited:
        publisher.publish(body="Hello", key="p7")
    expected = timezone.now() + timedelta(seconds=600)
    assert abs(limited.value.until - expected) < timedelta(seconds=5)
    reddit.rate_limit = 0
    with pytest.raises(RateLimited):
        publisher.publish(body="Hello", key="p8")
    reddit.rate_limit = 1000

    reddit.inject(Fault(status=403, body={"message": "Forbidden", "error": 403}, match="submit"))
    with pytest.raises(PermanentError, match="Reddit does not allow this"):
        publisher.publish(body="Hello", key="p9")
    unauthorized = {"message": "Unauthorized", "error": 401}
    reddit.inject(Fault(status=401, body=unauthorized, times=2, match="/api/submit"))
    with pytest.raises(PermanentError, match="even with a new token"):
        publisher.publish(body="Hello", key="p10")

    reddit.inject(Fault(status=500, body="busy", match="/api/submit"))
    with pytest.raises(TransientError):
        publisher.publish(body="Hello", key="p11")
    reddit.inject(Fault(delay=0.8, match="/api/submit"))
    with pytest.raises(TransientError):
        publisher.publish(body="Hello", key="p12")
    reddit.inject(Fault(status=200, body=GARBAGE, match="/api/submit"))
    with pytest.raises(MalformedPayload):
        publisher.publish(body="Hello", key="p13")
    reddit.inject(Fault(status=200, body={"json": {"errors": []}}, match="/api/submit"))
    with pytest.raises(MalformedPayload, match="without the post's name"):
        publisher.publish(body="Hello", key="p14")
    assert not [p for p in reddit.items if p["data"]["author"] == reddit.brand]
