"""Operations on portfolio plans that span several models: loading and importing."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator

from ambitions.models import Ambition, Portfolio, Post
from ambitions.services import SEED_DATA, current_strategy, ensure_portfolios
from bromley_portal.core.financial_year import FinancialYear
from plans.choices import PERIOD_TRANSITIONS, UPDATE_TRANSITIONS, PeriodStatus, UpdateStatus
from plans.models import (
    Action,
    ActionDetail,
    Amendment,
    Measure,
    MeasureFigure,
    MeasureOfSuccess,
    PlanSection,
    PortfolioPlan,
    QuarterlyUpdate,
    Reading,
    ReportingPeriod,
)

SEED_PLANS = ["plan_cef_2023_24.json", "plan_priorities_2018_19.json"]


def month_date(text: str | None) -> date | None:
    """ "2024-04" -> 1 April 2024."""
    if not text:
        return None
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def posts_named(titles) -> list[Post]:
    return [Post.objects.get_or_create(title=title)[0] for title in titles]


@transaction.atomic
def load_plan(data: dict) -> tuple[PortfolioPlan, bool]:
    """Load a plan from the seed JSON (fixtures/build_seed_data.py). Returns (plan, created).

    A plan already loaded is left as it is, so running the demo set-up again is quick and safe.
    """
    portfolios = {portfolio.code: portfolio for portfolio in Portfolio.objects.all()}
    year = FinancialYear.parse(data["year"]).start_year
    portfolio = portfolios[data["portfolio_code"]]
    existing = PortfolioPlan.objects.filter(portfolio=portfolio, year=year).first()
    if existing:
        return existing, False
    plan = PortfolioPlan.objects.create(
        portfolio=portfolio,
        year=year,
        title=data["title"],
        section_kind=data["section_kind"],
        source=data.get("source", ""),
    )
    ambitions = {
        ambition.number: ambition for ambition in Ambition.objects.filter(strategy__start_year__lte=year + 1)
    }
    published_periods = {}
    for item in data["sections"]:
        section = PlanSection.objects.create(
            plan=plan,
            # Ambition sections take the ambition's number, so action 5.3 is under ambition 5.
            number=item["ambition"] or item["number"],
            ambition=ambitions.get(item["ambition"]) if item["ambition"] else None,
            title=item["title"],
            statement=item.get("statement", ""),
            rationale=item.get("rationale", ""),
            key_strategies=item.get("key_strategies", []),
            alignment=item.get("alignment", []),
        )
        for entry in item["actions"]:
            action = Action.objects.create(
                section=section,
                number=entry["number"],
                title=entry["title"],
                target_date=month_date(entry["target_date"]),
                target_date_text=entry["target_date_text"],
                annual_programme=entry["annual_programme"],
            )
            action.lead_posts.set(posts_named(entry["leads"]))
            action.portfolios.set(
                [portfolios[code] for code in entry.get("portfolios", []) if code in portfolios]
            )
            ActionDetail.objects.bulk_create(
                ActionDetail(action=action, order=order, letter=detail["letter"] or "", text=detail["text"])
                for order, detail in enumerate(entry["details"], start=1)
            )
            MeasureOfSuccess.objects.bulk_create(
                MeasureOfSuccess(action=action, order=order, text=text)
                for order, text in enumerate(entry["measures"], start=1)
            )
            if entry.get("update"):
                quarter = entry.get("update_quarter") or 4
                if quarter not in published_periods:
                    published_periods[quarter] = published_period(year, quarter)
                QuarterlyUpdate.objects.create(
                    action=action,
                    period=published_periods[quarter],
                    narrative=entry["update"],
                    status=UpdateStatus.LOCKED,
                )
    return plan, True


def published_period(year: int, quarter: int) -> ReportingPeriod:
    """A past period whose updates were published in a plan document: locked as reported."""
    period, _ = ReportingPeriod.objects.get_or_create(
        year=year,
        quarter=quarter,
        defaults={**ReportingPeriod.default_dates(year, quarter), "status": PeriodStatus.LOCKED},
    )
    return period


def load_seed_plans() -> list[tuple[PortfolioPlan, bool]]:
    ensure_portfolios()
    return [load_plan(json.loads((SEED_DATA / name).read_text())) for name in SEED_PLANS]


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    what: str
    changes: list[str]


def _describe(record, previous, labels, post_titles) -> list[str]:
    if previous is None:
        return []
    changes = []
    for change in record.diff_against(previous).changes:
        label = labels.get(change.field, change.field.replace("_", " "))
        if change.field == "lead_posts":
            old = ", ".join(post_titles.get(row["post"], "?") for row in change.old)
            new = ", ".join(post_titles.get(row["post"], "?") for row in change.new)
        else:
            old, new = change.old, change.new
        changes.append(f"{label}: “{Truncator(old).chars(120)}” → “{Truncator(new).chars(120)}”")
    return changes


def action_history(action) -> list[HistoryEntry]:
    """Who changed what and when: the action, its detail items and its measures, newest first."""
    post_titles = dict(Post.objects.values_list("pk", "title"))
    entries = []
    kinds = [
        ("Action", action.history.all(), lambda record: record.id),
        ("Detail", ActionDetail.history.filter(action_id=action.pk), lambda record: record.id),
        (
            "Measure of success",
            MeasureOfSuccess.history.filter(action_id=action.pk),
            lambda record: record.id,
        ),
    ]
    verbs = {"+": "added", "~": "changed", "-": "removed"}
    for kind, records, key in kinds:
        labels = {field.name: str(field.verbose_name) for field in records.model._meta.fields}
        labels["lead_posts"] = "Lead"
        previous_by_object = {}
        for record in records.select_related("history_user").order_by("history_date", "history_id"):
            previous = previous_by_object.get(key(record))
            previous_by_object[key(record)] = record
            changes = _describe(record, previous, labels, post_titles) if record.history_type == "~" else []
            first_leads = all(change.startswith("Lead: “”") for change in changes)
            if (
                record.history_type == "~"
                and previous is not None
                and previous.history_type == "+"
                and first_leads
            ):
                continue  # the leads set straight after creating are part of "added", not a change
            entries.append(
                HistoryEntry(
                    when=record.history_date,
                    who=str(record.history_user) if record.history_user else "Data load",
                    what=f"{kind} {verbs[record.history_type]}",
                    changes=changes,
                )
            )
    return sorted(entries, key=lambda entry: entry.when, reverse=True)


# Quarterly updates -------------------------------------------------------------


class WorkflowError(Exception):
    """A move the workflow does not allow; the message says why, in plain English."""


class StaleUpdateError(WorkflowError):
    """Someone else saved the update after this person opened it."""


def _check(allowed: bool, message: str) -> None:
    if not allowed:
        raise WorkflowError(message)


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


@transaction.atomic
def save_update(
    update, user, *, version: int, rag: str, narrative: str, evidence_links=(), figures=None, submit=False
):
    """Save an officer's draft, and submit it if asked. Refuses a stale save (optimistic locking)."""
    _check(
        user.has_perm("plans.edit_update", update),
        "Only the action's lead, or their delegate, can write its update.",
    )
    period = ReportingPeriod.objects.get(pk=update.period_id)  # as it is now, not as the form saw it
    _check(period.is_open, f"{period} is not open for updates.")
    if update.pk:
        current = QuarterlyUpdate.objects.select_for_update().get(pk=update.pk)
        if current.version != version:
            raise StaleUpdateError(
                f"{current.history.first().history_user or 'Someone'} saved this update at "
                f"{timezone.localtime(current.updated_at):%H:%M on %d %B} after you opened it, so your changes were "
                "not saved. Their version is shown below: copy anything you need from your text, then save again."
            )
        update = current
    else:
        _check(version == 0, "This update was started by someone else after you opened it. Reload the page.")
        update.created_by = user
    _check(
        update.is_editable,
        f"This update is {update.get_status_display().lower()} and can no longer be edited.",
    )
    update.rag = rag
    update.narrative = narrative.strip()
    update.evidence_links = list(evidence_links)
    update.version = (update.version or 0) + 1 if update.pk else 1
    if submit:
        _check(bool(update.rag), "Choose a RAG status before submitting.")
        _check(bool(update.narrative), "Write the update before submitting.")
        move(update, UpdateStatus.SUBMITTED)
        update.submitted_by, update.submitted_at = user, timezone.now()
    update._history_user = user
    try:
        with transaction.atomic():
            update.save()
    except IntegrityError:
        # Two people saved the first draft of the same update at once: the other one won.
        raise StaleUpdateError(
            "Someone else started this update after you opened it, so your changes were not saved. "
            "Their version is shown below: copy anything you need from your text, then save again."
        ) from None
    for measure_id, value in (figures or {}).items():
        value = (value or "").strip()
        if value:
            MeasureFigure.objects.update_or_create(
                update=update, measure_id=measure_id, defaults={"value": value}
            )
        else:
            MeasureFigure.objects.filter(update=update, measure_id=measure_id).delete()
    return update


