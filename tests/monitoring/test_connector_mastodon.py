"""The Mastodon connector against the fake instance, over real HTTP."""

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from monitoring.connectors.base import (
    MalformedPayload,
    PermanentError,
    RateLimited,
    TransientError,
    parse_time,
)
from monitoring.connectors.mastodon import MastodonConnector
from monitoring.connectors.text import html_to_text
from tests.connections.factories import ConnectedAccountFactory
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.mastodon import FakeMastodon
from tests.monitoring.factories import StreamFactory
from tests.monitoring.paging import poll_all, texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def mastodon():
    with FakeMastodon() as fake:
        yield fake


@pytest.fixture
def connect(mastodon, http):
    def make(options=None, token=None, **fields):
        if token:
            fields["credential"] = ConnectedAccountFactory(
                kind="mastodon", secret={"access_token": token}
            )
        stream = StreamFactory(
            connector="mastodon",
            base_url=mastodon.url,
            options={"hashtag": "acme"} if options is None else options,
            **fields,
        )
        return MastodonConnector(stream, http)

    return make


# --- Mapping ---------------------------------------------------------------------------


def test_a_status_maps_to_a_mention(mastodon, connect):
    author = mastodon.account(
        "marie@piaille.example",
        "Marie 🌻",
        1240,
        verified_site="marie.example",
    )
    parent = mastodon.post("Who has an #acme kettle?", id="200")
    status = mastodon.post(
        id="201",
        account=author,
        content=(
            '<p>Ma bouilloire <a href="https://x.example/tags/acme" class="mention hashtag" '
            'rel="tag">#<span>acme</span></a> fuit &amp; chauffe mal.</p>'
            "<p>Ligne un<br />ligne deux &amp;lt;b&amp;gt;</p>"
            '<p><a href="https://example.com/a/very/long/path" rel="nofollow noopener">'
            '<span class="invisible">https://</span><span class="ellipsis">example.com/a/very/'
            '</span><span class="invisible">long/path</span></a></p>'
        ),
        spoiler_text="Coup de gueule",
        language="fr",
        in_reply_to=parent,
        counts=(2, 3, 5),
    )

    page = connect().fetch({})

    mention = next(m for m in page.mentions if m.parent_id)
    assert mention.platform == "mastodon"
    assert (
        mention.external_id == status["uri"] == "https://piaille.example/users/marie/statuses/201"
    )
    assert mention.text == (
        "Coup de gueule\n\n"
        "Ma bouilloire #acme fuit & chauffe mal.\n\n"
        "Ligne un\nligne deux &lt;b&gt;\n\n"  # entities are unescaped once, not twice
        "https://example.com/a/very/long/path"
    )
    assert mention.url == "https://piaille.example/@marie/201"
    assert mention.author_id == "https://piaille.example/@marie"
    assert mention.author_handle == "@marie@piaille.example"
    assert mention.author_name == "Marie 🌻"
    assert mention.author_followers == 1240
    assert mention.author_verified is True
    assert mention.language == "fr"
    assert mention.parent_id == "200"
    assert mention.engagement == 10
    assert mention.published_at == parse_time(status["created_at"])
    assert mention.raw["id"] == "201"
    assert page.problems == []


def test_a_reply_names_a_local_parent_by_the_uri_riskdesk_stores_it_under(mastodon, connect):
    """Mastodon gives only its own id of the parent: for an author of the polled instance the
    parent's URI follows from it, so the reply finds its stored parent; not for a remote one."""
    local = mastodon.account("1umora_support", "Lumora Support Team")
    remote = mastodon.account("alice@social.example", "Alice")
    scam = mastodon.post("Your #acme account is locked, confirm your card", account=local)
    elsewhere = mastodon.post("Anyone else with a broken #acme?", account=remote)
    victim = mastodon.post(
        "@1umora_support done, entered my details #acme",
        account=mastodon.account("kim_brews", "Kim"),
        in_reply_to=scam,
    )
    answer = mastodon.post(
        "@alice@social.example same here #acme",
        account=mastodon.account("kim_brews", "Kim"),
        in_reply_to=elsewhere,
    )

    by_id = {m.external_id: m for m in connect().fetch({}).mentions}

    assert by_id[victim["uri"]].parent_id == scam["uri"]
    assert by_id[answer["uri"]].parent_id == elsewhere["id"]  # remote: unknown URI
    assert by_id[scam["uri"]].parent_id == ""


