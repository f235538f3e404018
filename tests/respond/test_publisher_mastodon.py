"""The Mastodon publisher against the fake instance, over real HTTP."""

from datetime import UTC, datetime

import pytest

from monitoring.connectors.base import (
    MalformedPayload,
    PermanentError,
    RateLimited,
    TransientError,
)
from respond.publishers.mastodon import MastodonPublisher
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.mastodon import FakeMastodon
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mastodon():
    with FakeMastodon() as fake:
        yield fake


@pytest.fixture
def publisher(mastodon, connected, http):
    account = connected("mastodon", base_url=mastodon.url, secret={"access_token": "good-token"})
    return MastodonPublisher(account, http)


@pytest.fixture
def greg(mastodon):
    author = mastodon.account("greg@fosstodon.example", "Greg H.")
    status = mastodon.post("Does the #acme kettle work offline?", account=author)
    return MentionFactory(
        platform="mastodon",
        external_id=status["uri"],
        author_handle="@greg@fosstodon.example",
        language="en",
        raw=status,
    )


def test_a_reply_is_posted_in_the_thread_as_the_brand(mastodon, publisher, greg):
    sent = publisher.reply(mention=greg, body="Yes, local mode works offline.", key="k1")

    posted = mastodon.find(sent.answer["id"])
    assert sent.network_id == posted["uri"]
    assert posted["in_reply_to_id"] == greg.raw["id"]
    assert posted["visibility"] == "public"
    assert posted["account"]["acct"] == "acme"
    assert posted["text"] == "Yes, local mode works offline."
    assert sent.url == f"{mastodon.url}/@acme/{posted['id']}"  # its page on the instance
    assert mastodon.requests[-1].headers["idempotency-key"] == "k1"


def test_a_private_message_is_direct_and_names_the_author(mastodon, publisher, greg):
    sent = publisher.message(mention=greg, body="Could you send us your order number?", key="k2")

    posted = mastodon.find(sent.answer["id"])
    assert posted["visibility"] == "direct"
    assert posted["text"].startswith("@greg@fosstodon.example ")
    assert posted not in mastodon.public()


def test_the_same_key_never_posts_twice(mastodon, publisher, greg):
    first = publisher.reply(mention=greg, body="Thanks!", key="same")
    again = publisher.reply(mention=greg, body="Thanks!", key="same")

    assert again.network_id == first.network_id
    assert sum(1 for s in mastodon.statuses if s.get("text") == "Thanks!") == 1


def test_a_timeout_after_the_network_accepted_is_transient_and_the_retry_finds_the_post(
    mastodon, publisher, greg
):
    mastodon.inject(Fault(delay=0.8, after=True, match="/statuses"))
    with pytest.raises(TransientError):
        publisher.reply(mention=greg, body="Sorry about that.", key="k3")
    assert len(mastodon.requests) == 1  # one attempt: a write is never retried blindly

    retried = publisher.reply(mention=greg, body="Sorry about that.", key="k3")

    assert sum(1 for s in mastodon.statuses if s.get("text") == "Sorry about that.") == 1
    assert mastodon.find(retried.answer["id"])["text"] == "Sorry about that."


def test_length_counts_links_and_remote_mentions_as_mastodon_does(publisher):
    text = "@greg@fosstodon.example see https://lumora.example/a/very/long/path/to/the/help/page"
    assert publisher.length(text) == len("@greg see ") + 23


def test_refusals_are_permanent_with_the_networks_reason(mastodon, publisher, greg):
    with pytest.raises(PermanentError, match="character limit of 500"):
        publisher.reply(mention=greg, body="x" * 501, key="long")

    publisher.secret = {"access_token": "revoked"}
    with pytest.raises(PermanentError, match="refused the access token"):
        publisher.reply(mention=greg, body="Hello", key="k4")


def test_a_reply_to_a_deleted_post_says_so(mastodon, publisher, greg):
    mastodon.statuses.clear()
    with pytest.raises(PermanentError, match="no longer has this post"):
        publisher.reply(mention=greg, body="Hello", key="k5")


def test_rate_limits_and_server_errors(mastodon, publisher, greg):
    mastodon.inject(Fault(status=429, body={"error": "Too many requests"}, match="/statuses"))
    with pytest.raises(RateLimited):
        publisher.reply(mention=greg, body="Hello", key="k6")

    mastodon.inject(Fault(status=503, body="busy", match="/statuses"))
    with pytest.raises(TransientError):
        publisher.reply(mention=greg, body="Hello", key="k7")
    assert not any(s.get("text") == "Hello" for s in mastodon.statuses)

    mastodon.inject(Fault(status=200, body=GARBAGE, match="/statuses"))
    with pytest.raises(MalformedPayload):
        publisher.reply(mention=greg, body="Hello", key="k8")


