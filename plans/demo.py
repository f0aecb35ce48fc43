"""Demo plans and quarterly updates, dated relative to today, so every demo role has something to do
and no deadline has already passed when the demo starts.

- The CEF 2023-24 plan (seed 001) is rolled forward into last financial year and this one, and the
  illustrative plans for ambitions 2 to 4 (fixtures/data/plans_illustrative.json) are loaded for
  both years, so every ambition on the corporate overview has actions.
- Last year's four quarters are locked, as are this year's quarters before the current one; the
  current quarter is open, due a fortnight after it ends, with updates in every state.
- The demo officer holds "Director Education" and writes for "Assistant Director Specialist
  Services" by delegation; the demo approver holds "Director Children, Education and Families"
  (CEF). A few named post holders (who cannot sign in) stand as the portfolios' chief officers and
  report contacts, so committee reports name them with a telephone number and e-mail address.
"""

import json
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ambitions.models import Commitment, Portfolio, Post
from ambitions.services import SEED_DATA, current_strategy, ensure_portfolios
from bromley_portal.core.financial_year import FinancialYear, quarter_of
from plans import counts, reminders
from plans.builders import ActionSpec, DetailSpec, LeadSpec, PlanSpec, SectionSpec, build_plan
from plans.choices import EXCEPTIONS, PeriodStatus, Rag, UpdateStatus
from plans.models import Action, Delegation, PortfolioPlan, QuarterlyUpdate, ReportingPeriod
from plans.services import ensure_year_periods, roll_forward_plan

ILLUSTRATIVE = "plans_illustrative.json"
NARRATIVES = {
    Rag.GREEN: "On track. The work planned for the quarter is done and the measures are moving the right way.",
    Rag.AMBER: "At risk. Recruitment to two posts is delayed, so the second phase will start late. "
    "Mitigation: agency cover from next month and a revised timetable to DLT. Expected back on track by "
    "the end of next quarter.",
    Rag.RED: "Off track. The provider withdrew from the contract, so the service stopped for six weeks. "
    "Mitigation: an interim provider is in place and the service is being re-procured. Recovery expected "
    "by the end of the financial year.",
    Rag.COMPLETE: "Complete. Delivered in the quarter and handed over to business as usual.",
    Rag.NOT_STARTED: "Not started. Due to begin next quarter, once the strategy it depends on is agreed.",
}
# A RAG for each action and quarter that moves about as real ones do: mostly green, some amber
# and red that recover, a few complete.
RAG_PATTERNS = [
    [Rag.GREEN, Rag.GREEN, Rag.GREEN, Rag.GREEN],
    [Rag.AMBER, Rag.AMBER, Rag.GREEN, Rag.GREEN],
    [Rag.GREEN, Rag.AMBER, Rag.RED, Rag.AMBER],
    [Rag.GREEN, Rag.GREEN, Rag.COMPLETE, Rag.COMPLETE],
    [Rag.NOT_STARTED, Rag.GREEN, Rag.GREEN, Rag.AMBER],
    [Rag.RED, Rag.RED, Rag.AMBER, Rag.GREEN],
    [Rag.GREEN, Rag.GREEN, Rag.AMBER, Rag.GREEN],
]
# Named holders of the posts that sign committee reports (made up; they cannot sign in).
POST_HOLDERS = [
    ("Director Children, Education and Families", "approver", "", "", "020 8461 7290"),
    ("Director Education", "officer", "", "", "020 8461 7384"),
    (
        "Assistant Director Strategy, Performance and Corporate Transformation",
        "hannah.okafor",
        "Hannah",
        "Okafor",
        "020 8461 7554",
    ),
    ("Director Adult Social Care", "mark.ellison", "Mark", "Ellison", "020 8461 7165"),
    (
        "Director of Housing, Planning, Property and Regeneration",
        "sunita.rao",
        "Sunita",
        "Rao",
        "020 8313 4412",
    ),
    ("Director of Environment and Public Protection", "colin.avery", "Colin", "Avery", "020 8313 4915"),
    ("Chief Executive", "alex.mercer", "Alex", "Mercer", "020 8313 4197"),
]
PORTFOLIO_OFFICERS = {
    "CEF": (
        "Director Children, Education and Families",
        "Assistant Director Strategy, Performance and Corporate Transformation",
    ),
    "ACH": (
        "Director Adult Social Care",
        "Assistant Director Strategy, Performance and Corporate Transformation",
    ),
    "RRH": ("Director of Housing, Planning, Property and Regeneration", None),
    "ECS": ("Director of Environment and Public Protection", None),
    "ERC": ("Chief Executive", None),
}


