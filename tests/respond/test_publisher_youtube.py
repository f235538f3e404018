"""The YouTube publisher against the fake Data API, over real HTTP."""

import httpx
import pytest
from django.utils import timezone

from monitoring.connectors.base import (
    MalformedPayload,
    PermanentError,
    RateLimited,
    TransientError,
)
from monitoring.connectors.youtube import next_pacific_midnight
from respond.publishers import get_publisher
from respond.publishers.base import NotSupported
from respond.publishers.youtube import YouTubePublisher
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.youtube import BRAND_CHANNEL, OAUTH_TOKEN, FakeYouTube
from tests.monitoring.factories import MentionFactory
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db

WRITE = "/youtube/v3/comments"


@pytest.fixture
def yt():
    with FakeYouTube() as fake:
        fake.video("vid1", title="Acme kettle, one year on")  # on the brand's channel
        yield fake


@pytest.fixture
def account(yt, connected):
    return connected("youtube", base_url=yt.url, secret={"access_token": OAUTH_TOKEN})


@pytest.fixture
def publisher(account, http):
    return YouTubePublisher(account, http)


def stored(publisher, yt, comment):
    """The mention the connector stores for `comment` (a top-level comment or a reply)."""
    video = comment["snippet"]["videoId"]
    top_id = comment["snippet"].get("parentId", comment["id"])
    thread = next(t for t in yt.threads[video] if t["top"]["id"] == top_id)
    found = publisher.thread(yt._thread_json(thread, True, True))
    mention = next(m for m in found if m.external_id == comment["id"])
    fields = ("platform", "external_id", "text", "published_at", "author_id", "author_handle")
    fields += ("author_name", "url", "parent_id", "thread_id", "raw")
    return MentionFactory(**{name: getattr(mention, name) for name in fields})


@pytest.fixture
def greta(yt, publisher):
    return stored(publisher, yt, yt.comment("vid1", "My acme kettle leaks", author="@greta"))


def test_the_registry_knows_the_youtube_publisher():
    assert get_publisher("youtube") is YouTubePublisher


def test_a_reply_lands_under_the_comment_as_the_brand(yt, publisher, greta):
    sent = publisher.reply(mention=greta, body="Sorry! Our help: acme.example/help", key="k1")

    (posted,) = yt.posted
    assert posted["id"] == sent.network_id
    assert posted["snippet"]["parentId"] == greta.external_id
    assert posted["snippet"]["authorChannelId"]["value"] == BRAND_CHANNEL
    assert posted["snippet"]["textOriginal"] == "Sorry! Our help: acme.example/help"
    assert sent.url == f"https://www.youtube.com/watch?v=vid1&lc={sent.network_id}"
    request = yt.requests[-1]
    assert (request.method, request.path, request.arg("part")) == ("POST", WRITE, "snippet")
    assert request.headers["authorization"] == f"Bearer {OAUTH_TOKEN}"
    assert request.arg("key") is None


def test_a_reply_to_a_reply_goes_under_the_same_top_level_comment(yt, publisher, greta):
    top = yt.find(greta.external_id)
    reply = stored(publisher, yt, yt.comment("vid1", "Mine too", author="@sam", reply_to=top))

    publisher.reply(mention=reply, body="We are on it.", key="k2")

    assert yt.posted[-1]["snippet"]["parentId"] == greta.external_id


def test_a_video_found_by_search_gets_a_top_level_comment(yt, publisher):
    yt.video("vid9", title="Acme kettle teardown", channel_id="UCreviewer0000000000000")
    (video,) = publisher.video(yt.videos["vid9"])
    mention = MentionFactory(
        platform="youtube", external_id="vid9", author_id=video.author_id, raw=video.raw
    )

    sent = publisher.reply(mention=mention, body="Thanks for the teardown!", key="k3")

    assert yt.posted[-1]["snippet"]["videoId"] == "vid9"
    assert "parentId" not in yt.posted[-1]["snippet"]
    assert sent.url == f"https://www.youtube.com/watch?v=vid9&lc={sent.network_id}"


def test_a_timeout_after_youtube_accepted_is_transient_and_find_sent_finds_the_reply(
    yt, publisher, greta
):
    someone = yt.find(greta.external_id)
    yt.comment("vid1", "Sorry about that.", author="@copycat", reply_to=someone)
    yt.inject(Fault(delay=0.8, after=True, match=WRITE))
    with pytest.raises(TransientError):
        publisher.reply(mention=greta, body="Sorry about that.", key="k4")
    assert yt.calls_to("POST", "comments") == 1  # one attempt: a write is never retried blindly

    found = publisher.find_sent(mention=greta, body="Sorry about that.", private=False, key="k4")

    (posted,) = yt.posted
    assert found.network_id == posted["id"]  # the brand's, not the copycat's same words
    assert found.url.endswith(f"&lc={posted['id']}")
    assert yt.calls_to("POST", "comments") == 1


def test_find_sent_is_none_when_nothing_was_posted(yt, publisher, greta):
    assert publisher.find_sent(mention=greta, body="Hello", private=False, key="k5") is None


def test_the_brand_channel_comes_from_the_brand_account_without_asking(yt, connected, http, greta):
    brand = BrandAccountFactory(platform="youtube", handle="acme", platform_id=BRAND_CHANNEL)
    account = connected(
        "youtube", base_url=yt.url, secret={"access_token": OAUTH_TOKEN}, brand_account=brand
    )
    publisher = YouTubePublisher(account, http)

    assert publisher.find_sent(mention=greta, body="Hi", private=False, key="k") is None
    assert yt.calls("channels") == 0


