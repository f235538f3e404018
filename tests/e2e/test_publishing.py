"""The social team plans a brand post in a real Chromium: writes it, previews it per network,
schedules it, finds it on the calendar and moves it to the next day with the keyboard."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from publishing.models import BrandPost, PostStatus
from tests.e2e.session import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
TEXT = "The Lumora Brew 3.2 update is out: quieter grinding and a new iced latte setting."
LINK = "https://www.lumora.example/brew-3-2"


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar drawn at the top
    page.screenshot(path=str(SHOTS / f"cal-{name}.png"), full_page=True)


def no_horizontal_overflow(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_social_writes_previews_schedules_and_moves_a_post(live_server, page, demo, shots):
    day = timezone.localdate() + timedelta(days=3)
    if day.weekday() == 6:  # keep the next day inside the month's grid
        day += timedelta(days=1)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server, "social", demo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Publishing").click()
    page.wait_for_url(f"{live_server.url}/publishing/")
    page.get_by_role("link", name="New post", exact=True).click()
    page.wait_for_url(re.compile(r".*/publishing/new/"))

    page.get_by_label("Title").fill("Brew 3.2 is out")
    page.get_by_label("Text").fill(TEXT)
    page.get_by_label("Link").fill(LINK)
    account = page.get_by_label(re.compile("@lumora on the demo network"))
    if not account.is_checked():
        account.check()
    page.get_by_label("Publish at").fill(f"{day.isoformat()}T09:30")

    # The preview follows the typing: Mastodon's count, the link card, legal not needed.
    preview = page.get_by_role("region", name="Preview")
    length = len(TEXT) + 2 + 23  # Mastodon counts a link as 23 characters
    expect(preview).to_contain_text(f"{length} / 500 characters")
    expect(preview.locator(".pub-linkcard__host")).to_have_text("lumora.example")
    expect(preview).to_contain_text("Legal does not need to approve it")
    snap(page, "form-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    snap(page, "form-390")
    assert no_horizontal_overflow(page)
    page.set_viewport_size({"width": 1440, "height": 900})

    page.get_by_role("button", name="Schedule").click()
    page.wait_for_url(re.compile(r".*/publishing/\d+/$"))
    expect(page.get_by_role("status").first).to_contain_text("Scheduled.")
    post = BrandPost.objects.get(title="Brew 3.2 is out")
    assert post.status == PostStatus.SCHEDULED
    assert timezone.localtime(post.scheduled_at).date() == day

    page.goto(f"{live_server.url}/publishing/?date={day.isoformat()}")
    cell = page.locator(f".pub-day[data-day='{day.isoformat()}']")
    chip = cell.locator(f".pub-chip[data-post='{post.pk}']")
    expect(chip).to_contain_text("09:30")
    expect(chip).to_contain_text("Scheduled")
    snap(page, "calendar-1440")

    chip.focus()
    page.keyboard.press("Alt+ArrowRight")
    next_day = day + timedelta(days=1)
    expect(page.locator("[data-announce]")).to_contain_text("moved to")
    moved = page.locator(
        f".pub-day[data-day='{next_day.isoformat()}'] .pub-chip[data-post='{post.pk}']"
    )
    expect(moved).to_be_visible()
    expect(moved).to_be_focused()
    post.refresh_from_db()
    assert timezone.localtime(post.scheduled_at).date() == next_day
    assert timezone.localtime(post.scheduled_at).strftime("%H:%M") == "09:30"
    assert post.version == 3  # created, scheduled, moved

    page.reload()
    expect(
        page.locator(
            f".pub-day[data-day='{next_day.isoformat()}'] .pub-chip[data-post='{post.pk}']"
        )
    ).to_be_visible()

    # With the mouse: dragged one more day (the week after, in the same grid).
    target_day = next_day + timedelta(days=7)
    target = page.locator(f".pub-day[data-day='{target_day.isoformat()}']")
    if target.count():
        page.locator(f".pub-chip[data-post='{post.pk}']").drag_to(target)
        expect(target.locator(f".pub-chip[data-post='{post.pk}']")).to_be_visible()
        post.refresh_from_db()
        assert timezone.localtime(post.scheduled_at).date() == target_day
        assert timezone.localtime(post.scheduled_at).strftime("%H:%M") == "09:30"
        page.keyboard.press("Tab")  # back where it was, by keyboard this time
        page.locator(f".pub-chip[data-post='{post.pk}']").focus()
        page.keyboard.press("Alt+ArrowUp")
        expect(
            page.locator(
                f".pub-day[data-day='{next_day.isoformat()}'] .pub-chip[data-post='{post.pk}']"
            )
        ).to_be_visible()
    page.goto(f"{live_server.url}/publishing/?view=week&date={next_day.isoformat()}")
    snap(page, "week-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/publishing/?date={next_day.isoformat()}")
    expect(page.locator(f".pub-chip[data-post='{post.pk}']")).to_be_visible()
    assert page.locator(".pub-weekdays").is_hidden()
    assert no_horizontal_overflow(page)
    snap(page, "calendar-390")
    page.goto(f"{live_server.url}/publishing/{post.pk}/")
    assert no_horizontal_overflow(page)
    snap(page, "post-390")
    shots(page, "post")
    assert page.csp_violations == []


def test_the_lead_lifts_a_freeze_and_the_held_posts_are_decided(live_server, page, demo):
    from accounts.models import User
    from incidents import freeze as freezes
    from incidents.models import Incident
    from publishing import services
    from publishing.demo import DRAFT_TITLE, MORNING_TITLE, SPONSORED_TITLE

    incident = Incident.objects.order_by("pk").first()
    freezes.freeze_start(actor=incident.lead, incident=incident, reason="Product recall")
    held = services.posts_hold_frozen()
    assert {p.title for p in BrandPost.objects.filter(pk__in=held)} == {
        SPONSORED_TITLE,
        MORNING_TITLE,
    }
    assert incident.lead == User.objects.get(email__startswith="manager")

    # The lead lifts the freeze on the incident's page and lands on the held posts.
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server, "manager", demo)
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    page.get_by_role("button", name="Lift the freeze").click()
    page.wait_for_url(f"{live_server.url}/publishing/held/")
    expect(page.get_by_role("status").first).to_contain_text(
        "decide what happens to the 2 held posts"
    )
    expect(page.get_by_role("button", name="Publish now")).to_have_count(0)  # managers read
    snap(page, "held-manager-1440")

    # The social team decides: the morning post at a new time, the sponsored one dropped.
    sign_in(page, live_server, "social", demo)
    page.goto(f"{live_server.url}/publishing/held/")
    morning = page.locator(".pub-held__item").filter(has_text=MORNING_TITLE)
    expect(morning).to_contain_text("Publishing is frozen by an incident")
    new_time = (timezone.localtime() + timedelta(days=2)).replace(hour=11, minute=0)
    morning.get_by_label("Reschedule to").fill(new_time.strftime("%Y-%m-%dT%H:%M"))
    snap(page, "held-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_overflow(page)
    snap(page, "held-390")
    page.set_viewport_size({"width": 1440, "height": 900})
    morning.get_by_role("button", name="Reschedule").click()
    expect(page.get_by_role("status").first).to_contain_text("scheduled at the new time")
    post = BrandPost.objects.get(title=MORNING_TITLE)
    assert post.status == PostStatus.SCHEDULED
    assert timezone.localtime(post.scheduled_at).strftime("%Y-%m-%d %H:%M") == new_time.strftime(
        "%Y-%m-%d %H:%M"
    )

    page.once("dialog", lambda dialog: dialog.accept())
    sponsored = page.locator(".pub-held__item").filter(has_text=SPONSORED_TITLE)
    sponsored.get_by_role("button", name="Drop").click()
    expect(page.get_by_text("No post is held.")).to_be_visible()
    assert BrandPost.objects.get(title=SPONSORED_TITLE).status == PostStatus.DROPPED
    assert BrandPost.objects.get(title=DRAFT_TITLE).status == PostStatus.DRAFT
    assert page.csp_violations == []


def test_the_preview_counts_cuts_and_names_legal_reasons(live_server, page, demo):
    from accounts.models import Team
    from connections.models import ConnectedAccount
    from offboarding.models import BrandAccount

    team = Team.objects.get(slug="social")
    for kind in ("x", "facebook"):
        brand = BrandAccount.objects.filter(platform=kind).first() or BrandAccount.objects.create(
            platform=kind, handle="lumora", display_name="Lumora"
        )
        account = ConnectedAccount(
            name=f"Lumora on {kind}", kind=kind, platform=kind, brand_account=brand
        )
        account.secret = {"access_token": "demo"}
        account.save()
        account.acting_teams.add(team)

    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server, "social", demo)
    page.goto(f"{live_server.url}/publishing/new/")
    page.get_by_label("Title").fill("Café Sol: the spring blend")
    long_text = (
        "#ad Spring at Café Sol: their new single-origin blend, brewed on the Lumora Brew, "
        "helps you lose weight while you sleep. " + "Come and taste it this weekend. " * 8
    )
    page.get_by_label("Text").fill(long_text)
    page.get_by_label("Link").fill("https://cafesol.example/spring")
    page.get_by_label(re.compile("Lumora on x")).check()
    page.get_by_label(re.compile("Lumora on facebook")).check()
    page.get_by_label("Sponsored").check()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.locator(".pub-net")).to_have_count(2)
    expect(preview.locator(".pub-count--over")).to_contain_text("280")
    expect(preview.locator(".pub-net--facebook .pub-net__more")).to_be_visible()
    expect(preview).to_contain_text("Sponsored")
    snap(page, "preview-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_overflow(page)
    snap(page, "preview-390")
    page.set_viewport_size({"width": 1440, "height": 900})

    # Without the preview's help, saving lists what is wrong.
    page.get_by_role("button", name="Save draft").click()
    errors = page.locator("#id_accounts_error")
    expect(errors).to_contain_text("X takes at most 280 characters")
    expect(errors).to_contain_text("one post per account")
    assert page.csp_violations == []


@pytest.fixture
def demo_network(settings):
    """The demo network the seeded @lumora publishes to: a fake that takes its token."""
    from respond.demo import DEMO_TOKEN
    from tests.fakes.mastodon import FakeMastodon

    with FakeMastodon(tokens=(DEMO_TOKEN,), me="lumora") as fake:
        settings.MONITORING_DEMO_NETWORK_URL = fake.url
        yield fake


def test_a_sponsored_post_is_approved_held_by_a_freeze_and_published_after_release(
    live_server, page, demo_network, demo
):
    """The whole story: the social team schedules a sponsored post, legal approves it, the
    incident lead freezes publishing and the post is held; the freeze lifted, the social team
    releases it and it goes out at its time, once, with legal's clearance."""
    import time_machine

    from compliance.models import PostStatus as LegalStatus
    from incidents.models import Incident
    from publishing import selectors, services

    text = "#ad Spring at Café Sol: the new single-origin blend, brewed on the Lumora Brew."
    when = (timezone.localtime() + timedelta(hours=3)).replace(second=0, microsecond=0)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server, "social", demo)
    page.goto(f"{live_server.url}/publishing/new/")
    page.get_by_label("Title").fill("Café Sol: spring blend")
    page.get_by_label("Text").fill(text)
    page.get_by_label(re.compile("@lumora on the demo network")).check()
    page.get_by_label("Publish at").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Sponsored").check()
    page.get_by_label("United States").check()
    expect(page.get_by_role("region", name="Preview")).to_contain_text("Sponsored")
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_url(re.compile(r".*/publishing/\d+/$"))
    post = BrandPost.objects.get(title="Café Sol: spring blend")
    review = post.clearance
    assert review.status == LegalStatus.SUBMITTED

    # Legal approves this exact content in compliance.
    sign_in(page, live_server, "legal", demo)
    page.goto(f"{live_server.url}/compliance/posts/{review.pk}/")
    page.get_by_role("region", name="Your decision").get_by_label("Comment").fill("Cleared.")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Cleared to publish")).to_be_visible()

    # The incident lead freezes publishing; the sweep holds the post.
    incident = Incident.objects.order_by("pk").first()
    sign_in(page, live_server, "manager", demo)
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    page.get_by_text("Freeze publishing", exact=True).first.click()
    page.locator("form[action$='/freeze/']").get_by_label("Reason").fill("Lookalike scam")
    page.locator("form[action$='/freeze/']").get_by_role("button").click()
    services.posts_hold_frozen()
    post.refresh_from_db()
    assert post.status == PostStatus.HELD
    page.get_by_role("button", name="Lift the freeze").click()
    page.wait_for_url(f"{live_server.url}/publishing/held/")

    # The social team releases it: it keeps the time legal approved.
    sign_in(page, live_server, "social", demo)
    page.goto(f"{live_server.url}/publishing/held/")
    item = page.locator(".pub-held__item").filter(has_text="Café Sol: spring blend")
    item.get_by_role("button", name="Publish at its time").click()
    expect(page.get_by_role("status").first).to_contain_text("goes out at its time")
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED

    with time_machine.travel(post.scheduled_at + timedelta(seconds=5)):
        for delivery_id in selectors.deliveries_due():
            services.delivery_send(delivery_id)
        assert selectors.deliveries_due() == []
    [status] = [s for s in demo_network.statuses if s["text"].startswith("#ad Spring")]
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.clearance.status == LegalStatus.PUBLISHED
    delivery = post.deliveries.get()
    assert delivery.network_id == status["uri"]
    page.goto(f"{live_server.url}/publishing/{post.pk}/")
    expect(page.get_by_role("link", name="See it on the network")).to_have_attribute(
        "href", delivery.network_url
    )
    assert page.csp_violations == []
