"""Responding on the networks: the outbox that sends replies exactly once, and moderation.

A reply is saved first (`reply_queue`, state queued) and sent after the commit by a worker
(`reply_send`), through the publisher of the connected account it is sent as:

- **the gates**, checked when it is queued and again when it is sent: the person may act
  as the account (`connected_account.act`); the account acts on the mention's network;
  the network takes the text (its length limit, named, and private messages where it has
  them); and no publishing freeze is active, unless the reply is a holding statement legal
  cleared, word for word;
- **never twice**: every attempt sends the reply's `key`. A network that recognises a
  repeated key (`idempotent`: Mastodon's Idempotency-Key, Bluesky's record key) is simply
  asked again; for the others an attempt after one whose outcome is unknown first looks for
  the post (`find_sent`). An attempt claims the reply for a lease (respond.outbox): a
  worker killed between the network's answer and the database write leaves it "sending",
  and the sweep
  (respond.selectors.replies_due) takes it up again once the lease is over, the same way;
- **retries**: timeouts, 5xx and unreadable answers are retried with backoff up to
  `outbox.MAX_ATTEMPTS`, a rate limit when the network says (the sweep sends them when due);
  a refusal (a revoked token, a deleted post, a text the network rejects) fails at once
  with the network's words.

Sent, the reply is the mention's first response (its SLA clock stops at the send) and a
line of its history; when the brand's post comes back through a stream it is matched to
the reply (`sent_replies_match`), not stored as a new mention.

Moderation (`moderate`): hide or show a comment again, delete the brand's reply, report an
account; audited with the reason and the network's answer. Where the network has no API
for it, riskdesk records the request and gives the network's own page.
"""

import logging
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from connections.models import ConnectedAccount
from inbox.models import MentionEvent, MentionReply, ReplyState
from monitoring.connectors.base import (
    ConnectorError,
    http_client,
)
from monitoring.models import CLOSED_STATUSES, Mention, MentionStatus
from monitoring.selectors import in_values
from respond import outbox
from respond.models import ModerationAction
from respond.publishers import get_publisher
from respond.publishers.base import NotSupported, Sent
from riskdesk.audit import audit_record
from riskdesk.jobs import enqueue_on_commit
from riskdesk.permissions import can, require

logger = logging.getLogger(__name__)

HANDLES_ONLY = re.compile(r"\s*(?:@[\w.@-]+\s+)*")  # what may come before a statement: @names


# --- The gates ------------------------------------------------------------------------


def _publisher_class(account: ConnectedAccount):
    try:
        return get_publisher(account.kind)
    except LookupError as exc:
        raise ValidationError({"account": str(exc)}) from None


def text_problem(account: ConnectedAccount, body: str, *, private: bool) -> str | None:
    """Why the network would refuse `body` from `account`, before anything is sent."""
    publisher = _publisher_class(account)
    if private and not publisher.can_message:
        return _("%(network)s has no private messages riskdesk can send.") % {
            "network": publisher.label
        }
    # Counting needs no connection: a bare instance of the class counts as the network does.
    length = publisher.length(object.__new__(publisher), body)
    if publisher.max_length and length > publisher.max_length:
        return _(
            "%(network)s takes at most %(limit)d characters in a post; this reply has "
            "%(length)d as %(network)s counts them."
        ) % {"network": publisher.label, "limit": publisher.max_length, "length": length}
    return None


def freeze_problem(body: str, statement) -> str | None:
    """Why the active publishing freeze stops this reply, or None (no freeze, or the reply
    is a holding statement legal cleared, word for word, after the author's handle)."""
    from incidents.freeze import current_freeze

    freeze = current_freeze()
    if freeze is None:
        return None
    if statement is not None and statement.is_cleared:
        said = statement.text.strip()
        text = body.strip()
        if text.endswith(said) and HANDLES_ONLY.fullmatch(text[: -len(said)]):
            return None
    return _(
        "Publishing is frozen by incident %(incident)s (%(reason)s): only a holding statement "
        "legal has cleared can be sent, word for word."
    ) % {"incident": freeze.incident, "reason": freeze.reason}


