"""Scrutiny actions (issue 14, item 4): what a committee resolved or asked an officer to do at a meeting,
the officer's answer, and what carries forward to the committee's next meetings.

Each operation takes the person doing it, checks ``user.has_perm`` (meetings.rules) and raises
``MeetingError`` with a message a page can show as it is, saving nothing. The status is recorded as open,
in progress or done; overdue is worked out from the due date (meetings.choices.action_status).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ambitions.models import Post
from meetings.choices import RECORDED_ACTION_STATUSES, ActionStatus
from meetings.models import (
    REQUEST_MAX_CHARS,
    RESPONSE_MAX_CHARS,
    AgendaItem,
    Meeting,
    ScrutinyAction,
)
from meetings.services import MeetingError


def _require(user, permission: str, obj=None) -> None:
    if not user.has_perm(permission, obj):
        raise PermissionDenied("You cannot do this.")


def _check(meeting: Meeting, agenda_item: AgendaItem, request: str, due_on: datetime.date) -> str:
    """The rules an action's details keep, whoever records them. Returns the request, trimmed."""
    if agenda_item.meeting_id != meeting.pk:
        raise MeetingError(
            f"Item {agenda_item.number}, “{agenda_item.title}”, is on another meeting's agenda: "
            "choose an item of this meeting."
        )
    request = (request or "").strip()
    if not request:
        raise MeetingError("Enter what the committee resolved or asked for.")
    if len(request) > REQUEST_MAX_CHARS:
        raise MeetingError(
            f"What the committee asked for must be {REQUEST_MAX_CHARS:,} characters or fewer "
            f"(it has {len(request):,})."
        )
    meeting_day = timezone.localtime(meeting.starts_at).date()
    if due_on < meeting_day:
        raise MeetingError(
            f"The due date must be on or after the meeting ({meeting_day:%-d %B %Y}): "
            f"{due_on:%-d %B %Y} is before it."
        )
    return request


@transaction.atomic
def record_action(
    user, meeting: Meeting, *, agenda_item: AgendaItem, request: str, post: Post, due_on: datetime.date
) -> ScrutinyAction:
    """Record what the committee resolved or asked for at ``meeting``, numbered next in the meeting."""
    _require(user, "meetings.record_action", meeting)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    request = _check(meeting, agenda_item, request, due_on)
    last = meeting.actions.aggregate(last=Max("number"))["last"] or 0
    action = ScrutinyAction(
        meeting=meeting,
        number=last + 1,
        agenda_item=agenda_item,
        request=request,
        post=post,
        due_on=due_on,
        recorded_by=user,
    )
    action._history_user = user
    action.save()
    return action


@transaction.atomic
def edit_action(
    user,
    action: ScrutinyAction,
    *,
    agenda_item: AgendaItem,
    request: str,
    post: Post,
    due_on: datetime.date,
    recorded_status: str,
) -> ScrutinyAction:
    """The clerk corrects an action: its item, request, officer, due date or status."""
    _require(user, "meetings.change_scrutinyaction", action)
    action = ScrutinyAction.objects.select_for_update().select_related("meeting").get(pk=action.pk)
    action.request = _check(action.meeting, agenda_item, request, due_on)
    action.agenda_item, action.post, action.due_on = agenda_item, post, due_on
    _set_status(action, recorded_status)
    action._history_user = user
    action.save()
    return action


@transaction.atomic
def answer_action(user, action: ScrutinyAction, *, response: str, recorded_status: str) -> ScrutinyAction:
    """The officer responsible (a holder of the action's post) answers: what was done, and its status."""
    _require(user, "meetings.answer_action", action)
    response = (response or "").strip()
    if not response:
        raise MeetingError("Enter your response: what has been done, or what will be done by when.")
    if len(response) > RESPONSE_MAX_CHARS:
        raise MeetingError(
            f"Your response must be {RESPONSE_MAX_CHARS:,} characters or fewer (it has {len(response):,})."
        )
    action = ScrutinyAction.objects.select_for_update().get(pk=action.pk)
    action.response, action.answered_by, action.answered_at = response, user, timezone.now()
    _set_status(action, recorded_status)
    action._history_user = user
    action.save()
    return action


def _set_status(action: ScrutinyAction, recorded_status: str) -> None:
    if recorded_status not in {member.value for member in RECORDED_ACTION_STATUSES}:
        raise MeetingError("Choose open, in progress or done: overdue follows from the due date.")
    if recorded_status == ActionStatus.DONE and action.recorded_status != ActionStatus.DONE:
        action.done_at = timezone.now()
    elif recorded_status != ActionStatus.DONE:
        action.done_at = None
    action.recorded_status = recorded_status
    try:
        action.full_clean(exclude=["meeting", "agenda_item", "post", "answered_by", "recorded_by"])
    except ValidationError as error:
        raise MeetingError(" ".join(error.messages)) from None
