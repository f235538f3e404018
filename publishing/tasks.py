"""Thin Celery tasks over publishing.services: one delivery's attempt, and the sweep."""

from celery import shared_task

from publishing import selectors, services


@shared_task(ignore_result=True)
def send_delivery(delivery_id: int):
    services.delivery_send(delivery_id)


@shared_task(ignore_result=True)
def send_due_posts():
    """Beat's sweep: posts whose time has come, retries due, deliveries whose worker died;
    and, while a freeze is active, every scheduled post shown as held."""
    services.posts_hold_frozen()
    for delivery_id in selectors.deliveries_due():
        send_delivery.delay(delivery_id)