def test_the_brand_channel_is_asked_of_youtube_when_unknown(yt, publisher):
    assert publisher.channel_id() == BRAND_CHANNEL
    assert yt.requests[-1].arg("mine") == "true"


def test_the_brand_deletes_its_own_reply_but_not_others(yt, publisher, greta):
    sent = publisher.reply(mention=greta, body="Wrong link, sorry", key="k6")

    done = publisher.delete(network_id=sent.network_id)

    assert yt.deleted == [sent.network_id]
    assert yt.find(sent.network_id) is None
    assert sent.network_id in done.summary
    with pytest.raises(PermanentError, match="only a comment's author may delete"):
        publisher.delete(network_id=greta.external_id)


def test_hiding_holds_the_comment_for_review_and_unhiding_publishes_it(yt, publisher, greta):
    done = publisher.hide(mention=greta, hidden=True)

    assert yt.moderated == [(greta.external_id, "heldForReview")]
    assert "for review" in done.summary
    assert greta.external_id not in listed(yt)  # the public no longer sees it

    publisher.hide(mention=greta, hidden=False)

    assert yt.moderated[-1] == (greta.external_id, "published")
    assert greta.external_id in listed(yt)


def listed(yt) -> str:
    params = {"part": "snippet", "videoId": "vid1", "key": "test-key"}
    return httpx.get(f"{yt.url}/youtube/v3/commentThreads", params=params).text


def test_only_the_channel_owner_may_hide(yt, publisher):
    yt.video("vid2", channel_id="UCsomeoneelse00000000000")
    other = stored(publisher, yt, yt.comment("vid2", "Acme is a scam"))

    with pytest.raises(PermanentError, match="forbidden"):
        publisher.hide(mention=other, hidden=True)


def test_a_video_cannot_be_hidden(publisher):
    mention = MentionFactory(
        platform="youtube", raw={"id": {"kind": "youtube#video", "videoId": "v"}}
    )
    with pytest.raises(NotSupported):
        publisher.hide(mention=mention, hidden=True)


def test_no_private_messages_and_reports_go_to_the_channel_page(publisher, greta):
    assert publisher.can_message is False
    assert publisher.can_report is False
    with pytest.raises(NotSupported):
        publisher.message(mention=greta, body="Hi", key="k")
    assert publisher.report_page(mention=greta) == "https://www.youtube.com/@greta"


def test_length_limit_is_youtubes(yt, publisher, greta):
    assert publisher.max_length == 10_000
    with pytest.raises(PermanentError, match="commentTextTooLong"):
        publisher.reply(mention=greta, body="x" * 10_001, key="long")
    assert yt.posted == []


def test_a_refused_token_and_a_missing_scope_are_permanent(yt, publisher, greta):
    publisher.secret = {"access_token": "revoked"}
    with pytest.raises(PermanentError, match="refused the access token"):
        publisher.reply(mention=greta, body="Hello", key="k7")

    publisher.secret = {"access_token": OAUTH_TOKEN}
    yt.scopes.clear()
    with pytest.raises(PermanentError, match=r"youtube\.force-ssl"):
        publisher.reply(mention=greta, body="Hello", key="k8")

    publisher.secret = {}
    with pytest.raises(PermanentError, match="no OAuth access token"):
        publisher.reply(mention=greta, body="Hello", key="k9")
    assert yt.posted == []


def test_spent_quota_waits_until_midnight_pacific(yt, publisher, greta):
    yt.quota_left = 49  # a reply costs 50 units

    with pytest.raises(RateLimited) as caught:
        publisher.reply(mention=greta, body="Hello", key="k10")

    assert caught.value.until == next_pacific_midnight(timezone.now())
    assert yt.posted == []


def test_disabled_comments_are_permanent_with_the_reason(yt, publisher, greta):
    yt.disable_comments("vid1")
    with pytest.raises(PermanentError, match="commentsDisabled"):
        publisher.reply(mention=greta, body="Hello", key="k11")


def test_server_errors_and_garbage(yt, publisher, greta):
    yt.inject(Fault(status=503, body="busy", match=WRITE))
    with pytest.raises(TransientError):
        publisher.reply(mention=greta, body="Hello", key="k12")
    assert yt.posted == []
    assert yt.calls_to("POST", "comments") == 1

    yt.inject(Fault(status=200, body=GARBAGE, match=WRITE))
    with pytest.raises(MalformedPayload):
        publisher.reply(mention=greta, body="Hello", key="k13")


def test_a_deleted_comment_gets_a_clear_refusal(yt, publisher, greta):
    yt.threads["vid1"].clear()
    with pytest.raises(PermanentError, match="no longer has this comment"):
        publisher.reply(mention=greta, body="Hello", key="k14")


def test_the_token_goes_only_to_youtubes_hosts(connected, http, greta):
    account = connected("youtube", secret={"access_token": OAUTH_TOKEN})
    publisher = YouTubePublisher(account, http)
    assert publisher.base_url == "https://www.googleapis.com"
    publisher.base_url = "https://evil.example"

    with pytest.raises(PermanentError, match="refused to send the credential"):
        publisher.reply(mention=greta, body="Hello", key="k15")


def test_youtube_has_no_api_for_text_posts(yt, publisher):
    assert not publisher.can_publish

    with pytest.raises(NotSupported, match=r"no API for community.*YouTube Studio"):
        publisher.publish(body="Spring kettles are here", key="p1")
    assert yt.requests == []  # nothing asked of YouTube
