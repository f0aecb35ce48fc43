"""Operations on complaints: log, acknowledge, assign, extend, record an aspect's answer, escalate, close,
and erase complainants' details when their time is up. Each takes the person doing it (or, for the
scheduled erasure, the date), checks their permission (complaints.rules) and the move
(complaints.choices), works out dates with complaints.timescales, and raises ComplaintError with a
message a page can show as it is. Views, commands and tasks all come through here.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from ambitions.models import Portfolio
from bromley_portal.core.working_days import WorkingCalendar
from complaints import counts, timescales
from complaints.choices import (
    ASPECT_TRANSITIONS,
    COMPLAINT_TRANSITIONS,
    REASON_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    AspectOutcome,
    AspectType,
    Channel,
    ComplaintStatus,
    OmbudsmanDecision,
    RemedyStage,
    RemedyType,
    Stage,
    StatutoryProcedure,
)
from complaints.models import (
    Aspect,
    Complainant,
    Complaint,
    Compliment,
    Division,
    Extension,
    Mention,
    OmbudsmanCase,
    OmbudsmanDeadline,
    Remedy,
    Service,
)

# How much one complaint may name: far more than any real one, and a bound on hostile input.
MAX_MENTIONS = 20
MAX_ASPECTS_PER_MENTION = 20
# Complaints from before this are history for the import, not case work.
EARLIEST_RECEIVED = date(2000, 1, 1)
COMPLAINANT_LIMITS = {"name": 200, "email": 254, "phone": 40, "address": 500, "representative": 200}


class ComplaintError(Exception):
    """A move the complaints procedure does not allow; the message says why, in plain English."""


def _check(allowed: bool, message: str) -> None:
    if not allowed:
        raise ComplaintError(message)


def _may_handle(user) -> None:
    _check(
        user is not None and user.has_perm("complaints.handle_complaint"),
        "Only complaints officers and admins can do case work on complaints.",
    )


def _move(complaint: Complaint, new_status: str) -> None:
    """Change a complaint's status, refusing any move the procedure does not list."""
    _check(
        new_status in COMPLAINT_TRANSITIONS[complaint.status],
        f"Complaint {complaint.reference} is {ComplaintStatus(complaint.status).label.lower()}, so it cannot "
        f"become {ComplaintStatus(new_status).short_label.lower()}.",
    )
    complaint.status = new_status


def _locked(complaint: Complaint) -> Complaint:
    """The complaint as it is now, its row locked for the rest of the transaction."""
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _date(
    value: date | None, today: date, what: str, *, not_before: date | None = None, since: str = ""
) -> date:
    value = value or today
    _check(value <= today, f"{what} cannot be in the future ({value:%-d %B %Y}).")
    if not_before is not None:
        _check(value >= not_before, f"{what} cannot be before {since}, {not_before:%-d %B %Y}.")
    return value


def _text(value: str, limit: int, what: str) -> str:
    value = (value or "").strip()
    _check(len(value) <= limit, f"{what} must be {limit:,} characters or fewer; it has {len(value):,}.")
    return value


# The divisions of the Annual Complaints Report 2021/22 (seed 004, Appendix 1) in the order of its
# tables: (name, column heading, procedure, records outcomes, handled by CE&CS, services named in it).
# Adult social care complaints are statutory but go through the corporate procedure's timescales;
# Children's Social Care's statutory complaints are those about a child's own care, so the division is
# corporate and an admin marks the services whose complaints are statutory. Environment & Public
# Protection keep their own statistics and do not record outcomes ("n/k: data not collected").
# Services: those the report names (the Adult Social Care services table, E&PP's four services, the
# areas the Chief Executive's Department chapter lists); admins add the rest.
DIVISIONS = [
    (
        "Adult Social Care",
        "Adult",
        StatutoryProcedure.ADULT_SOCIAL_CARE,
        True,
        True,
        [
            "Initial Response",
            "Reablement & Rehab",
            "Occupational Therapy",
            "CMHT Oxleas",
            "Bromley MDC",
            "Orpington & The Crays",
            "Integrated Team",
            "Coordination & Review",
            "Duty Team",
            "Hospital Team",
            "Safeguarding",
            "Care Link",
            "Contracted Services",
            "DoLS",
            "Brokerage",
            "Blue Badges",
        ],
    ),
    ("Children's Social Care", "Children", StatutoryProcedure.CORPORATE, True, True, []),
    ("Housing", "Housing", StatutoryProcedure.CORPORATE, True, True, []),
    ("Planning & Regeneration", "P&R", StatutoryProcedure.CORPORATE, True, True, []),
    ("Education", "Education", StatutoryProcedure.CORPORATE, True, True, ["SEN Transport"]),
    (
        "Environment & Public Protection",
        "EPP",
        StatutoryProcedure.CORPORATE,
        False,
        False,
        [
            "Highways & Transport",
            "Neighbourhood Management",
            "Public Protection",
            "Traffic, Road Safety & Parking",
        ],
    ),
    (
        "Chief Executive's Dept.",
        "CED",
        StatutoryProcedure.CORPORATE,
        True,
        True,
        ["Finance", "Legal", "Electoral Services", "Registrars"],
    ),
    ("Public Health", "Public Health", StatutoryProcedure.CORPORATE, True, True, []),
]


