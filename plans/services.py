"""Operations on plans and quarterly updates that span several models: the update workflow's
moves, amendments, opening and locking periods, rolling a plan forward, and an action's history.

Every view, command and task makes these moves through here, so the rules are the same
wherever a change comes from; who may make a move is plans.rules' business.
"""

from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.history import HistoryEntry, HistorySource, history_entries
from plans import counts, reminders
from plans.builders import PlanSpec, action_spec_from, build_plan, section_spec_from
from plans.choices import (
    COMMENT_MAX_LENGTH,
    EXCEPTION_MAX_LENGTH,
    EXCEPTIONS,
    NARRATIVE_MAX_LENGTH,
    PERIOD_TRANSITIONS,
    REASON_MAX_LENGTH,
    UNFINISHED,
    UPDATE_TRANSITIONS,
    NoticeEvent,
    PeriodStatus,
    Rag,
    UpdateStatus,
)
from plans.figures import FigureError, parse_figure
from plans.models import (
    WRITTEN,
    Action,
    ActionDetail,
    Amendment,
    DetailLead,
    MeasureFigure,
    MeasureOfSuccess,
    PortfolioPlan,
    QuarterlyUpdate,
    ReportingPeriod,
)
from plans.rules import wrote_update
from plans.tasks import tell_not_received, tell_update_moved


def action_history(action) -> list[HistoryEntry]:
    """Who changed what and when: the action, its details, their leads and measures, newest first
    (bromley_portal.core.history, as every history panel).

    Every way a plan is written (plans.builders) records history the same way, so a loaded,
    imported or rolled-forward action shows how it came to be.
    """
    detail_ids = list(
        ActionDetail.history.filter(action_id=action.pk).values_list("id", flat=True).distinct()
    )
    letters = dict(ActionDetail.history.filter(id__in=detail_ids).values_list("id", "letter"))

    def letter_of(field):
        def suffix(record) -> str:
            letter = letters.get(getattr(record, field))
            return f" ({letter})" if letter else ""

        return suffix

    return history_entries(
        [
            HistorySource("Action", action.history.all()),
            HistorySource("Detail", ActionDetail.history.filter(action_id=action.pk), suffix=letter_of("id")),
            HistorySource(
                "Lead",
                DetailLead.history.filter(detail_id__in=detail_ids).select_related("post"),
                suffix=letter_of("detail_id"),
                fallback=lambda record: [record.written_as or record.post.title],
            ),
            HistorySource(
                "Measure of success",
                MeasureOfSuccess.history.filter(detail_id__in=detail_ids),
                suffix=letter_of("detail_id"),
            ),
        ]
    )


# Quarterly updates -------------------------------------------------------------


class WorkflowError(Exception):
    """A move the workflow does not allow; the message says why, in plain English."""


class StaleUpdateError(WorkflowError):
    """Someone else saved the update after this person opened it."""


def _check(allowed: bool, message: str) -> None:
    if not allowed:
        raise WorkflowError(message)


def _check_length(text: str, limit: int, what: str) -> None:
    _check(len(text) <= limit, f"{what} must be {limit:,} characters or fewer; it has {len(text):,}.")


def move(update, new_status: str) -> None:
    """Change an update's status, refusing any move the workflow does not list."""
    allowed = UPDATE_TRANSITIONS[update.status]
    _check(
        new_status in allowed,
        f"An update that is {update.get_status_display().lower()} cannot become "
        f"{UpdateStatus(new_status).label.lower()}.",
    )
    update.status = new_status


def update_for(action, period) -> "QuarterlyUpdate":
    """The action's update for the period, or a new unsaved draft."""
    return QuarterlyUpdate.objects.filter(action=action, period=period).first() or QuarterlyUpdate(
        action=action, period=period
    )


def _period_for_moves(period_id) -> ReportingPeriod:
    """The period as it is now, its row locked for the rest of the transaction.

    Every move of an update (save, approve, return) takes the period row FOR SHARE, and
    locking the period takes it FOR UPDATE (lock_period), always before any update row: moves
    in one period run side by side, but a lock waits for the moves under way to finish and
    the moves that come after it see the period locked. So no approval lands in a locked
    period, and no draft is written into one.
    """
    if connection.vendor == "postgresql":
        # Django has no FOR SHARE; the query is fixed text with the id as a parameter.
        shared = "SELECT * FROM plans_reportingperiod WHERE id = %s FOR SHARE"
        return ReportingPeriod.objects.raw(shared, [period_id])[0]
    return ReportingPeriod.objects.select_for_update().get(pk=period_id)  # SQLite: one writer at a time


