"""Which procedure a complaint falls under, and its due dates in working days: the one place that works
them out. complaints.services stores what these functions return; pages, reminders, statistics and the
annual report read the stored dates or call these, never a figure of their own.

The procedures and their timescales (seed 004, "Law & procedures"; the Local Government and Social Care
Ombudsman's Complaint Handling Code, which applies to councils' complaints from 1 April 2026):

- Corporate Complaints Procedure: acknowledge within 3 working days, respond within 20. One stage; then
  the Ombudsman. The council keeps in touch and gives a best estimate when it cannot respond in time, so
  an extension has a reason and a later date but no fixed limit.
- Adult social care (statutory, the 2009 Regulations): "managed through the Corporate Complaints
  Procedure", so the same timescales; it stays outside the Code.
- Children's Complaints Procedure (Children Act 1989): stage 1 within 10 working days, extendable to 20;
  stage 2 investigation within 25, extendable to 65; stage 3 Review Panel within 30. The regulations set
  no acknowledgement time; the council acknowledges within its usual 3 working days.
- The Complaint Handling Code, for corporate complaints received from 1 April 2026: stage 1 acknowledged
  within 5 working days and answered within 10 of the acknowledgement, extendable by up to 10 more with
  the reason told to the complainant; stage 2 acknowledged within 5 and answered within 20 of the
  acknowledgement, by someone other than the stage 1 handler.

Counting (bromley_portal.core.working_days): a complaint received on a day that is not a working day
counts as received on the next working day; "within n working days" is the n-th working day after it.
"""

from dataclasses import dataclass
from datetime import date

from bromley_portal.core.working_days import WorkingCalendar
from complaints.choices import Procedure, StatutoryProcedure

CODE_APPLIES_FROM = date(2026, 4, 1)


class TimescaleError(ValueError):
    """A stage a procedure does not have, or an extension it does not allow; the message says why."""


@dataclass(frozen=True)
class Timescale:
    procedure: str
    stage: int
    name: str
    acknowledge: int  # working days from receipt
    respond: int  # working days from receipt, or from the acknowledgement when from_acknowledgement
    from_acknowledgement: bool = False
    extendable: bool = True
    # The longest an extended response may take, in working days from the same start; None: no limit.
    extend_to: int | None = None
    # The Code: the person who handled the stage before may not handle this one.
    new_handler: bool = False

    @property
    def procedure_label(self) -> str:
        return Procedure(self.procedure).label

    @property
    def counted_from(self) -> str:
        return "after the acknowledgement" if self.from_acknowledgement else "after receipt"

    def describe(self) -> str:
        start = "of the acknowledgement" if self.from_acknowledgement else "of receipt"
        text = f"acknowledge within {self.acknowledge} working days, respond within {self.respond} {start}"
        if not self.extendable:
            return text + "; no extension"
        if self.extend_to is None:
            return text + "; extendable, with the reason and a new date"
        return text + f"; extendable to {self.extend_to} working days"


TIMESCALES: dict[tuple[str, int], Timescale] = {
    (t.procedure, t.stage): t
    for t in [
        Timescale(Procedure.CORPORATE, 1, "Stage 1", acknowledge=3, respond=20),
        Timescale(Procedure.ADULT_SOCIAL_CARE, 1, "Stage 1", acknowledge=3, respond=20),
        Timescale(
            Procedure.CHILDREN, 1, "Stage 1: initial response", acknowledge=3, respond=10, extend_to=20
        ),
        Timescale(Procedure.CHILDREN, 2, "Stage 2: investigation", acknowledge=3, respond=25, extend_to=65),
        Timescale(
            Procedure.CHILDREN, 3, "Stage 3: Review Panel", acknowledge=3, respond=30, extendable=False
        ),
        Timescale(
            Procedure.CODE, 1, "Stage 1", acknowledge=5, respond=10, from_acknowledgement=True, extend_to=20
        ),
        Timescale(
            Procedure.CODE,
            2,
            "Stage 2",
            acknowledge=5,
            respond=20,
            from_acknowledgement=True,
            extendable=False,
            new_handler=True,
        ),
    ]
}