def demo_years(today: date) -> tuple[int, int, int]:
    """(last financial year, this one, this quarter)."""
    year, quarter = quarter_of(today)
    return year.start_year - 1, year.start_year, quarter


@transaction.atomic
@transaction.atomic
@counts.batched
def load_demo_updates(stdout=None, today: date | None = None) -> bool:
    """Returns False, changing nothing, when the demo plans for this year are already there."""
    today = today or timezone.localdate()
    last_year, this_year, quarter = demo_years(today)
    ensure_portfolios()
    if PortfolioPlan.objects.filter(portfolio__code="CEF", year=this_year).exists():
        return False
    plans = _demo_plans(last_year, this_year)
    open_period = _periods(last_year, this_year, quarter, today)
    people = _people()
    for index, plan in enumerate(plans):
        _updates(plan, open_period, people, offset=index)
    # The periods were locked with update() and the updates written with bulk_create: no save signals.
    counts.touch_years({last_year, this_year})
    if stdout:
        for plan in plans:
            stdout.write(f"  {plan}: demo plan{' (illustrative)' if plan.illustrative else ''}")
        stdout.write(f"  {open_period} is open for updates, due {open_period.due_on:%d %B %Y}")
    return True


def _demo_plans(last_year: int, this_year: int) -> list[PortfolioPlan]:
    plans = []
    source = PortfolioPlan.objects.filter(portfolio__code="CEF", year=2023).first()
    for year in (last_year, this_year):
        if (
            source
            and year > source.year
            and not PortfolioPlan.objects.filter(portfolio=source.portfolio, year=year).exists()
        ):
            plans.append(roll_forward_plan(source, year))
    data = json.loads((SEED_DATA / ILLUSTRATIVE).read_text())
    for item in data["plans"]:
        if PortfolioPlan.objects.filter(portfolio__code=item["portfolio_code"], year=last_year).exists():
            continue
        plan = build_plan(illustrative_spec(item, last_year), reason=item["source"])
        plans += [plan, roll_forward_plan(plan, this_year)]
    return plans


def illustrative_spec(item: dict, year: int) -> PlanSpec:
    commitments = {(c.ambition.number, c.number): c for c in Commitment.objects.select_related("ambition")}
    portfolio = Portfolio.objects.get(code=item["portfolio_code"])
    ambitions = {a.number: a for a in current_strategy().ambitions.all()}
    return PlanSpec(
        portfolio=portfolio,
        year=year,
        title=item["title"].format(year=FinancialYear(year).written_forms[0]),
        source=item["source"],
        illustrative=True,
        sections=[
            SectionSpec(
                number=section["number"],
                title=section["title"],
                ambition=ambitions.get(section["ambition"]),
                statement=section.get("statement", ""),
                actions=[
                    ActionSpec(
                        number=action["number"],
                        title=action["title"],
                        commitment=commitments.get(
                            (action["commitment"]["ambition"], action["commitment"]["number"])
                        ),
                        details=[_detail(detail, year) for detail in action["details"]],
                    )
                    for action in section["actions"]
                ],
            )
            for section in item["sections"]
        ],
    )


def _detail(item: dict, year: int) -> DetailSpec:
    month = item["target"]["month"]
    return DetailSpec(
        letter=item["letter"],
        text=item["text"],
        measures=item["measures"],
        target_date=date(year + (1 if month < 4 or item["target"]["annual_programme"] else 0), month, 1),
        annual_programme=item["target"]["annual_programme"],
        leads=[LeadSpec(post=lead["post"]) for lead in item["leads"]],
    )


def _periods(last_year, this_year, quarter, today) -> ReportingPeriod:
    for year in (last_year, this_year):
        ensure_year_periods(year)
    ReportingPeriod.objects.filter(year=last_year).update(status=PeriodStatus.LOCKED)
    ReportingPeriod.objects.filter(year=this_year, quarter__lt=quarter).update(status=PeriodStatus.LOCKED)
    period = ReportingPeriod.objects.get(year=this_year, quarter=quarter)
    dates = ReportingPeriod.default_dates(this_year, quarter)
    period.opens_on = min(dates["opens_on"], today - timedelta(days=7))
    period.status = PeriodStatus.OPEN
    period.save()
    return period


