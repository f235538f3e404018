"""The Bluesky publisher against the fake PDS, over real HTTP."""

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
from respond.publishers.bluesky import BlueskyPublisher, rkey_for
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.bluesky import TID, FakeBluesky, did_for
from tests.monitoring.factories import MentionFactory
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db

BRAND = "acme.bsky.social"
CREATE = "/xrpc/com.atproto.repo.createRecord"
GET = "/xrpc/com.atproto.repo.getRecord"


@pytest.fixture
def bsky():
    with FakeBluesky() as fake:
        yield fake


@pytest.fixture
def publisher(bsky, connected, http):
    secret = {"identifier": BRAND, "app_password": "good-password"}
    return BlueskyPublisher(connected("bluesky", base_url=bsky.url, secret=secret), http)


def stored(publisher, post, **fields):
    """The mention as the Bluesky connector stores it (the postView kept as raw)."""
    found = publisher.normalize(post)
    kept = ("platform", "external_id", "text", "published_at", "author_id", "author_handle")
    kept += ("author_name", "url", "language", "parent_id", "thread_id", "raw")
    return MentionFactory(**{name: getattr(found, name) for name in kept}, **fields)


@pytest.fixture
def root(bsky):
    return bsky.post("Is the Acme kettle any good?", handle="bob.example.com")


@pytest.fixture
def carol(bsky, publisher, root):
    """Carol's answer in Bob's thread."""
    post = bsky.post("@acme.bsky.social mine leaks", handle="carol.bsky.social", reply_to=root)
    return stored(publisher, post)


def creates(bsky):
    return [r for r in bsky.requests if r.path == CREATE]


