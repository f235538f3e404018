"""The Bluesky connector against a fake PDS over real HTTP."""

from datetime import UTC, datetime

import pytest

from monitoring import services
from monitoring.connectors.base import MalformedPayload, PermanentError, RateLimited, TransientError
from monitoring.connectors.bluesky import BlueskyConnector
from monitoring.models import Mention
from tests.connections.factories import ConnectedAccountFactory
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.bluesky import FakeBluesky
from tests.monitoring.factories import StreamFactory

pytestmark = pytest.mark.django_db

SEARCH = "app.bsky.feed.searchPosts"
CREATE = "com.atproto.server.createSession"
REFRESH = "com.atproto.server.refreshSession"


@pytest.fixture
def bsky():
    with FakeBluesky() as fake:
        yield fake


@pytest.fixture
def stream(bsky):
    credential = ConnectedAccountFactory(
        kind="bluesky",
        secret={"identifier": "acme.bsky.social", "app_password": "good-password"},
    )
    return StreamFactory(
        connector="bluesky", query="acme", base_url=bsky.url, credential=credential
    )


@pytest.fixture
def connector(stream, http):
    return BlueskyConnector(stream, http)


def search_args(bsky, index=-1) -> dict:
    request = [r for r in bsky.requests if r.path.endswith(SEARCH)][index]
    return {name: values[0] for name, values in request.query.items()}


def test_maps_a_post(bsky, stream, http):
    stream.language = "en"
    root = bsky.post("Is Acme any good?", handle="bob.example.com")
    reply = bsky.post(
        "Acme broke my kettle",
        handle="carol.bsky.social",
        display_name="Carol",
        verified=True,
        langs=("en", "fr"),
        reply_to=root,
        likes=5,
        reposts=2,
        replies=1,
        quotes=1,
        created_at=datetime(2026, 3, 2, 9, 30, 15, 123000, tzinfo=UTC),
    )

    page = BlueskyConnector(stream, http).fetch({})

    mention = page.mentions[0]
    assert mention.platform == "bluesky"
    assert mention.external_id == reply["uri"]
    assert mention.text == "Acme broke my kettle"
    assert mention.published_at == datetime(2026, 3, 2, 9, 30, 15, 123000, tzinfo=UTC)
    assert mention.author_id == reply["author"]["did"]
    assert mention.author_handle == "@carol.bsky.social"
    assert mention.author_name == "Carol"
    assert mention.author_verified is True
    assert mention.author_followers is None
    rkey = reply["uri"].rsplit("/", 1)[1]
    assert mention.url == f"https://bsky.app/profile/carol.bsky.social/post/{rkey}"
    assert mention.language == "en"
    assert mention.parent_id == root["uri"]
    assert mention.thread_id == root["uri"]
    assert mention.engagement == 9
    assert mention.raw == reply
    assert page.mentions[1].thread_id == root["uri"]
    assert page.mentions[1].parent_id == ""
    assert page.mentions[1].author_verified is False
    assert search_args(bsky) == {"q": "acme", "sort": "latest", "limit": "100", "lang": "en"}
    assert bsky.requests[-1].headers["authorization"].startswith("Bearer access:")


def test_a_handle_that_no_longer_resolves_links_by_did(bsky, connector):
    post = bsky.post("acme", handle="handle.invalid", did="did:plc:abc123")

    mention = connector.fetch({}).mentions[0]

    assert mention.author_handle == "did:plc:abc123"
    assert mention.url.startswith("https://bsky.app/profile/did:plc:abc123/post/")
    assert mention.external_id == post["uri"]


def test_the_next_poll_reads_only_new_posts(bsky, connector):
    first = [bsky.post(f"acme {n}") for n in range(3)]
    page = connector.fetch({})
    assert [m.external_id for m in page.mentions] == [p["uri"] for p in reversed(first)]
    assert page.has_more is False

    new = bsky.post("acme again")
    page = connector.fetch(page.cursor)

    assert [m.external_id for m in page.mentions] == [new["uri"]]
    assert search_args(bsky)["since"] == first[-1]["record"]["createdAt"]
    assert connector.fetch(page.cursor).mentions == []