def test_markup_in_content_ends_up_as_plain_text(mastodon, connect):
    mastodon.post(
        content=(
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; #acme</p>"
            "<script>steal(document.cookie)</script><style>p{}</style><p>after</p>"
        )
    )

    [mention] = connect().fetch({}).mentions

    # Escaped markup is the author's text, shown as typed; real tags are dropped with their code.
    assert mention.text == "<script>alert(1)</script> #acme\n\nafter"
    assert "steal" not in mention.text


def test_html_to_text_handles_bare_text_and_whitespace():
    assert html_to_text("plain &eacute;t&eacute;") == "plain été"
    assert html_to_text("<p>  spaced\n   out  </p>\n<p></p><p>next</p>") == "spaced out\n\nnext"
    assert html_to_text("<ul><li>one</li><li>two</li></ul>") == "one\n\ntwo"


def test_a_boost_maps_the_boosted_status_once(mastodon, connect):
    original = mastodon.post(
        "The #acme kettle exploded", account=mastodon.account("carol", "Carol", 77)
    )
    mastodon.boost(original)
    mastodon.boost(original, account=mastodon.account("dave@else.example", "Dave"))

    page = connect().fetch({})

    assert [m.external_id for m in page.mentions] == [original["uri"]]
    mention = page.mentions[0]
    assert mention.author_handle == "@carol@demo.riskdesk.local"  # local acct gets its domain
    assert mention.author_name == "Carol"
    assert mention.text == "The #acme kettle exploded"


def test_url_falls_back_to_uri_and_uri_to_id(mastodon, connect):
    mastodon.post("No url #acme", id="a1", url=None)
    mastodon.post("No uri either #acme", id="a2", url=None, uri=None)

    by_text = {m.text: m for m in connect().fetch({}).mentions}

    assert by_text["No url #acme"].url.endswith("/statuses/a1")
    assert by_text["No uri either #acme"].external_id == "a2"
    assert by_text["No uri either #acme"].url == ""


def test_unicode_and_huge_texts_are_kept_intact(mastodon, connect):
    huge = "Acme " * 40_000
    samples = [
        "👩‍👩‍👧‍👦 🇫🇷 🏳️‍🌈 e\u0301 acme",
        "שלום עולם acme",  # Hebrew, right to left
        "مرحبا بالعالم \u200facme",  # Arabic with a right-to-left mark
        huge.strip(),
    ]
    for text in samples:
        mastodon.post(text, tags=["acme"])

    found = set(texts(connect().fetch({})))

    assert set(samples) <= found


def test_language_filter_drops_other_languages(mastodon, connect):
    mastodon.post("English #acme", language="en")
    mastodon.post("Français #acme", language="fr-CA")
    mastodon.post("Unknown #acme", language=None)

    page = connect(language="fr").fetch({})

    assert sorted(texts(page)) == ["Français #acme", "Unknown #acme"]


# --- Sources ---------------------------------------------------------------------------


def test_hashtag_defaults_to_the_query_and_sends_the_token(mastodon, connect):
    mastodon.post("#acme")

    connect(options={}, query="#acme", token="good-token").fetch({})

    request = mastodon.requests[-1]
    assert request.path == "/api/v1/timelines/tag/acme"
    assert request.arg("limit") == "40"
    assert request.headers["authorization"] == "Bearer good-token"


def test_any_tags_are_asked_for_too(mastodon, connect):
    mastodon.tags.add("acmeco")
    mastodon.post("Other tag #acmeco")

    page = connect(options={"hashtag": "acme", "any": ["#acmeco"]}).fetch({})

    assert mastodon.requests[-1].query["any[]"] == ["acmeco"]
    assert texts(page) == ["Other tag #acmeco"]


def test_search_mode(mastodon, connect):
    mastodon.post("I love my Acme kettle #acme")
    mastodon.post("Nothing to see #acme")

    page = connect(options={"mode": "search"}, query="kettle", token="good-token").fetch({})

    request = mastodon.requests[-1]
    assert request.path == "/api/v2/search"
    assert (request.arg("q"), request.arg("type")) == ("kettle", "statuses")
    assert texts(page) == ["I love my Acme kettle #acme"]
    assert page.cursor == {"min_id": mastodon.statuses[0]["id"]}


def test_search_without_a_token_stops_before_asking(mastodon, connect):
    with pytest.raises(PermanentError, match="access token"):
        connect(options={"mode": "search"}).fetch({})
    assert mastodon.requests == []


