"""The plans' committee reports, registered with the core's report pipeline.

- ``plan_progress``: a portfolio plan's progress in a locked period, in the plan's own
  layout (seed 001): RAG counts at the front, the red and amber actions next, then each
  ambition or priority's table of commitment, detail, measures of success, target date,
  lead and the approved update with its RAG status.
- ``corporate_summary``: every plan of a period's year by the strategy's five ambitions,
  with RAG counts and the red and amber actions.

Both build their context from the ORM in a fixed number of queries, whatever the size
of the plan. All text comes from people and is escaped by the templates.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from django import forms
from django.db.models import Prefetch

from ambitions.models import Committee
from ambitions.services import current_strategy
from bromley_portal.core.charts import StackedBar
from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.reports.registry import (
    CommitteeReport,
    CommitteeReportForm,
    ReportHeader,
    ReportSection,
    ReportType,
    register,
)
from plans.choices import NO_UPDATE, NOT_RATED, REPORTED, Rag
from plans.dashboards import CHART_COLOURS
from plans.models import Action, Amendment, PlanSection, PortfolioPlan, QuarterlyUpdate, ReportingPeriod

# The order a committee reads RAG statuses in, with what each means.
RAG_CATEGORIES = [
    (Rag.RED.value, "Red", "off track"),
    (Rag.AMBER.value, "Amber", "at risk"),
    (Rag.GREEN.value, "Green", "on track"),
    (Rag.COMPLETE.value, "Complete", "delivered"),
    (Rag.NOT_STARTED.value, "Not started", "not begun yet"),
    (NOT_RATED, "Not rated", "an update with no RAG status"),
    (NO_UPDATE, "No update", "no approved update this quarter"),
]
RAG_LABELS = {key: label for key, label, _ in RAG_CATEGORIES}
# The dashboards' colours, so a chart looks the same on screen and on paper.
EXCEPTIONS = [Rag.RED.value, Rag.AMBER.value]


# Parameters ----------------------------------------------------------------------


class PlanField(forms.ModelChoiceField):
    """A plan by its key, or as people write it: "CEF 2023-24" (for the command line)."""

    written = re.compile(r"^\s*([A-Za-z]+)[\s/_-]+(\d{4}\s*[-/]\s*\d{2,4})\s*$")

    def label_from_instance(self, plan):
        return f"{plan.portfolio.name} {plan.year_label}"

    def to_python(self, value):
        match = self.written.match(str(value or ""))
        if match:
            try:
                year = FinancialYear.parse(match[2]).start_year
            except ValueError:
                year = None
            plan = self.queryset.filter(portfolio__code__iexact=match[1], year=year).first()
            if plan is None:
                raise forms.ValidationError(f"There is no plan “{value}”.", code="invalid_choice")
            return plan
        return super().to_python(value)


class PeriodField(forms.ModelChoiceField):
    """A reporting period by its key, or as people write it: "2023-24 Q4"."""

    written = re.compile(r"^\s*(\d{4}\s*[-/]\s*\d{2,4})\s*Q\s*([1-4])\s*$", re.IGNORECASE)

    def label_from_instance(self, period):
        return f"{period} ({period.get_status_display().lower()})"

    def to_python(self, value):
        match = self.written.match(str(value or ""))
        if match:
            year = FinancialYear.parse(match[1]).start_year
            period = self.queryset.filter(year=year, quarter=int(match[2])).first()
            if period is None:
                raise forms.ValidationError(f"There is no reporting period “{value}”.", code="invalid_choice")
            return period
        return super().to_python(value)


def _period_field():
    return PeriodField(
        label="Reporting period",
        queryset=ReportingPeriod.objects.all(),
        empty_label="Choose a period",
        help_text="Only a locked period goes to committee.",
        error_messages={
            "required": "Choose the reporting period",
            "invalid_choice": "Choose a reporting period from the list",
        },
    )


def _locked(period):
    if period and not period.is_locked:
        raise forms.ValidationError(
            f"{period} is {period.get_status_display().lower()}. Only a locked period goes to committee: "
            "choose a locked period, or lock this one first when its updates are approved."
        )
    return period


class PlanProgressForm(CommitteeReportForm):
    plan = PlanField(
        label="Portfolio plan",
        queryset=PortfolioPlan.objects.select_related("portfolio__pds_committee"),
        empty_label="Choose a plan",
        error_messages={
            "required": "Choose the portfolio plan",
            "invalid_choice": "Choose a plan from the list",
        },
    )
    period = _period_field()
    field_order = ["plan", "period", "report_number", "meeting_date", "contact_officer", "chief_officer"]

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


class CorporateSummaryForm(CommitteeReportForm):
    period = _period_field()
    field_order = ["period", "report_number", "meeting_date", "contact_officer", "chief_officer"]

    def clean_period(self):
        return _locked(self.cleaned_data.get("period"))


# The rows a committee reads -------------------------------------------------------


@dataclass
class ProgressRow:
    reference: str
    title: str
    details: list[str]
    measures: list[str]
    target: str
    leads: list[str]
    update: str
    rag: str  # a key of RAG_CATEGORIES
    amendment: Amendment | None = None
    portfolio: str = ""

    @property
    def rag_label(self) -> str:
        return RAG_LABELS[self.rag]


@dataclass
class CountRow:
    label: str
    counts: list[int]  # in RAG_CATEGORIES order
    total: int = 0
    is_total: bool = False
    short_label: str = ""  # for the chart, where long labels do not fit


@dataclass
class ExceptionGroup:
    title: str
    rows: list[ProgressRow] = field(default_factory=list)


def _actions_for(period, *, with_plan_text=True):
    """Actions with their reported update for the period and its amendments: a fixed number of queries."""
    reported = QuarterlyUpdate.objects.filter(period=period, status__in=REPORTED).prefetch_related(
        Prefetch("amendments", queryset=Amendment.objects.order_by("created_at"))
    )
    lookups = ["lead_posts", Prefetch("updates", queryset=reported, to_attr="reported_updates")]
    if with_plan_text:
        lookups += ["details", "measures_of_success"]
    return Action.objects.order_by("number").prefetch_related(*lookups)


def _row(action, section_number, *, portfolio="", with_plan_text=True) -> ProgressRow:
    update = action.reported_updates[0] if action.reported_updates else None
    amendments = list(update.amendments.all()) if update else []
    amendment = amendments[-1] if amendments else None
    if update is None:
        rag = NO_UPDATE
    else:
        rag = (amendment.rag if amendment and amendment.rag else update.rag) or NOT_RATED
    return ProgressRow(
        reference=f"{section_number}.{action.number}",
        title=action.title,
        details=[str(detail) for detail in action.details.all()] if with_plan_text else [],
        measures=[measure.text for measure in action.measures_of_success.all()] if with_plan_text else [],
        target=action.target_date_text,
        leads=[post.title for post in action.lead_posts.all()],
        update=update.narrative if update else "",
        rag=rag,
        amendment=amendment,
        portfolio=portfolio,
    )


def _counts(label, rows, *, is_total=False, short_label="") -> CountRow:
    counter = Counter(row.rag for row in rows)
    return CountRow(
        label=label,
        counts=[counter[key] for key, _, _ in RAG_CATEGORIES],
        total=len(rows),
        is_total=is_total,
        short_label=short_label or label,
    )


def _chart(title: str, count_rows: list[CountRow], table: str) -> str:
    """The dashboards' stacked bar chart (bromley_portal.core.charts), beside its table."""
    keys = [key for key, _, _ in RAG_CATEGORIES]
    return StackedBar(
        title=title,
        description=f"Horizontal bars, one per row, split by RAG status. The same figures are in {table}.",
        rows=[
            (row.short_label, dict(zip(keys, row.counts, strict=True)))
            for row in count_rows
            if not row.is_total
        ],
        keys=[(key, label) for key, label, _ in RAG_CATEGORIES],
        colours=CHART_COLOURS,
        width=760,  # room for the legend's seven statuses
    ).svg()