def test_pages_down_to_the_posts_already_seen(bsky, connector):
    bsky.post("acme old")
    cursor = connector.fetch({}).cursor
    new = [bsky.post(f"acme {n}") for n in range(150)]

    first = connector.fetch(cursor)
    second = connector.fetch(first.cursor)
    third = connector.fetch(second.cursor)

    assert (len(first.mentions), first.has_more) == (100, True)
    assert search_args(bsky, -2)["cursor"] == "100"
    assert (len(second.mentions), second.has_more) == (50, False)
    got = {m.external_id for m in first.mentions + second.mentions}
    assert got == {p["uri"] for p in new}
    # The watermark moved to the newest post only once the run was read to its end.
    assert first.cursor["newest"] == cursor["newest"]
    assert second.cursor["ids"] == [new[-1]["uri"]]
    assert third.mentions == []


def test_the_first_poll_reads_only_the_newest_page(bsky, connector):
    for n in range(150):
        bsky.post(f"acme {n}")

    page = connector.fetch({})

    assert (len(page.mentions), page.has_more) == (100, False)


def test_an_empty_search(bsky, connector):
    page = connector.fetch({})

    assert (page.mentions, page.has_more, page.problems) == ([], False, [])
    assert page.cursor == {}


def test_429_waits_until_the_reset(bsky, connector):
    connector.fetch({})  # signs in
    bsky.remaining = 0

    with pytest.raises(RateLimited) as caught:
        connector.fetch({})

    assert caught.value.until == datetime.fromtimestamp(bsky.reset_at, tz=UTC)
    assert "RateLimitExceeded" in caught.value.body


def test_the_last_request_of_the_window_sets_wait_until(bsky, connector):
    bsky.post("acme")
    connector.fetch({})
    bsky.remaining = 1

    page = connector.fetch({})

    assert len(page.mentions) == 1
    assert connector.wait_until == datetime.fromtimestamp(bsky.reset_at, tz=UTC)


def test_a_500_is_retried(bsky, connector):
    bsky.post("acme")
    bsky.inject(Fault(status=500, match=SEARCH))

    page = connector.fetch({})

    assert len(page.mentions) == 1
    assert bsky.calls(SEARCH) == 2


def test_repeated_500s_are_transient(bsky, connector):
    bsky.inject(Fault(status=502, times=3, match=SEARCH))

    with pytest.raises(TransientError) as caught:
        connector.fetch({})

    assert caught.value.status_code == 502
    assert bsky.calls(SEARCH) == 3


def test_a_timeout_is_transient(bsky, connector):
    connector.fetch({})
    bsky.inject(Fault(delay=1.0, times=3, match=SEARCH))

    with pytest.raises(TransientError, match="timeout"):
        connector.fetch({})


def test_a_wrong_app_password_stops_the_stream(bsky, stream, http):
    stream.credential.secret = {"identifier": "acme.bsky.social", "app_password": "nope"}

    with pytest.raises(PermanentError) as caught:
        BlueskyConnector(stream, http).fetch({})

    message = caught.value.message
    assert "acme.bsky.social" in message
    assert "app password" in message
    assert "Invalid identifier or password" in message
    assert bsky.calls(SEARCH) == 0


def test_a_credential_without_a_password_stops_before_asking(bsky, stream, http):
    stream.credential.secret = {"identifier": "acme.bsky.social"}

    with pytest.raises(PermanentError, match="app password"):
        BlueskyConnector(stream, http).fetch({})

    assert bsky.requests == []


def test_garbage_is_a_malformed_payload(bsky, connector):
    connector.fetch({})
    bsky.inject(Fault(status=200, body=GARBAGE, match=SEARCH))

    with pytest.raises(MalformedPayload) as caught:
        connector.fetch({})

    assert caught.value.body == GARBAGE.decode()


def test_a_payload_of_the_wrong_shape_is_malformed(bsky, connector):
    connector.fetch({})
    bsky.inject(Fault(status=200, body={"posts": {"uri": "x"}}, match=SEARCH))

    with pytest.raises(MalformedPayload, match="list of posts"):
        connector.fetch({})