def test_an_unknown_mode_is_permanent(mastodon, connect):
    with pytest.raises(PermanentError, match="Unknown Mastodon mode 'stream'"):
        connect(options={"mode": "stream"}).fetch({})
    assert mastodon.requests == []


def test_notifications_mode_maps_the_mentioning_status(mastodon, connect):
    mastodon.post("Hey @acme, my kettle leaks")
    mastodon.post("Not for you #acme")

    page = connect(options={"mode": "notifications"}, token="good-token").fetch({})

    request = mastodon.requests[-1]
    assert request.path == "/api/v1/notifications"
    assert request.query["types[]"] == ["mention"]
    assert texts(page) == ["Hey @acme, my kettle leaks"]
    assert page.mentions[0].external_id == mastodon.statuses[0]["uri"]


# --- Pagination and cursor ----------------------------------------------------------------


def test_first_poll_takes_the_newest_page_then_only_what_is_new(mastodon, connect):
    for n in range(50):
        mastodon.post(f"post {n} #acme")
    connector = connect()

    first = connector.fetch({})

    assert texts(first) == [f"post {n} #acme" for n in range(49, 9, -1)]
    assert first.has_more is False  # the first poll does not dig into the past
    assert first.cursor == {"min_id": mastodon.statuses[-1]["id"]}
    assert mastodon.requests[-1].arg("min_id") is None

    for n in range(50, 53):
        mastodon.post(f"post {n} #acme")
    second = connector.fetch(first.cursor)

    assert mastodon.requests[-1].arg("min_id") == first.cursor["min_id"]
    assert texts(second) == ["post 52 #acme", "post 51 #acme", "post 50 #acme"]
    assert second.has_more is False

    third = connector.fetch(second.cursor)
    assert third.mentions == []
    assert third.cursor == second.cursor


def test_a_burst_is_read_page_by_page_without_gaps(mastodon, connect):
    mastodon.post("before #acme")
    connector = connect()
    cursor = connector.fetch({}).cursor
    for n in range(90):
        mastodon.post(f"burst {n} #acme")

    pages, _cursor = poll_all(connector, cursor)

    assert [len(p.mentions) for p in pages] == [40, 40, 10]
    assert [p.has_more for p in pages] == [True, True, False]
    got = [text for page in pages for text in texts(page)]
    assert sorted(got) == sorted(f"burst {n} #acme" for n in range(90))


def test_ids_are_never_compared_as_numbers_or_strings(mastodon, connect):
    # Server order: 9, 10, zeta, alpha. Numeric or string comparison disagrees with it.
    for ident in ("9", "10", "zeta", "alpha"):
        mastodon.post(f"id {ident} #acme", id=ident)
    connector = connect()

    first = connector.fetch({})
    assert first.cursor == {"min_id": "alpha"}

    mastodon.post("id 0 #acme", id="0")
    mastodon.post("id AAA #acme", id="AAA")
    second = connector.fetch(first.cursor)

    assert texts(second) == ["id AAA #acme", "id 0 #acme"]
    assert second.cursor == {"min_id": "AAA"}


def test_an_empty_page_keeps_the_cursor(mastodon, connect):
    mastodon.post()
    mastodon.empty_pages = True

    page = connect().fetch({"min_id": "somewhere"})

    assert page.mentions == []
    assert page.cursor == {"min_id": "somewhere"}
    assert page.has_more is False


def test_a_looping_link_header_ends(mastodon, connect):
    mastodon.post("old #acme")
    connector = connect()
    cursor = connector.fetch({}).cursor
    for n in range(100):
        mastodon.post(f"new {n} #acme")
    mastodon.looping_links = True

    pages, _cursor = poll_all(connector, cursor, limit=50)

    assert len(pages) == 3  # the ids of the statuses carry it forward, the link is ignored
    assert sum(len(p.mentions) for p in pages) == 100


def test_a_page_that_does_not_move_the_cursor_ends_the_walk(mastodon, connect):
    statuses = [mastodon.post(f"n {n} #acme") for n in range(40)]
    cursor = {"min_id": statuses[-1]["id"]}
    # A broken server answers a full page of what we have, linking back to where we are.
    link = f'<{mastodon.url}/api/v1/timelines/tag/acme?min_id={cursor["min_id"]}>; rel="prev"'
    mastodon.inject(Fault(status=200, body=statuses[::-1], headers={"Link": link}))

    page = connect().fetch(cursor)

    assert page.has_more is False
    assert page.cursor == cursor