def test_a_reply_lands_in_the_thread_as_the_brand(bsky, publisher, carol, root):
    body = "Désolé ! Notre guide : https://acme.example/help — merci"
    sent = publisher.reply(mention=carol, body=body, key="k1")

    rkey = rkey_for("k1")
    assert sent.network_id == f"at://{did_for(BRAND)}/app.bsky.feed.post/{rkey}"
    record = bsky.find_record(sent.network_id)["value"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == body
    assert record["reply"] == {
        "root": {"uri": root["uri"], "cid": root["cid"]},
        "parent": {"uri": carol.external_id, "cid": carol.raw["cid"]},
    }
    assert record["langs"] == ["en"]
    start = len("Désolé ! Notre guide : ".encode())  # facets count UTF-8 bytes
    assert record["facets"] == [
        {
            "index": {"byteStart": start, "byteEnd": start + len("https://acme.example/help")},
            "features": [
                {"$type": "app.bsky.richtext.facet#link", "uri": "https://acme.example/help"}
            ],
        }
    ]
    assert sent.url == f"https://bsky.app/profile/{BRAND}/post/{rkey}"
    assert sent.answer["cid"] == bsky.find_record(sent.network_id)["cid"]


def test_a_reply_to_a_post_that_starts_a_thread_has_it_as_root(bsky, publisher, root):
    sent = publisher.reply(mention=stored(publisher, root), body="Thanks Bob!", key="k2")

    reply = bsky.find_record(sent.network_id)["value"]["reply"]
    assert reply["root"] == reply["parent"] == {"uri": root["uri"], "cid": root["cid"]}


def test_the_record_key_is_a_tid_derived_from_the_outbox_key():
    keys = [rkey_for(f"outbox-{n}") for n in range(200)]

    assert all(TID.fullmatch(k) for k in keys)
    assert len(set(keys)) == 200
    assert rkey_for("outbox-7") == keys[7]  # the same key, the same record
    start_of_2023 = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000 << 10
    as_tid = "".join(
        "234567abcdefghijklmnopqrstuvwxyz"[(start_of_2023 >> s) & 31] for s in range(60, -1, -5)
    )
    assert max(keys) < as_tid  # its time part is before 2023: never a TID "from the future"


@pytest.mark.parametrize("answer", ["", "RecordAlreadyExists"], ids=["500 today", "400 soon"])
def test_a_timeout_after_the_pds_accepted_then_the_retry_returns_the_same_record(
    bsky, publisher, carol, answer
):
    bsky.record_exists_error = answer
    bsky.inject(Fault(delay=0.8, after=True, match="createRecord"))
    with pytest.raises(TransientError):
        publisher.reply(mention=carol, body="We are on it.", key="k3")
    assert len(creates(bsky)) == 1  # one attempt
    [(did, _collection, rkey)] = bsky.records
    assert rkey == rkey_for("k3")

    again = publisher.reply(mention=carol, body="We are on it.", key="k3")

    assert len(bsky.records) == 1  # never twice
    assert again.network_id == f"at://{did}/app.bsky.feed.post/{rkey}"
    assert again.answer["already_sent"] is True
    assert len(creates(bsky)) == 2  # the PDS refused the second create...
    assert bsky.requests[-1].path == GET  # ...and the record was read back
    assert bsky.requests[-1].arg("rkey") == rkey


def test_find_sent_reads_the_record_at_the_keys_rkey(bsky, publisher, carol):
    assert publisher.find_sent(mention=carol, body="Hi", private=False, key="k4") is None
    sent = publisher.reply(mention=carol, body="Hi", key="k4")

    found = publisher.find_sent(mention=carol, body="Hi", private=False, key="k4")

    assert found.network_id == sent.network_id
    assert publisher.find_sent(mention=carol, body="Hi", private=False, key="k5") is None
    assert publisher.find_sent(mention=carol, body="Hi", private=True, key="k4") is None


def test_a_server_error_posts_nothing_and_stays_transient(bsky, publisher, carol):
    bsky.inject(Fault(status=503, body={"error": "InternalServerError"}, match="createRecord"))
    with pytest.raises(TransientError):
        publisher.reply(mention=carol, body="Hello", key="k6")
    assert not bsky.records
    assert len(creates(bsky)) == 1  # not retried


def test_private_messages_are_not_supported(publisher, carol):
    assert not publisher.can_message
    with pytest.raises(NotSupported):
        publisher.message(mention=carol, body="DM me", key="k7")


def test_the_brand_deletes_its_own_reply_but_not_others(bsky, publisher, carol):
    sent = publisher.reply(mention=carol, body="Wrong link, sorry", key="k8")

    done = publisher.delete(network_id=sent.network_id)

    assert bsky.find_record(sent.network_id) is None
    assert sent.network_id in done.summary
    assert set(done.answer["commit"]) == {"cid", "rev"}
    with pytest.raises(PermanentError, match="does not let the brand account"):
        publisher.delete(network_id=carol.external_id)
    with pytest.raises(PermanentError, match="not the at:// address"):
        publisher.delete(network_id="https://bsky.app/profile/acme/post/1")


def test_a_report_reaches_blueskys_moderators(bsky, publisher, carol):
    assert publisher.can_report

    done = publisher.report(mention=carol, comment="Harasses our support staff")

    report = bsky.reports[-1]
    assert report["subject"] == {"$type": "com.atproto.admin.defs#repoRef", "did": carol.author_id}
    assert report["reasonType"] == "com.atproto.moderation.defs#reasonOther"
    assert report["reason"] == "Harasses our support staff"
    assert report["reportedBy"] == did_for(BRAND)
    assert report["proxy"] == "did:plc:ar7c4by46qjdydhdevvrndac#atproto_labeler"
    assert done.answer["id"] == report["id"]

    carol.impersonates_id = 1
    publisher.report(mention=carol, comment="Pretends to be us")
    assert bsky.reports[-1]["reasonType"] == "com.atproto.moderation.defs#reasonMisleading"


def test_length_counts_graphemes_and_the_byte_limit(publisher):
    assert publisher.max_length == 300
    assert publisher.length("Hello") == 5
    assert publisher.length("e\u0301") == 1  # e and a combining accent
    assert publisher.length("👨‍👩‍👧‍👦") == 1  # seven code points, one family
    assert publisher.length("🇫🇷👍🏽") == 2  # a flag, a thumb with a skin tone
    assert publisher.length("नमस्ते") == 3
    assert publisher.length("日本語") == 3
    families = "👨‍👩‍👧‍👦" * 150  # 150 graphemes, 3,750 bytes: over the 3,000
    assert publisher.length(families) > publisher.max_length


def test_a_text_over_the_limit_is_refused_by_the_pds_too(bsky, publisher, carol):
    with pytest.raises(PermanentError, match="300 graphemes"):
        publisher.reply(mention=carol, body="é" * 301, key="k9")
    publisher.reply(mention=carol, body="e\u0301" * 300, key="k10")  # 600 code points, 300 seen
    assert len(bsky.records) == 1


def test_sign_in_refused_and_an_expired_session_renewed_once(bsky, connected, http, carol):
    secret = {"identifier": BRAND, "app_password": "revoked"}
    refused = BlueskyPublisher(connected("bluesky", base_url=bsky.url, secret=secret), http)
    with pytest.raises(PermanentError, match="refused to sign in"):
        refused.reply(mention=carol, body="Hello", key="k11")

    secret = {"identifier": BRAND, "app_password": "good-password"}
    publisher = BlueskyPublisher(connected("bluesky", base_url=bsky.url, secret=secret), http)
    publisher.reply(mention=carol, body="First", key="k12")
    bsky.expire_sessions()

    publisher.reply(mention=carol, body="Second", key="k13")

    assert bsky.calls("com.atproto.server.refreshSession") == 1
    assert len(bsky.records) == 2


def test_a_post_without_its_cid_cannot_be_answered(publisher, carol):
    carol.raw = {"uri": carol.external_id}
    with pytest.raises(PermanentError, match="uri and cid"):
        publisher.reply(mention=carol, body="Hello", key="k14")


def test_rate_limits_and_garbage(bsky, publisher, carol):
    bsky.write_points = 2  # a create costs 3
    with pytest.raises(RateLimited) as limited:
        publisher.reply(mention=carol, body="Hello", key="k15")
    assert limited.value.until == datetime.fromtimestamp(bsky.reset_at, tz=UTC)
    assert not bsky.records
    bsky.write_points = 5000

    bsky.inject(Fault(status=200, body=GARBAGE, match="createRecord"))
    with pytest.raises(MalformedPayload):
        publisher.reply(mention=carol, body="Hello", key="k16")


def test_the_password_goes_only_to_blueskys_hosts(connected, http, carol):
    secret = {"identifier": BRAND, "app_password": "good-password"}
    publisher = BlueskyPublisher(connected("bluesky", secret=secret), http)
    assert publisher.base_url == "https://bsky.social"
    publisher.base_url = "https://elsewhere.example"
    with pytest.raises(PermanentError, match="refused to send the credential"):
        publisher.reply(mention=carol, body="Hello", key="k17")


def test_the_outbox_sends_through_bluesky_once_after_a_lost_answer(
    bsky, carol, connected, social_user, queued
):
    assert get_publisher("bluesky") is BlueskyPublisher
    account = connected(
        "bluesky",
        platform="bluesky",
        base_url=bsky.url,
        brand_account=BrandAccountFactory(platform="bluesky", handle=BRAND),
        secret={"identifier": BRAND, "app_password": "good-password"},
    )
    account.acting_people.add(social_user)
    reply = inbox_services.mention_reply(
        actor=social_user, mention=carol, body="We are on it.", account=account
    )
    bsky.inject(Fault(delay=0.8, after=True, match="createRecord"))
    assert services.reply_send(reply.pk).state == ReplyState.QUEUED

    MentionReply.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
    done = services.reply_send(reply.pk)  # sent again: the record key makes it harmless

    assert done.state == ReplyState.SENT
    [record] = bsky.records.values()
    assert done.network_id == record["uri"]  # what the connector reads back as its id
    assert len(creates(bsky)) == 2


# --- The brand's own posts ---------------------------------------------------------------


def test_a_post_of_the_brand_is_a_record_without_reply_at_the_keys_rkey(bsky, publisher):
    assert publisher.can_publish
    assert publisher.idempotent
    body = "Spring is here: https://acme.example/spring"

    sent = publisher.publish(body=body, key="p1", language="en")

    rkey = rkey_for("p1")
    assert sent.network_id == f"at://{did_for(BRAND)}/app.bsky.feed.post/{rkey}"
    assert sent.url == f"https://bsky.app/profile/{BRAND}/post/{rkey}"
    record = bsky.find_record(sent.network_id)["value"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == body
    assert "reply" not in record
    assert record["langs"] == ["en"]
    link = record["facets"][0]
    assert link["features"][0]["uri"] == "https://acme.example/spring"
    assert body.encode()[link["index"]["byteStart"] : link["index"]["byteEnd"]] == (
        b"https://acme.example/spring"
    )
    assert any(p["uri"] == sent.network_id for p in bsky.posts)  # in the brand's feed
    assert creates(bsky)[-1].json()["rkey"] == rkey


@pytest.mark.parametrize("answer", ["", "RecordAlreadyExists"])
def test_the_same_key_publishes_once_and_find_published_reads_it(bsky, publisher, answer):
    bsky.record_exists_error = answer
    assert publisher.find_published(body="Spring", key="p2") is None

    bsky.inject(Fault(delay=0.8, after=True, match="createRecord"))
    with pytest.raises(TransientError):
        publisher.publish(body="Spring", key="p2")
    found = publisher.find_published(body="Spring", key="p2")
    again = publisher.publish(body="Spring", key="p2")

    assert len(bsky.records) == 1
    assert found.network_id == again.network_id
    assert again.network_id.endswith(f"/app.bsky.feed.post/{rkey_for('p2')}")
    assert again.answer["already_sent"] is True
    assert publisher.find_published(body="Spring", key="other") is None


def test_publishing_refusals_limits_and_failures(bsky, publisher):
    with pytest.raises(PermanentError, match=r"Bluesky refused the request.*300 graphemes"):
        publisher.publish(body="é" * 301, key="p3")

    for status, name in ((401, "AuthMissing"), (403, "AccountTakedown")):
        body = {"error": name, "message": "Account has been taken down"}
        bsky.inject(Fault(status=status, body=body, match="createRecord"))
        with pytest.raises(PermanentError, match=f"does not let the brand account.*{status}"):
            publisher.publish(body="Hello", key=f"p{status}")

    bsky.write_points = 2
    with pytest.raises(RateLimited) as limited:
        publisher.publish(body="Hello", key="p4")
    assert limited.value.until == datetime.fromtimestamp(bsky.reset_at, tz=UTC)
    bsky.write_points = 5000

    bsky.inject(Fault(status=502, body="Bad Gateway", match="createRecord"))
    with pytest.raises(TransientError):
        publisher.publish(body="Hello", key="p5")
    bsky.inject(Fault(delay=0.8, match="createRecord"))
    with pytest.raises(TransientError):
        publisher.publish(body="Hello", key="p6")
    bsky.inject(Fault(status=200, body=GARBAGE, match="createRecord"))
    with pytest.raises(MalformedPayload):
        publisher.publish(body="Hello", key="p7")
    assert not bsky.records