# Which portfolio's plan each division's complaints speak to (an admin changes it on the division).
DIVISION_PORTFOLIOS = {
    "Adult Social Care": "ACH",
    "Public Health": "ACH",
    "Children's Social Care": "CEF",
    "Education": "CEF",
    "Housing": "RRH",
    "Planning & Regeneration": "RRH",
    "Environment & Public Protection": "ECS",
    "Chief Executive's Dept.": "ERC",
}


@transaction.atomic
def load_divisions() -> tuple[int, int]:
    """The report's divisions and named services, for a new portal (safe to run again: what is there,
    perhaps edited by an admin since, is left as it is). Returns (divisions, services) created."""
    divisions = services = 0
    for order, (name, short, procedure, records, cecs, names) in enumerate(DIVISIONS, start=1):
        division, created = Division.objects.get_or_create(
            name=name,
            defaults={
                "short_name": short,
                "order": order,
                "procedure": procedure,
                "records_outcomes": records,
                "handled_by_cecs": cecs,
            },
        )
        divisions += created
        if division.portfolio_id is None and name in DIVISION_PORTFOLIOS:
            division.portfolio = Portfolio.objects.filter(code=DIVISION_PORTFOLIOS[name]).first()
            if division.portfolio is not None:
                division.save(update_fields=["portfolio"])
        for service_order, service in enumerate(names, start=1):
            services += Service.objects.get_or_create(
                division=division, name=service, defaults={"order": service_order}
            )[1]
    return divisions, services


# Logging a complaint ---------------------------------------------------------------------------


@dataclass
class MentionInput:
    """A service or team the complaint names, and the types of the grievances about it."""

    division: Division
    service: Service | None = None
    aspects: list[str] = field(default_factory=list)


def _complainant(details: dict | None) -> Complainant | None:
    if not details:
        return None
    unknown = set(details) - set(COMPLAINANT_LIMITS)
    _check(not unknown, f"Unknown complainant details: {', '.join(sorted(unknown))}.")
    cleaned = {
        key: _text(details.get(key, ""), limit, f"The complainant's {key}")
        for key, limit in COMPLAINANT_LIMITS.items()
    }
    if cleaned["email"]:
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            raise ComplaintError(f"{cleaned['email']!r} is not an email address.") from None
    if not any(cleaned.values()):
        return None
    return Complainant.objects.create(**cleaned)


def _check_mentions(mentions: list[MentionInput]) -> None:
    _check(bool(mentions), "Name at least one service or team the complaint is about.")
    _check(len(mentions) <= MAX_MENTIONS, f"A complaint can name {MAX_MENTIONS} services at most.")
    for number, mention in enumerate(mentions, start=1):
        where = f"Mention {number}"
        _check(isinstance(mention.division, Division), f"{where}: choose a division.")
        _check(mention.division.active, f"{where}: {mention.division} no longer takes complaints.")
        if mention.service is not None:
            _check(
                mention.service.division_id == mention.division.pk,
                f"{where}: {mention.service.name} is not a service of {mention.division}.",
            )
            _check(mention.service.active, f"{where}: {mention.service.name} no longer takes complaints.")
        _check(bool(mention.aspects), f"{where}: give at least one aspect (what went wrong).")
        _check(
            len(mention.aspects) <= MAX_ASPECTS_PER_MENTION,
            f"{where}: {MAX_ASPECTS_PER_MENTION} aspects at most.",
        )
        for kind in mention.aspects:
            _check(
                kind in AspectType.values,
                f"{where}: {kind!r} is not an aspect type; use one of {', '.join(AspectType.labels)}.",
            )