def _people() -> dict:
    User = get_user_model()
    people = {}
    for title, username, first, last, phone in POST_HOLDERS:
        post, _ = Post.objects.get_or_create(title=title)
        person = User.objects.filter(username=username).first()
        if person is None:
            person = User(
                username=username, first_name=first, last_name=last, email=f"{username}@bromley.gov.uk"
            )
            person.set_unusable_password()
        person.phone = person.phone or phone
        person.save()
        post.holders.add(person)
        people[username] = person
    officer = User.objects.filter(username="officer").first()
    if officer:
        Delegation.objects.get_or_create(
            post=Post.objects.get_or_create(title="Assistant Director Specialist Services")[0],
            delegate=officer,
        )
    for code, (chief, contact) in PORTFOLIO_OFFICERS.items():
        Portfolio.objects.filter(code=code).update(
            chief_officer=Post.objects.filter(title=chief).first(),
            report_contact=Post.objects.filter(title=contact).first() if contact else None,
        )
    Post.objects.filter(title="Director Children, Education and Families").update(
        portfolio=Portfolio.objects.get(code="CEF")
    )
    return people


def _updates(plan, open_period, people, offset: int) -> None:
    """Locked updates for the plan's past quarters; a spread of states in the open one."""
    actions = list(Action.objects.filter(section__plan=plan).order_by("section__number", "number"))
    periods = list(ReportingPeriod.objects.filter(year=plan.year).order_by("quarter"))
    updates = []
    for index, action in enumerate(actions):
        pattern = RAG_PATTERNS[(index + offset) % len(RAG_PATTERNS)]
        for period in periods:
            rag = pattern[period.quarter - 1]
            if period.status == PeriodStatus.LOCKED:
                if (index + period.quarter) % 11 == 0:
                    # Now and then no update was received: closed so when the period was locked.
                    updates.append(
                        QuarterlyUpdate(action=action, period=period, status=UpdateStatus.NOT_RECEIVED)
                    )
                    continue
                updates.append(
                    QuarterlyUpdate(
                        action=action,
                        period=period,
                        rag=rag,
                        narrative=NARRATIVES[rag],
                        status=UpdateStatus.LOCKED,
                        **_exception_fields(rag, period),
                    )
                )
            elif period.pk == open_period.pk:
                status = [
                    UpdateStatus.DRAFT,
                    UpdateStatus.SUBMITTED,
                    UpdateStatus.RETURNED,
                    UpdateStatus.APPROVED,
                    None,
                ][index % 5]
                if status is None:
                    continue  # every fifth action has nothing yet
                updates.append(
                    QuarterlyUpdate(
                        action=action,
                        period=period,
                        rag=rag,
                        narrative=NARRATIVES[rag],
                        status=status,
                        **_exception_fields(rag, period),
                        return_comment="Please add this quarter's figures for each measure."
                        if status == UpdateStatus.RETURNED
                        else "",
                        created_by=people.get("officer"),
                        submitted_by=people.get("officer") if status != UpdateStatus.DRAFT else None,
                        decided_by=people.get("approver")
                        if status in (UpdateStatus.RETURNED, UpdateStatus.APPROVED)
                        else None,
                    )
                )
    for period in periods:
        closed = [u for u in updates if u.period_id == period.pk and u.status == UpdateStatus.NOT_RECEIVED]
        chased = reminders.chase_records(period, closed) if closed else {}
        for update in closed:
            update.chased = {"was": UpdateStatus.NOT_STARTED.value, **chased[update.action_id]}
    bulk_create_with_history(updates, QuarterlyUpdate, default_change_reason="Demo data")


def _exception_fields(rag, period) -> dict:
    """A red or amber demo update's reason, mitigation and recovery date (issue 15: council practice)."""
    if rag not in EXCEPTIONS:
        return {}
    return {
        "reason": EXCEPTION_REASONS[rag],
        "mitigation": "Revised timetable agreed with the portfolio holder; progress checked monthly.",
        "recovery_date": period.bounds[1] + timedelta(days=92),
    }


EXCEPTION_REASONS = {
    Rag.RED: "The contractor withdrew, so the work has to be tendered again.",
    Rag.AMBER: "Recruitment to two posts has taken longer than planned.",
}