def _exceptions(rows) -> list[ProgressRow]:
    """Red first, then amber, each in reference order."""
    return sorted((row for row in rows if row.rag in EXCEPTIONS), key=lambda row: EXCEPTIONS.index(row.rag))


def _quarter_words(period) -> str:
    start, end = period.bounds
    return f"quarter {period.quarter} ({start:%B} to {end:%B %Y})"


def _main_director(rows) -> str:
    directors = Counter(lead for row in rows for lead in row.leads if lead.startswith("Director"))
    return directors.most_common(1)[0][0] if directors else "Chief Executive"


def _header(cleaned, *, title, decision_maker, chief_officer) -> ReportHeader:
    chief = cleaned.get("chief_officer") or chief_officer
    return ReportHeader(
        title=title,
        decision_maker=decision_maker,
        report_number=cleaned.get("report_number") or "",
        date=cleaned.get("meeting_date"),
        contact_officer=cleaned.get("contact_officer") or chief,
        chief_officer=chief,
    )


def _summary_sentence(rows, period) -> str:
    counter = Counter(row.rag for row in rows)
    parts = [f"{counter[key]} {label.lower()}" for key, label, _ in RAG_CATEGORIES if counter[key]]
    return f"Of the {len(rows)} actions at {_quarter_words(period)}: " + ", ".join(parts) + "."