def _changed_by(current, verb="changed") -> str:
    record = current.history.select_related("history_user").first()
    who = record.history_user if record and record.history_user else "Someone"
    return f"{who} {verb} this update at {timezone.localtime(current.updated_at):%H:%M on %d %B}"


@transaction.atomic
@counts.batched
def reopen_action(action, user, period) -> Action:
    """Reopen an action reported Complete before ``period``, so its lead is asked for updates
    again from ``period`` on; who reopened it and when are kept (and in its history)."""
    _check(
        user.has_perm("plans.reopen_action", action),
        "Only the action's lead or an approver for its portfolio can reopen it.",
    )
    _check(action.is_complete_before(period), f"Action {action.reference} is not closed as complete.")
    action.reopened_at, action.reopened_by = timezone.now(), user
    action._history_user, action._change_reason = user, "Reopened after being reported complete"
    action.save(update_fields=["reopened_at", "reopened_by"])
    return action


def _check_exceptions(update) -> None:
    """A red or amber update is submitted with its reason, mitigation and recovery date."""
    if update.rag not in EXCEPTIONS:
        return
    status = Rag(update.rag).short_label.lower()
    _check(bool(update.reason), f"Give the reason for {_a(status)} update before submitting.")
    _check(bool(update.mitigation), f"Give the mitigation for {_a(status)} update before submitting.")
    _check(
        update.recovery_date is not None,
        f"Enter the recovery date for {_a(status)} update before submitting.",
    )


def _write_exceptions(update, reason: str, mitigation: str, recovery_date) -> None:
    reason, mitigation = (reason or "").strip(), (mitigation or "").strip()
    _check_length(reason, EXCEPTION_MAX_LENGTH, "The reason")
    _check_length(mitigation, EXCEPTION_MAX_LENGTH, "The mitigation")
    update.reason, update.mitigation, update.recovery_date = reason, mitigation, recovery_date


@transaction.atomic
@counts.batched
def save_update(
    update,
    user,
    *,
    version: int,
    rag: str,
    narrative: str,
    evidence_links=(),
    figures=None,
    submit=False,
    reason: str = "",
    mitigation: str = "",
    recovery_date=None,
):
    """Save an officer's draft, and submit it if asked. Refuses a stale save (optimistic locking).

    ``figures`` is {measure id: the figure as written}; each is read in its measure's unit
    (plans.figures.parse_figure) and kept as a number beside the text, or refused."""
    _check(
        user.has_perm("plans.edit_update", update),
        "Only the action's lead, or their delegate, can write its update.",
    )
    _check_length(narrative.strip(), NARRATIVE_MAX_LENGTH, "The update")
    period = _period_for_moves(update.period_id)  # as it is now, not as the form saw it
    _check(period.is_open, f"{period} is not open for updates.")
    update = _editable(update, user, version, period)
    update.rag = rag
    update.narrative = narrative.strip()
    update.evidence_links = list(evidence_links)
    _write_exceptions(update, reason, mitigation, recovery_date)
    numbers = _read_figures(update.action, figures or {})
    update.version = (update.version or 0) + 1 if update.pk else 1
    if submit:
        _check(bool(update.rag), "Choose a RAG status before submitting.")
        _check(bool(update.narrative), "Write the update before submitting.")
        _check_exceptions(update)
        move(update, UpdateStatus.SUBMITTED)
        update.submitted_by, update.submitted_at = user, timezone.now()
    update._history_user, update._change_reason = user, WRITTEN
    try:
        with transaction.atomic():
            update.save()
    except IntegrityError:
        # Two people saved the first draft of the same update at once: the other one won.
        update.pk = None
        raise StaleUpdateError(
            "Someone else started this update after you opened it, so your changes were not saved. "
            "Their version is shown below: copy anything you need from your text, then save again."
        ) from None
    _save_figures(update, numbers)
    if submit:
        _tell_on_commit(update, NoticeEvent.SUBMITTED)
    return update


