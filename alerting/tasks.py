"""Thin Celery tasks over alerting.services: spikes and the notifications' outbox."""

import logging

from celery import shared_task

from alerting import selectors, services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def detect_spikes():
    """Beat's spike check: one alert (and notification) per storm not already covered."""
    raised = services.detect_spikes()
    if raised:
        logger.info("spikes raised: %s", [alert.pk for alert in raised])


@shared_task(ignore_result=True)
def send_notification(notification_id: int):
    services.notification_send(notification_id)


@shared_task(ignore_result=True)
def send_due_notifications():
    """Beat's sweep: delayed digests, retries whose time has come, rows whose task was lost."""
    for notification_id in selectors.notifications_due():
        send_notification.delay(notification_id)
