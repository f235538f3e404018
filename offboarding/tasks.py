"""Thin Celery tasks over offboarding's services."""

import logging

from celery import shared_task

from offboarding import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def revoke_access(task_id: int):
    """One automatic revocation (an offboarding task), through its network's connector."""
    outcome = services.offboarding_task_run(task_id=task_id)
    if outcome is not None:
        logger.info("offboarding task %s: %s", task_id, outcome)


@shared_task(ignore_result=True)
def offboarding_sweep():
    """Beat's tick: queue the revocations due for a (re)try, then remind and escalate."""
    for task_id in services.offboarding_tasks_due():
        revoke_access.delay(task_id)
    sent = services.offboarding_deadlines_check()
    if sent["reminded"] or sent["escalated"]:
        logger.info("offboarding deadlines: %s", sent)


@shared_task(ignore_result=True)
def access_review_notify():
    """Beat's daily access review: security hears of each new finding once."""
    new = services.access_review_notify()
    if new:
        logger.info("access review: %d new findings", len(new))