def test_a_post_missing_a_field_is_skipped_and_reported(bsky, connector):
    broken = bsky.post("acme without an author")
    del broken["author"]
    good = bsky.post("acme fine")

    page = connector.fetch({})

    assert [m.external_id for m in page.mentions] == [good["uri"]]
    assert page.problems == [f"Bluesky post {broken['uri']!r} skipped: missing author"]


@pytest.mark.parametrize(
    "text",
    [
        "acme " + "x" * 100_000,
        "acme 🔥🔥👩‍👩‍👧‍👦🏳️‍🌈 ☕️ trop bien 🇫🇷",
        "acme שירות גרוע מאוד! ‏אל תקנו",
        "acme خدمة سيئة جدا\u200f 123",
    ],
)
def test_texts_arrive_intact(bsky, connector, text):
    bsky.post(text)

    assert connector.fetch({}).mentions[0].text == text


def test_a_looping_cursor_stops_with_a_problem(bsky, connector):
    bsky.post("acme old")
    cursor = connector.fetch({}).cursor
    for n in range(250):
        bsky.post(f"acme {n}")
    bsky.loop_cursor = True

    pages = []
    while len(pages) < 10:
        pages.append(connector.fetch(cursor))
        cursor = pages[-1].cursor
        if not pages[-1].has_more:
            break

    assert len(pages) == 2
    assert "again" in pages[-1].problems[0]
    assert "newest" in cursor
    assert "page" not in cursor


def test_the_session_is_reused_across_polls(bsky, stream, http):
    for _ in range(3):
        BlueskyConnector(stream, http).fetch({})

    assert bsky.calls(CREATE) == 1
    assert bsky.calls(SEARCH) == 3


def test_an_expired_token_is_refreshed_once(bsky, connector):
    bsky.post("acme")
    connector.fetch({})
    bsky.expire_sessions()

    page = connector.fetch({})

    assert len(page.mentions) == 1
    assert (bsky.calls(CREATE), bsky.calls(REFRESH), bsky.calls(SEARCH)) == (1, 1, 3)
    connector.fetch({})
    assert bsky.calls(REFRESH) == 1  # the refreshed session is kept


def test_an_expired_refresh_token_signs_in_again(bsky, connector):
    connector.fetch({})
    bsky.expire_sessions(refresh=True)

    connector.fetch({})

    assert (bsky.calls(CREATE), bsky.calls(REFRESH), bsky.calls(SEARCH)) == (2, 1, 3)


def test_a_session_refused_again_stops_after_one_retry(bsky, connector):
    connector.fetch({})
    expired = {"error": "ExpiredToken", "message": "Token has expired"}
    bsky.inject(Fault(status=400, body=expired, times=2, match=SEARCH))

    with pytest.raises(PermanentError, match="did not help"):
        connector.fetch({})

    assert bsky.calls(SEARCH) == 3


def test_a_bad_query_stops_the_stream(bsky, connector):
    connector.fetch({})
    bad = {"error": "BadQueryString", "message": "could not parse query"}
    bsky.inject(Fault(status=400, body=bad, match=SEARCH))

    with pytest.raises(PermanentError, match="could not parse query"):
        connector.fetch({})


def test_sign_in_rate_limited_waits_until_the_reset(bsky, connector):
    bsky.session_remaining = 0

    with pytest.raises(RateLimited) as caught:
        connector.fetch({})

    assert caught.value.until == datetime.fromtimestamp(bsky.reset_at, tz=UTC)
    assert bsky.calls(SEARCH) == 0


def test_a_poll_stores_the_posts_and_the_cursor(bsky, stream):
    post = bsky.post("acme")
    token = services.stream_claim(stream.pk, ignore_schedule=True)

    outcome = services.stream_poll(stream_id=stream.pk, claim_token=token)

    assert (outcome.status, outcome.stored) == ("ok", 1)
    assert Mention.objects.get().external_id == post["uri"]
    stream.refresh_from_db()
    assert stream.cursor["ids"] == [post["uri"]]
