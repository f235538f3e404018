"""Thin Celery tasks over accounts.offboarding and accounts.access_grants."""

import logging

from celery import shared_task

from accounts import access_grants, offboarding

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def revoke_access(task_id: int):
    """One automatic revocation (an offboarding task), through its network's connector."""
    outcome = offboarding.offboarding_task_run(task_id=task_id)
    if outcome is not None:
        logger.info("offboarding task %s: %s", task_id, outcome)


@shared_task(ignore_result=True)
def offboarding_sweep():
    """Beat's tick: queue the revocations due for a (re)try, then remind and escalate."""
    for task_id in offboarding.offboarding_tasks_due():
        revoke_access.delay(task_id)
    sent = offboarding.offboarding_deadlines_check()
    if sent["reminded"] or sent["escalated"]:
        logger.info("offboarding deadlines: %s", sent)


@shared_task(ignore_result=True)
def access_review_notify():
    """Beat's daily access review: security hears of each new finding once."""
    new = access_grants.access_review_notify()
    if new:
        logger.info("access review: %d new findings", len(new))
