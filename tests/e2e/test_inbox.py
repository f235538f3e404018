"""The triage inbox (issue #5) in a real Chromium: keyboard triage, live updates, hostile text."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import demo_email
from accounts.models import Team, User
from inbox.models import MentionEvent, MentionReply, ReplyTemplate
from monitoring.models import MentionStatus
from tests.e2e.session import sign_in
from tests.inbox.factories import ReplyTemplateFactory
from tests.monitoring.factories import MentionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAK = "My Lumora Brew leaked all over the counter, third time this month. Refund please."
TABLETS = "Where can I buy descaling tablets for the Lumora Brew?"
PRAISE = "Loving the new Lumora colours, well done!"
LATE = "Still waiting for an answer about my broken Lumora Brew."
TEMPLATE = "Hi {author}, sorry about the leak. We'll sort it out (case {case}). — {brand}"
HOSTILE = (
    "Look <script>window.__pwned = 1; alert(1)</script> "
    '<img src=x onerror="window.__pwned = 2; alert(2)"> '
    '<a href="javascript:window.__pwned = 3; alert(3)">click me</a>'
)


@pytest.fixture
def demo(demo, settings):
    settings.RISKDESK_INBOX_POLL_SECONDS = 1  # the live bar and row updates, without waiting
    return demo


def stop_polling(page):
    """Leave the inbox and let a poll in flight finish before the test's tables are flushed."""
    page.goto("about:blank")
    page.wait_for_timeout(300)


def record_server_errors(page):
    """`page.server_errors`: the requests the live server answered with an error.

    Live polls are left out: the test database (SQLite in memory, shared cache) answers
    "table is locked" instead of waiting when a poll meets a write, and the next poll
    a second later catches up; the assertions on what the lists show cover the polls.
    """
    page.server_errors = []

    def check(response):
        if response.status >= 500 and "/inbox/poll/" not in response.url:
            page.server_errors.append(f"{response.status} {response.url}")

    page.on("response", check)


@pytest.fixture(autouse=True)
def _quiet_page(page):
    record_server_errors(page)
    yield
    stop_polling(page)
    print("server errors:", page.server_errors)  # shown when the test failed


@pytest.fixture
def second_page(browser):
    """Another person's browser: a context of its own, so its own session cookie."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    record_server_errors(page)
    yield page
    stop_polling(page)
    context.close()


@pytest.fixture
def shoot(shots):
    """`shots`, minus what Playwright leaves behind: to hide the caret it sets an inline
    style on every field and afterwards leaves `style=""`, which htmx then copies onto the
    swapped-in field with setAttribute, a CSP violation no person's browser would have."""

    def take(page, step):
        shots(page, step)
        page.evaluate("""document.querySelectorAll('[style=""]')
            .forEach(function (el) { el.removeAttribute('style'); })""")

    return take


def row(page, mention):
    return page.locator(f"#m-{mention.pk}")


def panel(page):
    return page.locator("#panel")


def settled(page):
    """Wait for htmx to finish with the panel: until it settles, its new hx-* are not live yet."""
    busy = page.locator("#panel.htmx-swapping, #panel.htmx-settling, #panel .htmx-request")
    expect(busy).to_have_count(0)


def press(page, key):
    """One key on whatever has the focus, as a person types it."""
    page.keyboard.press(key)


def arrow_to(page, locator, limit=20):
    """Press the down arrow until `locator` has the focus (fails if it never gets it)."""
    for _ in range(limit):
        if locator.evaluate("el => el === document.activeElement"):
            return
        press(page, "ArrowDown")
    pytest.fail(f"The arrow never reached {locator}")