def _decide(update, user, new_status: str, comment: str = "") -> "QuarterlyUpdate":
    _check(user.has_perm("plans.approve_update", update), "Only an approver for this portfolio can do that.")
    period = ReportingPeriod.objects.get(pk=update.period_id)
    _check(not period.is_locked, f"{period} is locked for committee.")
    move(update, new_status)
    update.return_comment = comment
    update.decided_by, update.decided_at = user, timezone.now()
    update.version += 1
    update._history_user = user
    update.save()
    return update


@transaction.atomic
def approve_update(update, user) -> "QuarterlyUpdate":
    update = QuarterlyUpdate.objects.select_for_update().get(pk=update.pk)
    return _decide(update, user, UpdateStatus.APPROVED)


@transaction.atomic
def return_update(update, user, comment: str) -> "QuarterlyUpdate":
    _check(bool(comment.strip()), "Say what needs to change when returning an update.")
    update = QuarterlyUpdate.objects.select_for_update().get(pk=update.pk)
    return _decide(update, user, UpdateStatus.RETURNED, comment.strip())


def _move_period(period, new_status: str) -> None:
    _check(
        new_status in PERIOD_TRANSITIONS[period.status],
        f"{period} is {period.get_status_display().lower()}, so it cannot become {PeriodStatus(new_status).label.lower()}.",
    )
    period.status = new_status