def _check_gates(actor, account, mention, body, private, statement) -> None:
    require(actor, "connected_account.act", account)
    if mention.platform not in (account.platform, account.kind) or account.brand_account_id is None:
        raise ValidationError(
            {
                "account": _("%(account)s does not act on %(network)s.")
                % {"account": account, "network": mention.get_platform_display()}
            }
        )
    problem = text_problem(account, body, private=private)
    if problem:
        raise ValidationError({"body": problem})
    problem = freeze_problem(body, statement)
    if problem:
        raise ValidationError({"body": problem})


# --- The outbox -----------------------------------------------------------------------


def reply_queue(
    *,
    actor,
    mention: Mention,
    body: str,
    account: ConnectedAccount,
    private=False,
    template=None,
    statement=None,
) -> MentionReply:
    """Save a reply to send as `account` (the caller has checked triage and visibility);
    the worker sends it once the transaction commits."""
    _check_gates(actor, account, mention, body, private, statement)
    reply = MentionReply.objects.create(
        mention=mention,
        template=template,
        body=body,
        private=private,
        drafted_by=actor,
        sent_by=actor,
        account=account,
        statement=statement,
        publisher=account.kind,
        state=ReplyState.QUEUED,
        next_attempt_at=timezone.now(),
    )
    MentionEvent.objects.create(
        mention=mention,
        actor=actor,
        kind=MentionEvent.Kind.REPLY,
        text=body,
        data={"reply": reply.pk, "private": private, "state": "queued", "account": str(account)},
    )
    audit_record(
        actor=actor,
        verb="mention.reply_queue",
        target=mention,
        after={"reply": reply.pk, "account": account.pk, "private": private},
    )
    _enqueue(reply.pk)
    return reply


def _enqueue(reply_id: int) -> None:
    """An attempt after the commit; the beat sweep (`replies_due`) covers a lost one."""
    enqueue_on_commit("respond.tasks.send_reply", (reply_id,), robust=True)


def reply_send(reply_id: int) -> MentionReply | None:
    """One attempt at sending a queued reply (see the module). Returns it, or None when
    it is not due or another worker holds it."""
    queryset = MentionReply.objects.select_related("account", "mention", "statement", "sent_by")
    claimed = outbox.claim(queryset, reply_id)
    if claimed is None:
        return None
    reply, uncertain = claimed
    problem = _send_time_problem(reply)
    if problem:
        return _failed(reply, problem)
    with http_client() as client:
        publisher = get_publisher(reply.account.kind)(reply.account, client)
        send = publisher.message if reply.private else publisher.reply
        outcome = outbox.attempt(
            send=lambda: send(mention=reply.mention, body=reply.body, key=str(reply.key)),
            find=None
            if publisher.idempotent
            else lambda: publisher.find_sent(
                mention=reply.mention, body=reply.body, private=reply.private, key=str(reply.key)
            ),
            uncertain=uncertain,
        )
    if outcome.sent is not None:
        return _record_sent(reply, outcome.sent)
    when = outbox.retry_when(outcome, reply.attempts)
    if when is None:
        return _failed(reply, outbox.gave_up(outcome, reply.attempts))
    MentionReply.objects.filter(pk=reply.pk, state=ReplyState.SENDING).update(
        state=ReplyState.QUEUED, next_attempt_at=when, claimed_until=None, error=outcome.error
    )
    reply.refresh_from_db()
    return reply  # the sweep sends it again once `when` has come


def _send_time_problem(reply: MentionReply) -> str | None:
    """The gates again, as they stand now: a freeze started, a permission withdrawn."""
    if reply.sent_by is None or not can(reply.sent_by, "connected_account.act", reply.account):
        return _("%(person)s may no longer send as %(account)s.") % {
            "person": reply.sent_by or _("The person who wrote it"),
            "account": reply.account,
        }
    return text_problem(reply.account, reply.body, private=reply.private) or freeze_problem(
        reply.body, reply.statement
    )


