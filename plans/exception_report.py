"""The exception report: a page for each red or amber action, and for each measure off target.

For one portfolio plan, or for every plan of the period's year, in a locked period. What members
ask for more than the full table: each exception on a page of its own (a PDF bookmark each), with

- an action's reported RAG and words (``plans.reports.action_row``, which reads
  QuarterlyUpdate.objects.reported(), the one rule the dashboards and the other reports read),
  its RAG in the last four quarters (the same rule), who approved the update and any amendment,
  its lead, target date, the measures linked to it, and what other apps link to it (the
  contracts that deliver it, through the core's ``linked_to`` registry: plans never imports
  contracts);
- a measure's judgement (``Measure.assess``, the one place that judges a reading, read through
  ``dashboards.measure_rows`` as the dashboards do), its data-quality flags, its trend chart with
  target and comparators (``dashboards.measure_chart``, the dashboards' server-side SVG) beside a
  table of the same figures, its owner and the actions it measures.

Built in a fixed number of queries whatever the number of actions and measures.
"""

from dataclasses import dataclass, field

from django.db.models import F, Prefetch

from ambitions.models import Committee, Post
from bromley_portal.core.panels import LinkedItem, linked_to
from bromley_portal.reports.registry import (
    CommitteeReport,
    CommitteeReportForm,
    ReportSection,
    ReportType,
    register,
)
from plans import dashboards
from plans.choices import EXCEPTIONS, DataQuality, Rag
from plans.models import Action, Amendment, Measure, PortfolioPlan, QuarterlyUpdate, Reading, ReportingPeriod
from plans.reports import (
    NO_CALL_IN,
    NO_COST,
    NON_APPLICABLE,
    ActionRow,
    PlanField,
    _chief_post,
    _exceptions,
    _header,
    _locked,
    _period_field,
    _quarter_words,
    action_row,
)

QUARTERS_SHOWN = 4
TREND_READINGS = 8  # the trend chart's readings, newest last


class ExceptionReportForm(CommitteeReportForm):
    plan = PlanField(
        label="Portfolio plan",
        required=False,
        queryset=PortfolioPlan.objects.select_related("portfolio__pds_committee"),
        empty_label="All plans of the period's year",
        help_text="Leave as “All plans” for every portfolio's exceptions.",
        error_messages={"invalid_choice": "Choose a plan from the list, or all plans"},
    )
    period = _period_field()
    field_order = ["plan", "period", "report_number", "meeting_date"]

    def clean_period(self):
        return _locked(self.cleaned_data.get("period"))

    def clean(self):
        cleaned = super().clean()
        plan, period = cleaned.get("plan"), cleaned.get("period")
        if plan and period and plan.year != period.year:
            self.add_error(
                "period",
                f"The {plan.portfolio.code} plan is for {plan.year_label}: choose a period of {plan.year_label}.",
            )
        return cleaned


# What a page shows ---------------------------------------------------------------------


@dataclass
class QuarterRag:
    label: str  # "2023-24 Q3"
    rag: Rag | None
    note: str = ""  # why there is no RAG


@dataclass
class ExceptionAction:
    row: ActionRow
    plan: str
    quarters: list[QuarterRag]
    approval: str
    amendments: list[Amendment]
    measures: list[str]
    portfolio_id: int = 0
    linked: list[LinkedItem] = field(default_factory=list)


@dataclass
class ExceptionMeasure:
    measure: Measure
    assessment: object
    reading: Reading
    readings: list[Reading]
    chart: str
    flags: list[str]
    actions: list[str]
    anchor: str


def _quarters(period) -> list[tuple[int, int]]:
    """(year, quarter) of the period and the three before it, oldest first."""
    index = period.year * 4 + period.quarter - 1
    return [divmod(i, 4) for i in range(index - QUARTERS_SHOWN + 1, index + 1)]


def _quarter_label(year: int, quarter: int) -> str:
    return f"{year}-{str(year + 1)[-2:]} Q{quarter + 1}"


def _four_periods(period) -> dict[tuple[int, int], ReportingPeriod]:
    wanted = _quarters(period)
    periods = ReportingPeriod.objects.filter(year__in={year for year, _ in wanted})
    return {(p.year, p.quarter - 1): p for p in periods if (p.year, p.quarter - 1) in wanted}