def test_social_triages_a_queue_by_keyboard_while_a_manager_watches(
    live_server, page, second_page, demo, shoot
):
    social_team = Team.objects.get(slug="social")
    service = Team.objects.get(slug="customer-service")
    now = timezone.now()
    leak = MentionFactory(
        team=service,
        text=LEAK,
        author_handle="angry_ana",
        author_name="Ana",
        language="en",
        sentiment=-0.7,
        sentiment_label="negative",
        risk_score=55,
        published_at=now - timedelta(minutes=20),
    )
    tablets = MentionFactory(
        team=service,
        text=TABLETS,
        language="en",
        risk_score=5,
        published_at=now - timedelta(minutes=5),
    )
    praise = MentionFactory(
        team=social_team, text=PRAISE, language="en", published_at=now - timedelta(minutes=1)
    )
    # Only our template, whatever migrations or earlier tests left.
    ReplyTemplate.objects.all().delete()
    template = ReplyTemplateFactory(name="Leak apology", language="en", body=TEMPLATE)
    social = User.objects.get(email=demo_email("social"))

    # The manager keeps the open mentions on screen in a browser of her own.
    manager = second_page
    sign_in(manager, live_server, "manager", demo)
    manager.goto(f"{live_server.url}/inbox/?status=open")
    for mention in (leak, tablets, praise):
        expect(row(manager, mention)).to_be_visible()
    expect(row(manager, leak).locator(".inbox-row__assignee")).to_have_text("Unassigned")

    # Social opens the inbox and goes to the Customer service queue: v, arrows and Enter.
    sign_in(page, live_server, "social", demo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    page.wait_for_url(re.compile(r".*/inbox/.*"))
    views = page.get_by_role("complementary", name="Views")
    queue = views.get_by_role("link", name="Customer service", exact=True)
    press(page, "v")
    expect(views.get_by_role("link", name="All open")).to_be_focused()
    arrow_to(page, queue)
    press(page, "Enter")
    page.wait_for_url(re.compile(rf".*/inbox/\?status=open&team={service.pk}$"))
    expect(queue).to_have_attribute("aria-current", "page")
    expect(page.locator(".inbox-row")).to_have_count(2)
    expect(row(page, tablets)).to_have_class(re.compile(r"\bis-current\b"))  # newest first
    expect(row(page, praise)).to_have_count(0)
    shoot(page, "queue")

    # ? lists the shortcuts; Escape closes the list.
    press(page, "?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    expect(shortcuts).to_contain_text("Reply from a template")
    shoot(page, "shortcuts")
    press(page, "Escape")
    expect(shortcuts).to_be_hidden()
    expect(page.locator("#shortcuts button")).not_to_be_focused()  # Enter is ours again

    # j moves down to the leak, Enter opens it in the panel.
    press(page, "j")
    expect(row(page, leak)).to_have_class(re.compile(r"\bis-current\b"))
    expect(row(page, tablets)).not_to_have_class(re.compile(r"\bis-current\b"))
    press(page, "k")
    expect(row(page, tablets)).to_have_class(re.compile(r"\bis-current\b"))
    press(page, "j")
    press(page, "Enter")
    detail = panel(page).locator(f"[data-mention='{leak.pk}']")
    expect(detail).to_be_visible()
    expect(detail.locator(".mention__text")).to_have_text(LEAK)
    settled(page)
    # The manager's row says who has it open.
    expect(row(manager, leak).locator(".viewers")).to_contain_text("Sam Leroy is viewing")

    # x selects it, a assigns the selection to me.
    press(page, "x")
    expect(row(page, leak).locator(".inbox-row__select")).to_be_checked()
    expect(page.locator("[data-selected-count]")).to_have_text("1 ✓")
    press(page, "a")
    expect(page.locator("#bulk-result")).to_have_text("Done for 1 mention.")
    expect(row(page, leak).locator(".inbox-row__assignee")).to_have_text("→ Sam Leroy")
    leak.refresh_from_db()
    assert leak.assignee == social
    tablets.refresh_from_db()
    assert tablets.assignee is None
    expect(detail).to_contain_text("→ Sam Leroy")
    settled(page)
    expect(row(manager, leak).locator(".inbox-row__assignee")).to_have_text("→ Sam Leroy")

    # t puts the cursor in the panel's tag field; Enter adds the tags.
    press(page, "t")
    tags = panel(page).locator("[data-panel-tags]")
    expect(tags).to_be_focused()
    page.keyboard.type("refund, leak")
    press(page, "Enter")
    expect(detail.locator(".tag")).to_have_text(["#leak", "#refund"])
    settled(page)
    # The panel came back with the focus still in a fresh tag field; Escape leaves it.
    expect(tags).to_be_focused()
    expect(tags).to_have_value("")
    press(page, "Escape")
    expect(tags).not_to_be_focused()
    expect(row(page, leak).locator(".tag")).to_have_text(["#leak", "#refund"])
    assert sorted(leak.tags.values_list("name", flat=True)) == ["leak", "refund"]
    assert leak.events.filter(kind=MentionEvent.Kind.TAGGED, actor=social).count() == 1

    # r opens the reply with the template list focused; the arrow picks our template.
    press(page, "r")
    choose = panel(page).locator("[data-panel-reply]")
    expect(choose).to_be_focused()
    expect(panel(page).locator("[data-panel-reply-box]")).to_have_attribute("open", "")
    press(page, "ArrowDown")
    body = panel(page).locator(f"#reply-body-{leak.pk}")
    draft = f"Hi @angry_ana, sorry about the leak. We'll sort it out (case RD-{leak.pk})."
    expect(body).to_have_value(re.compile(re.escape(draft)))
    shoot(page, "reply-draft")
    press(page, "Tab")
    expect(body).to_be_focused()
    press(page, "Tab")
    expect(panel(page).locator("[data-panel-send]")).to_be_focused()
    press(page, "Enter")
    expect(detail.locator(".mention__history")).to_contain_text("replied: " + draft)
    settled(page)
    expect(panel(page)).to_be_focused()  # the pressed button is gone, the focus stays here
    reply = MentionReply.objects.get(mention=leak)
    assert reply.template == template
    assert reply.sent_by == social
    assert reply.body.startswith(draft)
    leak.refresh_from_db()
    assert leak.status == MentionStatus.IN_PROGRESS
    assert leak.first_response_at is not None

    # e opens the escalation choices with the first one focused.
    press(page, "e")
    escalate = panel(page).locator("[data-panel-escalate]")
    expect(escalate).to_have_attribute("open", "")
    expect(escalate.get_by_role("link", name="Declare a new incident")).to_be_focused()

    # d resolves it.
    press(page, "d")
    expect(page.locator("#bulk-result")).to_have_text("Done for 1 mention.")
    expect(row(page, leak)).to_have_class(re.compile(r"\bis-closed\b"))
    expect(row(page, leak).locator(".badge--status-resolved")).to_have_text("Resolved")
    leak.refresh_from_db()
    assert leak.status == MentionStatus.RESOLVED
    assert leak.resolved_at is not None
    tablets.refresh_from_db()
    assert tablets.status == MentionStatus.NEW
    expect(detail.locator(".badge--status-resolved")).to_have_text("Resolved")
    shoot(page, "resolved")

    # The manager never reloaded: her row shows the work, and a new mention gets a bar.
    manager_row = row(manager, leak)
    expect(manager_row.locator(".badge--status-resolved")).to_have_text("Resolved")
    expect(manager_row.locator(".tag")).to_have_text(["#leak", "#refund"])
    late = MentionFactory(team=service, text=LATE, language="en", published_at=timezone.now())
    bar = manager.locator(".inbox-new__bar")
    expect(bar).to_have_text("1 new mention — show")
    expect(page.locator(".inbox-new__bar")).to_have_text("1 new mention — show")  # same queue
    shoot(manager, "manager-live")
    bar.click()
    expect(row(manager, late)).to_be_visible()
    expect(bar).to_have_count(0)

    # / goes to the search; Enter filters the queue.
    press(page, "/")
    search = page.locator("[data-inbox-search]")
    expect(search).to_be_focused()
    page.keyboard.type("descaling")
    press(page, "Enter")
    expect(page.locator(".inbox-row")).to_have_count(1)
    expect(row(page, tablets)).to_be_visible()
    assert page.csp_violations == []
    assert page.server_errors == []
    assert manager.server_errors == []


def below_the_top_bar(page, locator):
    """The element's top edge is on screen and not under the sticky top bar."""
    bar = page.locator(".topbar").bounding_box()
    box = locator.bounding_box()
    return bar["y"] + bar["height"] <= box["y"] + 1 and box["y"] < page.viewport_size["height"]


def test_layout_keeps_the_toolbar_and_panel_in_sight(live_server, page, demo, shoot):
    service = Team.objects.get(slug="customer-service")
    now = timezone.now()
    for n in range(30):  # enough to scroll in compact rows too
        MentionFactory(team=service, text=f"{TABLETS} ({n})", published_at=now - timedelta(hours=n))
    last = MentionFactory(
        team=service,
        text=LEAK,
        author_handle="angry_ana",
        risk_score=80,
        published_at=now - timedelta(days=1),
    )
    sign_in(page, live_server, "social", demo)
    page.goto(f"{live_server.url}/inbox/?status=open")

    # Wide: halfway down the list, the sticky toolbar and panel stay below the sticky top bar.
    row(page, last).locator(".inbox-row__text").click()
    expect(panel(page).locator(".mention__text")).to_have_text(LEAK)
    page.evaluate("window.scrollTo(0, 600)")
    assert page.evaluate("window.scrollY") == 600
    toolbar = page.get_by_role("form", name="Act on the selected mentions")
    assert below_the_top_bar(page, toolbar), "the toolbar hides under the top bar"
    assert below_the_top_bar(page, panel(page)), "the panel's top hides under the top bar"

    # Narrow (a phone): one column, and an opened mention is brought into view.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/inbox/?status=open")
    expect(panel(page)).to_be_hidden()  # nothing open: no empty panel in the way
    shoot(page, "narrow-list")
    row(page, last).locator(".inbox-row__text").click()
    expect(panel(page).locator(".mention__text")).to_have_text(LEAK)
    expect(panel(page).locator(".mention__text")).to_be_in_viewport()
    title = panel(page).locator(".mention__title")
    assert below_the_top_bar(page, title)
    assert title.bounding_box()["y"] < 844 / 3, "the opened mention is not brought up"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    shoot(page, "narrow-panel")
    assert page.csp_violations == []
    assert page.server_errors == []


def test_hostile_mention_text_is_shown_literally_and_runs_nothing(live_server, page, demo, shoot):
    service = Team.objects.get(slug="customer-service")
    hostile = MentionFactory(
        team=service,
        text=HOSTILE,
        author_name='<img src=x onerror="window.__pwned = 4">',
        author_handle="<script>window.__pwned=5</script>",
        url="javascript:window.__pwned = 6",
        language="en",
        risk_score=90,
    )
    ReplyTemplate.objects.all().delete()
    ReplyTemplateFactory(name="Hello", language="en", body="Hi {author} ({case})")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server, "social", demo)
    page.goto(f"{live_server.url}/inbox/?status=open")

    line = row(page, hostile)
    expect(line.locator(".inbox-row__text")).to_have_text(HOSTILE)
    line.locator(".inbox-row__text").click()
    detail = panel(page).locator(f"[data-mention='{hostile.pk}']")
    expect(detail.locator(".mention__text")).to_have_text(HOSTILE)
    expect(detail.locator(".mention__title")).to_contain_text(
        '<img src=x onerror="window.__pwned = 4">'
    )
    settled(page)
    # The reply drafted from a template carries the handle as text too.
    press(page, "r")
    press(page, "ArrowDown")
    expect(detail.locator(f"#reply-body-{hostile.pk}")).to_have_value(
        f"Hi @<script>window.__pwned=5</script> (RD-{hostile.pk})"
    )
    shoot(page, "hostile")

    page.wait_for_timeout(500)  # time for anything injected to have run
    for where in (line, detail):
        assert where.locator("script").count() == 0
        assert where.locator("img").count() == 0
        assert where.locator("[onerror]").count() == 0
        assert where.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert page.csp_violations == []
    assert page.server_errors == []


def test_the_toolbar_pickers_load_when_the_toolbar_is_used(live_server, page, demo):
    """People and teams are not on the page: a keyboard user tabbing into the toolbar, or a
    row selected, loads them before they are needed; "Me" is there from the start."""
    service = Team.objects.get(slug="customer-service")
    security = Team.objects.get(slug="security")
    mention = MentionFactory(team=service, text=TABLETS, published_at=timezone.now())
    sign_in(page, live_server, "social", demo)
    page.goto(f"{live_server.url}/inbox/?status=open")
    social = User.objects.get(email=demo_email("social"))
    assignee = page.locator("#bulk-assignee option")
    expect(assignee).to_have_count(1)
    expect(assignee.first).to_have_text("Me")
    expect(page.locator("#bulk-team option[value]:not([disabled])")).to_have_count(0)

    # By keyboard: the focus reaches the toolbar's action picker, the choices load.
    page.locator("#bulk-action").focus()
    expect(page.locator("#bulk-team option", has_text=security.name)).to_have_count(1)
    expect(assignee.first).to_have_text("Me")
    assert assignee.first.get_attribute("value") == str(social.pk)
    assert assignee.count() > 1
    # A mouse user who picks "Assign to" and presses Apply takes the mentions: "Me" is chosen.
    expect(page.locator("#bulk-assignee")).to_have_value(str(social.pk))
    row(page, mention).locator(".inbox-row__select").check()
    page.locator("#bulk-action").select_option("team")
    expect(page.locator("#bulk-team")).to_be_visible()
    expect(page.locator("#bulk-assignee")).to_be_hidden()  # the fields stay as chosen
    page.locator("#bulk-team").select_option(label=security.name)
    page.locator("#bulk").get_by_role("button", name="Apply").click()
    expect(page.locator("#bulk-result")).to_have_text("Done for 1 mention.")
    mention.refresh_from_db()
    assert mention.team == security
    assert page.csp_violations == []
    assert page.server_errors == []