@transaction.atomic
def _failed(reply: MentionReply, error: str) -> MentionReply:
    reply = MentionReply.objects.select_for_update().get(pk=reply.pk)
    reply.state, reply.error, reply.claimed_until = ReplyState.FAILED, error, None
    reply.save(update_fields=["state", "error", "claimed_until"])
    MentionEvent.objects.create(
        mention_id=reply.mention_id,
        kind=MentionEvent.Kind.REPLY,
        text=reply.body,
        data={"reply": reply.pk, "state": "failed", "error": error},
    )
    audit_record(
        actor=None,
        verb="mention.reply_failed",
        target=reply.mention,
        after={"reply": reply.pk, "error": error, "attempts": reply.attempts},
    )
    return reply


@transaction.atomic
def _record_sent(reply: MentionReply, sent: Sent) -> MentionReply:
    now = timezone.now()
    reply = MentionReply.objects.select_for_update().get(pk=reply.pk)
    reply.state, reply.sent_at, reply.claimed_until, reply.error = ReplyState.SENT, now, None, ""
    reply.network_id, reply.network_url, reply.answer = sent.network_id, sent.url, sent.answer
    reply.save(
        update_fields=[
            "state",
            "sent_at",
            "claimed_until",
            "error",
            "network_id",
            "network_url",
            "answer",
        ]
    )
    mention = Mention.objects.select_for_update().get(pk=reply.mention_id)
    before = answered(mention, now, private=reply.private)
    MentionEvent.objects.create(
        mention=mention,
        kind=MentionEvent.Kind.REPLY,
        text=reply.body,
        data={"reply": reply.pk, "state": "sent", "url": sent.url, "private": reply.private},
    )
    audit_record(
        actor=None,
        verb="mention.reply_sent",
        target=mention,
        before=before,
        after={
            "reply": reply.pk,
            "network_id": sent.network_id,
            "status": mention.status,
            "first_response_at": mention.first_response_at,
        },
    )
    return reply


def answered(mention: Mention, at, *, private: bool) -> dict:
    """The brand answered `mention` at `at` (sent here, or recorded as posted by hand): its
    first response, and it moves to in progress, or waits for the author's private message,
    unless closed. Saved; returns what it was before."""
    before = {"status": mention.status, "first_response_at": mention.first_response_at}
    mention.first_response_at = mention.first_response_at or at
    if mention.status not in CLOSED_STATUSES:
        mention.status = MentionStatus.WAITING if private else MentionStatus.IN_PROGRESS
    Mention.objects.filter(pk=mention.pk).update(
        first_response_at=mention.first_response_at, status=mention.status, updated_at=Now()
    )
    return before


@transaction.atomic
def reply_retry(*, actor, reply: MentionReply) -> MentionReply:
    """Send a failed reply again, after the person fixed what stopped it."""
    require(actor, "mention.triage")
    reply = (
        MentionReply.objects.select_for_update(of=("self",))
        .select_related("mention", "account")
        .get(pk=reply.pk)
    )
    if reply.state != ReplyState.FAILED:
        raise ValidationError(_("Only a failed reply can be sent again."))
    _check_gates(actor, reply.account, reply.mention, reply.body, reply.private, reply.statement)
    reply.state, reply.next_attempt_at, reply.sent_by = ReplyState.QUEUED, timezone.now(), actor
    reply.save(update_fields=["state", "next_attempt_at", "sent_by"])
    audit_record(
        actor=actor, verb="mention.reply_retry", target=reply.mention, after={"reply": reply.pk}
    )
    _enqueue(reply.pk)
    return reply


# --- The brand's post coming back -----------------------------------------------------