def _quarter_rags(period, plan_year, periods, updates_by_period) -> list[QuarterRag]:
    """The action's reported RAG in each of the four quarters (the one rule), oldest first."""
    result = []
    for year, quarter in _quarters(period):
        label, found = _quarter_label(year, quarter), periods.get((year, quarter))
        update = updates_by_period.get(found.pk) if found else None
        if year != plan_year:
            result.append(QuarterRag(label, None, "before this plan's year"))
        elif update is not None:
            result.append(QuarterRag(label, Rag(update.reported_rag)))
        elif found is not None and found.is_locked:
            result.append(QuarterRag(label, Rag.NO_UPDATE))
        else:
            result.append(QuarterRag(label, None, "not reported yet"))
    return result


def _approval(update) -> str:
    if update is None:
        return "No update was reported this quarter."
    if update.is_not_received:
        return "No update was approved before the period was locked."
    if update.decided_by_id:
        who = update.decided_by.get_full_name() or update.decided_by.get_username()
        when = f" on {update.decided_at:%-d %B %Y}" if update.decided_at else ""
        return f"Approved by {who}{when}."
    return "Approved (the approver is not recorded)."


def _actions(plans, periods):
    updates = (
        QuarterlyUpdate.objects.reported()
        .filter(period__in=list(periods.values()))
        .select_related("decided_by")
        .prefetch_related(
            Prefetch("amendments", Amendment.objects.select_related("created_by").order_by("created_at")),
            "notes",
        )
    )
    return (
        Action.objects.filter(section__plan__in=plans)
        .with_plan_text()
        .select_related("section__plan__portfolio", "section__ambition")
        .prefetch_related(
            Prefetch("updates", updates, to_attr="four_quarters"),
            Prefetch("measures", Measure.objects.order_by("name"), to_attr="linked_measures"),
        )
        .order_by("section__plan__portfolio__order", "section__number", "number")
    )


def exception_actions(plans, period) -> list[ExceptionAction]:
    """The period's red and amber actions of these plans, red first, each with its page's contents."""
    periods = _four_periods(period)
    pages = []
    for action in _actions(plans, periods):
        by_period = {update.period_id: update for update in action.four_quarters}
        current = by_period.get(period.pk)
        action.reported_updates = [current] if current else []
        plan = action.section.plan
        row = action_row(action, action.section.number, portfolio=plan.portfolio.code)
        if row.rag not in EXCEPTIONS:
            continue
        pages.append(
            ExceptionAction(
                row=row,
                plan=plan.title,
                quarters=_quarter_rags(period, plan.year, periods, by_period),
                approval=_approval(current),
                amendments=list(current.amendments.all()),
                measures=[measure.name for measure in action.linked_measures],
                portfolio_id=plan.portfolio_id,
            )
        )
    pages = _sorted(pages)
    as_at = period.bounds[1]
    links = linked_to("plans.action", [_action_id(page) for page in pages], as_at)
    # What other apps say about the action's portfolio as a whole (the themes of its complaints).
    themes = linked_to("ambitions.portfolio", {page.portfolio_id for page in pages}, as_at)
    for page in pages:
        page.linked = links.get(_action_id(page), []) + themes.get(page.portfolio_id, [])
    return pages


def _action_id(page) -> int:
    return page.row.action_id


def _sorted(pages):
    order = {id(row): index for index, row in enumerate(_exceptions([page.row for page in pages]))}
    return sorted(pages, key=lambda page: order[id(page.row)])


def off_target_measures(portfolio, period) -> list[ExceptionMeasure]:
    """The measures off target at the period (as the dashboards judge them), each with its trend."""
    rows = [
        row
        for row in dashboards.measure_rows(dashboards.Filters(period, portfolio), judged_only=True)
        if row.assessment.off_target
    ]
    rows.sort(key=lambda row: (EXCEPTIONS.index(row.assessment.rag), row.measure.name))
    ids = [row.measure.pk for row in rows]
    readings: dict[int, list[Reading]] = {pk: [] for pk in ids}
    up_to = Reading.objects.filter(measure_id__in=ids, period__year__lte=period.year).select_related("period")
    for reading in up_to.order_by("period__year", "period__quarter"):
        if (reading.period.year, reading.period.quarter) <= (period.year, period.quarter):
            readings[reading.measure_id].append(reading)
    actions: dict[int, list[str]] = {pk: [] for pk in ids}
    linked = Action.objects.filter(measures__in=ids).select_related("section__plan__portfolio")
    for action in linked.annotate(measure_pk=F("measures__pk")).order_by("section__number", "number"):
        actions[action.measure_pk].append(f"{action.section.plan.portfolio.code} {action.reference}")
    return [
        ExceptionMeasure(
            measure=row.measure,
            assessment=row.assessment,
            reading=row.reading,
            readings=readings[row.measure.pk][-TREND_READINGS:],
            chart=dashboards.measure_chart(row.measure, readings[row.measure.pk][-TREND_READINGS:]),
            flags=[DataQuality(flag).label for flag in row.assessment.flags],
            actions=actions[row.measure.pk],
            anchor=f"measure-{row.measure.slug}",
        )
        for row in rows
    ]


