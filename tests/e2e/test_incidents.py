"""The lookalike-account crisis run as an incident in a real Chromium, from detection to review.

The demo day's lookalike posts come in through the ingestion pipeline (which flags them
as impersonating @lumora); social escalates one from the inbox and declares the incident,
links the others; the lead hands out the roles; each person ticks their tasks; legal
clears the holding statement; the lead resolves and writes the review. The incident page
then shows the time to detect and the time to resolve.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import demo_email
from accounts.models import User
from incidents.demo import DEMO_STATEMENT, DEMO_STATEMENT_TITLE, DEMO_SUMMARY, DEMO_TITLE
from incidents.models import (
    HoldingStatement,
    Incident,
    IncidentTask,
    PostIncidentReview,
    Scenario,
    Source,
    Status,
)
from incidents.selectors.metrics import duration_label
from monitoring.connectors.base import NormalizedMention
from monitoring.demo import DEMO_INSTANCE
from monitoring.demo.day import ACCOUNTS, NEW_ACCOUNTS, SCRIPT
from monitoring.models import Mention
from monitoring.pipeline import ingest
from tests.e2e.session import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_POST_AGO = timedelta(minutes=50)  # the first lookalike post, before anyone declares
LOOKALIKE_KEYS = ["gift", "restore", "lastmachines"]  # the demo day's posts we ingest
REPORT_NOTE = (
    "Reported @lumora_officiaI and @1umora_support to the demo.riskdesk.local moderators "
    "(reports #4411 and #4412)."
)
CLOSING = "Both accounts were suspended within the hour: no trademark complaint needed."
APPROVAL = "Cleared as written: names the fakes, asks for nothing."

Task = IncidentTask.State
TASKS = {  # the impersonation playbook's steps (incidents/migrations/0002_seed_playbooks.py)
    "evidence": "Capture the evidence",
    "report": "Report the impersonator to the platform",
    "warn": "Warn followers from the official account",
    "help": "Help the people who engaged with the fake",
    "phishing": "Go after the phishing site",
    "trademark": "Escalate with a trademark complaint",
    "takedown": "Confirm the takedown and watch for the next one",
}


def lookalike_posts(now) -> list[NormalizedMention]:
    """The demo day's lookalike posts, shifted so the first came out FIRST_POST_AGO."""
    posts = [p for p in SCRIPT if p.author in NEW_ACCOUNTS and p.key in LOOKALIKE_KEYS]
    start = posts[0].at
    found = []
    for post in posts:
        name, followers, _site = ACCOUNTS[post.author]
        found.append(
            NormalizedMention(
                platform="mastodon",
                external_id=f"https://{DEMO_INSTANCE}/@{post.author}/{post.key}",
                text=post.text,
                published_at=now - FIRST_POST_AGO + timedelta(seconds=post.at - start),
                author_id=f"https://{DEMO_INSTANCE}/@{post.author}",
                author_handle=post.author,
                author_name=name,
                author_followers=followers,
                language=post.language,
                raw={"key": post.key},
            )
        )
    return found


@pytest.fixture
def demo(demo):
    # seed_demo also declares this crisis, to show one running; here it starts from detection.
    Incident.objects.filter(title=DEMO_TITLE).delete()
    return demo


@pytest.fixture
def lookalikes(demo):
    """{post key: Mention}, stored by the pipeline as a poll of the demo stream would."""
    result = ingest(lookalike_posts(timezone.now()))
    assert len(result.ids) == len(LOOKALIKE_KEYS)
    mentions = {m.raw["key"]: m for m in Mention.objects.filter(pk__in=result.ids)}
    for mention in mentions.values():  # detected: the enrichment saw through the lookalikes
        assert mention.impersonates is not None
        assert mention.impersonates.handle in ("lumora", "lumora_support")
    return mentions


@pytest.fixture
def shoot(shots):
    """`shots` from the top of the page: scrolled down, the sticky header lands mid-picture."""

    def take(page, step):
        page.evaluate("window.scrollTo(0, 0)")
        shots(page, step)

    return take


def person(login):
    return User.objects.get(email=demo_email(login))


def option(login) -> str:
    """How the role and owner pickers name a demo person."""
    return f"{person(login).display_name} ({demo_email(login)})"


def message(page, text):
    return page.get_by_role("status").filter(has_text=text)


def open_incident(page, live_server, incident):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    page.wait_for_url(re.compile(rf"{live_server.url}/incidents/.*"))
    page.get_by_role("main").get_by_role("link", name=incident.title).first.click()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/")


