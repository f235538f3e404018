"""Thin Celery tasks over respond.services: the outbox's attempts and its sweep."""

from celery import shared_task

from respond import selectors, services


@shared_task(ignore_result=True)
def send_reply(reply_id: int):
    services.reply_send(reply_id)


@shared_task(ignore_result=True)
def send_due_replies():
    """Beat's sweep: retries whose time has come, replies whose worker died or task was lost."""
    for reply_id in selectors.replies_due():
        send_reply.delay(reply_id)