def _statutory_procedure(mention: MentionInput | Mention) -> str:
    """The first service named decides the procedure (its own, or its division's)."""
    if mention.service is not None:
        return mention.service.statutory_procedure
    return mention.division.procedure


def next_reference(received: date) -> str:
    """The next free reference for a complaint received in ``received``'s year: "C2026-00042"."""
    prefix = f"C{received.year}-"
    numbers = Complaint.objects.filter(reference__regex=rf"^{re.escape(prefix)}[0-9]+$").values_list(
        "reference", flat=True
    )
    last = max((int(reference.removeprefix(prefix)) for reference in numbers), default=0)
    return f"{prefix}{last + 1:05d}"


def log_complaint(
    user,
    *,
    received: date,
    channel: str,
    mentions: list[MentionInput],
    complainant: dict | None = None,
    summary: str = "",
    handler=None,
    today: date | None = None,
) -> Complaint:
    """Log a new stage 1 complaint with its mentions and aspects. The procedure follows from the first
    service named and the date received; the due dates from the procedure."""
    _may_handle(user)
    today = today or timezone.localdate()
    received = _date(received, today, "The date received", not_before=EARLIEST_RECEIVED, since="the earliest")
    _check(channel in Channel.values, f"Choose how the complaint came in: {', '.join(Channel.labels)}.")
    _check_mentions(mentions)
    summary = _text(summary, SUMMARY_MAX_LENGTH, "The summary")
    if handler is not None:
        _check_handler(handler)
    procedure = timescales.procedure_for(_statutory_procedure(mentions[0]), received)
    due = timescales.due_dates(procedure, Stage.STAGE_1, received, calendar=WorkingCalendar())
    for _attempt in range(5):  # two officers logging at once may reach for the same number
        reference = next_reference(received)
        try:
            with transaction.atomic(), counts.batch():
                complaint = Complaint.objects.create(
                    reference=reference,
                    received=received,
                    channel=channel,
                    procedure=procedure,
                    stage=Stage.STAGE_1,
                    complainant=_complainant(complainant),
                    summary=summary,
                    handler=handler,
                    acknowledge_by=due.acknowledge_by,
                    respond_by=due.respond_by,
                    created_by=user,
                )
                _add_mentions(complaint, mentions)
                return complaint
        except IntegrityError:
            if not Complaint.objects.filter(reference=reference).exists():
                raise  # not the reference: a real fault
            # Someone else took the number meanwhile: take the next one.
    raise ComplaintError("Another complaint was being logged at the same moment: please try again.")


def _add_mentions(complaint: Complaint, mentions: list[MentionInput]) -> None:
    for order, mention in enumerate(mentions, start=1):
        made = Mention.objects.create(
            complaint=complaint, order=order, division=mention.division, service=mention.service
        )
        Aspect.objects.bulk_create(Aspect(mention=made, type=kind) for kind in mention.aspects)
    counts.touch_dates([complaint.received])  # (bulk_create sends no signals)


# Moving a complaint on ---------------------------------------------------------------------------


@transaction.atomic
@counts.batched
def acknowledge(
    user, complaint: Complaint, *, on: date | None = None, today: date | None = None
) -> Complaint:
    """Record the acknowledgement. Under the Code the response is due 10 (stage 2: 20) working days after
    it, so the response date moves with it unless an extension has set it."""
    _may_handle(user)
    complaint = _locked(complaint)
    today = today or timezone.localdate()
    on = _date(on, today, "The acknowledgement", not_before=complaint.received, since="the date received")
    _move(complaint, ComplaintStatus.ACKNOWLEDGED)
    complaint.acknowledged_on = on
    if not complaint.extensions.exists():
        complaint.respond_by = timescales.due_dates(
            complaint.procedure, complaint.stage, complaint.received, on, WorkingCalendar()
        ).respond_by
    complaint.save()
    return complaint