def sent_replies_match(batch: list) -> None:
    """Pipeline step (first): a post a stream brings back that riskdesk sent is the reply
    it already holds, not a new mention: it leaves the batch (counted as a duplicate) and
    the reply records when it was seen on the network."""
    ids: dict[str, list] = {}
    for mention in batch:
        ids.setdefault(mention.external_id, []).append(mention)
    if not ids:
        return
    sent = (
        MentionReply.objects.filter(in_values(MentionReply, "network_id", ids))
        .filter(state__in=[ReplyState.SENT, ReplyState.DELETED])
        .values_list("pk", "network_id", "mention__platform")
    )
    matched = {(platform, network_id): pk for pk, network_id, platform in sent}
    if not matched:
        return
    seen = [m for m in batch if m.key in matched]
    MentionReply.objects.filter(pk__in=[matched[m.key] for m in seen], seen_at__isnull=True).update(
        seen_at=timezone.now()
    )
    batch[:] = [m for m in batch if m.key not in matched]


# --- Moderation -----------------------------------------------------------------------


def moderate(
    *,
    actor,
    mention: Mention,
    action: str,
    reason: str,
    account: ConnectedAccount,
    reply: MentionReply | None = None,
) -> ModerationAction:
    """Hide, show again, delete the brand's reply, or report the author (see the module).

    The network is called outside any transaction; its answer, success or refusal, is
    recorded with the reason and audited."""
    Action = ModerationAction.Action
    require(actor, "mention.moderate")
    require(actor, "connected_account.act", account)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why: it is kept with the action.")})
    if action not in Action.values:
        raise ValidationError({"action": _("Unknown moderation action.")})
    if action == Action.DELETE_REPLY and (
        reply is None or reply.mention_id != mention.pk or reply.state != ReplyState.SENT
    ):
        raise ValidationError({"reply": _("Choose a reply the brand sent to this mention.")})
    if mention.platform not in (account.platform, account.kind):
        raise ValidationError({"account": _("This account does not act on that network.")})
    publisher_class = _publisher_class(account)
    outcome, summary, answer, page = ModerationAction.Outcome.DONE, "", {}, ""
    with http_client() as client:
        publisher = publisher_class(account, client)
        try:
            if action in (Action.HIDE, Action.UNHIDE):
                done = publisher.hide(mention=mention, hidden=action == Action.HIDE)
            elif action == Action.DELETE_REPLY:
                done = publisher.delete(network_id=reply.network_id)
            else:
                done = publisher.report(mention=mention, comment=reason)
            summary, answer = done.summary, done.answer
        except NotSupported as exc:
            if action != Action.REPORT or not publisher.report_page_url:
                raise ValidationError({"action": str(exc)}) from None
            outcome, page = ModerationAction.Outcome.BY_HAND, publisher.report_page(mention=mention)
            summary = _("No report API: finish the report on the network's page.")
        except ConnectorError as exc:
            outcome, summary = ModerationAction.Outcome.FAILED, exc.message
    return _record_moderation(
        actor, mention, action, reason, account, reply, outcome, summary, answer, page
    )


@transaction.atomic
def _record_moderation(
    actor, mention, action, reason, account, reply, outcome, summary, answer, page
) -> ModerationAction:
    record = ModerationAction.objects.create(
        mention=mention,
        reply=reply,
        account=account,
        action=action,
        reason=reason,
        outcome=outcome,
        summary=summary,
        answer=answer,
        page_url=page,
        actor=actor,
    )
    if outcome == ModerationAction.Outcome.DONE and action == ModerationAction.Action.DELETE_REPLY:
        MentionReply.objects.filter(pk=reply.pk).update(state=ReplyState.DELETED)
    MentionEvent.objects.create(
        mention=mention,
        actor=actor,
        kind=MentionEvent.Kind.MODERATED,
        text=reason,
        data={"moderation": record.pk, "action": action, "outcome": outcome, "summary": summary},
    )
    Mention.objects.filter(pk=mention.pk).update(updated_at=Now())
    audit_record(
        actor=actor,
        verb=f"mention.{action}",
        target=mention,
        after={
            "moderation": record.pk,
            "outcome": outcome,
            "reason": reason,
            "answer": answer,
            "summary": summary,
            "account": account.pk,
        },
    )
    if outcome == ModerationAction.Outcome.FAILED:
        logger.info("moderation %s refused by the network: %s", record.pk, summary)
    return record
