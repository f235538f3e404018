"""A social media person sets up a stream in a real Chromium and asks for a poll."""

import re

import pytest

from accounts.demo import demo_email
from monitoring.models import Stream

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FEED = '{"url": "http://127.0.0.1:9/feed.xml"}'


def test_social_creates_a_stream_and_polls_it(live_server, page, demo, tmp_path):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("E-mail address").fill(demo_email("social"))
    page.get_by_label("Password").fill(demo)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Monitoring").is_visible()

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Streams").click()
    page.wait_for_url(f"{live_server.url}/streams/")
    main = page.get_by_role("main")
    assert main.get_by_role("link", name="Lumora on the demo network").is_visible()

    main.get_by_role("link", name="New stream").click()
    page.wait_for_url(f"{live_server.url}/streams/new/")
    page.get_by_label("Name", exact=True).fill("Press coverage")
    page.get_by_label("Connector", exact=True).select_option("rss")
    page.get_by_label("Query").fill("lumora")
    page.get_by_label("Connector options").fill("not json")
    page.get_by_role("button", name="Create stream").click()
    assert page.get_by_text("This is not valid JSON").is_visible()  # nothing saved yet
    assert not Stream.objects.filter(name="Press coverage").exists()

    page.get_by_label("Connector options").fill(FEED)
    page.get_by_role("button", name="Create stream").click()
    page.wait_for_url(re.compile(r".*/streams/\d+/$"))
    stream = Stream.objects.get(name="Press coverage")
    assert page.url == f"{live_server.url}/streams/{stream.pk}/"
    assert main.get_by_role("heading", name="Press coverage").is_visible()
    assert page.get_by_role("status").filter(has_text="Stream Press coverage saved.").is_visible()

    # The list shows it, and its filters live in the address (htmx pushes them).
    nav.get_by_role("link", name="Streams").click()
    page.wait_for_url(f"{live_server.url}/streams/")
    page.locator("#id_connector").select_option("rss")
    page.wait_for_url(re.compile(r".*/streams/\?.*connector=rss"))
    results = page.locator("#stream-results")
    results.get_by_role("link", name="Press coverage").wait_for()
    assert results.get_by_role("link", name="Lumora on the demo network").count() == 0

    results.get_by_role("link", name="Press coverage").click()
    page.wait_for_url(f"{live_server.url}/streams/{stream.pk}/")
    assert main.get_by_text("http://127.0.0.1:9/feed.xml").is_visible()
    main.get_by_role("button", name="Poll now").click()
    page.wait_for_url(f"{live_server.url}/streams/{stream.pk}/")
    assert page.get_by_role("status").filter(has_text="Poll queued").is_visible()
    assert page.locator("#stream-state").get_by_text("Polling now").is_visible()
    stream.refresh_from_db()
    assert stream.claim_token is not None

    page.screenshot(path=str(tmp_path / "stream.png"), full_page=True)
    assert (tmp_path / "stream.png").stat().st_size > 10_000
    assert page.csp_violations == []
