import logging
from datetime import date

from celery import shared_task

from complaints import counts, reminders, services

logger = logging.getLogger(__name__)


def _day(today: str | None) -> date | None:
    return date.fromisoformat(today) if today else None


@shared_task(name="complaints.send_reminders", ignore_result=True)
def send_reminders(today: str | None = None) -> int:
    """The beat's daily reminders before complaints fall due (as of ``today``, an ISO date, or today).
    Safe to run twice: each reminder is recorded before it is sent."""
    return reminders.send_reminders(today=_day(today))


@shared_task(name="complaints.erase_complainant_details", ignore_result=True)
def erase_complainant_details(today: str | None = None) -> int:
    """The beat's nightly erasure of complainants' details COMPLAINTS_ERASE_AFTER_YEARS after their cases
    closed. Safe to run twice: an erased complainant is skipped."""
    return services.erase_complainant_details(today=_day(today))


@shared_task(name="complaints.check_complaint_counts", ignore_result=True)
def check_complaint_counts() -> int:
    """The beat's nightly check of the stored yearly counts (complaints.counts): any year whose counts
    differ from what they count is logged as an error and repaired. Returns how many differed."""
    found = counts.check_and_repair()
    for drift in found:
        logger.error("Stored complaint counts differed, repaired: %s", drift)
    return len(found)