def _check_handler(handler) -> None:
    _check(
        handler.is_active and handler.has_perm("complaints.handle_complaint"),
        f"{handler.get_full_name() or handler.username} cannot handle complaints: choose a complaints officer.",
    )


@transaction.atomic
@counts.batched
def assign(user, complaint: Complaint, handler) -> Complaint:
    """Give the complaint to a handler. Under the Code, whoever handled stage 1 may not handle stage 2."""
    _may_handle(user)
    complaint = _locked(complaint)
    _check(
        not complaint.is_finished,
        f"Complaint {complaint.reference} is {complaint.get_status_display().lower()}.",
    )
    _check_handler(handler)
    scale = timescales.timescale(complaint.procedure, complaint.stage)
    earlier = complaint.escalated_from
    if scale.new_handler and earlier is not None:
        _check(
            earlier.handler_id != handler.pk,
            f"{handler.get_full_name() or handler.username} handled {earlier.reference} at stage {earlier.stage}: "
            f"under the {scale.procedure_label} someone else must handle stage {complaint.stage}.",
        )
    complaint.handler = handler
    complaint.save()
    return complaint


@transaction.atomic
@counts.batched
def extend(user, complaint: Complaint, *, new_due: date, reason: str, today: date | None = None) -> Extension:
    """Give more time to respond, with the reason the complainant is told and a date within the
    procedure's limit. It is agreed before the response falls due, never after (an overdue response
    stays overdue: the on-time figures count it)."""
    _may_handle(user)
    complaint = _locked(complaint)
    today = today or timezone.localdate()
    _check(complaint.is_open, f"Complaint {complaint.reference} is {complaint.get_status_display().lower()}.")
    _check(
        complaint.respond_by is None or today <= complaint.respond_by,
        f"The response was due on {complaint.respond_by:%-d %B %Y}: an extension is agreed before the "
        "response falls due, not after."
        if complaint.respond_by
        else "",
    )
    reason = _text(reason, REASON_MAX_LENGTH, "The reason")
    _check(bool(reason), "Give the reason for the extension, as the complainant is told it.")
    try:
        timescales.check_extension(
            complaint.procedure,
            complaint.stage,
            complaint.received,
            complaint.acknowledged_on,
            complaint.respond_by,
            new_due,
            WorkingCalendar(),
        )
    except timescales.TimescaleError as error:
        raise ComplaintError(str(error)) from None
    extension = Extension.objects.create(
        complaint=complaint,
        reason=reason,
        previous_due=complaint.respond_by,
        new_due=new_due,
        granted_by=user,
    )
    complaint.respond_by = new_due
    complaint.save()
    # Aspects answered already keep the on-time they had: they were answered against the date then.
    return extension


@transaction.atomic
@counts.batched
def record_response(
    user, aspect: Aspect, *, outcome: str, responded_on: date | None = None, today: date | None = None
) -> Aspect:
    """Record an aspect's outcome and the date it was answered (or correct it while the complaint is
    open). When the last aspect is answered, the complaint is responded."""
    _may_handle(user)
    complaint = _locked(aspect.mention.complaint)
    aspect = (
        Aspect.objects.select_related("mention__division").select_for_update(of=("self",)).get(pk=aspect.pk)
    )
    today = today or timezone.localdate()
    _check(
        complaint.status in {ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.RESPONDED},
        f"Complaint {complaint.reference} is {complaint.get_status_display().lower()}: "
        + (
            "acknowledge it before recording responses."
            if complaint.status == ComplaintStatus.RECEIVED
            else "its responses can no longer change."
        ),
    )
    division = aspect.mention.division
    if division.records_outcomes:
        _check(
            outcome in AspectOutcome.decided(),
            f"Choose an outcome: {', '.join(o.label.lower() for o in AspectOutcome.decided())}.",
        )
    else:
        _check(
            outcome == AspectOutcome.NOT_KNOWN,
            f"{division} does not record outcomes: its aspects are answered as not known.",
        )
    if outcome != aspect.outcome:
        _check(
            outcome in ASPECT_TRANSITIONS[aspect.outcome],
            f"An aspect that is {AspectOutcome(aspect.outcome).label.lower()} cannot become "
            f"{AspectOutcome(outcome).label.lower()}.",
        )
    aspect.responded_on = _date(
        responded_on, today, "The response", not_before=complaint.received, since="the date received"
    )
    aspect.outcome = outcome
    aspect.on_time = timescales.answered_on_time(aspect.responded_on, complaint.respond_by)
    aspect.save()
    _refresh_responded(complaint)
    return aspect


