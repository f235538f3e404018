"""Employee advocacy in a real Chromium: Hugo (HR) is refused until he acknowledges the
social media policy and completes its training himself, then shares a post on X with the
disclosure riskdesk adds; the library fits a phone's screen and breaks no CSP rule.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from advocacy.demo import SOLAR_TITLE
from advocacy.models import Share
from policies.models import RecordSource, TrainingRecord
from tests.e2e.session import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_untrained_employee_trains_then_shares_with_the_disclosure(
    live_server, page, demo, shots
):
    url = live_server.url
    # No network here: X's intent page is answered by the test.
    page.route(
        re.compile(r"^https://twitter\.com/.*"),
        lambda route: route.fulfill(status=200, content_type="text/html", body="shared"),
    )

    # --- Hugo has neither acknowledged the policy nor trained: the library says so.
    sign_in(page, live_server, "hr", demo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Share brand news").click()
    page.wait_for_url(f"{url}/advocacy/")
    gate = page.get_by_role("region", name="Before you can share")
    assert gate.get_by_text("Read and acknowledge the current Social media policy").is_visible()
    assert gate.get_by_text("Complete the training “Social media essentials”").is_visible()
    post = page.get_by_role("article", name=SOLAR_TITLE)
    assert post.is_visible()
    assert post.get_by_role("button", name="Share on X").count() == 0
    shots(page, "1-refused")

    # --- He acknowledges the policy...
    gate.get_by_role("link", name="Acknowledge the policy").click()
    page.wait_for_url(f"{url}/policies/social-media-policy/acknowledge/?next=/advocacy/")
    page.get_by_role("button", name="I have read revision 1").click()
    page.wait_for_url(f"{url}/advocacy/")  # back to the library
    gate = page.get_by_role("region", name="Before you can share")
    assert gate.get_by_text("Read and acknowledge").count() == 0

    # --- ...and completes the training himself.
    gate.get_by_role("link", name="Complete the training").click()
    page.wait_for_url(re.compile(r".*/training/modules/social-media-essentials/complete/.*"))
    assert page.get_by_role("heading", name="What this training covers").is_visible()
    shots(page, "2-training")
    page.get_by_label("I have completed this training").check()
    page.get_by_role("button", name="Record my completion").click()
    page.wait_for_url(f"{url}/advocacy/")
    assert page.get_by_role("status").filter(has_text="your completion of").is_visible()
    record = TrainingRecord.objects.get(
        user__email__startswith="hr@", module__code="social-media-essentials"
    )
    assert record.source == RecordSource.SELF
    assert page.get_by_role("region", name="Before you can share").count() == 0

    # --- Now he shares, in French: one click opens X's intent with the disclosure in it.
    post = page.get_by_role("article", name=SOLAR_TITLE)
    post.get_by_label("Market").select_option("FR")
    shots(page, "3-ready")
    with page.expect_request(re.compile(r"^https://twitter\.com/intent/tweet\?.*")) as asked:
        post.get_by_role("button", name="Share on X").click()
    page.wait_for_url(re.compile(r"^https://twitter\.com/intent/tweet\?.*"))
    intent = asked.value.url
    assert intent.startswith("https://twitter.com/intent/tweet?text=")
    text = parse_qs(urlsplit(intent).query)["text"][0]
    assert text.endswith("#salarié")
    share = Share.objects.get(user__email__startswith="hr@")
    assert text == share.text
    assert f"/s/{share.token}" in text
    assert page.csp_violations == []


def test_the_library_fits_a_phone(live_server, browser, demo, shots):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    try:
        sign_in(phone, live_server, "social", demo)
        phone.goto(f"{live_server.url}/advocacy/")
        assert phone.get_by_role("article", name=SOLAR_TITLE).is_visible()
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shots(phone, "phone-library")
        phone.goto(f"{live_server.url}/advocacy/manage/")
        assert phone.get_by_role("heading", name="Advocacy library").is_visible()
        shots(phone, "phone-manage")
        phone.get_by_role("link", name=SOLAR_TITLE).click()
        assert phone.get_by_role("heading", name=SOLAR_TITLE).is_visible()
        assert phone.get_by_role(
            "region", name=re.compile(r"\d+ shares? · \d+ clicks?")
        ).is_visible()
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shots(phone, "phone-post")
        share = Share.objects.filter(user__email__startswith="social@").first()
        phone.goto(f"{live_server.url}/advocacy/shares/{share.pk}/")
        assert phone.get_by_role("textbox", name="The text to share").input_value() == share.text
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shots(phone, "phone-share")
    finally:
        context.close()