def procedure_for(statutory_procedure: str, received: date) -> Procedure:
    """The procedure for a complaint about a service (or division) under ``statutory_procedure``
    (``Service.statutory_procedure``, ``Division.procedure``) received on ``received``."""
    if statutory_procedure == StatutoryProcedure.ADULT_SOCIAL_CARE:
        return Procedure.ADULT_SOCIAL_CARE
    if statutory_procedure == StatutoryProcedure.CHILDREN:
        return Procedure.CHILDREN
    return Procedure.CODE if received >= CODE_APPLIES_FROM else Procedure.CORPORATE


def stages(procedure: str) -> list[int]:
    return sorted(stage for (p, stage) in TIMESCALES if p == procedure)


def timescale(procedure: str, stage: int) -> Timescale:
    try:
        return TIMESCALES[(procedure, stage)]
    except KeyError:
        label = Procedure(procedure).label
        last = max(stages(procedure))
        raise TimescaleError(
            f"The {label} has {'one stage' if last == 1 else f'{last} stages'}, not a stage {stage}: "
            "after its last stage the complainant may go to the Ombudsman."
        ) from None


@dataclass(frozen=True)
class Due:
    acknowledge_by: date
    respond_by: date
    latest_extension: date | None  # None: no extension allowed, or no limit (see Timescale.extendable)


def due_dates(
    procedure: str,
    stage: int,
    received: date,
    acknowledged_on: date | None = None,
    calendar: WorkingCalendar | None = None,
) -> Due:
    """A stage's acknowledgement and response due dates, and the latest date an extension may give.
    Under the Code the response counts from the acknowledgement (from its due date until there is one)."""
    calendar = calendar or WorkingCalendar()
    scale = timescale(procedure, stage)
    start = calendar.on_or_after(received)
    acknowledge_by = calendar.add(start, scale.acknowledge)
    if scale.from_acknowledgement:
        start = calendar.on_or_after(acknowledged_on or acknowledge_by)
    respond_by = calendar.add(start, scale.respond)
    latest = (
        calendar.add(start, scale.extend_to) if scale.extendable and scale.extend_to is not None else None
    )
    return Due(acknowledge_by, respond_by, latest)


def check_extension(
    procedure: str,
    stage: int,
    received: date,
    acknowledged_on: date | None,
    current_due: date,
    new_due: date,
    calendar: WorkingCalendar | None = None,
) -> None:
    """Raise TimescaleError, saying why, unless ``new_due`` is an extension the procedure allows."""
    calendar = calendar or WorkingCalendar()
    scale = timescale(procedure, stage)
    if not scale.extendable:
        raise TimescaleError(
            f"{scale.procedure_label}, {scale.name.lower()}: the response cannot be extended."
        )
    if new_due <= current_due:
        raise TimescaleError(f"The new date must be after the present due date, {current_due:%-d %B %Y}.")
    if not calendar.is_working_day(new_due):
        raise TimescaleError(f"{new_due:%A %-d %B %Y} is not a working day: choose a working day.")
    latest = due_dates(procedure, stage, received, acknowledged_on, calendar).latest_extension
    if latest is not None and new_due > latest:
        raise TimescaleError(
            f"{scale.procedure_label}, {scale.name.lower()}: a response may be extended by "
            f"{scale.extend_to - scale.respond} working days at most ({scale.extend_to} working days "
            f"{scale.counted_from}), which is {latest:%-d %B %Y}."
        )


def answered_on_time(responded_on: date | None, respond_by: date | None) -> bool | None:
    """Whether an answer given on ``responded_on`` was on time (None when unanswered or with no due
    date). The one rule for an aspect and, with the last aspect's date, for a complaint."""
    if responded_on is None or respond_by is None:
        return None
    return responded_on <= respond_by


def complaint_on_time(complaint) -> bool | None:
    """A complaint is on time when its last aspect was answered by its due date (None while an aspect
    is unanswered). Uses prefetched ``mentions__aspects`` when there."""
    answers = [
        aspect.responded_on for mention in complaint.mentions.all() for aspect in mention.aspects.all()
    ]
    if not answers or None in answers:
        return None
    return answered_on_time(max(answers), complaint.respond_by)


def working_days_left(due: date | None, today: date, calendar: WorkingCalendar | None = None) -> int | None:
    """Working days from ``today`` to ``due``: 0 on the day, negative when overdue (-2: two overdue)."""
    if due is None:
        return None
    return (calendar or WorkingCalendar()).between(today, due)
