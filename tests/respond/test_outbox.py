"""The outbox: a reply saved, then sent once through the network, whatever fails between."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from inbox import services as inbox_services
from inbox.models import MentionEvent, MentionReply, ReplyState
from incidents.freeze import freeze_start
from incidents.models import HoldingStatement
from monitoring.connectors.mastodon import MastodonConnector
from monitoring.models import Mention
from monitoring.pipeline import ingest
from respond import outbox, selectors, services
from riskdesk.models import AuditEvent
from tests.fakes.base import Fault
from tests.incidents.factories import IncidentFactory
from tests.monitoring.factories import MentionFactory, StreamFactory
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db


def _reply(actor, mention, account, body="We are on it, sorry.", **kwargs):
    return inbox_services.mention_reply(
        actor=actor, mention=mention, body=body, account=account, **kwargs
    )


def _posted(mastodon, text):
    return [s for s in mastodon.statuses if s.get("text", "").endswith(text)]


def test_a_reply_is_saved_then_sent_once_and_is_the_first_response(
    mastodon, support, greg, social_user, queued
):
    reply = _reply(social_user, greg, support)
    assert reply.state == ReplyState.QUEUED
    assert queued == [reply.pk]
    assert not _posted(mastodon, "sorry.")

    sent = services.reply_send(reply.pk)

    assert sent.state == ReplyState.SENT
    [status] = _posted(mastodon, "sorry.")
    assert sent.network_id == status["uri"]
    assert sent.network_url == f"{mastodon.url}/@acme/{status['id']}"
    assert status["in_reply_to_id"] == greg.raw["id"]
    mention = Mention.objects.get(pk=greg.pk)
    assert mention.first_response_at == sent.sent_at
    assert mention.status == "in_progress"
    states = MentionEvent.objects.filter(kind="reply").values_list("data__state", flat=True)
    assert list(states) == ["sent", "queued"]
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"mention.reply_queue", "mention.reply_sent"} <= verbs
    assert services.reply_send(reply.pk) is None  # sent: nothing more to do
    assert len(_posted(mastodon, "sorry.")) == 1


def test_a_timeout_after_the_network_posted_is_retried_without_posting_twice(
    mastodon, support, greg, social_user, queued
):
    reply = _reply(social_user, greg, support)
    mastodon.inject(Fault(delay=0.8, after=True, match="/statuses"))

    first = services.reply_send(reply.pk)

    assert first.state == ReplyState.QUEUED
    assert "did not answer" in first.error
    assert first.next_attempt_at > timezone.now()
    assert len(_posted(mastodon, "sorry.")) == 1  # the network did take it

    MentionReply.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
    again = services.reply_send(reply.pk)

    assert again.state == ReplyState.SENT
    assert again.attempts == 2
    assert len(_posted(mastodon, "sorry.")) == 1
    assert again.network_id == _posted(mastodon, "sorry.")[0]["uri"]


def test_a_worker_killed_between_the_answer_and_the_write_never_posts_twice(
    mastodon, support, greg, social_user, queued, monkeypatch
):
    reply = _reply(social_user, greg, support)

    def killed(reply, sent):
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(services, "_record_sent", killed)
        with pytest.raises(SystemExit):
            services.reply_send(reply.pk)
    held = MentionReply.objects.get(pk=reply.pk)
    assert held.state == ReplyState.SENDING
    assert len(_posted(mastodon, "sorry.")) == 1
    assert reply.pk not in selectors.replies_due()  # the lease still runs
    assert services.reply_send(reply.pk) is None  # nobody else takes it meanwhile

    MentionReply.objects.filter(pk=reply.pk).update(claimed_until=timezone.now() - timedelta(1))
    assert selectors.replies_due() == [reply.pk]
    done = services.reply_send(reply.pk)

    assert done.state == ReplyState.SENT
    assert len(_posted(mastodon, "sorry.")) == 1


def test_a_refusal_fails_at_once_with_the_networks_words(
    mastodon, support, greg, social_user, queued
):
    reply = _reply(social_user, greg, support)
    mastodon.statuses.clear()  # the post was deleted meanwhile

    failed = services.reply_send(reply.pk)

    assert failed.state == ReplyState.FAILED
    assert "no longer has this post" in failed.error
    assert AuditEvent.objects.filter(verb="mention.reply_failed").exists()
    assert Mention.objects.get(pk=greg.pk).first_response_at is None


def test_server_errors_back_off_then_give_up(mastodon, support, greg, social_user, queued):
    reply = _reply(social_user, greg, support)
    for _attempt in range(outbox.MAX_ATTEMPTS):
        mastodon.inject(Fault(status=503, body="down", times=3, match="/statuses"))
        MentionReply.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
        reply = services.reply_send(reply.pk)
    assert reply.state == ReplyState.FAILED
    assert "gave up after 8 attempts" in reply.error
    assert not _posted(mastodon, "sorry.")


def test_a_rate_limit_waits_until_the_network_says(mastodon, support, greg, social_user, queued):
    reply = _reply(social_user, greg, support)
    reset = "2030-01-01T00:00:00.000000Z"
    mastodon.inject(
        Fault(
            status=429,
            body={"error": "Too many requests"},
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
            match="/statuses",
        )
    )

    waiting = services.reply_send(reply.pk)

    assert waiting.state == ReplyState.QUEUED
    assert "rate limit" in waiting.error
    assert waiting.next_attempt_at.year == 2030
    assert reply.pk not in selectors.replies_due()


# --- The gates --------------------------------------------------------------------------


def test_only_people_listed_on_the_account_send_as_it(support, greg, queued):
    from tests.accounts.factories import UserFactory

    other = UserFactory(roles=["social"])
    with pytest.raises(PermissionDenied):
        _reply(other, greg, support)
    support.acting_teams.add(_team_with(other))
    assert _reply(other, greg, support).state == ReplyState.QUEUED


def test_a_role_that_does_not_act_is_refused_even_when_listed(support, greg, user_for):
    legal = user_for("legal")
    support.acting_people.add(legal)
    with pytest.raises(PermissionDenied):
        _reply(legal, greg, support)


def _team_with(user):
    from tests.accounts.factories import TeamFactory, TeamMembershipFactory

    team = TeamFactory()
    TeamMembershipFactory(team=team, user=user)
    return team


def test_a_reply_longer_than_the_network_takes_is_refused_before_sending(
    support, greg, social_user
):
    with pytest.raises(ValidationError, match="at most 500 characters"):
        _reply(social_user, greg, support, body="x" * 501)
    assert not MentionReply.objects.exists()


def test_an_account_on_another_network_cannot_answer(support, social_user):
    tweet = MentionFactory(platform="x")
    with pytest.raises(ValidationError, match="does not act on X"):
        _reply(social_user, tweet, support)


def test_a_freeze_blocks_replies_except_a_cleared_holding_statement(
    mastodon, support, greg, social_user, manager_user, queued
):
    incident = IncidentFactory(severity=1)
    freeze_start(actor=manager_user, incident=incident, reason="Firmware recall")
    with pytest.raises(ValidationError, match="Publishing is frozen"):
        _reply(social_user, greg, support)

    statement = HoldingStatement.objects.create(
        incident=incident, title="Holding", text="We are investigating and will update soon."
    )
    with pytest.raises(ValidationError, match="Publishing is frozen"):  # not cleared yet
        _reply(social_user, greg, support, body=statement.text, statement=statement)
    statement.state, statement.approved_digest = "approved", statement.digest()
    statement.save()

    reply = _reply(social_user, greg, support, body=f"@greg {statement.text}", statement=statement)
    assert services.reply_send(reply.pk).state == ReplyState.SENT


def test_a_freeze_started_after_queueing_stops_the_send(
    mastodon, support, greg, social_user, manager_user, queued
):
    reply = _reply(social_user, greg, support)
    freeze_start(actor=manager_user, incident=IncidentFactory(severity=1), reason="Recall")

    stopped = services.reply_send(reply.pk)

    assert stopped.state == ReplyState.FAILED
    assert "frozen" in stopped.error
    assert not _posted(mastodon, "sorry.")


def test_a_failed_reply_can_be_sent_again(mastodon, support, greg, social_user, queued):
    reply = _reply(social_user, greg, support)
    support.secret = {"access_token": "revoked"}
    support.save()
    assert services.reply_send(reply.pk).state == ReplyState.FAILED

    support.secret = {"access_token": "good-token"}
    support.save()
    services.reply_retry(actor=social_user, reply=reply)
    assert services.reply_send(reply.pk).state == ReplyState.SENT


# --- The brand's post coming back ---------------------------------------------------------


def test_the_sent_reply_coming_back_through_the_stream_is_not_a_new_mention(
    mastodon, support, greg, social_user, queued, http
):
    reply = services.reply_send(_reply(social_user, greg, support, body="Fixed in #acme 3.2.1").pk)
    stream = StreamFactory(connector="mastodon", base_url=mastodon.url, options={"hashtag": "acme"})
    page = MastodonConnector(stream, http).fetch({})
    keys = {m.external_id for m in page.mentions}
    assert reply.network_id in keys

    result = ingest(page.mentions, stream=stream)

    assert not Mention.objects.filter(platform="mastodon", external_id=reply.network_id).exists()
    assert ("mastodon", reply.network_id) in result.duplicates
    assert MentionReply.objects.get(pk=reply.pk).seen_at is not None


# --- A network that allows one private reply per comment -----------------------------------


def test_a_lost_private_reply_on_instagram_counts_as_sent_not_twice(connected, social_user, queued):
    from tests.fakes.meta_graph import TOKEN, FakeMetaGraph
    from tests.respond.test_publisher_instagram import MEDIA, stored

    with FakeMetaGraph() as graph:
        brand = BrandAccountFactory(platform="instagram", handle="acme")
        account = connected(
            "instagram",
            platform="instagram",
            base_url=graph.url,
            brand_account=brand,
            secret={"access_token": TOKEN},
        )
        account.acting_people.add(social_user)
        sam = stored(graph.ig_comment(MEDIA, "@acme where is my refund?", username="sam.doe"))
        reply = _reply(social_user, sam, account, body="Your order number?", private=True)
        graph.inject(Fault(delay=0.8, after=True, match="/messages"))

        assert services.reply_send(reply.pk).state == ReplyState.QUEUED
        assert len(graph.messages) == 1
        MentionReply.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
        done = services.reply_send(reply.pk)

        assert done.state == ReplyState.SENT
        assert "one private reply" in done.answer["unconfirmed"]
        assert len(graph.messages) == 1
