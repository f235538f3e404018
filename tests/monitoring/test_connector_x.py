"""The X connector against the fake X API, over real HTTP."""

from datetime import UTC, datetime, timedelta

import pytest

from monitoring.connectors.base import (
    MalformedPayload,
    PermanentError,
    RateLimited,
    TransientError,
)
from monitoring.connectors.x import TWEET_FIELDS, USER_FIELDS, XConnector
from tests.connections.factories import ConnectedAccountFactory
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.x import SEARCH, FakeX
from tests.monitoring.factories import StreamFactory
from tests.monitoring.paging import poll_all, texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def x():
    with FakeX() as fake:
        yield fake


@pytest.fixture
def connect(x, http):
    def make(bearer: str | None = "good-token", **fields):
        secret = {"bearer_token": bearer} if bearer else {}
        fields.setdefault("query", "acme")
        stream = StreamFactory(
            connector="x",
            base_url=x.url,
            credential=ConnectedAccountFactory(kind="x", secret=secret),
            **fields,
        )
        return XConnector(stream, http)

    return make


# --- Mapping ---------------------------------------------------------------------------


def test_a_tweet_maps_to_a_mention(x, connect):
    marie = x.add_user("marie_k", "Marie 🌻", 1240, verified=True, verified_type="blue", id="77")
    parent = x.add_tweet("Who has an acme kettle?")
    tweet = x.add_tweet(
        "Ma bouilloire acme fuit… https://t.co/abc",
        author=marie,
        lang="fr",
        reply_to=parent,
        metrics=(2, 3, 5, 1),
        note="Ma bouilloire acme fuit & chauffe mal. " + "Vraiment. " * 40,
        created_at=datetime(2026, 3, 1, 13, 45, 12, 345000, tzinfo=UTC),
    )

    page = connect().fetch({})

    request = x.requests[-1]
    assert request.path == SEARCH
    assert request.headers["authorization"] == "Bearer good-token"
    assert request.arg("query") == "acme"
    assert request.arg("max_results") == "100"
    assert request.arg("expansions") == "author_id"
    assert request.arg("tweet.fields") == TWEET_FIELDS
    assert request.arg("user.fields") == USER_FIELDS
    assert request.arg("since_id") is None

    mention = page.mentions[0]
    assert mention.platform == "x"
    assert mention.external_id == tweet["id"]
    assert mention.text == tweet["note_tweet"]["text"]  # the long post, not its truncation
    assert mention.published_at == datetime(2026, 3, 1, 13, 45, 12, 345000, tzinfo=UTC)
    assert mention.author_id == "77"
    assert mention.author_handle == "@marie_k"
    assert mention.author_name == "Marie 🌻"
    assert mention.author_followers == 1240
    assert mention.author_verified is True
    assert mention.url == f"https://x.com/marie_k/status/{tweet['id']}"
    assert mention.language == "fr"
    assert mention.parent_id == parent["id"]
    assert mention.thread_id == parent["id"]
    assert mention.engagement == 11  # impressions are not engagement
    assert mention.raw["id"] == tweet["id"]
    assert mention.raw["author"]["username"] == "marie_k"
    assert page.problems == []

    original = page.mentions[1]
    assert original.text == "Who has an acme kettle?"
    assert (original.parent_id, original.thread_id) == ("", parent["id"])
    assert original.author_verified is False
    assert original.author_handle == "@alice"


def test_an_author_missing_from_includes_still_maps(x, connect):
    ghost = {"id": "999"}  # not registered: X left it out of includes (suspended)
    tweet = x.add_tweet("acme from nowhere", author=ghost, lang="und")

    [mention] = connect().fetch({}).mentions

    assert mention.author_id == "999"
    assert (mention.author_handle, mention.author_name, mention.author_followers) == ("", "", None)
    assert mention.url == f"https://x.com/i/web/status/{tweet['id']}"
    assert mention.language == ""  # X could not tell
    assert "author" not in mention.raw


