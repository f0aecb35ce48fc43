"""The caseload's one rule for what is due next on a complaint, how many working days are left and its
RAG: the caseload page, its export and a complaint's page all read them from here.

What is due next: the acknowledgement while a complaint is received, the response while it is
acknowledged; nothing once it is responded (it waits to be closed) or finished. Working days left are
complaints.timescales.working_days_left (bromley_portal.core.working_days). The RAG is by working days
left: overdue is red, due within the reminder window (COMPLAINTS_REMINDER_WORKING_DAYS, the days before a
due date that complaints.reminders e-mails the handler) is amber, anything later green.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Case, DateField, F, Q, QuerySet, Value, When

from bromley_portal.core.choices import StatusChoices, register_status_set, status
from bromley_portal.core.working_days import WorkingCalendar
from complaints.choices import COMPLAINT_TRANSITIONS, ComplaintStatus
from complaints.models import Complaint
from complaints.timescales import TIMESCALES, timescale, working_days_left

# The reminders' window (complaints.reminders); the same number makes a case amber.
DEFAULT_DUE_SOON_WORKING_DAYS = 3


class DueRag(StatusChoices):
    """A case's RAG by working days left to its next due date."""

    OVERDUE = status("overdue", "Overdue", colour="red", description="the due date has passed")
    DUE_SOON = status(
        "due_soon", "Due soon", colour="orange", description="due within the reminder window or today"
    )
    ON_TRACK = status(
        "on_track", "On track", colour="green", description="due later than the reminder window"
    )
    NOTHING_DUE = status(
        "nothing_due", "Nothing due", colour="grey", description="responded or finished: no date to meet"
    )


register_status_set("complaint_due_rag", DueRag)


class Due(models.TextChoices):
    """What is due next on a complaint."""

    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
    RESPONSE = "response", "Response"
    NONE = "none", "Nothing"


def due_soon_window() -> int:
    return getattr(settings, "COMPLAINTS_REMINDER_WORKING_DAYS", DEFAULT_DUE_SOON_WORKING_DAYS)


def with_next_due(queryset: QuerySet) -> QuerySet:
    """Annotate ``next_due`` (the date the next step is due, null when nothing is) so lists can sort and
    filter by it in the database."""
    return queryset.annotate(
        next_due=Case(
            When(status=ComplaintStatus.RECEIVED, then=F("acknowledge_by")),
            When(status=ComplaintStatus.ACKNOWLEDGED, then=F("respond_by")),
            default=Value(None),
            output_field=DateField(),
        )
    )


@dataclass(frozen=True)
class DueState:
    what: Due
    due: date | None
    days_left: int | None  # working days; negative: overdue by that many
    rag: DueRag

    @property
    def overdue(self) -> bool:
        return self.rag == DueRag.OVERDUE

    def describe(self) -> str:
        """ "3 working days left", "due today", "2 working days overdue", "nothing due"."""
        if self.due is None:
            return "nothing due"
        if self.rag == DueRag.OVERDUE:
            days = max(-self.days_left, 1)  # due on a Friday, seen on the Saturday: overdue, 0 working days
            return f"{days} working day{'s' if days != 1 else ''} overdue"
        if self.days_left == 0:
            return "due today"
        return f"{self.days_left} working day{'s' if self.days_left != 1 else ''} left"


def rag_for(days_left: int | None, due: date | None, today: date) -> DueRag:
    """The RAG by working days left (the one rule)."""
    if due is None:
        return DueRag.NOTHING_DUE
    if due < today:
        return DueRag.OVERDUE
    if days_left <= due_soon_window():
        return DueRag.DUE_SOON
    return DueRag.ON_TRACK


def due_state(complaint, today: date, calendar: WorkingCalendar | None = None) -> DueState:
    """What is due next on ``complaint``, when, the working days left and the RAG. Pass one calendar for a
    whole list (it reads the council's closure days once)."""
    if complaint.status == ComplaintStatus.RECEIVED:
        what, due = Due.ACKNOWLEDGEMENT, complaint.acknowledge_by
    elif complaint.status == ComplaintStatus.ACKNOWLEDGED:
        what, due = Due.RESPONSE, complaint.respond_by
    else:
        what, due = Due.NONE, None
    if due is None:
        return DueState(Due.NONE, None, None, DueRag.NOTHING_DUE)
    left = working_days_left(due, today, calendar)
    return DueState(what, due, left, rag_for(left, due, today))


# A complaint's page and the forms on it --------------------------------------------------------


def case_queryset(*, with_complainant: bool = False) -> QuerySet:
    """A complaint with what its page and forms show, in a fixed number of queries. The complainant is
    read only for people who may see them (complaints.view_complainant)."""
    related = ["handler", "created_by", "escalated_from__escalated_from"]
    if with_complainant:
        related.append("complainant")
    return Complaint.objects.select_related(*related).prefetch_related(
        "mentions__division", "mentions__service", "mentions__aspects", "extensions__granted_by"
    )


def aspects_of(complaint) -> list:
    """Its aspects, from the prefetched mentions, in the page's order."""
    return [aspect for mention in complaint.mentions.all() for aspect in mention.aspects.all()]


def locked_case(pk: int):
    """The complaint as it is now, its row locked until the transaction ends, so the version a form
    carries is compared with the case no one else can change meanwhile."""
    return case_queryset().select_for_update(of=("self",)).get(pk=pk)


def escalation_chain(complaint) -> list:
    """The stages of this approach, first to last (stage 1, then any escalations): at most three."""
    earlier = []
    previous = complaint.escalated_from
    while previous is not None:
        earlier.insert(0, previous)
        previous = previous.escalated_from if previous.escalated_from_id else None
        if previous is not None and previous.pk in {c.pk for c in earlier}:
            break
    later = list(
        Complaint.objects.filter(
            Q(escalated_from=complaint) | Q(escalated_from__escalated_from=complaint)
        ).order_by("stage")
    )
    return [*earlier, complaint, *later]


def case_history(complaint, limit: int = 50) -> list:
    """Who changed the case and when, newest first (the history leaves out the summary: personal data)."""
    return list(
        complaint.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit]
    )


def available_moves(complaint, today: date) -> dict[str, bool]:
    """Which case work forms its page offers, from the transitions in complaints.choices and the
    services' rules (which still decide, and say why they refuse): an extension is agreed before the
    response falls due."""
    moves = COMPLAINT_TRANSITIONS[complaint.status]
    scale = timescale(complaint.procedure, complaint.stage)
    has_next_stage = (complaint.procedure, complaint.stage + 1) in TIMESCALES
    return {
        "acknowledge": ComplaintStatus.ACKNOWLEDGED in moves,
        "assign": not complaint.is_finished,
        "extend": complaint.is_open
        and scale.extendable
        and (complaint.respond_by is None or today <= complaint.respond_by),
        "record": complaint.status in {ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.RESPONDED},
        "close": ComplaintStatus.CLOSED in moves,
        "escalate": ComplaintStatus.ESCALATED in moves and has_next_stage,
    }
