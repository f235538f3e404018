from datetime import UTC, datetime

import pytest

from monitoring.connectors.base import MalformedPayload, PermanentError, RateLimited, TransientError
from monitoring.connectors.rss import RSSConnector, folded, keywords_of
from tests.fakes.base import Fault, Reply
from tests.fakes.rss import ATOM_TYPE, FakeFeeds, FeedItem
from tests.monitoring.factories import StreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def feeds():
    with FakeFeeds() as server:
        yield server


def rss(http, url, *, query="", **fields):
    stream = StreamFactory(connector="rss", query=query, options={"url": url}, **fields)
    return RSSConnector(stream, http)


def test_rss_items_become_mentions(http, feeds):
    page = rss(http, feeds.url + "/feed.xml").fetch({})

    assert [m.external_id for m in page.mentions] == [
        "https://news.example/acme-recall",
        "https://news.example/weather",
    ]
    recall = page.mentions[0]
    assert recall.platform == "news"
    assert recall.text == (
        "Acme recalls 10,000 widgets\n\nThe recall covers & affects all 2025 models."
    )
    assert recall.url == "https://news.example/acme-recall"
    assert recall.author_handle == "jo@news.example (Jo Smith)"
    assert recall.author_name == "Jo Smith"
    assert recall.published_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert recall.language == "en-us"
    assert recall.raw["feed"]["title"] == "Acme News"
    assert page.problems == []
    assert not page.has_more
    assert page.cursor["etag"].startswith('"')
    assert page.cursor["modified"] == "Sun, 01 Mar 2026 12:00:00 GMT"
    assert page.cursor["seen"] == [m.external_id for m in page.mentions]


def test_atom_entries_become_mentions(http, feeds):
    page = rss(http, feeds.url + "/atom.xml").fetch({})

    recall, weather = page.mentions
    assert recall.external_id == "https://news.example/acme-recall"
    assert recall.text.startswith("Acme recalls 10,000 widgets\n\nThe recall covers & affects")
    assert recall.author_name == "Jo Smith"
    assert recall.published_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert recall.language == "en-us"
    assert weather.published_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_feed_address_can_be_the_api_address(http, feeds):
    stream = StreamFactory(connector="rss", query="", options={}, base_url=feeds.url + "/feed.xml")

    page = RSSConnector(stream, http).fetch({})

    assert len(page.mentions) == 2
    assert feeds.requests[-1].path == "/feed.xml"


def test_stream_without_a_feed_address_is_stopped(http):
    with pytest.raises(PermanentError, match="feed address"):
        rss(http, "").fetch({})
    with pytest.raises(PermanentError):
        rss(http, "file:///etc/passwd").fetch({})


def test_unchanged_feed_is_a_304_with_the_same_cursor(http, feeds):
    connector = rss(http, feeds.url + "/feed.xml")
    first = connector.fetch({})

    second = connector.fetch(first.cursor)

    sent = feeds.requests[-1].headers
    assert sent["if-none-match"] == first.cursor["etag"]
    assert sent["if-modified-since"] == first.cursor["modified"]
    assert second.mentions == []
    assert second.cursor == first.cursor
    assert "if-none-match" not in feeds.requests[0].headers


def test_changed_feed_gives_only_its_new_entries(http, feeds):
    connector = rss(http, feeds.url + "/feed.xml")
    first = connector.fetch({})
    feeds.items.insert(0, FeedItem("Acme CEO resigns", guid="ceo", link="https://news.example/ceo"))
    feeds.modified = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    second = connector.fetch(first.cursor)

    assert [m.external_id for m in second.mentions] == ["ceo"]
    assert second.cursor["etag"] != first.cursor["etag"]
    assert second.cursor["seen"][0] == "ceo"


def test_feed_without_validators_gives_no_entry_twice(http, feeds):
    feeds.validators = False
    connector = rss(http, feeds.url + "/feed.xml")
    first = connector.fetch({})
    assert "etag" not in first.cursor

    again = connector.fetch(first.cursor)
    feeds.items.append(FeedItem("Acme opens a shop", guid="shop"))
    changed = connector.fetch(again.cursor)

    assert len(first.mentions) == 2
    assert again.mentions == []
    assert [m.external_id for m in changed.mentions] == ["shop"]


def test_seen_ids_are_bounded(http, feeds):
    feeds.items = [FeedItem(f"Item {n}", guid=f"id-{n}") for n in range(600)]

    page = rss(http, feeds.url + "/feed.xml").fetch({})

    assert len(page.mentions) == 600
    assert page.cursor["seen"] == [f"id-{n}" for n in range(500)]