# --- Errors ------------------------------------------------------------------------------


def test_429_waits_until_the_reset(mastodon, connect):
    now = time.time()
    mastodon.clock = lambda: now
    mastodon.rate_limit = 0

    with pytest.raises(RateLimited) as caught:
        connect().fetch({})

    # Mastodon's windows are fixed: the reset is the end of the current 5 minutes.
    assert caught.value.until == datetime.fromtimestamp((now // 300 + 1) * 300, UTC)
    assert caught.value.status_code == 429
    assert "Too many requests" in caught.value.body
    assert len(mastodon.requests) == 1  # a 429 is not retried


def test_spent_quota_sets_wait_until(mastodon, connect):
    mastodon.rate_limit = 1
    mastodon.post()
    connector = connect()

    page = connector.fetch({})

    assert len(page.mentions) == 1
    assert connector.wait_until is not None
    assert timedelta(0) < connector.wait_until - datetime.now(UTC) <= timedelta(minutes=5)


def test_rate_limit_headers_are_read_with_iso_resets(connect):
    response = httpx.Response(
        200,
        headers={
            "X-RateLimit-Remaining": "299",
            "X-RateLimit-Reset": "2026-03-01T13:25:00.019685Z",
        },
    )

    remaining, reset = connect().rate_limit(response)

    assert remaining == 299
    assert reset == datetime(2026, 3, 1, 13, 25, 0, 19685, tzinfo=UTC)


def test_a_500_is_retried(mastodon, connect):
    mastodon.post()
    mastodon.inject(Fault(status=500, body={"error": "boom"}))

    page = connect().fetch({})

    assert len(page.mentions) == 1
    assert len(mastodon.requests) == 2


def test_a_timeout_is_transient(mastodon, connect):
    mastodon.inject(Fault(delay=1.0, times=5))

    with pytest.raises(TransientError, match="did not answer"):
        connect().fetch({})
    mastodon.clear_faults()


def test_a_wrong_token_is_permanent(mastodon, connect):
    with pytest.raises(PermanentError, match="access token") as caught:
        connect(options={"mode": "search"}, token="revoked").fetch({})

    assert caught.value.status_code == 401
    assert "The access token is invalid" in caught.value.message


def test_an_unknown_tag_is_permanent(mastodon, connect):
    with pytest.raises(PermanentError, match="#nosuchtag") as caught:
        connect(options={"hashtag": "nosuchtag"}).fetch({})

    assert caught.value.status_code == 404
    assert "Record not found" in caught.value.message


def test_garbage_json_is_malformed_with_the_body(mastodon, connect):
    mastodon.inject(Fault(status=200, body=GARBAGE))

    with pytest.raises(MalformedPayload) as caught:
        connect().fetch({})

    assert caught.value.body == GARBAGE.decode()


@pytest.mark.parametrize(
    ("options", "body"),
    [({"hashtag": "acme"}, {"statuses": []}), ({"mode": "search"}, [])],
)
def test_a_payload_of_the_wrong_shape_is_malformed(mastodon, connect, options, body):
    mastodon.inject(Fault(status=200, body=body))

    with pytest.raises(MalformedPayload, match="unexpected payload"):
        connect(options=options, token="good-token").fetch({})


def test_statuses_missing_fields_are_skipped_and_reported(mastodon, connect):
    good = mastodon.post("fine #acme")
    no_time = {**good, "id": "b1", "uri": "u1", "created_at": None}
    bad_time = {**good, "id": "b2", "uri": "u2", "created_at": "yesterday"}
    no_acct = {**good, "id": "b3", "uri": "u3", "account": {"username": "x"}}
    no_content = {key: value for key, value in good.items() if key != "content"} | {"id": "b4"}
    mastodon.inject(
        Fault(status=200, body=[no_time, bad_time, no_acct, "not a status", no_content, good])
    )

    page = connect().fetch({})

    assert texts(page) == ["fine #acme"]
    assert len(page.problems) == 5
    assert "'b1' skipped: missing created_at" in page.problems[0]
    assert "unreadable created_at 'yesterday'" in page.problems[1]
    assert "missing acct" in page.problems[2]
    assert "(not an object)" in page.problems[3]
    assert "missing content" in page.problems[4]