def _refresh_responded(complaint: Complaint) -> None:
    """A complaint is responded when every aspect is answered; its response date is the last answer's."""
    answers = Aspect.objects.filter(mention__complaint=complaint).aggregate(
        unanswered=Max("pk", filter=Q(responded_on__isnull=True)), last=Max("responded_on")
    )
    if answers["unanswered"] is not None:
        return
    if complaint.status == ComplaintStatus.ACKNOWLEDGED:
        _move(complaint, ComplaintStatus.RESPONDED)
    complaint.responded_on = answers["last"]
    complaint.save()


@transaction.atomic
@counts.batched
def close(user, complaint: Complaint, *, on: date | None = None, today: date | None = None) -> Complaint:
    """Close a responded complaint at this stage."""
    _may_handle(user)
    complaint = _locked(complaint)
    today = today or timezone.localdate()
    _move(complaint, ComplaintStatus.CLOSED)
    complaint.closed_on = _date(
        on, today, "The closing date", not_before=complaint.responded_on, since="the response"
    )
    complaint.save()
    return complaint


@transaction.atomic
@counts.batched
def escalate(
    user, complaint: Complaint, *, received: date | None = None, today: date | None = None
) -> Complaint:
    """The complainant asks for the next stage: a new complaint at that stage, linked to this one, under
    the same procedure, naming the same services and aspects (all ongoing again), with its own due dates."""
    _may_handle(user)
    complaint = _locked(complaint)
    today = today or timezone.localdate()
    received = _date(
        received, today, "The escalation request", not_before=complaint.responded_on, since="the response"
    )
    try:
        timescales.timescale(complaint.procedure, complaint.stage + 1)
    except timescales.TimescaleError as error:
        raise ComplaintError(str(error)) from None
    _move(complaint, ComplaintStatus.ESCALATED)
    complaint.closed_on = complaint.closed_on or received
    complaint.save()
    stage = complaint.stage + 1
    due = timescales.due_dates(complaint.procedure, stage, received, calendar=WorkingCalendar())
    root = complaint.reference.split("/")[0]
    later = Complaint.objects.create(
        reference=f"{root}/{stage}",
        received=received,
        channel=complaint.channel,
        procedure=complaint.procedure,
        stage=stage,
        escalated_from=complaint,
        complainant=complaint.complainant,
        summary=complaint.summary,
        acknowledge_by=due.acknowledge_by,
        respond_by=due.respond_by,
        created_by=user,
    )
    mentions = complaint.mentions.select_related("division", "service").prefetch_related("aspects")
    _add_mentions(
        later,
        [MentionInput(m.division, m.service, [a.type for a in m.aspects.all()]) for m in mentions],
    )
    return later


# Erasing complainants' details ------------------------------------------------------------------


def erasure_cutoff(today: date, years: int | None = None) -> date:
    years = settings.COMPLAINTS_ERASE_AFTER_YEARS if years is None else years
    return today - relativedelta(years=years)


def complainants_due_for_erasure(today: date, years: int | None = None):
    """Complainants not erased yet whose every complaint closed (or was escalated and its last stage
    closed) on or before the cut-off: none still open, none closed since."""
    cutoff = erasure_cutoff(today, years)
    return (
        Complainant.objects.filter(erased_on__isnull=True)
        .annotate(
            unfinished=Max("complaints__pk", filter=~Q(complaints__status__in=ComplaintStatus.finished())),
            last_closed=Max("complaints__closed_on"),
        )
        .filter(unfinished__isnull=True)
        .filter(Q(last_closed__lte=cutoff) | Q(last_closed__isnull=True, created_at__date__lte=cutoff))
    )


