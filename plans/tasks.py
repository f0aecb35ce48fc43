from datetime import date

from celery import shared_task
from django.utils import timezone

from plans import reminders


@shared_task(name="plans.send_reminders", ignore_result=True)
def send_reminders(today: str | None = None) -> dict[str, int]:
    """The beat's daily reminders. Safe to run twice: each reminder is recorded before it is sent."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return reminders.send_reminders(day)


@shared_task(
    name="plans.tell_not_received",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def tell_not_received(period_id: int, update_ids: list[int]) -> int:
    """Tell the leads and approvers of updates closed as not received when a period was locked."""
    return reminders.tell_not_received(period_id, update_ids)
