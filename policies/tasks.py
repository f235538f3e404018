"""Thin Celery tasks over the policies cadence."""

import logging

from celery import shared_task

from policies.services import cadence

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def daily_cadence():
    """Flag policies whose review is due or overdue, then send the reminders that are due.

    Safe to run as often as beat likes: statuses only change when the date says so, and
    each person hears about the same item at most once a week.
    """
    changed = cadence.policies_flag_reviews()
    if changed:
        logger.info("policy review status changed: %s", [p.pk for p in changed])
    mailed = cadence.reminders_send()
    if mailed:
        logger.info("policy and training reminders sent to %d people", mailed)