def erase_complainant_details(today: date | None = None, years: int | None = None) -> int:
    """Blank the personal details of complainants whose cases closed ``years`` (the setting
    COMPLAINTS_ERASE_AFTER_YEARS, six by default) ago or more, and the summaries of their complaints.
    The anonymous rows the statistics count (complaints, mentions, aspects, remedies) stay. Safe to run
    again: an erased complainant is skipped. Returns how many were erased."""
    today = today or timezone.localdate()
    erased = 0
    for pk in complainants_due_for_erasure(today, years).values_list("pk", flat=True).iterator():
        with transaction.atomic():
            # Lock the row, then ask again: another run may have erased it, or an escalation reopened a case.
            Complainant.objects.select_for_update().filter(pk=pk).first()
            if not complainants_due_for_erasure(today, years).filter(pk=pk).exists():
                continue
            Complainant.objects.filter(pk=pk).update(
                name="", email="", phone="", address="", representative="", erased_on=today
            )
            # (The summary is not counted: the stored yearly counts, complaints.counts, stay as they are.)
            Complaint.objects.filter(complainant_id=pk).exclude(summary="").update(summary="")
            # An extension's reason is what the complainant was told, and may name them: it goes too,
            # from the history as well (the summary and the complainant are never in the history).
            extensions = {"complaint__complainant_id": pk}
            Extension.objects.filter(**extensions).exclude(reason="").update(reason="")
            Extension.history.filter(
                complaint_id__in=Complaint.objects.filter(complainant_id=pk).values("pk")
            ).exclude(reason="").update(reason="")
            erased += 1
    return erased


# The Ombudsman, remedies and compliments -----------------------------------------------------------

MAX_AMOUNT = Decimal("9999999999.99")  # MONEY's twelve digits
QUOTE_MAX_LENGTH = 3000


def pounds(value) -> Decimal:
    """An amount of money as pounds and pence: a Decimal with at most two decimal places, not negative.
    Accepts a Decimal, an int or text such as "1,400.07" or "£20.00" (never a float)."""
    if isinstance(value, float):
        raise ComplaintError("Give amounts of money as text or a Decimal, not a floating-point number.")
    text = str(value).strip().replace(",", "").removeprefix("£")
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ComplaintError(f"{value!r} is not an amount of money.") from None
    _check(amount.is_finite(), f"{value!r} is not an amount of money.")
    _check(
        amount.as_tuple().exponent >= -2, f"£{text} has more than two decimal places: give pounds and pence."
    )
    _check(amount >= 0, f"£{text} is negative: a remedy is an amount paid or written off.")
    _check(amount <= MAX_AMOUNT, f"£{text} is more than the £{MAX_AMOUNT:,} an amount can be.")
    return amount.quantize(Decimal("0.01"))


def _may(user, permission: str, who: str) -> None:
    _check(user is not None and user.has_perm(permission), f"Only {who} can do this.")


@transaction.atomic
def open_ombudsman_case(
    user,
    *,
    reference: str,
    division: Division,
    received: date,
    complaint: Complaint | None = None,
    today=None,
) -> OmbudsmanCase:
    """Record a case the Ombudsman opened (its own reference), about a division and perhaps a complaint."""
    _may(user, "complaints.handle_ombudsmancase", "complaints officers and admins")
    today = today or timezone.localdate()
    reference = _text(reference, 30, "The Ombudsman's reference")
    _check(bool(reference), "Give the Ombudsman's reference.")
    _check(
        not OmbudsmanCase.objects.filter(reference=reference).exists(),
        f"There is already an Ombudsman case {reference}.",
    )
    received = _date(received, today, "The date received", not_before=EARLIEST_RECEIVED, since="the earliest")
    if complaint is not None:
        _check(
            complaint.received <= received,
            f"The Ombudsman cannot have received it before complaint {complaint.reference} was made.",
        )
    return OmbudsmanCase.objects.create(
        reference=reference, division=division, received=received, complaint=complaint
    )


@transaction.atomic
def add_ombudsman_deadline(user, case: OmbudsmanCase, *, what: str, due: date) -> OmbudsmanDeadline:
    """A response the Ombudsman asked for by a date."""
    _may(user, "complaints.handle_ombudsmancase", "complaints officers and admins")
    what = _text(what, 200, "What the Ombudsman asked for")
    _check(bool(what), "Say what the Ombudsman asked for.")
    _check(
        due >= case.received,
        f"The deadline cannot be before the case was received, {case.received:%-d %B %Y}.",
    )
    return OmbudsmanDeadline.objects.create(case=case, what=what, due=due)