NON_APPLICABLE = [
    "Impact on Vulnerable Adults and Children",
    "Personnel",
    "Procurement",
    "Property",
    "Carbon Reduction and Social Value",
    "Customer Impact",
    "Ward Councillor Views",
]
NO_COST = (
    "Financial",
    "Cost of proposal: no cost. This report notes progress and has no direct financial implications.",
)
NO_CALL_IN = ("Legal", "Call-in: not applicable. No executive decision is asked for.")


# Portfolio plan progress ------------------------------------------------------------


def describe_plan_progress(cleaned) -> str:
    plan, period = cleaned["plan"], cleaned["period"]
    return f"{plan.portfolio.name} Portfolio Plan {plan.year_label}: Progress at Quarter {period.quarter}"


def build_plan_progress(cleaned) -> CommitteeReport:
    plan, period = cleaned["plan"], cleaned["period"]
    sections = list(
        PlanSection.objects.filter(plan=plan)
        .select_related("ambition")
        .prefetch_related(Prefetch("actions", queryset=_actions_for(period)))
    )
    by_section = [
        (section, [_row(action, section.number) for action in section.actions.all()]) for section in sections
    ]
    rows = [row for _, section_rows in by_section for row in section_rows]
    kind = "commitment" if plan.section_kind == "ambition" else "action"
    quarter = _quarter_words(period)
    year = plan.year_label
    committee = plan.portfolio.pds_committee.name
    count_rows = [
        _counts(_section_label(section), section_rows, short_label=_chart_label(section))
        for section, section_rows in by_section
    ]
    count_rows.append(_counts("All actions", rows, is_total=True))
    exceptions = _exceptions(rows)
    ambitions = [section.ambition for section in sections if section.ambition_id]

    report_sections = [
        ReportSection(
            "Summary of progress",
            "reports/plans/summary.html",
            {
                "sentence": _summary_sentence(rows, period),
                "categories": RAG_CATEGORIES,
                "count_rows": count_rows,
                "first_column": "Ambition" if kind == "commitment" else "Priority",
                "chart": _chart("Actions by RAG status", count_rows, "table 3.1"),
                "not_rated": sum(1 for row in rows if row.rag == NOT_RATED),
            },
        ),
        ReportSection(
            "Actions rated red or amber",
            "reports/plans/exceptions.html",
            {"rows": exceptions, "quarter": quarter, "year": year},
        ),
    ]
    for section, section_rows in by_section:
        report_sections.append(
            ReportSection(
                _section_label(section),
                "reports/plans/section_table.html",
                {
                    "statement": section.ambition.statement if section.ambition_id else section.statement,
                    "rows": section_rows,
                    "kind": kind,
                    "update_heading": f"Update at quarter {period.quarter} {year}",
                    "caption": f"Progress on the {kind}s under {_section_label(section, short=True)}",
                },
                wide=True,
            )
        )
    return CommitteeReport(
        header=_header(
            cleaned,
            title=describe_plan_progress(cleaned),
            decision_maker=committee,
            chief_officer=_main_director(rows),
        ),
        reason=[
            f"This report presents progress on the {plan.title} at {quarter} of {year}, as each action's lead "
            "reported it and their director approved it. The updates were locked for committee and are shown "
            "as they were approved, with any later corrections beside them."
        ],
        recommendations=[
            f"That the {committee} notes the progress reported on the {plan.portfolio.name} Portfolio Plan "
            f"{year} and comments on the actions rated red or amber."
        ],
        implications=[
            (
                "Corporate Policy",
                "Policy status: existing policy. Making Bromley Even Better ambitions: "
                + "; ".join(f"({ambition.number}) {ambition.statement.rstrip('.')}" for ambition in ambitions)
                if ambitions
                else "Policy status: existing policy.",
            ),
            NO_COST,
            NO_CALL_IN,
        ],
        sections=report_sections,
        non_applicable_headings=NON_APPLICABLE,
        background_documents=[
            plan.title,
            f"Quarterly updates for {period}, as locked in the Bromley Portal",
        ],
        filename=f"{plan.portfolio.code}-{year}-q{period.quarter}-progress".lower(),
        summary=_summary_sentence(rows, period),
    )


def _chart_label(section) -> str:
    return section.ambition.short_name if section.ambition_id else f"Priority {section.number}"


def _section_label(section, short=False) -> str:
    if section.ambition_id:
        return (
            f"Ambition {section.ambition.number}"
            if short
            else f"Ambition {section.ambition.number}: {section.ambition.short_name}"
        )
    return f"Priority {section.number}" if short else f"Priority {section.number}: {section.title}"


# Corporate summary ------------------------------------------------------------------


def describe_corporate_summary(cleaned) -> str:
    period = cleaned["period"]
    return f"Making Bromley Even Better: Corporate Summary of Progress at Quarter {period.quarter} {period.financial_year.label}"


