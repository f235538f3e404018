"""The YouTube connector against a fake Data API over real HTTP."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from monitoring import services
from monitoring.connectors.base import MalformedPayload, PermanentError, RateLimited, TransientError
from monitoring.connectors.youtube import YouTubeConnector, next_pacific_midnight
from monitoring.models import Mention
from tests.connections.factories import ConnectedAccountFactory
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.youtube import FakeYouTube
from tests.monitoring.factories import StreamFactory

pytestmark = pytest.mark.django_db

THREADS = "commentThreads"


@pytest.fixture
def yt():
    with FakeYouTube() as fake:
        yield fake


@pytest.fixture
def make(yt, http):
    """`make(video_ids=[...])`: a connector for a stream with those options."""

    def build(query="", key="test-key", **options):
        stream = StreamFactory(
            connector="youtube",
            query=query,
            base_url=yt.url,
            options=options,
            credential=ConnectedAccountFactory(kind="youtube", secret={"api_key": key}),
        )
        return YouTubeConnector(stream, http)

    return build


@pytest.fixture
def connector(make):
    return make(video_ids=["vid1"])


def args(yt, index=-1) -> dict:
    return {name: values[0] for name, values in yt.requests[index].query.items()}


def pacific_midnight_after(now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo("America/Los_Angeles"))
    tomorrow = (local + timedelta(days=1)).date()
    midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=local.tzinfo)
    return midnight.astimezone(UTC)


def test_maps_comments_and_their_replies(yt, connector):
    top = yt.comment(
        "vid1",
        "Acme kettle leaks",
        author="@carol",
        author_channel_id="UCcarol",
        likes=4,
        published_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    )
    reply = yt.comment("vid1", "Mine too", author="@dan", reply_to=top, likes=1)

    page = connector.fetch({})

    assert args(yt) == {
        "part": "snippet,replies",
        "videoId": "vid1",
        "maxResults": "100",
        "order": "time",
        "textFormat": "plainText",
        "key": "test-key",
    }
    first, second = page.mentions
    assert first.platform == "youtube"
    assert first.external_id == top["id"]
    assert first.text == "Acme kettle leaks"
    assert first.published_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert first.author_id == "UCcarol"
    assert (first.author_handle, first.author_name) == ("@carol", "@carol")
    assert first.url == f"https://www.youtube.com/watch?v=vid1&lc={top['id']}"
    assert (first.parent_id, first.thread_id) == ("", top["id"])
    assert first.engagement == 5  # 4 likes and a reply
    assert first.raw["snippet"]["topLevelComment"] == top
    assert "replies" not in first.raw
    assert second.external_id == reply["id"]
    assert (second.parent_id, second.thread_id) == (top["id"], top["id"])
    assert second.url == f"https://www.youtube.com/watch?v=vid1&lc={reply['id']}"
    assert second.engagement == 1
    assert second.raw == reply


def test_a_query_becomes_search_terms(yt, make):
    yt.comment("vid1", "acme rocks")
    yt.comment("vid1", "unrelated")

    page = make(query="acme", video_ids=["vid1"]).fetch({})

    assert [m.text for m in page.mentions] == ["acme rocks"]
    assert args(yt)["searchTerms"] == "acme"


def test_channel_mode_reads_every_thread_of_the_channel(yt, make):
    yt.video("vid1", channel_id="UCbrand")
    yt.video("vid2", channel_id="UCbrand")
    yt.comment("vid1", "one")
    yt.comment("vid2", "two")

    page = make(channel_id="UCbrand").fetch({})

    assert sorted(m.text for m in page.mentions) == ["one", "two"]
    assert args(yt)["allThreadsRelatedToChannelId"] == "UCbrand"
    assert "videoId" not in args(yt)


def test_search_maps_videos_and_reads_on_from_the_newest(yt, make):
    yt.video(
        "v1",
        title="Acme kettle: don't buy",
        description="It's \u05e9\u05dc\u05d5\u05dd & more",
        channel_id="UCreviewer",
        channel_title="Reviewer",
        published_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
    )
    connector = make(query="acme", search=True)

    page = connector.fetch({})

    mention = page.mentions[0]
    assert mention.external_id == "v1"
    assert mention.text == "Acme kettle: don't buy\n\nIt's \u05e9\u05dc\u05d5\u05dd & more"
    assert (mention.author_id, mention.author_name) == ("UCreviewer", "Reviewer")
    assert mention.url == "https://www.youtube.com/watch?v=v1"
    assert mention.published_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert args(yt) | {"key": "-"} == {
        "part": "snippet",
        "q": "acme",
        "type": "video",
        "order": "date",
        "maxResults": "50",
        "key": "-",
    }
    assert page.cursor["quota"]["searches"] == 1
    assert page.cursor["quota"]["units"] == 0

    yt.video("v2", title="Acme again", published_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    page = connector.fetch(page.cursor)

    assert [m.external_id for m in page.mentions] == ["v2"]
    assert args(yt)["publishedAfter"] == "2026-03-02T08:00:00Z"


def test_the_next_poll_reads_only_new_comments(yt, connector):
    for n in range(3):
        yt.comment("vid1", f"old {n}")
    page = connector.fetch({})
    assert len(page.mentions) == 3

    new = yt.comment("vid1", "new")
    page = connector.fetch(page.cursor)

    assert [m.external_id for m in page.mentions] == [new["id"]]
    assert connector.fetch(page.cursor).mentions == []


def test_a_new_reply_on_an_old_thread_is_read(yt, connector):
    top = yt.comment("vid1", "old")
    cursor = connector.fetch({}).cursor
    reply = yt.comment("vid1", "late reply", reply_to=top)

    page = connector.fetch(cursor)

    assert [m.external_id for m in page.mentions] == [reply["id"]]


def test_pages_down_to_the_comments_already_seen(yt, connector):
    yt.comment("vid1", "old")
    cursor = connector.fetch({}).cursor
    new = [yt.comment("vid1", f"new {n}") for n in range(150)]

    first = connector.fetch(cursor)
    second = connector.fetch(first.cursor)
    third = connector.fetch(second.cursor)

    assert (len(first.mentions), first.has_more) == (100, True)
    assert "pageToken" in args(yt, -2)
    assert (len(second.mentions), second.has_more) == (50, False)
    assert {m.external_id for m in first.mentions + second.mentions} == {c["id"] for c in new}
    assert third.mentions == []


def test_each_video_is_read_with_its_own_cursor(yt, make):
    connector = make(video_ids=["vid1", "vid2"])
    yt.comment("vid1", "a")
    yt.comment("vid2", "b")
    page = connector.fetch({})
    assert sorted(m.text for m in page.mentions) == ["a", "b"]
    assert set(page.cursor["sources"]) == {"video:vid1", "video:vid2"}

    yt.comment("vid2", "c")
    page = connector.fetch(page.cursor)

    assert [m.text for m in page.mentions] == ["c"]
    assert yt.calls(THREADS) == 4
    assert page.cursor["quota"]["units"] == 4


def test_an_empty_video(yt, connector):
    yt.video("vid1")

    page = connector.fetch({})

    assert (page.mentions, page.has_more, page.problems) == ([], False, [])


def test_quota_exceeded_waits_until_midnight_pacific(yt, connector):
    yt.quota_left = 0

    # 23:30 in Los Angeles on the day summer time starts: midnight is 07:00 UTC.
    moment = datetime(2026, 3, 9, 6, 30, tzinfo=UTC)
    with time_machine.travel(moment), pytest.raises(RateLimited) as caught:
        connector.fetch({})

    assert caught.value.until == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert "quotaExceeded" in caught.value.message
    assert yt.calls(THREADS) == 1  # not retried


def test_its_own_count_stops_before_the_quota_is_exceeded(yt, make):
    connector = make(video_ids=["vid1", "vid2", "vid3"], daily_quota=2)
    for video in ("vid1", "vid2", "vid3"):
        yt.comment(video, f"on {video}")

    page = connector.fetch({})

    assert sorted(m.text for m in page.mentions) == ["on vid1", "on vid2"]
    assert yt.calls(THREADS) == 2
    assert page.cursor["quota"]["units"] == 2
    assert connector.wait_until == pacific_midnight_after(timezone.now())

    with pytest.raises(RateLimited) as caught:
        connector.fetch(page.cursor)
    assert caught.value.until == pacific_midnight_after(timezone.now())
    assert yt.calls(THREADS) == 2

    # A new Pacific day starts the count again, with the video left out first.
    yesterday = page.cursor | {"quota": page.cursor["quota"] | {"day": "2000-01-01"}}
    assert [m.text for m in connector.fetch(yesterday).mentions] == ["on vid3"]
    assert args(yt)["videoId"] == "vid1"


def test_searches_count_in_their_own_bucket(yt, make):
    connector = make(query="acme", video_ids=["vid1"], search=True, daily_searches=1)
    yt.video("vid1", title="acme")
    cursor = connector.fetch({}).cursor
    assert (cursor["quota"]["units"], cursor["quota"]["searches"]) == (1, 1)

    page = connector.fetch(cursor)

    assert connector.wait_until is None  # comments still have quota
    assert yt.calls("search") == 1
    assert page.cursor["quota"]["units"] == 2


def test_next_pacific_midnight_follows_daylight_saving():
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    winter = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    assert next_pacific_midnight(summer) == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)
    assert next_pacific_midnight(winter) == datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


def test_a_500_is_retried(yt, connector):
    yt.comment("vid1", "acme")
    yt.inject(Fault(status=500))

    page = connector.fetch({})

    assert len(page.mentions) == 1
    assert yt.calls(THREADS) == 2


def test_repeated_500s_are_transient(yt, connector):
    yt.inject(Fault(status=503, times=3))

    with pytest.raises(TransientError) as caught:
        connector.fetch({})

    assert caught.value.status_code == 503
    assert yt.calls(THREADS) == 3


def test_a_timeout_is_transient(yt, connector):
    yt.inject(Fault(delay=1.0, times=3))

    with pytest.raises(TransientError, match="timeout"):
        connector.fetch({})


def test_a_revoked_key_stops_the_stream(yt, make):
    with pytest.raises(PermanentError) as caught:
        make(key="revoked", video_ids=["vid1"]).fetch({})

    assert "API key" in caught.value.message
    assert "Check the credential" in caught.value.message
    assert caught.value.status_code == 400


def test_disabled_comments_stop_the_stream_with_the_reason(yt, connector):
    yt.video("vid1")
    yt.disable_comments("vid1")

    with pytest.raises(PermanentError) as caught:
        connector.fetch({})

    assert "commentsDisabled" in caught.value.message
    assert "video vid1" in caught.value.message


def test_a_stream_without_a_source_stops(make):
    with pytest.raises(PermanentError, match="video_ids"):
        make().fetch({})


def test_garbage_is_a_malformed_payload(yt, connector):
    yt.inject(Fault(status=200, body=GARBAGE))

    with pytest.raises(MalformedPayload) as caught:
        connector.fetch({})

    assert caught.value.body == GARBAGE.decode()


def test_a_payload_of_the_wrong_shape_is_malformed(yt, connector):
    yt.inject(Fault(status=200, body={"items": {"id": "x"}}))

    with pytest.raises(MalformedPayload, match="list of items"):
        connector.fetch({})


def test_a_comment_missing_a_field_is_skipped_and_reported(yt, connector):
    broken = yt.comment("vid1", "no text")
    del broken["snippet"]["textOriginal"], broken["snippet"]["textDisplay"]
    good = yt.comment("vid1", "fine")

    page = connector.fetch({})

    assert [m.external_id for m in page.mentions] == [good["id"]]
    assert page.problems == [f"YouTube item {broken['id']!r} skipped: missing textOriginal"]


@pytest.mark.parametrize(
    "text",
    [
        "acme " + "x" * 100_000,
        "acme 🔥🔥👩‍👩‍👧‍👦🏳️‍🌈 ☕️ trop bien 🇫🇷",
        "acme שירות גרוע מאוד! ‏אל תקנו",
        "acme خدمة سيئة جدا\u200f 123",
    ],
)
def test_texts_arrive_intact(yt, connector, text):
    yt.comment("vid1", text)

    assert connector.fetch({}).mentions[0].text == text


def test_a_looping_page_token_stops_with_a_problem(yt, connector):
    yt.comment("vid1", "old")
    cursor = connector.fetch({}).cursor
    for n in range(250):
        yt.comment("vid1", f"new {n}")
    yt.loop_page_token = True

    pages = []
    while len(pages) < 10:
        pages.append(connector.fetch(cursor))
        cursor = pages[-1].cursor
        if not pages[-1].has_more:
            break

    assert len(pages) == 2
    assert "again" in pages[-1].problems[0]
    assert "page" not in cursor["sources"]["video:vid1"]


def test_a_poll_stores_the_comments_and_the_cursor(yt, make):
    stream = make(video_ids=["vid1"]).stream
    yt.comment("vid1", "acme")
    token = services.stream_claim(stream.pk, ignore_schedule=True)

    outcome = services.stream_poll(stream_id=stream.pk, claim_token=token)

    assert (outcome.status, outcome.stored) == ("ok", 1)
    assert Mention.objects.get().platform == "youtube"
    stream.refresh_from_db()
    assert stream.cursor["sources"]["video:vid1"]["newest"]
