"""The Reddit connector against the fake Reddit, over real HTTP."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from monitoring.connectors.base import (
    MalformedPayload,
    PermanentError,
    RateLimited,
    TransientError,
)
from monitoring.connectors.reddit import RedditConnector
from tests.connections.factories import ConnectedAccountFactory
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.reddit import TOKEN_PATH, FakeReddit
from tests.monitoring.factories import StreamFactory
from tests.monitoring.paging import poll_all, texts

pytestmark = pytest.mark.django_db

SECRET = {"client_id": "client-id", "client_secret": "client-secret"}


@pytest.fixture
def reddit():
    # Access tokens are cached per credential id, which the database reuses: the autouse
    # _isolated_cache gives each test its own cache (a clear() would flush a shared Redis).
    with FakeReddit() as fake:
        yield fake


@pytest.fixture
def credential():
    return ConnectedAccountFactory(kind="reddit", secret=SECRET)


@pytest.fixture
def connect(reddit, http, credential):
    def make(options=None, secret=None, **fields):
        fields.setdefault("query", "acme")
        stream = StreamFactory(
            connector="reddit",
            base_url=reddit.url,
            options=options or {},
            credential=(
                ConnectedAccountFactory(kind="reddit", secret=secret) if secret else credential
            ),
            **fields,
        )
        return RedditConnector(stream, http)

    return make


def watermark(*items):
    """The cursor after a run whose newest items were `items` (all created at the same time)."""
    at = datetime.fromtimestamp(items[0]["data"]["created_utc"], UTC)
    return {"newest": at.isoformat(), "ids": [item["data"]["name"] for item in items]}


# --- Mapping ---------------------------------------------------------------------------


def test_a_post_maps_to_a_mention(reddit, connect, settings):
    post = reddit.add_post(
        "Acme kettle & <lid> leaks",
        "It leaked all over & the **counter**.\n\nAgain.",
        author="marie_k",
        subreddit="Kettles",
        score=42,
        num_comments=7,
        created_utc=1772373912.0,
    )

    page = connect().fetch({})

    token_request, search = reddit.requests
    assert token_request.path == TOKEN_PATH
    assert token_request.headers["authorization"] == (
        "Basic " + base64.b64encode(b"client-id:client-secret").decode()
    )
    assert token_request.body == b"grant_type=client_credentials"
    assert search.path == "/search"
    assert search.headers["authorization"].startswith("Bearer eyJ")
    assert search.headers["user-agent"] == settings.MONITORING_HTTP["user_agent"]
    assert (search.arg("q"), search.arg("sort"), search.arg("limit")) == ("acme", "new", "100")
    assert search.arg("raw_json") == "1"
    assert search.arg("restrict_sr") is None

    [mention] = page.mentions
    data = post["data"]
    assert mention.platform == "reddit"
    assert mention.external_id == data["name"] == f"t3_{data['id']}"
    assert mention.text == (  # raw_json=1: no &amp; to undo
        "Acme kettle & <lid> leaks\n\nIt leaked all over & the **counter**.\n\nAgain."
    )
    assert mention.published_at == datetime(2026, 3, 1, 14, 5, 12, tzinfo=UTC)
    assert mention.author_id == data["author_fullname"]
    assert mention.author_handle == "u/marie_k"
    assert mention.author_name == "marie_k"
    assert mention.author_followers is None
    assert mention.author_verified is False
    assert (
        mention.url
        == f"https://www.reddit.com/r/Kettles/comments/{data['id']}/acme_kettle_lid_leaks/"
    )
    assert mention.language == ""
    assert mention.parent_id == ""
    assert mention.thread_id == data["name"]
    assert mention.engagement == 49
    assert mention.raw == post
    assert page.problems == []


def test_a_comment_maps_to_a_mention(reddit, connect):
    post = reddit.add_post("Acme thread")
    top = reddit.comment("first", post=post)
    reply = reddit.comment("Mine leaks too, acme!", post=post, parent=top, author="bob", score=-3)
    reddit.inject(Fault(status=200, body=reddit.listing([reply]), match="/search"))

    [mention] = connect().fetch({}).mentions

    assert mention.external_id == reply["data"]["name"]
    assert mention.text == "Mine leaks too, acme!"
    assert mention.parent_id == top["data"]["name"]
    assert mention.thread_id == post["data"]["name"]
    assert mention.author_handle == "u/bob"
    assert mention.url == f"https://www.reddit.com{reply['data']['permalink']}"
    assert mention.engagement == 0  # a negative score adds nothing


def test_deleted_authors_and_removed_text(reddit, connect):
    reddit.add_post("Acme gone", "[removed]", author="[deleted]")

    [mention] = connect().fetch({}).mentions

    assert mention.text == "Acme gone"
    assert (mention.author_id, mention.author_handle, mention.author_name) == ("", "", "")


def test_unicode_and_huge_texts_are_kept_intact(reddit, connect):
    huge = ("Acme " * 20_000).strip()
    samples = [
        ("👩‍👩‍👧‍👦 🇫🇷 acme 🔥🔥🔥", "🏳️‍🌈 e\u0301 " * 50),
        ("שלום עולם acme", "טקסט בעברית"),  # Hebrew, right to left
        ("مرحبا بالعالم \u200facme", "نص عربي"),  # Arabic with a right-to-left mark
        ("Acme essay", huge),
    ]
    for title, body in samples:
        reddit.add_post(title, body)

    found = texts(connect().fetch({}))

    assert sorted(found) == sorted(f"{title}\n\n{body}" for title, body in samples)


def test_a_subreddit_restricts_the_search(reddit, connect):
    reddit.add_post("Acme in kettles", subreddit="kettles")
    reddit.add_post("Acme elsewhere", subreddit="news")

    page = connect(options={"subreddit": "r/kettles"}).fetch({})

    search = reddit.api_requests[-1]
    assert search.path == "/r/kettles/search"
    assert search.arg("restrict_sr") == "1"
    assert texts(page) == ["Acme in kettles"]

    both = connect(options={"subreddit": "kettles+news"}).fetch({})
    assert reddit.api_requests[-1].path == "/r/kettles+news/search"
    assert texts(both) == ["Acme elsewhere", "Acme in kettles"]


def test_the_token_url_can_be_set(reddit, connect):
    connect(options={"token_url": f"{reddit.url}{TOKEN_PATH}?from=options"}).fetch({})

    assert reddit.token_requests[0].arg("from") == "options"


def test_without_a_base_url_the_real_hosts_are_used(http, credential):
    stream = StreamFactory(connector="reddit", credential=credential)
    connector = RedditConnector(stream, http)

    assert connector.base_url == "https://oauth.reddit.com"
    assert connector.token_url == "https://www.reddit.com/api/v1/access_token"


# --- Access token ------------------------------------------------------------------------


def test_the_token_is_fetched_once_and_reused(reddit, connect):
    reddit.add_post("Acme")
    connector = connect()

    cursor = connector.fetch({}).cursor
    connector.fetch(cursor)
    connect().fetch({})  # another poll, another stream, the same credential

    assert len(reddit.token_requests) == 1
    assert len(reddit.api_requests) == 3
    assert len({r.headers["authorization"] for r in reddit.api_requests}) == 1


def test_an_expired_token_is_replaced_once(reddit, connect):
    reddit.add_post("Acme")
    connector = connect()
    connector.fetch({})
    reddit.expire_tokens()  # Reddit revoked it before our cache let it go

    page = connector.fetch({})

    assert texts(page) == ["Acme"]
    assert len(reddit.token_requests) == 2
    assert [r.path for r in reddit.requests[2:]] == ["/search", TOKEN_PATH, "/search"]


def test_a_token_is_not_used_past_its_lifetime(reddit, connect):
    connector = connect()
    connector.fetch({})

    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=3400)):
        connector.fetch({})  # 3600s lifetime minus a margin: a new token first

    assert len(reddit.token_requests) == 2
    assert reddit.requests[2].path == TOKEN_PATH  # asked before the API refused anything


def test_a_token_refused_again_is_permanent(reddit, connect):
    refused = {"message": "Unauthorized", "error": 401}
    reddit.inject(Fault(status=401, body=refused, match="/search", times=2))

    with pytest.raises(PermanentError, match="even with a new token") as caught:
        connect().fetch({})

    assert caught.value.status_code == 401
    assert len(reddit.token_requests) == 2
    assert len(reddit.api_requests) == 2


def test_a_wrong_client_secret_is_permanent(reddit, connect):
    secret = {"client_id": "client-id", "client_secret": "revoked"}

    with pytest.raises(PermanentError, match="client id and secret") as caught:
        connect(secret=secret).fetch({})

    assert caught.value.status_code == 401
    assert "Unauthorized" in caught.value.message
    assert len(reddit.requests) == 1


def test_a_token_endpoint_error_in_a_200_is_permanent(reddit, connect):
    reddit.inject(Fault(status=200, body={"error": "invalid_grant"}, match=TOKEN_PATH))

    with pytest.raises(PermanentError, match="invalid_grant"):
        connect().fetch({})
    assert reddit.api_requests == []


def test_nothing_is_asked_without_a_query_or_credentials(reddit, connect):
    with pytest.raises(PermanentError, match="needs a query"):
        connect(query="").fetch({})
    with pytest.raises(PermanentError, match="client id and a client secret"):
        connect(secret={"client_id": "client-id"}).fetch({})
    with pytest.raises(PermanentError, match="not a subreddit"):
        connect(options={"subreddit": "../admin"}).fetch({})
    assert reddit.requests == []


# --- Pagination and cursor ----------------------------------------------------------------


def test_first_poll_takes_the_newest_page_then_only_what_is_new(reddit, connect):
    for n in range(150):
        reddit.add_post(f"Acme {n}")
    connector = connect()

    first = connector.fetch({})

    assert texts(first) == [f"Acme {n}" for n in range(149, 49, -1)]
    assert first.has_more is False  # the first poll does not dig into the past
    assert first.cursor == watermark(reddit.items[-1])

    for n in range(150, 153):
        reddit.add_post(f"Acme {n}")
    second = connector.fetch(first.cursor)

    assert texts(second) == ["Acme 152", "Acme 151", "Acme 150"]
    assert second.has_more is False
    assert second.cursor == watermark(reddit.items[-1])

    third = connector.fetch(second.cursor)
    assert third.mentions == []
    assert third.cursor == second.cursor


def test_a_burst_is_read_page_by_page_down_to_what_was_seen(reddit, connect):
    for n in range(500):
        reddit.add_post(f"Acme old {n}")
    connector = connect()
    cursor = connector.fetch({}).cursor
    for n in range(250):
        reddit.add_post(f"Acme burst {n}")
    asked = len(reddit.api_requests)

    pages, final = poll_all(connector, cursor)

    assert [len(p.mentions) for p in pages] == [100, 100, 50]
    assert [p.has_more for p in pages] == [True, True, False]
    got = [text for page in pages for text in texts(page)]
    assert sorted(got) == sorted(f"Acme burst {n}" for n in range(250))
    # It stopped where the last run was, not at the end of the 750-item listing.
    assert len(reddit.api_requests) - asked == 3
    assert [r.arg("after") for r in reddit.api_requests[asked:]] == [
        None,
        reddit.items[-100]["data"]["name"],
        reddit.items[-200]["data"]["name"],
    ]
    assert final == watermark(reddit.items[-1])


def test_a_deleted_newest_item_does_not_make_it_walk_the_whole_listing(reddit, connect):
    for n in range(300):
        reddit.add_post(f"Acme old {n}")
    connector = connect()
    cursor = connector.fetch({}).cursor
    del reddit.items[200:]  # the newest 100 seen were deleted since
    reddit.add_post("Acme new")

    pages, _final = poll_all(connector, cursor)

    assert len(pages) == 1
    assert texts(pages[0]) == ["Acme new"]


def test_items_created_in_the_same_second_are_told_apart_by_name(reddit, connect):
    first = reddit.add_post("Acme one", created_utc=1772373912.0)
    connector = connect()
    cursor = connector.fetch({}).cursor
    second = reddit.add_post("Acme two", created_utc=1772373912.0)

    page = connector.fetch(cursor)

    assert texts(page) == ["Acme two"]
    assert page.cursor == watermark(first, second)


def test_an_empty_page_keeps_the_cursor(reddit, connect):
    reddit.add_post("Acme")
    connector = connect()
    cursor = connector.fetch({}).cursor
    reddit.empty_pages = True

    page = connector.fetch(cursor)

    assert (page.mentions, page.cursor, page.has_more) == ([], cursor, False)
    assert connect().fetch({}).cursor == {}


def test_a_looping_after_ends(reddit, connect):
    reddit.add_post("Acme old")
    connector = connect()
    cursor = connector.fetch({}).cursor
    for n in range(300):
        reddit.add_post(f"Acme {n}")
    reddit.loop_cursor = True

    pages, final = poll_all(connector, cursor, limit=50)

    assert len(pages) == 2
    assert pages[-1].has_more is False
    assert "again: stopped paging" in pages[-1].problems[0]
    assert final == watermark(reddit.items[-1])


# --- Errors ------------------------------------------------------------------------------


def test_429_waits_until_the_reset(reddit, connect):
    reddit.rate_limit = 0

    with pytest.raises(RateLimited) as caught:
        connect().fetch({})

    expected = datetime.fromtimestamp(reddit.window_end, UTC)
    assert abs(caught.value.until - expected) < timedelta(seconds=2)
    assert caught.value.status_code == 429
    assert "Too Many Requests" in caught.value.body
    assert len(reddit.api_requests) == 1  # a 429 is not retried


def test_spent_quota_sets_wait_until(reddit, connect):
    reddit.rate_limit = 1
    reddit.add_post("Acme")
    connector = connect()

    page = connector.fetch({})

    assert len(page.mentions) == 1
    expected = datetime.fromtimestamp(reddit.window_end, UTC)
    assert abs(connector.wait_until - expected) < timedelta(seconds=2)


def test_rate_limit_headers_are_float_counts_and_seconds_left(reddit, connect):
    connector = connect()
    connector.fetch({})

    class Response:
        headers = {"x-ratelimit-remaining": "996.0", "x-ratelimit-reset": "120"}

    remaining, reset = connector.rate_limit(Response)
    assert remaining == 996.0
    assert timedelta(seconds=118) < reset - datetime.now(UTC) <= timedelta(seconds=120)
    assert reddit.rate_limit == 999


def test_a_500_is_retried(reddit, connect):
    reddit.add_post("Acme")
    reddit.inject(Fault(status=500, body={"message": "Internal Server Error"}, match="/search"))

    page = connect().fetch({})

    assert len(page.mentions) == 1
    assert len(reddit.api_requests) == 2


def test_500_again_and_again_is_transient(reddit, connect, settings):
    reddit.inject(Fault(status=502, body="<html>Bad Gateway</html>", match="/search", times=10))

    with pytest.raises(TransientError, match="502"):
        connect().fetch({})

    assert len(reddit.api_requests) == settings.MONITORING_HTTP["attempts"]
    reddit.clear_faults()


def test_a_timeout_is_transient(reddit, connect):
    reddit.inject(Fault(delay=1.0, times=5, match="/search"))

    with pytest.raises(TransientError, match="did not answer"):
        connect().fetch({})
    reddit.clear_faults()


def test_a_private_subreddit_is_permanent(reddit, connect):
    reddit.private.add("secret")

    with pytest.raises(PermanentError, match="r/secret cannot be searched: it is private"):
        connect(options={"subreddit": "secret"}).fetch({})


def test_garbage_json_is_malformed_with_the_body(reddit, connect):
    reddit.inject(Fault(status=200, body=GARBAGE, match="/search"))

    with pytest.raises(MalformedPayload) as caught:
        connect().fetch({})

    assert caught.value.body == GARBAGE.decode()


@pytest.mark.parametrize(
    "body",
    [[], {"kind": "Listing"}, {"kind": "Listing", "data": {"children": {}}}],
    ids=["a list", "no data", "children not a list"],
)
def test_a_payload_of_the_wrong_shape_is_malformed(reddit, connect, body):
    reddit.inject(Fault(status=200, body=body, match="/search"))

    with pytest.raises(MalformedPayload, match="unexpected payload"):
        connect().fetch({})


def test_items_missing_fields_are_skipped_and_reported(reddit, connect):
    good = reddit.add_post("Acme fine")
    data = good["data"]
    no_time = {"kind": "t3", "data": {**data, "name": "t3_b1", "created_utc": None}}
    no_title = {"kind": "t3", "data": {**data, "name": "t3_b2", "title": ""}}
    no_link = {"kind": "t1", "data": {**data, "name": "t1_b3", "body": "acme"}}
    subreddit = {"kind": "t5", "data": {**data, "name": "t5_b4"}}
    listing = reddit.listing([no_time, no_title, "not an item", no_link, subreddit, good])
    reddit.inject(Fault(status=200, body=listing, match="/search"))

    page = connect().fetch({})

    assert texts(page) == ["Acme fine"]
    assert page.problems == [
        "Reddit item 't3_b1' skipped: missing created_utc",
        "Reddit item 't3_b2' skipped: missing title",
        "Reddit item (not an object) skipped: not a listing item",
        "Reddit item 't1_b3' skipped: missing link_id",
        "Reddit item 't5_b4' skipped: kind 't5' is neither a post nor a comment",
    ]


def test_the_client_secret_never_goes_to_a_token_url_of_another_host(reddit, connect):
    """`options` are a stream editor's to change; the token URL in them is not trusted
    with the client secret unless its host is allowed for the credential."""
    connector = connect(options={"token_url": "https://attacker.example/api/v1/access_token"})
    with pytest.raises(
        PermanentError, match=r"refused to send the credential to attacker\.example"
    ):
        connector.fetch({})
    assert reddit.requests == []
