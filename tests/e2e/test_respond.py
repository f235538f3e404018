"""Responding on the networks from the inbox, in a real Chromium: a public reply, a move to
private messages and a hidden comment, each step in the conversation."""

import pytest
from playwright.sync_api import expect

from accounts.demo import demo_email
from accounts.models import Team, User
from connections.models import ConnectedAccount
from inbox.models import MentionReply
from monitoring.models import Mention, MentionStatus
from offboarding.models import BrandAccount
from respond import selectors, services
from respond.models import ModerationAction
from tests.e2e.session import sign_in
from tests.e2e.test_inbox import panel, press, row, settled
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.meta_graph import PAGE_ID, TOKEN, FakeMetaGraph
from tests.monitoring.factories import MentionFactory
from tests.respond.test_publisher_facebook import stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def networks(settings):
    with (
        FakeMastodon(tokens=("demo-lumora-token",), me="lumora") as mastodon,
        FakeMetaGraph() as graph,
    ):
        settings.MONITORING_DEMO_NETWORK_URL = mastodon.url
        yield mastodon, graph


def worker():
    """What the Celery worker does, here in the test: send every reply that is due."""
    for reply_id in selectors.replies_due():
        services.reply_send(reply_id)


def test_social_replies_moves_to_private_and_hides_a_comment_by_keyboard(
    live_server, page, networks, demo, shots
):
    mastodon, graph = networks
    social = User.objects.get(email=demo_email("social"))
    team = Team.objects.get(slug="social")
    greg_status = mastodon.post(
        "Does the #lumora Brew work without an account?",
        account=mastodon.account("greg@fosstodon.example", "Greg H."),
    )
    greg = MentionFactory(
        platform="mastodon",
        external_id=greg_status["uri"],
        text="Does the #lumora Brew work without an account?",
        author_handle="@greg@fosstodon.example",
        author_name="Greg H.",
        raw=greg_status,
        team=team,
    )
    page_brand = BrandAccount.objects.get(platform="facebook", handle="lumora")
    page_brand.platform_id = PAGE_ID
    page_brand.save()
    facebook = ConnectedAccount(
        name="Lumora Page",
        kind="facebook",
        platform="facebook",
        base_url=graph.url,
        brand_account=page_brand,
        allowed_hosts=["127.0.0.1"],
    )
    facebook.secret = {"access_token": TOKEN}
    facebook.save()
    facebook.acting_teams.add(team)
    post = graph.page_post("The Lumora Brew 3.2 update is out")
    spam = stored(graph.page_comment(post["id"], "Free machines at lumora-gift.example!!"), post)
    Mention.objects.filter(pk=spam.pk).update(team=team, author_name="Spam Bot")

    sign_in(page, live_server, "social", demo)
    page.goto(f"{live_server.url}/inbox/?status=open")
    expect(row(page, greg)).to_be_visible()

    # A public reply to Greg, as @lumora, by keyboard.
    row(page, greg).locator("a").first.click()
    # The panel shows Greg before `r`: a key pressed while the click's request is still on
    # its way opens the reply box in a panel that the click's answer then replaces.
    expect(panel(page).locator(f'[data-mention="{greg.pk}"]')).to_have_count(1)
    settled(page)
    press(page, "r")
    body = panel(page).locator(f"#reply-body-{greg.pk}")
    body.fill("Yes: local mode works without an account.")
    expect(panel(page).locator(f"#reply-account-{greg.pk}")).to_contain_text("lumora")
    body.focus()
    press(page, "Tab")
    expect(panel(page).locator("[data-panel-send]")).to_be_focused()
    press(page, "Enter")
    expect(panel(page).locator('[data-reply-state="queued"]')).to_be_visible()
    worker()
    page.goto(f"{live_server.url}/inbox/{greg.pk}/")
    sent = panel(page).locator('[data-reply-state="sent"]')
    expect(sent).to_contain_text("Yes: local mode works without an account.")
    expect(sent.get_by_role("link", name="See it on the network")).to_be_visible()
    shots(page, "reply-sent")
    reply = MentionReply.objects.get(mention=greg)
    assert mastodon.find(reply.answer["id"])["in_reply_to_id"] == greg_status["id"]

    # Then to private: a direct message to Greg; the mention waits for his answer.
    press(page, "r")
    panel(page).locator("[data-panel-private]").check()
    panel(page).locator(f"#reply-body-{greg.pk}").fill("Could you send us your serial number?")
    panel(page).locator("[data-panel-send]").click()
    settled(page)
    worker()
    page.goto(f"{live_server.url}/inbox/{greg.pk}/")
    expect(panel(page).locator('[data-reply-state="sent"]')).to_have_count(2)
    expect(panel(page).locator(".thread__post--sent").last).to_contain_text("private message")
    direct = [s for s in mastodon.statuses if s.get("visibility") == "direct"]
    assert direct[0]["text"].startswith("@greg@fosstodon.example Could you send")
    assert Mention.objects.get(pk=greg.pk).status == MentionStatus.WAITING

    # Hide the spam comment on the Page, by keyboard: m, the action, the reason, Enter.
    page.goto(f"{live_server.url}/inbox/{spam.pk}/")
    press(page, "m")
    action = panel(page).locator(f"#moderate-action-{spam.pk}")
    expect(action).to_be_focused()
    action.select_option("hide")
    press(page, "Tab")
    press(page, "Tab")
    page.keyboard.type("Phishing link to a fake giveaway")
    press(page, "Tab")
    press(page, "Enter")
    expect(panel(page).locator(".mention__history")).to_contain_text(
        "Phishing link to a fake giveaway"
    )
    shots(page, "comment-hidden")
    record = ModerationAction.objects.get(mention=spam)
    assert (record.action, record.outcome, record.actor) == ("hide", "done", social)
    assert graph.moderated == [(spam.external_id, True)]
