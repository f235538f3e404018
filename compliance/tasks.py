"""Thin Celery tasks over compliance.services."""

import logging

from celery import shared_task

from compliance import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def check_post_links(post_id: int):
    """Fetch the links of a saved post, then run its checks again."""
    services.post_check_links(post_id=post_id)


@shared_task(ignore_result=True)
def recheck_open_posts():
    """A rule list changed: every open post's checks are run again."""
    count = services.posts_recheck()
    logger.info("checks run again on %d open sponsored posts", count)


@shared_task(ignore_result=True)
def review_sweep():
    """Beat: expire approvals whose time is up, and remind reviewers of due reviews."""
    expired = services.approvals_expire()
    reminded = services.reviews_remind()
    if expired or reminded:
        logger.info("approvals expired: %s; reviews reminded: %s", expired, reminded)