def test_the_brand_deletes_its_own_reply_but_not_others(mastodon, publisher, greg):
    sent = publisher.reply(mention=greg, body="Wrong link, sorry", key="k9")

    done = publisher.delete(network_id=sent.network_id)

    assert mastodon.find(sent.answer["id"]) is None
    assert sent.answer["id"] in done.summary
    with pytest.raises(PermanentError, match="403"):
        publisher.delete(network_id=greg.external_id)


def test_a_report_reaches_the_moderators_with_the_evidence(mastodon, publisher, greg):
    done = publisher.report(mention=greg, comment="Impersonates our support account")

    report = mastodon.reports[-1]
    assert report["target_account"]["acct"] == "greg@fosstodon.example"
    assert report["status_ids"] == [greg.raw["id"]]
    assert report["forwarded"] is True  # a remote account: its own instance is told too
    assert done.answer["id"] == report["id"]


def test_the_token_goes_only_to_the_accounts_instance(connected, http, greg):
    account = connected(
        "mastodon", base_url="https://evil.example", secret={"access_token": "good-token"}
    )
    publisher = MastodonPublisher(account, http)
    publisher.base_url = "https://elsewhere.example"
    with pytest.raises(PermanentError, match="refused to send the credential"):
        publisher.reply(mention=greg, body="Hello", key="k10")


def test_hiding_is_not_something_mastodon_offers(publisher, greg):
    from respond.publishers.base import NotSupported

    with pytest.raises(NotSupported):
        publisher.hide(mention=greg, hidden=True)


# --- The brand's own posts ---------------------------------------------------------------


def test_a_post_of_the_brand_is_public_top_level_and_keyed(mastodon, publisher):
    assert publisher.can_publish
    assert publisher.idempotent

    sent = publisher.publish(
        body="Our spring kettle is out: https://acme.example/spring", key="p1", language="en"
    )

    posted = mastodon.find(sent.answer["id"])
    assert posted["in_reply_to_id"] is None
    assert posted["visibility"] == "public"
    assert posted["language"] == "en"
    assert posted["account"]["acct"] == "acme"
    assert posted["text"] == "Our spring kettle is out: https://acme.example/spring"
    assert posted in mastodon.public()
    assert sent.network_id == posted["uri"]
    assert sent.url == f"{mastodon.url}/@acme/{posted['id']}"
    request = mastodon.requests[-1]
    assert request.headers["idempotency-key"] == "p1"
    assert "in_reply_to_id" not in request.body.decode()
    assert publisher.find_published(body="anything", key="p1") is None  # the key is enough


def test_the_same_key_publishes_once_even_after_a_lost_answer(mastodon, publisher):
    mastodon.inject(Fault(delay=0.8, after=True, match="/statuses"))
    with pytest.raises(TransientError):
        publisher.publish(body="Spring sale", key="same-post")

    first = publisher.publish(body="Spring sale", key="same-post")
    again = publisher.publish(body="Spring sale", key="same-post")

    assert first.network_id == again.network_id
    assert sum(1 for s in mastodon.statuses if s.get("text") == "Spring sale") == 1


def test_publishing_refusals_limits_and_failures(mastodon, publisher):
    with pytest.raises(PermanentError, match=r"Mastodon refused the post.*character limit"):
        publisher.publish(body="x" * 501, key="p2")

    mastodon.inject(Fault(status=403, body={"error": "Your login is suspended"}, match="/statuses"))
    with pytest.raises(PermanentError, match=r"does not allow this.*suspended"):
        publisher.publish(body="Hello", key="p3")

    mastodon.rate_limit = 0  # the instance's own 429, with its ISO 8601 reset
    with pytest.raises(RateLimited) as limited:
        publisher.publish(body="Hello", key="p4")
    refused = mastodon.requests[-1]
    window_end = (int(mastodon.clock() // mastodon.rate_window) + 1) * mastodon.rate_window
    assert limited.value.until == datetime.fromtimestamp(window_end, UTC)
    assert refused.path == "/api/v1/statuses"
    mastodon.rate_limit = 300

    mastodon.inject(Fault(status=502, body="bad gateway", match="/statuses"))
    with pytest.raises(TransientError):
        publisher.publish(body="Hello", key="p5")

    mastodon.inject(Fault(status=200, body=GARBAGE, match="/statuses"))
    with pytest.raises(MalformedPayload):
        publisher.publish(body="Hello", key="p6")
    mastodon.inject(Fault(status=200, body={"content": "no id"}, match="/statuses"))
    with pytest.raises(MalformedPayload, match="without an id"):
        publisher.publish(body="Hello", key="p7")
    assert not any(s.get("text") == "Hello" for s in mastodon.statuses)

    publisher.secret = {"access_token": "revoked"}
    with pytest.raises(PermanentError, match="refused the access token"):
        publisher.publish(body="Hello", key="p8")
