"""Reminder e-mails before a complaint's acknowledgement or response is due.

Each open complaint whose next due date is within COMPLAINTS_REMINDER_WORKING_DAYS working days (and not
past) is reminded about to its handler, or, with no handler, to every complaints officer. The
ComplaintReminder table makes each (kind, complaint, due date, person) reminder go out at most once,
however often the beat task runs; an extension's new date is a new due date and gets its own reminder.
The e-mails carry references and dates only: never a complainant's details.
"""

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from bromley_portal.accounts.roles import Role
from bromley_portal.core.working_days import WorkingCalendar
from complaints.choices import ComplaintStatus, ReminderKind
from complaints.models import Complaint, ComplaintReminder


def due_soon(today: date, calendar: WorkingCalendar | None = None) -> list[tuple[str, Complaint, date, int]]:
    """(kind, complaint, due date, working days left) for open complaints due within the reminder window."""
    calendar = calendar or WorkingCalendar()
    window = settings.COMPLAINTS_REMINDER_WORKING_DAYS
    latest = calendar.add(today, window)
    found = []
    complaints = Complaint.objects.open().select_related("handler").order_by("pk")
    for complaint in complaints.filter(acknowledge_by__range=(today, latest)) | complaints.filter(
        respond_by__range=(today, latest)
    ):
        if complaint.status == ComplaintStatus.RECEIVED and complaint.acknowledge_by:
            kind, due = ReminderKind.ACKNOWLEDGE, complaint.acknowledge_by
        else:
            kind, due = ReminderKind.RESPOND, complaint.respond_by
        if due and today <= due <= latest:
            found.append((kind, complaint, due, calendar.between(today, due)))
    return found


def _officers() -> list:
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.COMPLAINTS_OFFICER)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _send_once(person, items) -> bool:
    """Record then send, in one transaction: a reminder recorded already is not sent again, and one whose
    e-mail fails is not recorded (the next run tries again)."""
    try:
        with transaction.atomic():
            ComplaintReminder.objects.bulk_create(
                ComplaintReminder(kind=kind, complaint=complaint, due_on=due, recipient=person)
                for kind, complaint, due, _left in items
            )
            lines = [
                {
                    "complaint": complaint,
                    "what": "acknowledgement" if kind == ReminderKind.ACKNOWLEDGE else "response",
                    "due": due,
                    "left": left,
                }
                for kind, complaint, due, left in items
            ]
            context = {"person": person, "items": lines, "base_url": settings.PORTAL_BASE_URL}
            subject = render_to_string("complaints/email/reminder_subject.txt", context).strip()
            body = render_to_string("complaints/email/reminder.txt", context)
            send_mail(subject, body, None, [person.email])
    except IntegrityError:
        return False
    return True


def send_reminders(today: date | None = None) -> int:
    """Send the reminders not sent yet; returns how many e-mails went out (one per person)."""
    today = today or timezone.localdate()
    items = due_soon(today)
    if not items:
        return 0
    already = set(
        ComplaintReminder.objects.filter(complaint__in=[item[1] for item in items]).values_list(
            "kind", "complaint_id", "due_on", "recipient_id"
        )
    )
    officers = None
    by_person: dict = {}
    for item in items:
        kind, complaint, due, _left = item
        handler = complaint.handler
        if handler is not None and handler.is_active and handler.email:
            people = [handler]
        else:
            officers = _officers() if officers is None else officers
            people = officers
        for person in people:
            if (kind, complaint.pk, due, person.pk) not in already:
                by_person.setdefault(person, []).append(item)
    return sum(_send_once(person, person_items) for person, person_items in by_person.items())
