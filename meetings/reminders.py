"""Reminder e-mails to the officers responsible for scrutiny actions before the committee's next meeting.

``MEETINGS_ACTION_REMINDER_DAYS`` before a meeting (one not held yet), each holder of a post with an
outstanding action of that committee (one that will be on the meeting's matters-arising report) gets one
e-mail listing them. ActionReminder makes each (meeting, action, person) reminder go out at most once,
however often the beat runs: an action recorded later is reminded about on its own.
"""

import datetime

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from ambitions.models import Post
from bromley_portal.core.mail import send_once
from meetings.choices import MeetingStatus
from meetings.models import ActionReminder, Meeting, ScrutinyAction


def meetings_to_remind_for(now: datetime.datetime) -> list[Meeting]:
    """Meetings not held that start within the reminder window from ``now``."""
    until = now + datetime.timedelta(days=settings.MEETINGS_ACTION_REMINDER_DAYS)
    return list(
        Meeting.objects.exclude(status=MeetingStatus.HELD)
        .filter(starts_at__gt=now, starts_at__lte=until)
        .select_related("committee")
        .order_by("starts_at")
    )


def officers_to_remind(meeting: Meeting) -> dict:
    """{person: [actions]}: the holders of each outstanding action's post."""
    holders = Post.objects.prefetch_related("holders")
    actions = (
        ScrutinyAction.objects.carried_to(meeting)
        .outstanding()
        .select_related("meeting", "agenda_item")
        .prefetch_related(Prefetch("post", holders))
        .order_by("due_on", "meeting__starts_at", "number")
    )
    by_person: dict = {}
    for action in actions:
        for person in action.post.holders.all():
            if person.is_active and person.email:
                by_person.setdefault(person, []).append(action)
    return by_person


def send_reminders(now: datetime.datetime | None = None) -> int:
    """Send the reminders not sent yet; returns how many e-mails went out."""
    now = now or timezone.now()
    sent = 0
    for meeting in meetings_to_remind_for(now):
        already = set(ActionReminder.objects.filter(meeting=meeting).values_list("recipient_id", "action_id"))
        for person, actions in officers_to_remind(meeting).items():
            new = [action for action in actions if (person.pk, action.pk) not in already]
            if new and _send_once(meeting, person, new):
                sent += 1
    return sent


def _send_once(meeting, person, actions) -> bool:
    """Record then send, in one transaction (bromley_portal.core.mail.send_once)."""

    def record():
        ActionReminder.objects.bulk_create(
            ActionReminder(meeting=meeting, action=action, recipient=person) for action in actions
        )

    today = timezone.localdate()
    context = {
        "meeting": meeting,
        "actions": [(action, action.status_on(today)) for action in actions],
    }
    return send_once(record, person, "meetings/email/action_reminder", context)
