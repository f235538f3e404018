"""Mentions that come from outside a poll: the ingest API and the Meta webhooks."""

import hashlib
import json
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring import pipeline
from monitoring.connectors import get_connector
from monitoring.connectors.base import (
    ConnectorError,
    NormalizedMention,
    PermanentError,
    http_client,
)
from monitoring.models import (
    Stream,
    StreamErrorKind,
    WebhookDelivery,
)
from monitoring.services.polls import stream_error_record
from riskdesk.audit import audit_record
from riskdesk.jobs import enqueue_on_commit
from riskdesk.permissions import require

# --- Ingestion from outside: the API and webhooks ----------------------------------------


@transaction.atomic
def mentions_ingest(*, actor, mentions: list[NormalizedMention]) -> pipeline.IngestResult:
    """Store mentions pushed by a listening tool through the API."""
    require(actor, "mention.ingest")
    result = pipeline.ingest(mentions)
    audit_record(
        actor=actor,
        verb="mention.ingest",
        after={"received": len(mentions), "stored": len(result.ids)},
    )
    return result


def webhook_receive(*, stream: Stream, body: bytes) -> WebhookDelivery | None:
    """Keep a verified delivery for the worker; None when the same body came before."""
    digest = hashlib.sha256(body).hexdigest()
    with transaction.atomic():
        delivery, created = WebhookDelivery.objects.get_or_create(
            digest=digest, defaults={"stream": stream, "body": body}
        )
        if created:
            enqueue_on_commit("monitoring.tasks.process_webhook_delivery", (delivery.pk,))
    return delivery if created else None


WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_RETRY_AFTER = timedelta(minutes=5)


def webhook_process(*, delivery_id: int) -> None:
    """Turn a stored delivery into mentions.

    A worker first claims the delivery by pushing its next attempt forward, so a
    delivery queued twice is processed once; one whose worker died is taken
    again by the next tick after that time. Running twice stores nothing twice.
    """
    from monitoring.connectors import meta

    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, processed_at=None, next_attempt_at__lte=now
    ).update(
        next_attempt_at=now + WEBHOOK_RETRY_AFTER,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return
    delivery = WebhookDelivery.objects.select_related("stream__credential").get(pk=delivery_id)
    stream = delivery.stream
    body = bytes(delivery.body)
    try:
        payload = json.loads(body)
        mentions, problems, to_fetch = meta.parse_delivery(payload)
        if to_fetch:
            with http_client() as client:
                connector = get_connector(stream.connector)(stream, client)
                mentions += connector.fetch_mentioned_comments(to_fetch)
                problems += connector.problems
    except (ValueError, ConnectorError) as exc:
        permanent = not isinstance(exc, ConnectorError) or isinstance(exc, PermanentError)
        kind = getattr(exc, "kind", StreamErrorKind.MALFORMED)
        message = getattr(exc, "message", None) or _("Unreadable webhook delivery: %s") % exc
        with transaction.atomic():
            stream_error_record(stream, kind, message, body=body.decode("utf-8", "replace"))
            if permanent or delivery.attempts >= WEBHOOK_MAX_ATTEMPTS:
                WebhookDelivery.objects.filter(pk=delivery.pk).update(
                    processed_at=timezone.now(), error=message
                )
        return
    with transaction.atomic():
        pipeline.ingest(mentions, stream=stream)
        if problems:
            stream_error_record(
                stream,
                StreamErrorKind.MALFORMED,
                _("%d change(s) in a delivery could not be read") % len(problems),
                body="\n".join(problems),
            )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(processed_at=timezone.now())


def webhook_deliveries_pending() -> list[int]:
    """Deliveries due for a (new) attempt: never taken, or whose worker died or failed."""
    return list(
        WebhookDelivery.objects.filter(
            processed_at=None, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:100]
    )
