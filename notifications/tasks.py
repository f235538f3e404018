"""Thin Celery tasks over notifications.services: e-mails at once, SLA warnings, digests."""

import logging

from celery import shared_task

from notifications import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def send_email(notification_id: int):
    """An "at once" e-mail, queued after the commit that raised the notification."""
    services.notification_email_send(notification_id=notification_id)


@shared_task(ignore_result=True)
def sla_warnings():
    """Beat, every minute: SLA deadlines within the next few minutes, told once each."""
    made = services.sla_warnings_send()
    if made:
        logger.info("SLA warnings: %d", made)


@shared_task(ignore_result=True)
def send_digests():
    """Beat, once a day: one digest e-mail per person with digest notifications waiting."""
    sent = services.digests_send()
    if sent:
        logger.info("notification digests sent: %d", sent)