def _editable(update, user, version: int, period):
    """The update as saved now, locked for the save, if it may still be edited at ``version``."""
    if update.pk:
        current = QuarterlyUpdate.objects.select_for_update().get(pk=update.pk)
        if current.version != version:
            raise StaleUpdateError(
                f"{_changed_by(current, 'saved')} after you opened it, so your changes were not saved. Their "
                "version is shown below: copy anything you need from your text, then save again."
            )
        update = current
    else:
        _check(version == 0, "This update was started by someone else after you opened it. Reload the page.")
        update.created_by = user
    _check(
        update.is_editable,
        f"This update is {update.get_status_display().lower()} and can no longer be edited.",
    )
    _check(
        update.pk or not update.action.is_complete_before(period),
        "This action was reported complete, so it is not asked for updates. Reopen it first.",
    )
    return update


def _tell_on_commit(update, event: str) -> None:
    """E-mail about the move once it is committed (plans.notices); a rolled-back move sends nothing."""
    update_id, version = update.pk, update.version
    transaction.on_commit(lambda: tell_update_moved.delay(update_id, event, version), robust=True)


def _read_figures(action, figures: dict) -> dict[int, tuple[str, object]]:
    """{measure id: (text, number)} for the action's own measures, each read in its unit."""
    units = dict(MeasureOfSuccess.objects.filter(detail__action=action).values_list("pk", "unit"))
    read = {}
    for measure_id, value in figures.items():
        _check(int(measure_id) in units, "A figure was given for a measure of another action.")
        value = (value or "").strip()
        try:
            read[int(measure_id)] = (value, parse_figure(value, units[int(measure_id)]))
        except FigureError as error:
            raise WorkflowError(f"The figure “{value}” {error}.") from None
    return read


def _save_figures(update, figures: dict) -> None:
    for measure_id, (value, number) in figures.items():
        if value:
            MeasureFigure.objects.update_or_create(
                update=update, measure_id=measure_id, defaults={"value": value, "number": number}
            )
        else:
            MeasureFigure.objects.filter(update=update, measure_id=measure_id).delete()


OWN_UPDATE = (
    "You wrote or submitted this update, so you cannot {verb} it: another approver for the portfolio must."
)


def _decide(update, user, new_status: str, *, version: int, comment: str = "") -> "QuarterlyUpdate":
    """Approve or return the version the approver read, under the period's lock (see _period_for_moves)."""
    verb = "approve" if new_status == UpdateStatus.APPROVED else "return"
    period = _period_for_moves(update.period_id)
    _check(not period.is_locked, f"{period} is locked for committee.")
    current = QuarterlyUpdate.objects.select_for_update().get(pk=update.pk)
    current.action = update.action  # loaded already: the rules read its plan
    _check(not wrote_update(user, current), OWN_UPDATE.format(verb=verb))
    _check(user.has_perm("plans.approve_update", current), "Only an approver for this portfolio can do that.")
    if current.version != version:
        raise StaleUpdateError(
            f"{_changed_by(current)} after you opened it, so you did not {verb} it. What it says now is "
            "shown below: read it, then decide again."
        )
    move(current, new_status)
    current.return_comment = comment
    current.decided_by, current.decided_at = user, timezone.now()
    current.version += 1
    current._history_user = user
    current._change_reason = "Approved" if new_status == UpdateStatus.APPROVED else "Returned to its lead"
    current.save()
    _tell_on_commit(
        current, NoticeEvent.APPROVED if new_status == UpdateStatus.APPROVED else NoticeEvent.RETURNED
    )
    return current


@transaction.atomic
@counts.batched
def approve_update(update, user, *, version: int) -> "QuarterlyUpdate":
    """Approve the update as the approver read it (``version``): a changed update is refused."""
    return _decide(update, user, UpdateStatus.APPROVED, version=version)


def approve_confirmed(batch, confirmed: str, updates: dict, user) -> int:
    """Approve exactly the set of green updates an approver confirmed (``confirmed``: the fingerprint the
    confirmation page showed them): if the set waiting now (``batch``: its versions and fingerprint,
    ``updates`` by id) is not that set at those versions, StaleUpdateError and nothing is approved."""
    if not batch.versions or batch.fingerprint != confirmed:
        raise StaleUpdateError("The green updates waiting are not the ones you confirmed any more")
    return approve_all([(updates[pk], version) for pk, version in batch.versions.items()], user)


