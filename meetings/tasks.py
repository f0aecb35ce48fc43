"""The agenda pack's task, on the ``pdf`` queue (CELERY_TASK_ROUTES): takes the pack's id, safe to run twice."""

from celery import shared_task
from django.conf import settings

from meetings import packs, reminders


@shared_task(name="meetings.build_pack", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def build_pack(pack_id: int) -> str:
    """Build a pack version's PDFs. Idempotent: a pack already claimed, finished or gone is left alone."""
    return packs.run_pack(pack_id)


@shared_task(name="meetings.send_action_reminders", ignore_result=True)
def send_action_reminders() -> int:
    """The beat's daily reminders to officers before a meeting. Safe to run twice: each is recorded
    before it is sent."""
    return reminders.send_reminders()


@shared_task(name="meetings.fail_stuck_packs", ignore_result=True, queue=settings.CELERY_TASK_DEFAULT_QUEUE)
def fail_stuck_packs() -> int:
    """The beat's sweeper for packs a killed worker will never finish (on the default queue, so a dead PDF
    worker cannot stop it)."""
    return packs.fail_stuck_packs()