def build_corporate_summary(cleaned) -> CommitteeReport:
    period = cleaned["period"]
    year = period.financial_year.label
    quarter = _quarter_words(period)
    plans = list(PortfolioPlan.objects.filter(year=period.year).select_related("portfolio"))
    actions = list(
        _actions_for(period, with_plan_text=False)
        .filter(section__plan__year=period.year)
        .select_related("section__plan__portfolio", "section__ambition")
        .order_by("section__plan__portfolio__order", "section__number", "number")
    )
    strategy = current_strategy()
    ambitions = list(strategy.ambitions.all()) if strategy else []
    committee = Committee.objects.filter(portfolios__code="ERC").values_list("name", flat=True).first()

    rows_by_ambition: dict[int | None, list[ProgressRow]] = {ambition.number: [] for ambition in ambitions}
    rows_by_portfolio: dict[str, list[ProgressRow]] = {plan.portfolio.name: [] for plan in plans}
    rows = []
    for action in actions:
        section = action.section
        portfolio = section.plan.portfolio.name
        row = _row(action, section.number, portfolio=portfolio, with_plan_text=False)
        rows.append(row)
        rows_by_ambition.setdefault(section.ambition.number if section.ambition_id else None, []).append(row)
        rows_by_portfolio.setdefault(portfolio, []).append(row)

    short_names = {ambition.number: ambition.short_name for ambition in ambitions}

    def label(number, short=False):
        if number is None:
            return "Priorities" if short else "Plan priorities not linked to an ambition"
        name = short_names.get(number, "")
        if short:
            return name or f"Ambition {number}"
        return f"Ambition {number}: {name}" if name else f"Ambition {number}"

    ambition_rows = [
        _counts(label(number), group, short_label=label(number, short=True))
        for number, group in rows_by_ambition.items()
    ]
    ambition_rows.append(_counts("All actions", rows, is_total=True))
    portfolio_rows = [_counts(name, group) for name, group in rows_by_portfolio.items()]
    portfolio_rows.append(_counts("All portfolios", rows, is_total=True))
    groups = [ExceptionGroup(label(number), _exceptions(group)) for number, group in rows_by_ambition.items()]
    committee = committee or "Executive, Resources and Contracts PDS Committee"
    return CommitteeReport(
        header=_header(
            cleaned,
            title=describe_corporate_summary(cleaned),
            decision_maker=committee,
            chief_officer="Chief Executive",
        ),
        reason=[
            f"This report summarises progress at {quarter} of {year} on the actions of every portfolio plan "
            f"({len(plans)} plan{'s' if len(plans) != 1 else ''}), by the five ambitions of Making Bromley Even "
            "Better 2021-2031."
        ],
        recommendations=[
            f"That the {committee} notes the progress reported and comments on the actions rated red or amber."
        ],
        implications=[NO_COST, NO_CALL_IN],
        sections=[
            ReportSection(
                "Progress by ambition",
                "reports/plans/corporate_counts.html",
                {
                    "sentence": _summary_sentence(rows, period)
                    if rows
                    else f"No plan has actions for {year}.",
                    "categories": RAG_CATEGORIES,
                    "ambition_rows": ambition_rows,
                    "chart": _chart("Actions by ambition and RAG status", ambition_rows, "table 3.1"),
                    "portfolio_rows": portfolio_rows,
                },
            ),
            ReportSection(
                "Actions rated red or amber, by ambition",
                "reports/plans/corporate_exceptions.html",
                {"groups": groups, "quarter": quarter, "year": year},
                wide=True,
            ),
        ],
        non_applicable_headings=NON_APPLICABLE,
        background_documents=[
            "Making Bromley Even Better 2021-2031",
            *(plan.title for plan in plans),
            f"Quarterly updates for {period}, as locked in the Bromley Portal",
        ],
        filename=f"corporate-summary-{year}-q{period.quarter}",
        summary=_summary_sentence(rows, period) if rows else "",
    )


register(
    ReportType(
        name="plan_progress",
        title="Portfolio plan progress",
        description="One portfolio plan's progress in a locked quarter: RAG counts, the red and amber actions, "
        "then every action with its approved update, as the plan lays them out.",
        form_class=PlanProgressForm,
        build=build_plan_progress,
        describe=describe_plan_progress,
        order=10,
    )
)
register(
    ReportType(
        name="corporate_summary",
        title="Corporate summary of progress",
        description="Every portfolio plan of a locked quarter by the five ambitions: RAG counts and the red and "
        "amber actions.",
        form_class=CorporateSummaryForm,
        build=build_corporate_summary,
        describe=describe_corporate_summary,
        order=20,
    )
)