@transaction.atomic
@counts.batched
def approve_all(updates_and_versions, user) -> int:
    """Approve each update as the approver read it, all or nothing: if any has changed since (another
    approver decided it, its lead changed it), StaleUpdateError or WorkflowError undoes them all.
    Periods are locked in one order, so two approvers approving at once never wait on each other in a
    circle; the second finds the versions moved on and approves nothing."""
    ordered = sorted(updates_and_versions, key=lambda pair: (pair[0].period_id, pair[0].pk))
    for update, version in ordered:
        _decide(update, user, UpdateStatus.APPROVED, version=version)
    return len(ordered)


@transaction.atomic
@counts.batched
def return_update(update, user, comment: str, *, version: int) -> "QuarterlyUpdate":
    """Send the update, as the approver read it (``version``), back to its lead with a comment."""
    comment = comment.strip()
    _check(bool(comment), "Say what needs to change when returning an update.")
    _check_length(comment, COMMENT_MAX_LENGTH, "What needs to change")
    return _decide(update, user, UpdateStatus.RETURNED, version=version, comment=comment)


def period_moves(user, period) -> dict[str, bool]:
    """Which of open and lock this person may be offered for the period (the moves check again)."""
    manage = user.has_perm("plans.manage_periods")
    allowed = PERIOD_TRANSITIONS[period.status]
    return {
        "can_open": manage and PeriodStatus.OPEN in allowed,
        "can_lock": manage and PeriodStatus.LOCKED in allowed,
    }


def _move_period(period, new_status: str) -> None:
    _check(
        new_status in PERIOD_TRANSITIONS[period.status],
        f"{period} is {period.get_status_display().lower()}, so it cannot become {PeriodStatus(new_status).label.lower()}.",
    )
    period.status = new_status


@transaction.atomic
@counts.batched
def open_period(period, user):
    _check(user.has_perm("plans.manage_periods"), "Only a clerk can open a reporting period.")
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    _move_period(period, PeriodStatus.OPEN)
    period._history_user = user
    period.save()
    return period


NOT_RECEIVED_REASON = "Closed as no update received when the period was locked"


@transaction.atomic
@counts.batched
def lock_period(period, user):
    """Lock a period for committee: approved updates become locked and stay as reported; every
    other action of the period's year (a draft, submitted or returned update, or none at all) is
    closed as "No update received", recording who was chased, and its leads and approvers are told.

    Takes the period row FOR UPDATE first, so it waits for saves and decisions under way and
    they wait for it (see _period_for_moves); then the updates, each row locked.
    """
    _check(user.has_perm("plans.manage_periods"), "Only a clerk can lock a reporting period.")
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    _move_period(period, PeriodStatus.LOCKED)
    period.locked_at, period.locked_by = timezone.now(), user
    period._history_user = user
    period.save()
    updates = list(
        QuarterlyUpdate.objects.select_for_update()
        .filter(period=period, status__in=[UpdateStatus.APPROVED, *UNFINISHED])
        .order_by("pk")
    )
    approved = [update for update in updates if update.status == UpdateStatus.APPROVED]
    for update in approved:
        move(update, UpdateStatus.LOCKED)
    bulk_update_with_history(
        approved, QuarterlyUpdate, ["status"], default_user=user, default_change_reason="Locked for committee"
    )
    closed = _close_not_received(period, user, [u for u in updates if u.status in UNFINISHED])
    counts.touch([period])  # bulk updates and inserts send no save signals
    if closed:
        ids = [update.pk for update in closed]
        # robust: the lock is committed whatever happens to the e-mails (a broker outage is logged).
        transaction.on_commit(lambda: tell_not_received.delay(period.pk, ids), robust=True)
    return period