def test_unicode_and_huge_texts_are_kept_intact(x, connect):
    samples = [
        "👩‍👩‍👧‍👦 🇫🇷 🏳️‍🌈 e\u0301 acme 🔥🔥🔥",
        "שלום עולם acme",  # Hebrew, right to left
        "مرحبا بالعالم \u200facme",  # Arabic with a right-to-left mark
        ("Acme " * 20_000).strip(),  # 100k characters
    ]
    for text in samples:
        x.add_tweet(text)

    found = texts(connect().fetch({}))

    assert sorted(found) == sorted(samples)


def test_the_language_narrows_the_query(x, connect):
    x.add_tweet("acme in English", lang="en")
    x.add_tweet("acme en français", lang="fr")

    page = connect(language="fr").fetch({})
    assert x.requests[-1].arg("query") == "acme lang:fr"
    assert texts(page) == ["acme en français"]

    connect(language="fr", query="acme OR acmeco").fetch({})
    assert x.requests[-1].arg("query") == "(acme OR acmeco) lang:fr"


# --- Pagination and cursor ----------------------------------------------------------------


def test_first_poll_takes_the_newest_page_then_only_what_is_new(x, connect):
    for n in range(150):
        x.add_tweet(f"acme {n}")
    connector = connect()

    first = connector.fetch({})

    assert texts(first) == [f"acme {n}" for n in range(149, 49, -1)]
    assert first.has_more is False  # the first poll does not dig into the past
    assert first.cursor == {"since_id": x.tweets[-1]["id"]}

    for n in range(150, 153):
        x.add_tweet(f"acme {n}")
    second = connector.fetch(first.cursor)

    assert x.requests[-1].arg("since_id") == first.cursor["since_id"]
    assert texts(second) == ["acme 152", "acme 151", "acme 150"]
    assert second.cursor == {"since_id": x.tweets[-1]["id"]}

    third = connector.fetch(second.cursor)
    assert third.mentions == []
    assert third.cursor == second.cursor


def test_a_burst_is_read_page_by_page_without_gaps(x, connect):
    x.add_tweet("acme before")
    connector = connect()
    cursor = connector.fetch({}).cursor
    for n in range(250):
        x.add_tweet(f"acme burst {n}")

    pages, final = poll_all(connector, cursor)

    assert [len(p.mentions) for p in pages] == [100, 100, 50]
    assert [p.has_more for p in pages] == [True, True, False]
    got = [text for page in pages for text in texts(page)]
    assert sorted(got) == sorted(f"acme burst {n}" for n in range(250))
    # Paging keeps the since_id; the newest id of the run becomes the next one.
    assert all(r.arg("since_id") == cursor["since_id"] for r in x.requests[1:])
    assert [r.arg("next_token") is not None for r in x.requests[1:]] == [False, True, True]
    assert pages[1].cursor["newest_id"] == x.tweets[-1]["id"]
    assert final == {"since_id": x.tweets[-1]["id"]}


def test_an_empty_result_keeps_the_cursor(x, connect):
    x.add_tweet("acme")
    x.empty_pages = True

    page = connect().fetch({"since_id": "1895000000000000001"})

    assert x.requests[-1].arg("since_id") == "1895000000000000001"
    assert page.mentions == []
    assert page.cursor == {"since_id": "1895000000000000001"}
    assert page.has_more is False


def test_an_empty_data_list_is_accepted(x, connect):
    x.inject(Fault(status=200, body={"data": [], "meta": {"result_count": 0}}))

    page = connect().fetch({})

    assert (page.mentions, page.cursor, page.problems) == ([], {}, [])


def test_a_looping_next_token_ends(x, connect):
    x.add_tweet("acme old")
    connector = connect()
    cursor = connector.fetch({}).cursor
    for n in range(300):
        x.add_tweet(f"acme {n}")
    x.loop_cursor = True

    pages, final = poll_all(connector, cursor, limit=50)

    assert len(pages) == 2
    assert pages[-1].has_more is False
    assert "again: stopped paging" in pages[-1].problems[0]
    assert final == {"since_id": x.tweets[-1]["id"]}


