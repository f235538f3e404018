"""The inbox on a 390-pixel phone and dense on a 1440 by 900 desktop (issue #20, part 5).

Screenshots land in var/screens/ (not in git) for a person to look at.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Team
from tests.e2e.session import sign_in
from tests.monitoring.factories import MentionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
LONG_HANDLE = "a_very_long_handle_without_any_break_at_all_" * 3
LONG_URL = "https://coffee.example/reviews/" + "lumora-brew-" * 20 + "end"


def screenshot(page, name):
    """The visible screen as a person sees it (the caret left alone: no style="" left behind)."""
    folder = settings.BASE_DIR / "var" / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), caret="initial")


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def top_of(locator) -> float:
    return locator.evaluate("el => el.getBoundingClientRect().top")


def rows_on_screen(page) -> int:
    return page.evaluate(
        """Array.from(document.querySelectorAll('.inbox-row'))
            .filter(r => r.getBoundingClientRect().top >= 0
                      && r.getBoundingClientRect().bottom <= window.innerHeight).length"""
    )


@pytest.fixture
def queue(demo):
    """Sixty open mentions for the Customer service team, newest first; one is unbreakable."""
    service = Team.objects.get(slug="customer-service")
    now = timezone.now()
    mentions = [
        MentionFactory(
            team=service,
            text=f"Where can I buy descaling tablets for the Lumora Brew? ({n}) " * 3,
            risk_score=n % 90,
            language="en",
            published_at=now - timedelta(minutes=n),
        )
        for n in range(60)
    ]
    mentions[3].author_handle = LONG_HANDLE
    mentions[3].text = f"Look at {LONG_URL} {LONG_URL}"
    mentions[3].save()
    return mentions


def test_on_a_phone_the_list_and_the_mention_are_two_screens(live_server, page, demo, queue):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "social", demo)
    page.goto(f"{live_server.url}/inbox/?status=open")
    rows = page.locator(".inbox-row")
    expect(rows).to_have_count(50)

    # The first mentions come right after a search line, not after a screen of controls.
    assert top_of(rows.first) < 844 / 2, "the controls push the first mention off the screen"
    assert scroll_width(page) <= PHONE["width"], "the list scrolls sideways"
    # The filters are folded behind their button; the bulk toolbar waits for a selection.
    toggle = page.locator(".inbox-filters__toggle")
    expect(toggle).to_have_text(re.compile(r"Filters\s+\(1\)"))
    expect(page.get_by_label("Network")).to_be_hidden()
    expect(page.get_by_role("form", name="Act on the selected mentions")).to_be_hidden()
    screenshot(page, "phone-list")

    # Far down the list, open a mention: it is the whole screen, from its top.
    far = rows.nth(30)
    far.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 200)")
    before = top_of(far)
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 3000
    far.locator(".inbox-row__text").click()
    detail = page.locator("#panel .mention__text")
    expect(detail).to_be_in_viewport()
    expect(page.locator(".inbox-row").first).to_be_hidden()
    assert page.evaluate("window.scrollY") < 100, "the page jumped instead of showing the mention"
    assert top_of(page.locator("#panel .mention__title")) < 844 / 3
    back = page.get_by_role("link", name="Back to the list")
    expect(back).to_be_in_viewport()
    pk = far.get_attribute("data-id")
    expect(page).to_have_url(f"{live_server.url}/inbox/{pk}/")
    assert scroll_width(page) <= PHONE["width"], "the mention scrolls sideways"
    screenshot(page, "phone-mention")

    # Back to the list: the same place, the same mention current.
    back.click()
    expect(far).to_be_in_viewport()
    expect(page).to_have_url(f"{live_server.url}/inbox/?status=open")
    assert abs(page.evaluate("window.scrollY") - scrolled) <= 2
    assert abs(top_of(far) - before) <= 2
    expect(far).to_have_class(re.compile(r"\bis-current\b"))
    screenshot(page, "phone-back")

    # The browser's Back does the same, and Forward shows the mention again.
    other = rows.nth(31)
    before = top_of(other)
    other.locator(".inbox-row__text").click()
    expect(
        page.locator(f"#panel [data-mention='{other.get_attribute('data-id')}']")
    ).to_be_visible()
    page.go_back()
    expect(other).to_be_in_viewport()
    assert abs(top_of(other) - before) <= 2
    expect(other).to_have_class(re.compile(r"\bis-current\b"))
    page.go_forward()
    expect(page.locator("#panel .mention__text")).to_be_in_viewport()
    expect(rows.first).to_be_hidden()
    page.go_back()
    expect(other).to_be_in_viewport()

    # The unbreakable handle and URL wrap, in the list and in the mention.
    long = rows.nth(3)
    long.scroll_into_view_if_needed()
    assert scroll_width(page) <= PHONE["width"]
    long.locator(".inbox-row__text").click()
    expect(page.locator("#panel .mention__title")).to_contain_text(LONG_HANDLE)
    assert scroll_width(page) <= PHONE["width"], "a long handle or URL widens the page"
    screenshot(page, "phone-long-handle")
    page.get_by_role("link", name="Back to the list").click()

    # The filters open from their button; a selection brings the toolbar.
    page.evaluate("window.scrollTo(0, 0)")
    toggle.click()
    expect(page.get_by_label("Network")).to_be_visible()
    assert scroll_width(page) <= PHONE["width"]
    screenshot(page, "phone-filters")
    toggle.click()
    rows.first.locator(".inbox-row__select").check()
    expect(page.get_by_role("form", name="Act on the selected mentions")).to_be_visible()
    assert scroll_width(page) <= PHONE["width"]
    screenshot(page, "phone-selection")

    # The mention's own page (a link shared, a reload) fits too.
    page.goto(f"{live_server.url}/inbox/{queue[3].pk}/")
    expect(page.locator(".mention__text")).to_be_visible()
    assert scroll_width(page) <= PHONE["width"]
    page.goto("about:blank")
    assert page.csp_violations == []


def test_on_a_desktop_compact_rows_show_a_dozen_mentions(live_server, page, demo, queue):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "social", demo)
    page.goto(f"{live_server.url}/inbox/?status=open")
    rows = page.locator(".inbox-row")
    expect(rows).to_have_count(50)

    # Compact is the default: at least twelve whole mentions on the screen.
    density = page.get_by_label("Compact rows")
    expect(density).to_be_checked()
    assert rows_on_screen(page) >= 12, f"only {rows_on_screen(page)} mentions on the screen"
    assert scroll_width(page) <= DESKTOP["width"]
    screenshot(page, "desktop-compact")

    # The keyboard still works, and the mention opens beside the list.
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    second = rows.nth(1)
    expect(
        page.locator(f"#panel [data-mention='{second.get_attribute('data-id')}']")
    ).to_be_visible()
    expect(second).to_be_in_viewport()
    expect(page).to_have_url(f"{live_server.url}/inbox/?status=open")  # no second screen here
    assert rows_on_screen(page) >= 12
    screenshot(page, "desktop-compact-open")

    # Comfortable rows, remembered for the next visit.
    density.uncheck()
    assert rows_on_screen(page) < 12
    page.reload()
    expect(page.get_by_label("Compact rows")).not_to_be_checked()
    expect(page.locator(".inbox")).not_to_have_class(re.compile(r"\binbox--compact\b"))
    screenshot(page, "desktop-comfortable")
    page.get_by_label("Compact rows").check()
    page.reload()
    expect(page.get_by_label("Compact rows")).to_be_checked()
    assert rows_on_screen(page) >= 12
    page.goto("about:blank")
    assert page.csp_violations == []