def test_keywords_ignore_case_and_accents(http, feeds):
    feeds.items = [
        FeedItem("ÉLECTRICITÉ: panne géante", guid="1"),
        FeedItem("Les prix de l'electricite", guid="2"),
        FeedItem("Météo", guid="3", summary="<p>Soleil</p>"),
        FeedItem("Banque", guid="4", summary="<p>La Société Générale recrute</p>"),
        FeedItem("Une société, générale", guid="5"),
    ]
    connector = rss(http, feeds.url + "/feed.xml", query="Électricité, societe GENERALE")

    page = connector.fetch({})

    assert [m.external_id for m in page.mentions] == ["1", "2", "4"]


def test_space_separated_keywords_are_words():
    assert keywords_of("Acme  WIDGETS") == ["acme", "widgets"]
    assert keywords_of('"Acme Corp", Straße') == ["acme corp", "strasse"]
    assert keywords_of("") == []
    assert folded("Ça Déménage") == "ca demenage"


def test_a_new_query_reads_the_feed_again(http, feeds):
    stream = StreamFactory(
        connector="rss", query="weather", options={"url": feeds.url + "/feed.xml"}
    )
    first = RSSConnector(stream, http).fetch({})
    stream.query = "acme"
    feeds.validators = False  # the same body: only the new rules make it worth reading

    second = RSSConnector(stream, http).fetch(first.cursor)

    assert [m.external_id for m in first.mentions] == ["https://news.example/weather"]
    assert [m.external_id for m in second.mentions] == ["https://news.example/acme-recall"]


def test_entries_in_another_language_are_dropped(http, feeds):
    assert rss(http, feeds.url + "/feed.xml", language="fr").fetch({}).mentions == []
    assert len(rss(http, feeds.url + "/feed.xml", language="en").fetch({}).mentions) == 2


def test_bozo_feed_keeps_the_entries_that_parsed(http, feeds):
    page = rss(http, feeds.url + "/broken.xml").fetch({})

    assert page.mentions[0].external_id == "https://news.example/acme-recall"
    assert page.mentions[0].text.startswith("Acme recalls")
    assert len(page.problems) == 1
    assert "not well-formed" in page.problems[0]


def test_feed_served_as_html_is_not_a_problem(http, feeds):
    feeds.bodies["/feed.php"] = Reply(body=feeds.rss(), content_type="text/html; charset=utf-8")

    page = rss(http, feeds.url + "/feed.php").fetch({})

    assert len(page.mentions) == 2
    assert page.problems == []


def test_html_page_instead_of_a_feed_is_malformed(http, feeds):
    with pytest.raises(MalformedPayload) as caught:
        rss(http, feeds.url + "/page.html").fetch({})

    assert "is not a feed" in caught.value.message
    assert "<h1>Latest news</h1>" in caught.value.body


@pytest.mark.parametrize("body", [b"", b"{not: xml", b'<?xml version="1.0"?><note>hi</note>'])
def test_other_bodies_that_are_no_feed_are_malformed(http, feeds, body):
    feeds.bodies["/odd.xml"] = Reply(body=body, content_type="application/xml")

    with pytest.raises(MalformedPayload):
        rss(http, feeds.url + "/odd.xml").fetch({})


def test_empty_feed_is_no_error(http, feeds):
    feeds.items = []

    page = rss(http, feeds.url + "/feed.xml").fetch({})

    assert page.mentions == []
    assert page.problems == []


def test_server_error_is_retried(http, feeds):
    feeds.inject(Fault(status=500, body=b"oops", content_type="text/plain"))

    page = rss(http, feeds.url + "/feed.xml").fetch({})

    assert len(page.mentions) == 2
    assert len(feeds.requests) == 2


def test_timeout_is_transient(http, feeds, settings):
    settings.MONITORING_HTTP = settings.MONITORING_HTTP | {"attempts": 2, "timeout": 0.3}
    feeds.inject(Fault(delay=1.0, times=2))

    with pytest.raises(TransientError, match="did not answer"):
        rss(http, feeds.url + "/feed.xml").fetch({})


def test_rate_limit_is_honoured(http, feeds):
    feeds.inject(Fault(status=429, headers={"Retry-After": "120"}))

    with pytest.raises(RateLimited) as caught:
        rss(http, feeds.url + "/feed.xml").fetch({})

    assert caught.value.until > datetime.now(UTC)


@pytest.mark.parametrize("status", [404, 410])
def test_gone_feed_is_permanent(http, feeds, status):
    feeds.inject(Fault(status=status, body=b"gone", content_type="text/plain"))

    with pytest.raises(PermanentError, match="is gone") as caught:
        rss(http, feeds.url + "/feed.xml").fetch({})

    assert caught.value.status_code == status
    assert len(feeds.requests) == 1


def test_huge_emoji_and_rtl_titles_stay_intact(http, feeds):
    title = "🚨🔥 عاجل: שריפה ב-Acme 👩🏽‍🚒 " + "x" * 20_000 + " 🇫🇷"
    feeds.items = [FeedItem(title, guid="big")]

    (mention,) = rss(http, feeds.url + "/feed.xml").fetch({}).mentions

    assert mention.text == title


