from celery import shared_task

from contracts import reminders


@shared_task(name="contracts.send_reminders", ignore_result=True)
def send_reminders() -> dict[str, int]:
    """The beat's daily register reminders. Safe to run twice: each is recorded before it is sent."""
    return reminders.send_reminders()