def test_a_since_id_x_no_longer_accepts_starts_again_from_the_newest(x, connect):
    x.add_tweet("acme now")
    message = (
        "Invalid 'since_id':'1'. 'since_id' must be a tweet id created after 2026-02-22T12:00Z."
    )
    x.inject(
        Fault(
            status=400,
            content_type="application/problem+json",
            body={
                "errors": [{"parameters": {"since_id": ["1"]}, "message": message}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
        )
    )

    page = connect().fetch({"since_id": "1"})

    assert texts(page) == ["acme now"]
    assert page.cursor == {"since_id": x.tweets[-1]["id"]}
    assert "rejected the stored since_id" in page.problems[0]
    assert "Started again from the newest posts" in page.problems[0]
    assert x.requests[-1].arg("since_id") is None


# --- Errors ------------------------------------------------------------------------------


def test_partial_errors_in_a_200_become_problems(x, connect):
    x.add_tweet("acme still here")
    x.errors = [x.not_found_user("42")]

    page = connect().fetch({})

    assert texts(page) == ["acme still here"]
    assert page.problems == ["X reported: Could not find user with id: [42]. (user 42)"]


def test_429_waits_until_the_reset(x, connect):
    x.rate_limit = 0

    with pytest.raises(RateLimited) as caught:
        connect().fetch({})

    assert caught.value.until == datetime.fromtimestamp(x.reset_at, UTC)
    assert caught.value.status_code == 429
    assert "Too Many Requests" in caught.value.body
    assert len(x.requests) == 1  # a 429 is not retried


def test_the_monthly_usage_cap_waits(x, connect):
    x.usage_capped = True

    with pytest.raises(RateLimited, match="usage cap") as caught:
        connect().fetch({})
    assert caught.value.until == datetime.fromtimestamp(x.reset_at, UTC)

    x.inject(Fault(status=429, body={"type": "https://api.twitter.com/2/problems/usage-capped"}))
    with pytest.raises(RateLimited) as caught:
        connect().fetch({})  # no reset header: a day
    assert caught.value.until - datetime.now(UTC) > timedelta(hours=23)


def test_spent_quota_sets_wait_until(x, connect):
    x.rate_limit = 1
    x.add_tweet("acme")
    connector = connect()

    page = connector.fetch({})

    assert len(page.mentions) == 1  # answered 200 with x-rate-limit-remaining: 0
    assert connector.wait_until == datetime.fromtimestamp(x.reset_at, UTC)


def test_the_remaining_count_goes_down(x, connect):
    connector = connect()
    connector.fetch({})
    connector.fetch({})

    assert x.rate_limit == 448


def test_a_500_is_retried(x, connect):
    x.add_tweet("acme")
    x.inject(Fault(status=500, body={"title": "Internal Server Error"}))

    page = connect().fetch({})

    assert len(page.mentions) == 1
    assert len(x.requests) == 2


def test_500_again_and_again_is_transient(x, connect, settings):
    x.inject(Fault(status=503, body={"title": "Service Unavailable"}, times=10))

    with pytest.raises(TransientError, match="503") as caught:
        connect().fetch({})

    assert len(x.requests) == settings.MONITORING_HTTP["attempts"]
    assert "Service Unavailable" in caught.value.body
    x.clear_faults()


def test_a_timeout_is_transient(x, connect):
    x.inject(Fault(delay=1.0, times=5))

    with pytest.raises(TransientError, match="did not answer"):
        connect().fetch({})
    x.clear_faults()


def test_a_wrong_bearer_token_is_permanent(x, connect):
    with pytest.raises(PermanentError, match="X refused the bearer token") as caught:
        connect(bearer="revoked").fetch({})

    assert caught.value.status_code == 401
    assert "Unauthorized" in caught.value.message
    assert len(x.requests) == 1


def test_a_rejected_query_is_permanent(x, connect):
    x.inject(
        Fault(
            status=400,
            body={
                "errors": [{"message": "There were errors processing your request: no viable"}],
                "title": "Invalid Request",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
        )
    )

    with pytest.raises(PermanentError, match=r"rejected the search 'acme'.*no viable"):
        connect().fetch({})


def test_nothing_is_asked_without_a_query_or_a_token(x, connect):
    with pytest.raises(PermanentError, match="needs a query"):
        connect(query=" ").fetch({})
    with pytest.raises(PermanentError, match="bearer token"):
        connect(bearer="").fetch({})
    assert x.requests == []


def test_garbage_json_is_malformed_with_the_body(x, connect):
    x.inject(Fault(status=200, body=GARBAGE))

    with pytest.raises(MalformedPayload) as caught:
        connect().fetch({})

    assert caught.value.body == GARBAGE.decode()


@pytest.mark.parametrize(
    "body",
    [[], {"data": {"id": "1"}, "meta": {}}, {"data": [], "meta": []}],
    ids=["a list", "data not a list", "meta not an object"],
)
def test_a_payload_of_the_wrong_shape_is_malformed(x, connect, body):
    x.inject(Fault(status=200, body=body))

    with pytest.raises(MalformedPayload, match="unexpected payload"):
        connect().fetch({})


def test_tweets_missing_fields_are_skipped_and_reported(x, connect):
    good = x.add_tweet("acme fine")
    no_time = {**good, "id": "11", "created_at": None}
    bad_time = {**good, "id": "12", "created_at": "yesterday"}
    no_text = {key: value for key, value in good.items() if key != "text"} | {"id": "13"}
    no_id = {key: value for key, value in good.items() if key != "id"}
    users = [x.users[good["author_id"]]]
    body = {
        "data": [no_time, bad_time, "not a tweet", no_text, no_id, good],
        "includes": {"users": users},
        "meta": {"newest_id": good["id"], "result_count": 6},
    }
    x.inject(Fault(status=200, body=body))

    page = connect().fetch({})

    assert texts(page) == ["acme fine"]
    assert page.cursor == {"since_id": good["id"]}
    assert len(page.problems) == 5
    assert "'11' skipped: missing created_at" in page.problems[0]
    assert "unreadable created_at 'yesterday'" in page.problems[1]
    assert "(not an object)" in page.problems[2]
    assert "'13' skipped: missing text" in page.problems[3]
    assert "None skipped: missing id" in page.problems[4]


# --- Where the bearer token may go (issue 15, finding 2: the class guard) -------------------


def test_the_token_is_never_sent_to_a_host_not_allowed_for_the_credential(x, http):
    """Whatever a stream says (here, an address no one allowed on the credential), the
    connector base refuses to attach the secret: nothing reaches the server."""
    stream = StreamFactory(
        connector="x",
        base_url=x.url,
        query="acme",
        credential=ConnectedAccountFactory(kind="x", allowed_hosts=[]),
    )
    with pytest.raises(PermanentError, match=r"refused to send the credential to 127\.0\.0\.1"):
        XConnector(stream, http).fetch({})
    assert x.requests == []


def test_a_redirect_never_carries_the_token_to_another_host(x, http):
    """The API host (allowed) redirects elsewhere: the hop is refused before it is made."""
    from tests.fakes.base import FakeServer, Reply

    class Elsewhere(FakeServer):
        def handle(self, request):
            return Reply(200, {"data": []})

    with Elsewhere() as elsewhere:
        target = elsewhere.url.replace("127.0.0.1", "localhost") + SEARCH
        x.inject(Fault(status=307, headers={"Location": target}))
        stream = StreamFactory(
            connector="x",
            base_url=x.url,
            query="acme",
            credential=ConnectedAccountFactory(kind="x"),  # allows 127.0.0.1, not localhost
        )
        with pytest.raises(PermanentError, match="redirect"):
            XConnector(stream, http).fetch({})
        assert elsewhere.requests == []