def test_html_in_summaries_becomes_plain_text(http, feeds):
    feeds.items = [
        FeedItem(
            "Acme",
            guid="html",
            summary=(
                "<p>First <b>bold</b> &amp;amp; &eacute;t&eacute;</p>"
                "<script>alert('x')</script><style>p{color:red}</style>"
                '<p>Second <a href="https://acme.example/">link</a><br>next</p>'
            ),
        )
    ]

    (mention,) = rss(http, feeds.url + "/feed.xml").fetch({}).mentions

    assert mention.text == "Acme\n\nFirst bold &amp; été\n\nSecond link\nnext"


def test_plain_text_summaries_keep_their_angle_brackets(http, feeds):
    feeds.bodies["/text.xml"] = Reply(
        body=(
            b'<?xml version="1.0" encoding="utf-8"?>'
            b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:t</id>'
            b"<updated>2026-03-01T12:00:00Z</updated><entry><id>urn:e1</id>"
            b'<title type="html">AT&amp;amp;T &lt;b&gt;wins&lt;/b&gt;</title>'
            b'<summary type="text">Try &lt;script&gt;alert(1)&lt;/script&gt; &amp;amp;</summary>'
            b"<updated>2026-03-01T12:00:00Z</updated></entry></feed>"
        ),
        content_type=ATOM_TYPE,
    )

    (mention,) = rss(http, feeds.url + "/text.xml").fetch({}).mentions

    # Text stays text: shown escaped, never run.
    assert mention.text == "AT&T wins\n\nTry <script>alert(1)</script> &amp;"


def test_ids_fall_back_to_the_link_then_to_a_digest(http, feeds):
    feeds.items = [
        FeedItem("Linked", link="https://news.example/linked"),
        FeedItem("Bare", published=datetime(2026, 3, 1, tzinfo=UTC)),
    ]
    connector = rss(http, feeds.url + "/feed.xml")

    linked, bare = connector.fetch({}).mentions
    feeds.validators = False
    again = connector.fetch({}).mentions[1]

    assert linked.external_id == "https://news.example/linked"
    assert bare.external_id.startswith("sha256:")
    assert again.external_id == bare.external_id
    assert bare.url == ""


def test_links_are_absolute_web_addresses(http, feeds):
    feeds.items = [
        FeedItem("Relative", guid="rel", link="/stories/1"),
        FeedItem("Script", guid="js", link="javascript:alert(1)"),
    ]

    relative, script = rss(http, feeds.url + "/feed.xml").fetch({}).mentions

    assert relative.url == feeds.url + "/stories/1"
    assert script.url == ""


def test_long_ids_are_hashed_not_cut(http, feeds):
    feeds.items = [FeedItem("A", guid="x" * 300 + "1"), FeedItem("B", guid="x" * 300 + "2")]

    first, second = rss(http, feeds.url + "/feed.xml").fetch({}).mentions

    assert first.external_id != second.external_id
    assert len(first.external_id) <= 255


def test_entry_without_a_date_is_dated_now(http, feeds):
    feeds.items = [FeedItem("Undated", guid="u", published=None)]
    before = datetime.now(UTC)

    (mention,) = rss(http, feeds.url + "/feed.xml").fetch({}).mentions

    assert mention.published_at >= before


# --- SSRF: a feed that redirects into riskdesk's own network --------------------------------

METADATA_BODY = "AccessKeyId=ASIA-METADATA-SECRET"


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://[::1]/",
    ],
)
def test_a_feed_redirecting_to_a_private_address_is_refused_and_its_body_never_kept(
    feeds, target, client_for
):
    """A real poll of an RSS stream, as the worker runs it: the redirect is not followed,
    the stream stops with a short error, and neither the error nor the stream page holds
    any body of the refused hop (nor of the redirect)."""
    from monitoring import services
    from monitoring.models import Stream, StreamError, StreamStatus

    feeds.bodies["/feed.xml"] = Reply(
        302, METADATA_BODY, {"Location": target}, content_type="text/plain"
    )
    stream = StreamFactory(connector="rss", options={"url": feeds.url + "/feed.xml"})
    token = services.stream_claim(stream.pk, ignore_schedule=True)

    outcome = services.stream_poll(stream_id=stream.pk, claim_token=token)

    stream = Stream.objects.get(pk=stream.pk)
    assert outcome.status == stream.status == StreamStatus.STOPPED
    assert "redirect to a non-public address refused" in stream.last_error
    assert [r.path for r in feeds.requests] == ["/feed.xml"]
    error = StreamError.objects.get(stream=stream)
    assert error.body == ""
    assert METADATA_BODY not in error.message + stream.last_error
    page = client_for("social").get(f"/streams/{stream.pk}/")
    assert page.status_code == 200
    assert METADATA_BODY not in page.content.decode()