# The report ------------------------------------------------------------------------------


def describe_exception_report(cleaned) -> str:
    plan, period = cleaned.get("plan"), cleaned["period"]
    what = f"{plan.portfolio.name} Portfolio Plan {plan.year_label}" if plan else "All Portfolio Plans"
    return f"{what}: Exception Report at Quarter {period.quarter} {period.financial_year.label}"


def _committee(plan) -> str:
    if plan:
        return plan.portfolio.pds_committee.name
    erc = Committee.objects.filter(portfolios__code="ERC").first()
    return erc.name if erc else "Executive, Resources and Contracts PDS Committee"


def _summary(actions, measures, period) -> str:
    red = sum(1 for page in actions if page.row.rag == Rag.RED)
    return (
        f"At {_quarter_words(period)}: {red} action{'s' if red != 1 else ''} rated red, "
        f"{len(actions) - red} rated amber, and {len(measures)} measure{'s' if len(measures) != 1 else ''} "
        "off target."
    )


def _sections(actions, measures, period, year) -> list[ReportSection]:
    quarter = _quarter_words(period)
    return [
        ReportSection(
            "Actions rated red or amber",
            "reports/plans/exception_actions.html",
            {"pages": actions, "quarter": quarter, "year": year, "shown": QUARTERS_SHOWN},
        ),
        ReportSection(
            "Measures off target",
            "reports/plans/exception_measures.html",
            {"pages": measures, "quarter": quarter, "year": year},
        ),
    ]


def build_exception_report(cleaned) -> CommitteeReport:
    plan, period = cleaned.get("plan"), cleaned["period"]
    plans = (
        [plan] if plan else list(PortfolioPlan.objects.filter(year=period.year).select_related("portfolio"))
    )
    actions = exception_actions(plans, period)
    measures = off_target_measures(plan.portfolio if plan else None, period)
    committee, year = _committee(plan), period.financial_year.label
    summary = _summary(actions, measures, period)
    what = f"the {plan.title}" if plan else f"every portfolio plan of {year}"
    chief = _chief_post(plan.portfolio, []) if plan else Post.objects.filter(title="Chief Executive").first()
    return CommitteeReport(
        header=_header(
            cleaned,
            title=describe_exception_report(cleaned),
            decision_maker=committee,
            chief_post=chief,
            contact_posts=[plan.portfolio.report_contact]
            if plan and plan.portfolio.report_contact_id
            else [],
        ),
        reason=[
            f"This report sets out the exceptions in {what} at {_quarter_words(period)} of {year}: each action "
            "rated red or amber, and each measure off target, on a page of its own with its narrative, its "
            f"RAG over the last {QUARTERS_SHOWN} quarters, its data-quality flags and who approved it.",
            summary,
        ],
        recommendations=[
            f"That the {committee} notes the exceptions reported and asks the lead officers about the actions "
            "rated red and the measures furthest from target."
        ],
        implications=[NO_COST, NO_CALL_IN],
        sections=_sections(actions, measures, period, year),
        non_applicable_headings=NON_APPLICABLE,
        background_documents=[
            *(p.title for p in plans),
            f"Quarterly updates and measures for {period}, as locked in the Bromley Portal",
        ],
        filename=(f"{plan.portfolio.code}-" if plan else "all-plans-")
        + f"{year}-q{period.quarter}-exceptions".lower(),
        summary=summary,
    )


register(
    ReportType(
        name="exception_report",
        title="Exception report",
        description="The red and amber actions and the measures off target of one plan, or of every plan, in a "
        "locked quarter: a page each, with the narrative, the last four quarters' RAG, the measure's trend "
        "against target and comparators, data-quality flags, linked contracts and the approver.",
        form_class=ExceptionReportForm,
        build=build_exception_report,
        describe=describe_exception_report,
        order=25,
    )
)
