"""Celery tasks of incidents: thin, they call a service."""

from celery import shared_task

from incidents.services import tasks_remind_overdue


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, expires=240)
def remind_overdue_tasks() -> int:
    """Mail the owners of tasks that just went overdue (each task once). Beat: every 5 min."""
    return tasks_remind_overdue()