def _close_not_received(period, user, unfinished) -> list[QuarterlyUpdate]:
    """Close the unfinished updates, and make a closed one for each action with none at all."""
    started = set(QuarterlyUpdate.objects.filter(period=period).values_list("action_id", flat=True))
    missing = [
        QuarterlyUpdate(action=action, period=period, status=UpdateStatus.NOT_STARTED, version=0)
        for action in Action.objects.filter(section__plan__year=period.year).exclude(pk__in=started)
    ]
    closing = unfinished + missing
    chased = reminders.chase_records(period, closing)
    for update in closing:
        update.chased = {"was": update.status, **chased[update.action_id]}
        move(update, UpdateStatus.NOT_RECEIVED)
        update.rag, update.narrative, update.evidence_links = "", "", []
        update.version += 1
        update.updated_at = timezone.now()  # bulk updates skip auto_now
    fields = ["status", "chased", "rag", "narrative", "evidence_links", "version", "updated_at"]
    bulk_update_with_history(
        unfinished, QuarterlyUpdate, fields, default_user=user, default_change_reason=NOT_RECEIVED_REASON
    )
    bulk_create_with_history(
        missing, QuarterlyUpdate, default_user=user, default_change_reason=NOT_RECEIVED_REASON
    )
    return QuarterlyUpdate.objects.filter(period=period, status=UpdateStatus.NOT_RECEIVED).order_by("pk")


@transaction.atomic
@counts.batched
def amend_update(update, user, *, narrative: str, reason: str, rag: str = "") -> "Amendment":
    """Correct a locked update: a new, recorded amendment; the original text never changes."""
    _check(not wrote_update(user, update), OWN_UPDATE.format(verb="amend"))
    _check(
        user.has_perm("plans.amend_update", update),
        "Only a clerk or the portfolio's approver can amend an update.",
    )
    _check(update.status == UpdateStatus.LOCKED, "Only a locked update is amended; edit it instead.")
    narrative, reason = narrative.strip(), reason.strip()
    _check(bool(narrative), "Write the corrected text.")
    _check(bool(reason), "Give the reason for the amendment.")
    _check_length(narrative, NARRATIVE_MAX_LENGTH, "The corrected update")
    _check_length(reason, REASON_MAX_LENGTH, "The reason for the amendment")
    return Amendment.objects.create(
        update=update, rag=rag, narrative=narrative, reason=reason, created_by=user
    )


def ensure_year_periods(year: int, user=None) -> list[ReportingPeriod]:
    """The four reporting periods of a financial year, made (not yet open) where missing."""
    return ReportingPeriod.ensure_year(year, user)


def rolled_target(detail, years: int) -> dict:
    """A detail's target in next year's plan: an Annual Programme date moves on a year; a one-off
    date that has passed by the new year is kept and flagged for its lead to confirm."""
    if detail.target_date is None:
        return {"target_date": None, "target_to_confirm": False}
    if detail.annual_programme:
        moved = detail.target_date.replace(year=detail.target_date.year + years)
        return {"target_date": moved, "target_to_confirm": False}
    return {"target_date": detail.target_date, "target_to_confirm": True}


@transaction.atomic
@counts.batched
def roll_forward_plan(plan: PortfolioPlan, year: int, user=None) -> PortfolioPlan:
    """Copy a plan into a new year's plan for the portfolio to revise: the new year's title and
    reporting periods, Annual Programme dates a year on, one-off dates flagged for their leads."""
    if PortfolioPlan.objects.filter(portfolio=plan.portfolio, year=year).exists():
        raise WorkflowError(f"{plan.portfolio.name} already has a plan for {FinancialYear(year).label}.")
    old, new = plan.financial_year, FinancialYear(year)
    title = old.rewrite(plan.title, new) if old.mentioned_in(plan.title) else f"{plan.title} {new.label}"
    sections = plan.sections.select_related("ambition").prefetch_related(
        Prefetch("actions", Action.objects.with_plan_text().prefetch_related("portfolios"))
    )
    spec = PlanSpec(
        portfolio=plan.portfolio,
        year=year,
        title=title,
        section_kind=plan.section_kind,
        source=f"Rolled forward from {plan}",
        illustrative=plan.illustrative,
        sections=[
            section_spec_from(
                section,
                [
                    action_spec_from(
                        action, detail_changes=lambda detail: rolled_target(detail, year - plan.year)
                    )
                    for action in section.actions.all()
                ],
            )
            for section in sections
        ],
    )
    new_plan = build_plan(spec, user=user)
    ensure_year_periods(year, user)
    return new_plan


def _a(word: str) -> str:
    """ "a red", "an amber"."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"
