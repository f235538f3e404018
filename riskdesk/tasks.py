from celery import shared_task
from django.utils import timezone

from riskdesk.models import WorkerHeartbeat


@shared_task(ignore_result=True)
def worker_heartbeat():
    """Scheduled by beat: proves to /healthz that a worker is consuming the queue."""
    worker = worker_heartbeat.request.hostname or "eager"
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": timezone.now()})
