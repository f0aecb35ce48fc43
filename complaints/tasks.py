from celery import shared_task

from complaints import reminders, services


@shared_task(name="complaints.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """The beat's daily reminders before complaints fall due. Safe to run twice: each is recorded first."""
    return reminders.send_reminders()


@shared_task(name="complaints.erase_complainant_details", ignore_result=True)
def erase_complainant_details() -> int:
    """The beat's nightly erasure of complainants' details COMPLAINTS_ERASE_AFTER_YEARS after their cases
    closed. Safe to run twice: an erased complainant is skipped."""
    return services.erase_complainant_details()
