"""Thin Celery tasks over monitoring.services."""

import logging

from celery import shared_task
from django.db import DatabaseError

from monitoring import partitions, services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def poll_due_streams():
    """Beat's tick: claim the streams whose poll is due and queue one poll each."""
    claimed = services.streams_claim_due()
    if claimed:
        logger.info("queued polls of streams %s", [stream_id for stream_id, _ in claimed])
    for delivery_id in services.webhook_deliveries_pending():
        process_webhook_delivery.delay(delivery_id)


@shared_task(ignore_result=True)
def poll_stream(stream_id: int, claim_token: str):
    try:
        outcome = services.stream_poll(stream_id=stream_id, claim_token=claim_token)
    except DatabaseError:
        # The database went away mid-poll: nothing half-written is kept (each page is one
        # transaction), and the claim expires so a later tick polls the stream again.
        logger.exception("poll of stream %s lost its database", stream_id)
        return
    if outcome is not None:
        logger.info(
            "stream %s: %s, %d stored, %d duplicates",
            stream_id,
            outcome.status,
            outcome.stored,
            outcome.duplicates,
        )


@shared_task(ignore_result=True)
def process_webhook_delivery(delivery_id: int):
    services.webhook_process(delivery_id=delivery_id)


@shared_task(ignore_result=True, soft_time_limit=3600, time_limit=3700)
def maintain_partitions():
    """Daily: the mentions' partitions of this month and the next ones, then the retention."""
    made = partitions.ensure_partitions()
    if made:
        logger.info("made mention partitions %s", made)
    for outcome in partitions.apply_retention():
        logger.info("retention dropped %s (%s)", outcome["partition"], outcome["export"])