@transaction.atomic
def open_period(period, user):
    _check(user.has_perm("plans.manage_periods"), "Only a clerk can open a reporting period.")
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    _move_period(period, PeriodStatus.OPEN)
    period._history_user = user
    period.save()
    return period


@transaction.atomic
def lock_period(period, user):
    """Lock a period for committee: approved updates become locked and stay as reported."""
    _check(user.has_perm("plans.manage_periods"), "Only a clerk can lock a reporting period.")
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    _move_period(period, PeriodStatus.LOCKED)
    period.locked_at, period.locked_by = timezone.now(), user
    period._history_user = user
    period.save()
    for update in QuarterlyUpdate.objects.filter(period=period, status=UpdateStatus.APPROVED):
        move(update, UpdateStatus.LOCKED)
        update._history_user = user
        update.save()
    return period


@transaction.atomic
def amend_update(update, user, *, narrative: str, reason: str, rag: str = "") -> "Amendment":
    """Correct a locked update: a new, recorded amendment; the original text never changes."""
    _check(
        user.has_perm("plans.amend_update", update),
        "Only a clerk or the portfolio's approver can amend an update.",
    )
    _check(update.status == UpdateStatus.LOCKED, "Only a locked update is amended; edit it instead.")
    _check(bool(narrative.strip()), "Write the corrected text.")
    _check(bool(reason.strip()), "Give the reason for the amendment.")
    return Amendment.objects.create(
        update=update, rag=rag, narrative=narrative.strip(), reason=reason.strip(), created_by=user
    )


