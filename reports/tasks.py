from celery import shared_task

from reports import rollups, services


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def weekly_reports() -> int:
    """Monday morning: last week's report to every subscriber, once each."""
    return services.weekly_reports_send()


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def refresh_rollups() -> dict:
    """Every few minutes: roll up the closed days, and again those changed since the last run."""
    return rollups.rollups_refresh()
