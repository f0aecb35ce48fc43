from datetime import date

from celery import shared_task
from django.utils import timezone

from plans import reminders


@shared_task(name="plans.send_reminders", ignore_result=True)
def send_reminders(today: str | None = None) -> dict[str, int]:
    """The beat's daily reminders. Safe to run twice: each reminder is recorded before it is sent."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return reminders.send_reminders(day)