def open_impersonation_view(page, live_server):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    page.wait_for_url(re.compile(rf"{live_server.url}/inbox/.*"))
    page.get_by_role("complementary", name="Views").get_by_role(
        "link", name="Impersonation"
    ).click()
    page.wait_for_url(re.compile(r".*impersonation=true.*"))


def escalate(page, mention):
    """Open the mention in the panel and press e: the escalate box opens, focused."""
    page.locator(f"#m-{mention.pk} .inbox-row__text").click()
    expect(page.locator(f"#panel [data-mention='{mention.pk}']")).to_be_visible()
    page.keyboard.press("e")
    box = page.locator("#panel [data-panel-escalate]")
    expect(box).to_have_attribute("open", "")
    return box


def status_form(page):
    run = page.get_by_role("region", name="Run it")
    return run.locator("form").filter(has=page.get_by_role("button", name="Change status"))


def tasks(page):
    return page.locator("#tasks")


def tick(page, key):
    tasks(page).get_by_role("button", name=f"Mark “{TASKS[key]}” done").click()
    expect(tasks(page).get_by_role("button", name=f"Reopen “{TASKS[key]}”")).to_be_visible()


def task_state(incident, key) -> str:
    return incident.tasks.get(title=TASKS[key]).state


def test_lookalike_crisis_from_the_inbox_to_the_review(live_server, page, demo, lookalikes, shoot):
    gift = lookalikes["gift"]
    declared_from = timezone.now()

    # Social sees the lookalike posts in the inbox and escalates the first one.
    sign_in(page, live_server, "social", demo)
    open_impersonation_view(page, live_server)
    for mention in lookalikes.values():
        expect(page.locator(f"#m-{mention.pk}")).to_be_visible()
    box = escalate(page, gift)
    declare = box.get_by_role("link", name="Declare a new incident")
    expect(declare).to_be_focused()
    shoot(page, "01-inbox-escalate")
    declare.click()
    page.wait_for_url(f"{live_server.url}/incidents/declare/?mentions={gift.pk}")
    start = page.get_by_role("complementary", name="What it starts from")
    expect(start.get_by_text("1 mention will be linked")).to_be_visible()
    expect(start.get_by_text("Lumora Brew is FREE today")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Escalated from the inbox: 1 mention")
    page.get_by_label("Title").fill(DEMO_TITLE)
    page.get_by_label("SEV2 — major").check()
    page.get_by_label("Playbook").select_option(label="Impersonation or fake account")
    page.get_by_label("Incident lead").select_option(label=option("manager"))
    page.get_by_label("What is happening").fill(DEMO_SUMMARY)
    shoot(page, "02-declare")
    page.get_by_role("button", name="Declare").click()
    page.wait_for_url(re.compile(rf"{live_server.url}/incidents/\d+/$"))

    incident = Incident.objects.get(title=DEMO_TITLE)
    assert page.url == f"{live_server.url}/incidents/{incident.pk}/"
    expect(message(page, f"{incident.reference} declared.")).to_be_visible()
    assert incident.status == Status.DECLARED
    assert incident.source == Source.INBOX
    assert incident.scenario == Scenario.IMPERSONATION
    assert incident.severity == 2
    assert incident.lead == person("manager")
    assert incident.declared_by == person("social")
    assert incident.declared_at >= declared_from
    assert list(incident.mention_links.values_list("mention_id", flat=True)) == [gift.pk]
    assert incident.first_mention_at == gift.published_at
    assert sorted(incident.tasks.values_list("title", flat=True)) == sorted(TASKS.values())
    assert incident.tasks.filter(state=Task.OPEN).count() == len(TASKS)
    expect(page.locator("#mentions [data-stat='count']")).to_have_text("1")
    # Only the lead holds a role yet: social runs nothing and ticks nothing.
    expect(tasks(page).get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("region", name="Run it")).to_have_count(0)

    # Social links the other lookalike posts to it from the inbox panel.
    open_impersonation_view(page, live_server)
    for key in ("restore", "lastmachines"):
        box = escalate(page, lookalikes[key])
        box.get_by_label("Or link to").select_option(label=str(incident))
        box.get_by_role("button", name="Link").click()
        panel = page.locator("#panel")
        expect(panel.get_by_role("region", name="Incidents")).to_contain_text(incident.reference)
    incident.refresh_from_db()
    assert incident.mention_count == len(LOOKALIKE_KEYS)
    assert incident.first_mention_at == gift.published_at  # still the earliest post
    shoot(page, "03-inbox-linked")
    page.locator("#panel").get_by_role("link", name=str(incident)).click()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/")
    expect(page.locator("#mentions [data-stat='count']")).to_have_text("3")
    sign_out(page)

    # The lead hands out the roles, starts investigating and drafts the warning.
    sign_in(page, live_server, "manager", demo)
    open_incident(page, live_server, incident)
    roles = page.get_by_role("region", name="Roles")
    for role, login in [
        ("Legal", "legal"),
        ("PR / communications", "manager"),
        ("Customer service", "social"),
        ("Security", "admin"),
        ("Social lead", "social"),
    ]:
        roles.get_by_label(role, exact=True).select_option(label=option(login))
        roles.get_by_role("button", name=f"Assign {role}").click()
        expect(message(page, f"{role}: {person(login).display_name}.")).to_be_visible()
    incident.refresh_from_db()
    assert incident.legal == person("legal")
    assert incident.communications == person("manager")
    assert incident.customer_service == person("social")
    assert incident.security == person("admin")
    assert incident.social_lead == person("social")
    owners = dict(incident.tasks.values_list("title", "assignee__email"))
    assert owners[TASKS["evidence"]] == demo_email("social")
    assert owners[TASKS["phishing"]] == demo_email("admin")
    assert owners[TASKS["trademark"]] == demo_email("legal")
    assert owners[TASKS["takedown"]] == demo_email("manager")

    status_form(page).get_by_label("New status").select_option("investigating")
    status_form(page).get_by_role("button", name="Change status").click()
    expect(message(page, "Status: Investigating.")).to_be_visible()
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING
    assert incident.acknowledged_at is not None

    statements = page.get_by_role("region", name="Holding statements")
    statements.get_by_text("Draft a holding statement").click()
    statements.get_by_label("Title").fill(DEMO_STATEMENT_TITLE)
    statements.get_by_label("Where it will be said").fill("Pinned post on @lumora")
    statements.get_by_label("Text").fill(DEMO_STATEMENT)
    statements.get_by_role("button", name="Save the draft").click()
    expect(message(page, "Statement drafted.")).to_be_visible()
    statement = HoldingStatement.objects.get(incident=incident)
    assert (statement.title, statement.text) == (DEMO_STATEMENT_TITLE, DEMO_STATEMENT)
    assert statement.state == HoldingStatement.State.DRAFT
    page.get_by_role("region", name="Holding statements").get_by_role(
        "link", name=DEMO_STATEMENT_TITLE
    ).click()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/statements/{statement.pk}/")
    page.get_by_role("button", name="Send to legal").click()
    expect(message(page, "Sent to legal.")).to_be_visible()
    expect(page.get_by_role("main").get_by_text("Waiting for legal")).to_be_visible()
    statement.refresh_from_db()
    assert statement.state == HoldingStatement.State.PENDING
    # The author cannot clear her own text.
    expect(page.get_by_role("button", name="Approve this text")).to_have_count(0)

    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name=re.compile(incident.reference)
    ).click()
    page.wait_for_url(re.compile(rf"{live_server.url}/incidents/{incident.pk}/.*"))
    tick(page, "warn")
    assert task_state(incident, "warn") == Task.DONE
    shoot(page, "04-roles-assigned")
    sign_out(page)

    # Social works his tasks, notes the platform's report numbers and pins the note.
    sign_in(page, live_server, "social", demo)
    open_incident(page, live_server, incident)
    for key in ("evidence", "report", "help"):
        tick(page, key)
        assert task_state(incident, key) == Task.DONE
    assert incident.tasks.get(title=TASKS["evidence"]).done_by == person("social")
    # Security's task is not his to tick.
    expect(
        tasks(page).get_by_role("button", name=f"Mark “{TASKS['phishing']}” done")
    ).to_have_count(0)
    timeline = page.get_by_role("region", name="Timeline")
    timeline.get_by_label("Add a note to the timeline").fill(REPORT_NOTE)
    timeline.get_by_role("button", name="Add the note").click()
    expect(message(page, "Note added to the timeline.")).to_be_visible()
    note = page.locator(".timeline__entry").filter(has_text=REPORT_NOTE)
    note.get_by_role("button", name="Pin").click()
    expect(
        page.locator(".timeline__entry").filter(has_text=REPORT_NOTE).get_by_text("Pinned")
    ).to_be_visible()
    assert incident.timeline.get(text=REPORT_NOTE).pinned
    sign_out(page)

    # Security goes after the phishing site.
    sign_in(page, live_server, "admin", demo)
    open_incident(page, live_server, incident)
    tick(page, "phishing")
    assert task_state(incident, "phishing") == Task.DONE
    sign_out(page)

    # Legal reads the statement and clears this exact text.
    sign_in(page, live_server, "legal", demo)
    open_incident(page, live_server, incident)
    page.get_by_role("region", name="Holding statements").get_by_role(
        "link", name=DEMO_STATEMENT_TITLE
    ).click()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/statements/{statement.pk}/")
    decision = page.get_by_role("form", name="Legal's decision")
    decision.get_by_label("Comment").fill(APPROVAL)
    shoot(page, "05-statement-for-legal")
    decision.get_by_role("button", name="Approve this text").click()
    expect(message(page, "Approved: this exact text is cleared.")).to_be_visible()
    expect(page.get_by_role("main").get_by_text("Cleared by legal")).to_be_visible()
    statement.refresh_from_db()
    assert statement.state == HoldingStatement.State.APPROVED
    assert statement.is_cleared
    assert statement.decided_by == person("legal")
    assert statement.legal_comment == APPROVAL
    shoot(page, "06-statement-cleared")
    sign_out(page)

    # The lead confirms the takedown and resolves: the trademark complaint is moot.
    sign_in(page, live_server, "manager", demo)
    open_incident(page, live_server, incident)
    statements = page.get_by_role("region", name="Holding statements")
    expect(statements.get_by_text("Cleared by legal")).to_be_visible()
    tick(page, "takedown")
    status_form(page).get_by_label("New status").select_option("resolved")
    status_form(page).get_by_role("button", name="Change status").click()
    expect(page.get_by_role("alert").filter(has_text="Tasks are still open")).to_be_visible()
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING
    assert incident.resolved_at is None
    status_form(page).get_by_label("New status").select_option("resolved")
    status_form(page).get_by_label("Reason").fill(CLOSING)
    status_form(page).get_by_role("button", name="Change status").click()
    expect(message(page, "Status: Resolved.")).to_be_visible()
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.closing_note == CLOSING
    assert task_state(incident, "trademark") == Task.SKIPPED
    assert incident.tasks.filter(state=Task.DONE).count() == len(TASKS) - 1

    # The figures the demo promises: time to detect and to resolve, on the incident page.
    detect, resolve = incident.time_to_detect, incident.time_to_resolve
    assert FIRST_POST_AGO <= detect < FIRST_POST_AGO + timedelta(minutes=5)
    assert timedelta(0) < resolve < timedelta(minutes=30)
    metrics = page.get_by_role("region", name="Metrics")
    expect(metrics.locator("[data-metric='detect']")).to_have_text(duration_label(detect))
    expect(metrics.locator("[data-metric='resolve']")).to_have_text(duration_label(resolve))
    expect(metrics).to_contain_text("Time to detect")
    expect(metrics).to_contain_text("Time to resolve")
    shoot(page, "07-resolved")

    # The review starts from the pinned note; saving it closes the incident.
    page.get_by_role("link", name="Write the review").click()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/review/")
    expect(page.get_by_label("Summary")).to_have_value(re.compile(re.escape(REPORT_NOTE)))
    review_metrics = page.get_by_role("region", name="Metrics")
    expect(review_metrics.locator("[data-metric='detect']")).to_have_text(duration_label(detect))
    page.get_by_label("Impact").fill(
        "Three lookalike posts in 50 minutes; two customers gave their card details."
    )
    page.get_by_label("What went well").fill("The pipeline flagged the lookalikes at once.")
    page.get_by_label("What did not go well").fill("Nobody looked at the inbox for 50 minutes.")
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    page.locator("#id_items-0-title").fill("Add the lookalike handles to the watchlist")
    page.locator("#id_items-0-assignee").select_option(label=option("social"))
    page.locator("#id_items-0-due_at").fill(due)
    shoot(page, "08-review")
    page.get_by_role("button", name="Save the review and close the incident").click()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.pk}/")
    expect(message(page, "Review saved.")).to_be_visible()

    incident.refresh_from_db()
    assert incident.status == Status.REVIEWED
    assert incident.reviewed_at is not None
    review = PostIncidentReview.objects.get(incident=incident)
    assert REPORT_NOTE in review.summary
    assert review.written_by == person("manager")
    item = incident.tasks.get(kind=IncidentTask.Kind.ACTION_ITEM)
    assert item.title == "Add the lookalike handles to the watchlist"
    assert item.assignee == person("social")
    assert timezone.localtime(item.due_at).date().isoformat() == due
    assert item.state == Task.OPEN
    # Reviewed: the figures stay, the running controls are gone.
    metrics = page.get_by_role("region", name="Metrics")
    expect(metrics.locator("[data-metric='detect']")).to_have_text(duration_label(detect))
    expect(metrics.locator("[data-metric='resolve']")).to_have_text(duration_label(resolve))
    expect(page.get_by_role("region", name="Run it")).to_have_count(0)
    expect(page.locator(".page-head").get_by_text("Reviewed")).to_be_visible()
    shoot(page, "09-reviewed")
    assert page.csp_violations == []