@transaction.atomic
def roll_forward_plan(plan: PortfolioPlan, year: int) -> PortfolioPlan:
    """Copy a plan's sections and actions into a new year's plan, for the portfolio to revise."""
    if PortfolioPlan.objects.filter(portfolio=plan.portfolio, year=year).exists():
        raise WorkflowError(f"{plan.portfolio.name} already has a plan for {FinancialYear(year).label}.")
    new_plan = PortfolioPlan.objects.create(
        portfolio=plan.portfolio,
        year=year,
        title=plan.title.replace(plan.year_label, FinancialYear(year).label),
        section_kind=plan.section_kind,
        source=f"Rolled forward from {plan}",
    )
    sections = plan.sections.prefetch_related(
        "actions__details", "actions__measures_of_success", "actions__lead_posts", "actions__portfolios"
    )
    for section in sections:
        new_section = PlanSection.objects.create(
            plan=new_plan,
            number=section.number,
            ambition=section.ambition,
            title=section.title,
            statement=section.statement,
            rationale=section.rationale,
            key_strategies=section.key_strategies,
            alignment=section.alignment,
        )
        for action in section.actions.all():
            new_action = Action.objects.create(
                section=new_section,
                number=action.number,
                title=action.title,
                commitment=action.commitment,
                target_date=action.target_date,
                target_date_text=action.target_date_text,
                annual_programme=action.annual_programme,
            )
            new_action.lead_posts.set(action.lead_posts.all())
            new_action.portfolios.set(action.portfolios.all())
            ActionDetail.objects.bulk_create(
                ActionDetail(action=new_action, order=d.order, letter=d.letter, text=d.text)
                for d in action.details.all()
            )
            MeasureOfSuccess.objects.bulk_create(
                MeasureOfSuccess(action=new_action, order=m.order, text=m.text)
                for m in action.measures_of_success.all()
            )
    return new_plan


# Measures ------------------------------------------------------------------------


def _source_text(source: dict) -> str:
    text = f"{source['seed']}, {source['section']}: “{source['quote']}”"
    return f"{text} ({source['note']})" if source.get("note") else text


@transaction.atomic
def load_measures(data: dict) -> int:
    """Load measures and their published readings (fixtures/data/measures.json); returns how many were new.

    A measure already loaded is left as it is, so the demo set-up can run again.
    """
    strategy = current_strategy()
    ambitions = {ambition.number: ambition for ambition in strategy.ambitions.all()} if strategy else {}
    created = 0
    for item in data["measures"]:
        if Measure.objects.filter(slug=item["slug"]).exists():
            continue
        owner = Post.objects.get_or_create(title=item["owner_post"])[0] if item.get("owner_post") else None
        measure = Measure.objects.create(
            slug=item["slug"],
            name=item["name"],
            definition=item["definition"],
            unit=item["unit"],
            polarity=item["polarity"],
            frequency=item["frequency"],
            tolerance=Decimal(str(item.get("tolerance") or 0)),
            owner_post=owner,
        )
        measure.ambitions.set(
            [ambitions[number] for number in item.get("ambitions", []) if number in ambitions]
        )
        actions = []
        for ref in item.get("actions", []):
            code, year = ref["plan"].split()
            actions.extend(
                Action.objects.filter(
                    section__plan__portfolio__code=code,
                    section__plan__year=FinancialYear.parse(year).start_year,
                    section__number=ref["section"],
                    number=ref["number"],
                )
            )
        measure.actions.set(actions)
        for reading in item["readings"]:
            year = FinancialYear.parse(reading["year"]).start_year
            Reading.objects.create(
                measure=measure,
                period=published_period(year, reading["quarter"]),
                **{
                    name: None if reading.get(name) is None else Decimal(str(reading[name]))
                    for name in ("actual", "target", "england", "london", "statistical_neighbours")
                },
                source=_source_text(reading["source"]),
            )
        created += 1
    return created


def load_seed_measures() -> int:
    return load_measures(json.loads((SEED_DATA / "measures.json").read_text()))
