"""A sponsored post goes from social to legal and back in a real Chromium, until it is cleared."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from compliance import services
from compliance.demo import WAITING_TITLE
from compliance.models import PostStatus, SponsoredPost
from riskdesk.content_hash import content_digest
from tests.e2e.session import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Nova Brews: iced latte in two minutes"
BODY = (
    "Summer mornings, sorted. The new Lumora Brew pulls a silky iced latte in under two "
    "minutes, and cleaning it takes thirty seconds. Try it this weekend with code NOVA10."
)
BURIED = f"{BODY} #coffee #icedlatte #summer #morning #barista #ad"  # "#ad" after the "more" cut
FIXED = f"#ad {BODY} #coffee #icedlatte #summer #morning #barista"
CHANGES = "Move #ad to the very start: on Instagram it is hidden behind “more”."


def open_queue(page, live_server):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sponsored posts").click()
    page.wait_for_url(f"{live_server.url}/compliance/")


def disclosure_finding(page):
    checks = page.get_by_role("region", name=re.compile("Automatic checks"))
    return checks.get_by_role("listitem").filter(has=page.get_by_text("Disclosure", exact=True))


def test_legal_finds_the_demo_post_with_a_failing_disclosure(live_server, page, demo, shots):
    sign_in(page, live_server, "legal", demo)
    open_queue(page, live_server)
    waiting = SponsoredPost.objects.get(title=WAITING_TITLE)
    assert waiting.status == PostStatus.SUBMITTED
    item = page.locator(f"#post-{waiting.pk}")
    assert item.get_by_role("link", name=WAITING_TITLE).is_visible()
    failing = item.get_by_role("listitem").filter(has_text="Disclosure")
    assert failing.first.get_by_text("Must fix").is_visible()
    assert failing.filter(has_text="“#ad” is not enough in France").count() == 1
    shots(page, "queue")

    item.get_by_role("link", name=WAITING_TITLE).click()
    page.wait_for_url(f"{live_server.url}/compliance/posts/{waiting.pk}/")
    finding = disclosure_finding(page).filter(has_text="readers only see the first 125")
    assert finding.get_by_text("Must fix").is_visible()
    # The buried "#ad" is marked in the text beside the findings.
    text = page.get_by_role("region", name="Text as it will be published")
    assert text.locator("mark", has_text="#ad").first.is_visible()
    assert page.get_by_role("button", name="Request changes").is_visible()
    shots(page, "demo-post")
    assert page.csp_violations == []


def test_sponsored_post_from_draft_to_cleared(live_server, page, demo, shots):
    # Social writes the post with its disclosure buried after the "more" cut.
    sign_in(page, live_server, "social", demo)
    open_queue(page, live_server)
    page.get_by_role("main").get_by_role("link", name="New sponsored post").click()
    page.wait_for_url(f"{live_server.url}/compliance/posts/new/")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Post text").fill(BURIED)
    page.get_by_label("Network").select_option("instagram")
    page.get_by_label("The partner's own account").check()
    page.get_by_label("Partner or influencer").fill("Nova Brews")
    page.get_by_label("Partner's handle").fill("novabrews")
    page.get_by_label("United States").check()
    planned = timezone.localtime() + timedelta(days=4)
    page.get_by_label("Planned publication").fill(planned.strftime("%Y-%m-%dT10:00"))
    page.get_by_label("Contract reference").fill("Influencer agreement NB-2025-07")
    shots(page, "form")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r".*/compliance/posts/\d+/$"))
    post = SponsoredPost.objects.get(title=TITLE)
    assert post.status == PostStatus.DRAFT
    assert page.get_by_role("status").filter(has_text="Draft saved").is_visible()

    finding = disclosure_finding(page)
    assert finding.get_by_text("Must fix").is_visible()
    expect(finding.get_by_text("“#ad” starts at character")).to_be_visible()
    assert "finding--error" in finding.get_attribute("class")
    shots(page, "draft-failing")
    page.get_by_role("button", name="Submit to legal").click()
    page.wait_for_url(f"{live_server.url}/compliance/posts/{post.pk}/")
    assert page.get_by_role("status").filter(has_text="Submitted").is_visible()
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED
    first_digest = post.content_digest
    sign_out(page)

    # Legal sees it in the queue with its failing check and asks for changes.
    sign_in(page, live_server, "legal", demo)
    open_queue(page, live_server)
    item = page.locator(f"#post-{post.pk}")
    assert item.get_by_role("link", name=TITLE).is_visible()
    assert (
        item.get_by_role("listitem")
        .filter(has_text="Disclosure")
        .get_by_text("Must fix")
        .is_visible()
    )
    shots(page, "legal-queue")
    item.get_by_role("button", name="Request changes").click()  # no comment yet
    page.wait_for_url(re.compile(r".*/compliance/.*"))
    assert page.get_by_role("alert").filter(has_text="Say what must change").is_visible()
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED
    assert not post.decisions.exists()
    shots(page, "comment-required")

    item = page.locator(f"#post-{post.pk}")
    item.get_by_label(f"Comment on {TITLE}").fill(CHANGES)
    item.get_by_role("button", name="Request changes").click()
    page.get_by_role("status").filter(has_text=f"Changes requested on “{TITLE}”").wait_for()
    post.refresh_from_db()
    assert post.status == PostStatus.CHANGES_REQUESTED
    assert post.decisions.get().comment == CHANGES
    assert page.locator(f"#post-{post.pk}").count() == 0  # no longer waiting
    sign_out(page)

    # The author reads the comment, fixes the disclosure and submits again.
    sign_in(page, live_server, "social", demo)
    page.goto(f"{live_server.url}/compliance/posts/{post.pk}/")
    assert page.get_by_role("status").filter(has_text=CHANGES).is_visible()
    page.get_by_role("main").get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_url(f"{live_server.url}/compliance/posts/{post.pk}/edit/")
    page.get_by_label("Post text").fill(FIXED)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"{live_server.url}/compliance/posts/{post.pk}/")
    finding = disclosure_finding(page)
    assert finding.get_by_text("Passed").is_visible()
    assert finding.get_by_text("“#ad” is where readers see it").is_visible()
    assert "finding--pass" in finding.get_attribute("class")
    assert (
        page.get_by_role("region", name=re.compile("Automatic checks"))
        .get_by_text("Must fix")
        .count()
        == 0
    )
    shots(page, "fixed")
    page.get_by_role("button", name="Submit again").click()
    page.wait_for_url(f"{live_server.url}/compliance/posts/{post.pk}/")
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED
    assert post.text == FIXED
    assert post.check_errors == 0
    assert post.content_digest != first_digest
    sign_out(page)

    # Legal approves the new version from the post's page.
    sign_in(page, live_server, "legal", demo)
    open_queue(page, live_server)
    page.locator(f"#post-{post.pk}").get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"{live_server.url}/compliance/posts/{post.pk}/")
    page.get_by_role("region", name="Your decision").get_by_label("Comment").fill(
        "Disclosure first, no claims. Cleared."
    )
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("status").filter(has_text=f"Approved: “{TITLE}”").wait_for()
    assert page.get_by_text("Cleared to publish").is_visible()
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED
    assert post.approved_digest == post.content_digest
    shots(page, "approved")

    # The digest is the SHA-256 of the canonical content, which a publishing tool can rebuild.
    canonical = services.canonical_content(post, list(post.media.all()))
    assert canonical["text"] == FIXED
    assert content_digest(canonical) == post.content_digest

    # The publishing tools' endpoint: cleared for this exact content, and only for it.
    api = f"{live_server.url}/api/v1/sponsored-posts/{post.pk}/clearance/"
    answer = page.request.get(api, params={"digest": post.content_digest})
    assert answer.ok
    body = answer.json()
    assert body["cleared"] is True
    assert body["reason"] == "cleared"
    assert body["content_digest"] == body["approved_digest"] == post.content_digest

    by_content = page.request.get(
        api,
        params={
            "text": canonical["text"],
            "account": canonical["account"],
            "planned_at": canonical["planned_at"],
        },
    ).json()
    assert by_content["cleared"] is True

    stale = page.request.get(api, params={"digest": first_digest}).json()
    assert stale["cleared"] is False
    assert stale["reason"] == "content_mismatch"
    assert page.csp_violations == []
