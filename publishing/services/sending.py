"""Sending a post's deliveries through the publishers, the gates checked at that moment."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance import services as compliance
from compliance.models import PostStatus as LegalStatus
from inbox.models import ReplyState
from incidents import freeze as freezes
from monitoring.connectors.base import http_client
from publishing.models import BrandPost, Delivery, PostStatus
from publishing.services.legal import hold_for
from publishing.services.posts import hold, lock
from respond import outbox
from respond.publishers import get_publisher
from respond.services import text_problem
from riskdesk.audit import audit_record
from riskdesk.permissions import can

logger = logging.getLogger(__name__)


def _start(delivery_id: int):
    """The gates at the moment of sending, then the claim: (delivery, uncertain) or None.

    The post is locked while its content is read into the delivery (`sent_text`), so an
    edit lands either before (and is sent) or after (and is not)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_related("account__brand_account").filter(pk=delivery_id).first()
        )
        if delivery is None:
            return None
        post = lock(delivery.post)
        if post.status != PostStatus.SCHEDULED or not post.scheduled_at or post.scheduled_at > now:
            return None
        freeze = freezes.current_freeze()
        reason, detail = hold_for(post, delivery.account, freeze)
        if reason:
            hold(post, reason, detail, freeze)
            return None

        def snapshot_content(row):
            row.sent_text, row.sent_version = post.body, post.version
            return ["sent_text", "sent_version"]

        claimed = outbox.claim(
            Delivery.objects.select_related("account", "post__author"),
            delivery_id,
            prepare=snapshot_content if delivery.attempts == 0 else None,
        )
    return claimed


def delivery_send(delivery_id: int) -> Delivery | None:
    """One attempt at publishing a delivery (see the module). None when it is not due,
    held, or another worker has it."""
    claimed = _start(delivery_id)
    if claimed is None:
        return None
    delivery, uncertain = claimed
    author = delivery.post.author
    if author is None or not can(author, "connected_account.act", delivery.account):
        return _settle(
            delivery,
            outbox.Outcome(
                error=_("The author may no longer publish as %(account)s.")
                % {"account": delivery.account}
            ),
        )
    problem = text_problem(delivery.account, delivery.sent_text, private=False)
    if problem:
        return _settle(delivery, outbox.Outcome(error=problem))
    with http_client() as client:
        publisher = get_publisher(delivery.account.kind)(delivery.account, client)
        body, key = delivery.sent_text, str(delivery.key)
        outcome = outbox.attempt(
            send=lambda: publisher.publish(body=body, key=key),
            find=None
            if publisher.idempotent
            else lambda: publisher.find_published(body=body, key=key),
            uncertain=uncertain,
        )
    return _settle(delivery, outcome)


@transaction.atomic
def _settle(delivery: Delivery, outcome: outbox.Outcome) -> Delivery:
    """Record what the attempt came to, and the post's state once every delivery is done."""
    # The post first, then the delivery: the order every service takes them in.
    post = lock(delivery.post)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    now = timezone.now()
    when = None if outcome.sent else outbox.retry_when(outcome, delivery.attempts)
    if outcome.sent is not None:
        sent = outcome.sent
        delivery.state, delivery.sent_at, delivery.error = ReplyState.SENT, now, ""
        delivery.network_id, delivery.network_url, delivery.answer = (
            sent.network_id,
            sent.url,
            sent.answer,
        )
    elif when is not None:
        delivery.state, delivery.next_attempt_at, delivery.error = (
            ReplyState.QUEUED,
            when,
            outcome.error,
        )
    else:
        delivery.state, delivery.error = (
            ReplyState.FAILED,
            outbox.gave_up(outcome, delivery.attempts),
        )
    delivery.claimed_until = None
    delivery.save()
    audit_record(
        actor=None,
        verb=f"brand_post.{'sent' if outcome.sent else 'retry_later' if when else 'failed'}",
        target=post,
        after={
            "delivery": delivery.pk,
            "account": delivery.account_id,
            "version": delivery.sent_version,
            "network_id": delivery.network_id,
            "error": delivery.error,
        },
    )
    states = set(post.deliveries.values_list("state", flat=True))
    if states <= {ReplyState.SENT}:
        post.status, post.published_at = PostStatus.PUBLISHED, now
        post.save(update_fields=["status", "published_at"])
        _record_published(post, delivery)
    elif ReplyState.FAILED in states and not states & {ReplyState.QUEUED, ReplyState.SENDING}:
        post.status = PostStatus.FAILED
        post.save(update_fields=["status"])
    return delivery


def _record_published(post: BrandPost, delivery: Delivery) -> None:
    """The legal review shows the post went out, with its link (compliance's record)."""
    review = post.clearance
    if review is None or review.status not in (LegalStatus.APPROVED, LegalStatus.SCHEDULED):
        return
    try:
        compliance.sponsored_post_publish(actor=post.author, post=review, url=delivery.network_url)
    except (ValidationError, PermissionDenied) as exc:  # the approval expired meanwhile
        logger.warning(
            "brand post %s: legal review %s not marked published: %s", post.pk, review.pk, exc
        )
