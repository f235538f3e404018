"""The demo network: a scripted day served over the Mastodon API, read by the real connector."""

import threading
from io import StringIO

import httpx
import pytest
from django.core.management import CommandError, call_command

from monitoring.connectors.base import parse_time
from monitoring.connectors.mastodon import MastodonConnector
from monitoring.demo.network import REAL_DAY, SCRIPT, build_server
from tests.monitoring.factories import StreamFactory

pytestmark = pytest.mark.django_db

LOOKALIKE = "@lumora_officiaI@demo.riskdesk.local"


@pytest.fixture
def demo(clock):
    server = serve(build_server("127.0.0.1", 0, clock=clock))
    yield server
    server.shutdown()
    server.server_close()


def serve(server):
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


@pytest.fixture
def connector(demo, http):
    stream = StreamFactory(connector="mastodon", base_url=demo.url, options={"hashtag": "lumora"})
    return MastodonConnector(stream, http)


def read_all(connector, cursor):
    """Every page the poller would fetch now; returns (mentions, cursor)."""
    mentions = []
    for _ in range(50):
        page = connector.fetch(cursor)
        assert page.problems == []
        mentions.extend(page.mentions)
        cursor = page.cursor
        if not page.has_more:
            break
    return mentions, cursor


def test_the_script_is_a_full_day_about_lumora():
    posts = [post for post in SCRIPT if not post.boost]
    assert len(posts) >= 150
    assert {post.language for post in posts} == {"en", "fr"}
    assert all("#lumora" in post.text.lower() for post in posts)
    day = " ".join(post.text.lower() for post in posts)
    for words in ("class action", "avocat", "boycott", "recall", "lumora-brew-gift.example"):
        assert words in day
    assert any(post.reply_to for post in SCRIPT)
    assert any(post.boost for post in SCRIPT)


def test_mentions_arrive_within_a_minute(connector, clock):
    first = connector.fetch({})
    assert first.mentions  # the day opens the moment the server starts

    clock.advance(60)
    later, _cursor = read_all(connector, first.cursor)

    assert len(later) >= 5
    assert {m.language for m in first.mentions + later} == {"en", "fr"}


def test_a_whole_day_reaches_the_connector(connector, clock):
    cursor = connector.fetch({}).cursor
    clock.advance(REAL_DAY - 1)

    mentions, _cursor = read_all(connector, cursor)

    by_id = {m.external_id: m for m in mentions}
    assert len(by_id) == len(SCRIPT) - sum(1 for post in SCRIPT if post.boost) - 1
    lookalike = [m for m in by_id.values() if m.author_handle == LOOKALIKE]
    assert lookalike
    assert any("https://lumora-brew-gift.example/claim" in m.text for m in lookalike)
    assert all(m.author_verified for m in lookalike)  # it verified its own phishing domain
    assert any(m.parent_id for m in by_id.values())
    assert any(m.author_handle == "@lumora@demo.riskdesk.local" for m in by_id.values())
    assert any("\n\n" in m.text for m in by_id.values())  # paragraphs survive the HTML


def test_speed_compresses_the_day(clock):
    server = build_server("127.0.0.1", 0, speed=30, clock=clock)
    network = server.network
    server.server_close()

    clock.advance(REAL_DAY / 30 - 0.001)
    network.publish_due()

    assert network.published == len(SCRIPT)


def test_posts_carry_the_time_they_are_published(demo, clock):
    clock.advance(REAL_DAY / 2)
    newest = httpx.get(f"{demo.url}/api/v1/timelines/tag/lumora", params={"limit": 1}).json()[0]

    published = parse_time(newest["created_at"]).timestamp()
    assert clock.now - 60 < published <= clock.now


def test_pagination_walks_every_status_once(demo, clock):
    clock.advance(REAL_DAY / 3)
    seen, url, params = [], f"{demo.url}/api/v1/timelines/tag/lumora", {"limit": 7}
    while True:
        response = httpx.get(url, params=params)
        assert response.status_code == 200
        if not response.json():
            assert "link" not in response.headers
            break
        seen.extend(status["id"] for status in response.json())
        url, params = response.links["next"]["url"], None

    assert len(seen) == len(set(seen)) == len(demo.network.statuses)
    assert seen == [status["id"] for status in reversed(demo.network.statuses)]


def test_min_id_reads_forward_oldest_chunk_first(demo, clock):
    clock.advance(REAL_DAY / 3)
    demo.network.publish_due()  # posts are published when a request comes
    oldest = demo.network.statuses[0]["id"]

    response = httpx.get(
        f"{demo.url}/api/v1/timelines/tag/lumora", params={"min_id": oldest, "limit": 3}
    )

    assert [s["id"] for s in response.json()] == [
        s["id"] for s in reversed(demo.network.statuses[1:4])
    ]
    assert f"min_id={demo.network.statuses[3]['id']}" in response.links["prev"]["url"]


