"""A policy revision goes through review in a real Chromium, then people acknowledge it.

The demo manager finds the social media policy's second revision waiting for her
review, reads what changed (side by side and inline), approves and publishes it;
the social media manager, who acknowledged the first revision, reads what
changed since and acknowledges; the acknowledgement report shows it. A hostile
revision body renders as inert text.
"""

import re

import pytest

from accounts.demo import demo_email
from policies.models import Acknowledgement, Policy, PolicyRevision, RevisionStatus
from tests.e2e.session import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "social-media-policy"


def test_manager_publishes_a_revision_and_people_acknowledge_it(live_server, page, demo, shots):
    url = live_server.url
    policy = Policy.objects.get(slug=SLUG)
    draft = policy.revisions.get(number=2)
    # The demo makes this natural: legal wrote r2, the manager is asked to review it.
    assert draft.status == RevisionStatus.IN_REVIEW
    assert draft.author.email == demo_email("legal")
    assert [r.reviewer.email for r in draft.reviews.all()] == [demo_email("manager")]
    assert Acknowledgement.objects.filter(
        revision__policy=policy, revision__number=1, user__email=demo_email("social")
    ).exists()

    # --- The manager finds the revision waiting for her on the dashboard.
    sign_in(page, live_server, "manager", demo)
    card = page.get_by_role("region", name="Policies and training")
    assert card.get_by_text("Waiting for your review").is_visible()
    shots(page, "1-dashboard")
    card.get_by_role("link", name="Social media policy, r2").click()
    page.wait_for_url(f"{url}/policies/{SLUG}/revisions/2/")
    main = page.get_by_role("main")
    assert main.get_by_role("heading", name="Social media policy, revision 2").is_visible()
    changes = main.get_by_role("region", name="Changes from revision 1")
    assert changes.locator("del", has_text="weekdays").first.is_visible()
    assert changes.locator("ins", has_text="authenticator app").first.is_visible()
    shots(page, "2-review")

    # --- Both views of the differences.
    main.get_by_role("link", name="Compare revisions").click()
    page.wait_for_url(re.compile(rf".*/policies/{SLUG}/diff/\?old=1&new=2$"))
    table = main.get_by_role("table", name=re.compile("Revision 1 on the left, revision 2"))
    assert table.is_visible()
    assert table.locator("td.diff-cell--old del", has_text="weekdays").first.is_visible()
    assert table.locator("td.diff-cell--new ins", has_text="authenticator app").first.is_visible()
    shots(page, "3-side-by-side")
    page.get_by_label("Show").select_option("inline")  # the form sends itself
    page.wait_for_url(re.compile(r".*view=inline"))
    inline = main.locator(".diff-inline")
    assert inline.is_visible()
    assert inline.locator("del", has_text="weekdays").first.is_visible()
    assert inline.locator("ins", has_text="authenticator app").first.is_visible()
    assert main.locator(".diff-table").count() == 0
    shots(page, "4-inline")

    # --- Approve, then publish (the page asks for confirmation first).
    page.goto(f"{url}/policies/{SLUG}/revisions/2/")
    review = main.get_by_role("region", name="Review")
    review.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"{url}/policies/{SLUG}/revisions/2/")
    status = page.get_by_role("status").filter(has_text="Approved. The revision can now be")
    assert status.is_visible()
    draft.refresh_from_db()
    assert draft.status == RevisionStatus.APPROVED
    questions = []

    def accept(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    review.get_by_role("button", name="Publish revision 2").click()
    page.wait_for_url(f"{url}/policies/{SLUG}/")
    assert questions == ["Publish this revision? It replaces the one in force."]
    assert page.get_by_role("status").filter(has_text="Revision 2 is published").is_visible()
    assert main.get_by_role("heading", name="The policy (revision 2)").is_visible()
    shots(page, "5-published")
    policy.refresh_from_db()
    draft.refresh_from_db()
    assert draft.status == RevisionStatus.PUBLISHED
    assert draft.published_by.email == demo_email("manager")
    assert policy.current_revision_id == policy.acknowledgement_revision_id == draft.pk

    # --- The social media manager must acknowledge it, and sees what changed since r1.
    sign_in(page, live_server, "social", demo)
    card = page.get_by_role("region", name="Policies and training")
    card.get_by_role("link", name="Social media policy").click()
    page.wait_for_url(f"{url}/policies/{SLUG}/acknowledge/")
    assert main.get_by_role(
        "heading", name="Read and acknowledge: Social media policy"
    ).is_visible()
    summary = main.get_by_role("region", name="What changed")
    assert summary.get_by_text("Support hours now 8:00 to 20:00 every day").is_visible()
    since = main.get_by_role("region", name="Since the revision you last acknowledged (revision 1)")
    assert since.locator("del", has_text="weekdays").first.is_visible()
    assert since.locator("ins", has_text="authenticator app").first.is_visible()
    shots(page, "6-acknowledge")
    main.get_by_role("button", name="I have read revision 2").click()
    page.wait_for_url(f"{url}/policies/{SLUG}/")
    thanks = "Thank you: you acknowledged revision 2 of Social media policy."
    assert page.get_by_role("status").filter(has_text=thanks).is_visible()
    ack = Acknowledgement.objects.get(revision=draft, user__email=demo_email("social"))
    assert ack.content_digest == draft.content_digest

    # --- The manager's acknowledgement report shows it.
    sign_in(page, live_server, "manager", demo)
    page.goto(f"{url}/policies/{SLUG}/")
    main.get_by_role("region", name="About").get_by_role("link", name=re.compile("%")).click()
    page.wait_for_url(f"{url}/policies/{SLUG}/acknowledgements/")
    done = main.get_by_role("region", name=re.compile("person has acknowledged"))
    assert done.get_by_role("row", name=re.compile("Sam Leroy")).is_visible()
    missing = main.get_by_role("region", name=re.compile("not acknowledged"))
    assert missing.get_by_role("link", name="Sam Leroy").count() == 0
    assert missing.get_by_role("link", name="Louise Fontaine").is_visible()  # r1 is not enough
    shots(page, "7-report")
    assert page.csp_violations == []


HOSTILE = """\
# Hostile text

<script>alert("script")</script>
<img src="x" onerror="alert('img')">

[Click me](javascript:alert('link'))
<a href="javascript:alert('raw')">Raw link</a>
[Fine link](https://example.org/)
"""


def test_a_hostile_revision_body_renders_inert(live_server, page, demo, shots):
    url = live_server.url
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server, "hr", demo)  # owns the employee guidelines
    page.goto(f"{url}/policies/employee-guidelines/")
    main = page.get_by_role("main")
    main.get_by_role("link", name="New revision").click()
    page.wait_for_url(f"{url}/policies/employee-guidelines/revisions/new/")
    page.get_by_label("Summary of changes").fill("Trying to break the page.")
    page.get_by_label("Text", exact=True).fill(HOSTILE)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(f"{url}/policies/employee-guidelines/revisions/2/")
    assert PolicyRevision.objects.get(policy__slug="employee-guidelines", number=2).body.startswith(
        "# Hostile text"
    )

    text = main.get_by_role("region", name="The text as readers will see it").locator(
        ".policy-text"
    )
    assert text.get_by_role("heading", name="Hostile text").is_visible()
    assert text.get_by_text('<script>alert("script")</script>').is_visible()  # shown, not run
    assert text.locator("script, img, [onerror]").count() == 0
    assert text.locator('a[href^="javascript"]').count() == 0
    assert text.get_by_role("link", name="Fine link").get_attribute("href") == (
        "https://example.org/"
    )
    assert main.locator("script").count() == 0
    changes = main.get_by_role("region", name="Changes from revision 1")
    assert changes.locator("ins", has_text="<script>").first.is_visible()
    assert changes.locator("script, img, a").count() == 0
    shots(page, "1-revision")

    main.get_by_role("link", name="Compare revisions").click()
    page.wait_for_url(re.compile(r".*/diff/\?old=1&new=2$"))
    page.get_by_label("Show").select_option("inline")
    page.wait_for_url(re.compile(r".*view=inline"))
    inline = main.locator(".diff-inline")
    assert inline.locator("ins", has_text="javascript:alert('raw')").first.is_visible()
    assert inline.locator("script, img, a").count() == 0
    shots(page, "2-inline")
    assert dialogs == []
    assert page.csp_violations == []
