"""Replying and moderating from the mention's panel, as the social team does."""

import pytest

from inbox.models import MentionReply
from respond import services
from respond.models import ModerationAction

pytestmark = pytest.mark.django_db


def test_the_panel_offers_the_accounts_the_person_may_send_as(client_for, support, greg):
    offered = f'<option value="{support.pk}">{support.brand_account} · Mastodon</option>'
    page = client_for("social").get(f"/inbox/{greg.pk}/")
    assert offered in page.content.decode()

    support.acting_people.clear()
    page = client_for("social").get(f"/inbox/{greg.pk}/")
    assert offered not in page.content.decode()
    assert "You may not send as any connected account" in page.content.decode()


def test_a_reply_sent_from_the_panel_shows_in_the_conversation_with_its_state(
    client_for, support, greg, mastodon, queued
):
    browser = client_for("social")
    browser.post(
        f"/inbox/{greg.pk}/reply/",
        {"body": "We are <b>on it</b>", "account": support.pk},
        HTTP_HX_REQUEST="true",
    )
    reply = MentionReply.objects.get()
    assert reply.state == "queued"
    services.reply_send(reply.pk)

    page = browser.get(f"/inbox/{greg.pk}/").content.decode()
    assert 'data-reply-state="sent"' in page
    assert "We are &lt;b&gt;on it&lt;/b&gt;" in page  # the brand's text is escaped too
    assert reply.__class__.objects.get().network_url in page


def test_someone_else_cannot_send_as_an_account_by_forging_its_id(
    client_for, support, greg, user_for
):
    support.acting_people.clear()
    response = client_for("social").post(
        f"/inbox/{greg.pk}/reply/", {"body": "Hi", "account": support.pk}, HTTP_HX_REQUEST="true"
    )
    assert "You may not send as this account" in response.content.decode()
    assert not MentionReply.objects.exists()


def test_a_report_from_the_panel(client_for, support, greg, mastodon):
    client_for("social").post(
        f"/inbox/{greg.pk}/moderate/",
        {"action": "report", "account": support.pk, "reason": "Fake support account"},
        HTTP_HX_REQUEST="true",
    )
    record = ModerationAction.objects.get()
    assert record.outcome == "done"
    assert mastodon.reports[-1]["comment"] == "Fake support account"


def test_the_demo_network_shows_what_the_brand_posted(support, greg, mastodon, queued):
    import httpx

    from inbox import services as inbox_services

    reply = inbox_services.mention_reply(
        actor=support.acting_people.get(),
        mention=greg,
        body="<script>x</script> fixed",
        account=support,
    )
    sent = services.reply_send(reply.pk)

    page = httpx.get(sent.network_url)
    assert page.status_code == 200
    assert "&lt;script&gt;x&lt;/script&gt; fixed" in page.text
    assert httpx.get(f"{mastodon.url}/").text.count("<article>") >= 2