@transaction.atomic
def answer_ombudsman_deadline(user, deadline: OmbudsmanDeadline, *, on: date | None = None, today=None):
    _may(user, "complaints.handle_ombudsmancase", "complaints officers and admins")
    deadline = OmbudsmanDeadline.objects.select_for_update().get(pk=deadline.pk)
    today = today or timezone.localdate()
    if deadline.answered is not None:
        raise ComplaintError(f"This deadline was answered on {deadline.answered:%-d %B %Y}.")
    deadline.answered = _date(on, today, "The answer", not_before=deadline.case.received, since="the case")
    deadline.save()
    return deadline


@transaction.atomic
def record_ombudsman_decision(
    user,
    case: OmbudsmanCase,
    *,
    decision: str,
    decided: date,
    investigated: bool,
    remedy_complied: bool | None = None,
    public_report: bool = False,
    today=None,
) -> OmbudsmanCase:
    """The Ombudsman's decision. Upheld or not upheld follows an investigation; a public report and a
    remedy complied with follow an upheld one."""
    _may(user, "complaints.handle_ombudsmancase", "complaints officers and admins")
    case = OmbudsmanCase.objects.select_for_update().get(pk=case.pk)
    today = today or timezone.localdate()
    _check(decision in OmbudsmanDecision.values, "Choose the Ombudsman's decision from the list.")
    decision = OmbudsmanDecision(decision)
    _check(
        investigated or decision not in OmbudsmanDecision.after_investigation(),
        f'"{decision.label}" follows an investigation: tick investigated, or choose the decision made without one.',
    )
    upheld = decision in OmbudsmanDecision.upheld()
    _check(upheld or remedy_complied is None, "Only an upheld case has a remedy to comply with.")
    _check(upheld or not public_report, "The Ombudsman issues a public report only on an upheld case.")
    case.decided = _date(
        decided, today, "The decision", not_before=case.received, since="the case was received"
    )
    case.decision, case.investigated = decision, investigated
    case.remedy_complied, case.public_report = remedy_complied, public_report
    case.save()
    return case


@transaction.atomic
def record_remedy(
    user,
    *,
    division: Division,
    stage: str,
    type: str,
    amount,
    agreed: date,
    complaint: Complaint | None = None,
    ombudsman_case: OmbudsmanCase | None = None,
    today=None,
) -> Remedy:
    """A financial remedy agreed at stage 1 or by the Ombudsman, in pounds and pence."""
    _may(user, "complaints.record_remedy", "complaints officers and admins")
    today = today or timezone.localdate()
    _check(stage in RemedyStage.values, f"Choose the stage: {', '.join(RemedyStage.labels)}.")
    _check(type in RemedyType.values, f"Choose the type of remedy: {', '.join(RemedyType.labels)}.")
    _check(
        ombudsman_case is None or stage == RemedyStage.OMBUDSMAN,
        "A remedy on an Ombudsman case is at the Ombudsman stage.",
    )
    agreed = _date(agreed, today, "The date agreed", not_before=EARLIEST_RECEIVED, since="the earliest")
    return Remedy.objects.create(
        division=division,
        stage=stage,
        type=type,
        amount=pounds(amount),
        agreed=agreed,
        complaint=complaint,
        ombudsman_case=ombudsman_case,
    )


@transaction.atomic
def record_compliment(
    user,
    *,
    received: date,
    division: Division,
    channel: str,
    service: Service | None = None,
    quote: str = "",
    today=None,
) -> Compliment:
    """Thanks the council received, with an optional anonymised quote."""
    _may(user, "complaints.record_compliment", "complaints officers and admins")
    today = today or timezone.localdate()
    received = _date(received, today, "The date received", not_before=EARLIEST_RECEIVED, since="the earliest")
    _check(channel in Channel.values, f"Choose how it came in: {', '.join(Channel.labels)}.")
    _check(
        service is None or service.division_id == division.pk, f"{service} is not a service of {division}."
    )
    quote = _text(quote, QUOTE_MAX_LENGTH, "The quote")
    return Compliment.objects.create(
        received=received, division=division, service=service, channel=channel, quote=quote
    )
