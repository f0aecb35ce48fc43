"""The read queries the scrutiny action pages need, each a fixed number of queries."""

from django.db.models import Count, Q
from django.utils import timezone

from ambitions.models import Committee
from bromley_portal.core.history import HistorySource, history_entries
from meetings.choices import ActionStatus
from meetings.models import ScrutinyAction


def committees_for(user) -> list[Committee]:
    """The committees whose actions this person reads (all for clerks and admins, else the ones they sit
    on), each with ``outstanding`` and ``overdue`` counts: one query."""
    today = timezone.localdate()
    committees = Committee.objects.all()
    if not user.has_perm("meetings.record_action"):
        committees = committees.filter(memberships__member=user)
    not_done = ~Q(meetings__actions__recorded_status=ActionStatus.DONE) & Q(meetings__actions__isnull=False)
    return list(
        committees.annotate(
            outstanding=Count("meetings__actions", filter=not_done, distinct=True),
            overdue=Count(
                "meetings__actions", filter=not_done & Q(meetings__actions__due_on__lt=today), distinct=True
            ),
        ).order_by("name")
    )


def actions_answered_by(user):
    """The actions of the posts this person holds, overdue first: one query."""
    return list(ScrutinyAction.objects.for_lists(timezone.localdate()).filter(post__holders=user))


def action_page(action: ScrutinyAction, user) -> dict:
    return {
        "status": action.status_on(timezone.localdate()),
        "history": history_entries([HistorySource("Action", action.history.all())]),
        "may_answer": user.has_perm("meetings.answer_action", action),
        "may_edit": user.has_perm("meetings.change_scrutinyaction", action),
    }
