"""Thin Celery tasks over workspace.services."""

from celery import shared_task

from workspace import services


@shared_task(name="workspace.tasks.recompute_due_dates", soft_time_limit=600, time_limit=660)
def recompute_due_dates(priority=None, team_id=None) -> int:
    """Recompute the SLA due times of the open mentions a settings change touched."""
    return services.due_dates_recompute(priority=priority, team_id=team_id)
