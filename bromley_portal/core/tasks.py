from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from bromley_portal.core.models import WorkerHeartbeat


@shared_task(name="core.record_heartbeat", ignore_result=True)
def record_heartbeat() -> str:
    """Record that a worker is alive; the health page reports the latest."""
    worker = record_heartbeat.request.hostname or "inline"
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"last_seen": timezone.now()})
    return worker


@shared_task(name="core.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> None:
    call_command("clearsessions")