def test_the_day_loops_with_new_ids(connector, clock, demo):
    cursor = connector.fetch({}).cursor
    clock.advance(REAL_DAY - 1)
    day_one, cursor = read_all(connector, cursor)

    clock.advance(REAL_DAY)
    day_two, _cursor = read_all(connector, cursor)

    assert day_two
    assert not {m.external_id for m in day_one} & {m.external_id for m in day_two}
    assert {m.text for m in day_two} <= {m.text for m in day_one} | {SCRIPT[0].text}


def test_idle_days_are_not_replayed_in_one_burst(demo, clock):
    clock.advance(REAL_DAY * 10.5)

    httpx.get(f"{demo.url}/api/v1/instance")

    assert len(demo.network.statuses) < 2 * len(SCRIPT)


def test_rate_limit_headers_and_429(clock):
    server = serve(build_server("127.0.0.1", 0, clock=clock, rate_limit=2))
    try:
        url = f"{server.url}/api/v1/timelines/tag/lumora"
        answers = [httpx.get(url) for _ in range(3)]
    finally:
        server.shutdown()
        server.server_close()

    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert answers[2].status_code == 429
    assert answers[2].json() == {"error": "Too many requests"}
    assert "Retry-After" not in answers[2].headers
    assert answers[0].headers["X-RateLimit-Reset"].endswith("Z")


def test_instance_search_and_errors(demo, clock):
    clock.advance(REAL_DAY)

    instance = httpx.get(f"{demo.url}/api/v1/instance").json()
    unknown = httpx.get(f"{demo.url}/api/v1/timelines/tag/nosuchtag")
    anonymous = httpx.get(f"{demo.url}/api/v2/search", params={"q": "avocat"})
    search = httpx.get(
        f"{demo.url}/api/v2/search",
        params={"q": "avocat", "type": "statuses"},
        headers={"Authorization": "Bearer demo"},
    )

    assert instance["uri"] == "demo.riskdesk.local"
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Record not found"})
    assert anonymous.status_code == 401
    statuses = search.json()["statuses"]
    assert statuses
    assert all(s["language"] == "fr" for s in statuses)


def test_the_command_serves_until_interrupted(monkeypatch):
    calls = {}

    class Server:
        url = "http://127.0.0.1:9999"

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            calls["closed"] = True

    def fake_build(host, port, speed):
        calls["args"] = (host, port, speed)
        return Server()

    monkeypatch.setattr("monitoring.management.commands.demo_network.build_server", fake_build)
    monkeypatch.setattr("signal.signal", lambda *args: None)  # keep pytest's own handlers
    out = StringIO()

    call_command("demo_network", "--port", "9999", "--speed", "2", stdout=out)

    assert calls == {"args": ("127.0.0.1", 9999, 2.0), "closed": True}
    assert "listening on http://127.0.0.1:9999" in out.getvalue()
    assert "every 15 minutes" in out.getvalue()
    assert out.getvalue().endswith("Demo network stopped.\n")


def test_the_command_refuses_a_bad_speed_or_a_busy_port(demo):
    with pytest.raises(CommandError, match="positive"):
        call_command("demo_network", "--speed", "0")
    with pytest.raises(CommandError, match="Cannot listen"):
        call_command("demo_network", "--port", str(demo.server_address[1]))


def test_the_brand_publishes_a_top_level_post_shown_on_the_public_timeline(demo, clock):
    clock.advance(60)
    brand = {"Authorization": "Bearer demo", "Idempotency-Key": "calendar-1"}
    form = {"status": "Lumora Brew 3.2.1 is out: <fixed> #lumora", "visibility": "public"}

    posted = httpx.post(f"{demo.url}/api/v1/statuses", data=form, headers=brand)
    again = httpx.post(f"{demo.url}/api/v1/statuses", data=form, headers=brand)

    assert posted.status_code == 200
    status = posted.json()
    assert status["in_reply_to_id"] is None
    assert status["visibility"] == "public"
    assert status["account"]["acct"] == "lumora"
    assert status["url"] == f"{demo.url}/@lumora/{status['id']}"
    assert again.json()["id"] == status["id"]  # the same key: the same post, once
    assert [s["id"] for s in demo.network.statuses].count(status["id"]) == 1

    timeline = httpx.get(f"{demo.url}/")
    assert "Lumora Brew 3.2.1 is out: &lt;fixed&gt; #lumora" in timeline.text
    assert timeline.text.index("3.2.1 is out") < timeline.text.index("</article>")  # newest first
    own_page = httpx.get(status["url"])
    assert own_page.status_code == 200
    assert "in reply to" not in own_page.text
    tagged = httpx.get(f"{demo.url}/api/v1/timelines/tag/lumora").json()
    assert tagged[0]["id"] == status["id"]
