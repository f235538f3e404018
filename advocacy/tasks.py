"""Thin Celery tasks over advocacy.services."""

from celery import shared_task

from advocacy import services


@shared_task(ignore_result=True)
def sync_library():
    """Legal's decisions reach the library even when nobody opens it (the pages and the API
    also sync when they are read)."""
    services.library_posts_sync()
