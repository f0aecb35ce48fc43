"""The plans' committee reports, registered with the core's report pipeline.

- ``plan_progress``: a portfolio plan's progress in a locked period, in the plan's own layout
  (seed 001): RAG counts at the front, the red and amber actions next, then each ambition or
  priority's table: each action as a full-width commitment row, then a row per detail (its
  measures of success, target date and lead) and the update where the plan gives it; last, the
  portfolio's measures (KPIs) as its dashboard shows them (``dashboards.measure_rows``: the same
  figures, RAG and data-quality flags, out-of-date readings said in words).
- ``corporate_summary``: every plan of a period's year by the strategy's five ambitions, with RAG
  counts and the red and amber actions.

What an action reports in a period (its RAG and its words) comes from
QuarterlyUpdate.objects.reported(), the one rule that the dashboards, lists and action page read
too. Both reports build their context from the ORM in a fixed number of queries, whatever the
size of the plan. All text comes from people and is escaped by the templates.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from django import forms
from django.db.models import Prefetch

from ambitions.models import Committee, Post
from ambitions.services import current_strategy, officer_for
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
from plans.choices import EXCEPTIONS, DataQuality, Rag
from plans.dashboards import CHART_COLOURS, Filters, measure_rows
from plans.models import Action, Amendment, PlanSection, PortfolioPlan, QuarterlyUpdate, ReportingPeriod

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
            try:
                year = FinancialYear.parse(match[1]).start_year
            except ValueError:
                raise forms.ValidationError(
                    f"There is no reporting period “{value}”.", code="invalid_choice"
                ) from None
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


class CorporateSummaryForm(CommitteeReportForm):
    period = _period_field()
    field_order = ["period", "report_number", "meeting_date"]

    def clean_period(self):
        return _locked(self.cleaned_data.get("period"))


# The rows a committee reads -------------------------------------------------------


@dataclass
class DetailRow:
    """A row of the plan table: a lettered detail with its measures, target date and leads, and the
    update note that follows it where the plan gives one per row."""

    label: str
    text: str
    measures: list[str]
    target: str
    leads: list[str]
    note: tuple[str, str] | None = None  # (the details it covers, its words)
    to_confirm: bool = False
    anchor: str = ""  # its header cell's id


@dataclass
class ActionRow:
    reference: str
    title: str
    rag: Rag
    details: list[DetailRow]
    narrative: str  # the update's own words (its notes sit with the details)
    reported: bool  # it has a reported update this quarter
    amendment: Amendment | None
    leads: list[str]
    target: str
    reported_narrative: str  # what it reports, amendments included: for the exceptions tables
    portfolio: str = ""
    anchor: str = ""  # its header cell's id
    chased: list[str] = field(default_factory=list)  # closed as not received: who was chased
    action_id: int = 0
    exception_lines: list[str] = field(default_factory=list)  # red or amber: reason, mitigation, recovery


@dataclass
class CountRow:
    label: str
    counts: list[int]  # in Rag order
    total: int = 0
    is_total: bool = False
    short_label: str = ""  # for the chart, where long labels do not fit


@dataclass
class ExceptionGroup:
    title: str
    rows: list[ActionRow] = field(default_factory=list)
    table_number: int | None = None


def _reported_updates(period):
    """Each action's reported update in the period, with what it reports (the one rule)."""
    updates = (
        QuarterlyUpdate.objects.reported()
        .filter(period=period)
        .prefetch_related(Prefetch("amendments", Amendment.objects.order_by("created_at")), "notes")
    )
    return Prefetch("updates", updates, to_attr="reported_updates")


def _detail_rows(action, notes_by_detail, anchor) -> list[DetailRow]:
    return [
        DetailRow(
            anchor=f"{anchor}-{index}",
            label=detail.label if detail.letter else "",
            text=detail.text,
            measures=[measure.text for measure in detail.measures_of_success.all()],
            target=detail.target_text,
            leads=[lead.title for lead in detail.leads.all()],
            note=notes_by_detail.get(detail.pk),
            to_confirm=detail.target_to_confirm,
        )
        for index, detail in enumerate(action.details.all(), start=1)
    ]


def action_row(action, section_number, *, portfolio="") -> ActionRow:
    update = action.reported_updates[0] if action.reported_updates else None
    notes = {}
    if update is not None:
        update.action = action
        notes = {note.detail_id: (note.covers, note.narrative) for note in update.notes_in_order()}
    amendments = list(update.amendments.all()) if update else []
    anchor = f"{portfolio.lower() or 'a'}-{section_number}-{action.number}"
    return ActionRow(
        anchor=anchor,
        reference=f"{section_number}.{action.number}",
        title=action.title,
        rag=Rag(update.reported_rag) if update else Rag.NO_UPDATE,
        details=_detail_rows(action, notes, anchor),
        narrative=update.narrative if update else "",
        reported=update is not None and not update.is_not_received,
        amendment=amendments[-1] if amendments else None,
        leads=[lead.title for lead in action.leads],
        target=_action_target(action),
        reported_narrative=update.reported_narrative if update else "",
        portfolio=portfolio,
        chased=update.chase_lines if update else [],
        action_id=action.pk,
        exception_lines=update.exception_lines if update else [],
    )


def _action_target(action) -> str:
    if action.target_date is None:
        return ""
    return f"{action.target_date:%B %Y}" + (" (AP)" if action.annual_programme else "")


def _counts(label, rows, *, is_total=False, short_label="") -> CountRow:
    counter = Counter(row.rag for row in rows)
    return CountRow(
        label=label,
        counts=[counter[status] for status in Rag],
        total=len(rows),
        is_total=is_total,
        short_label=short_label or label,
    )


def _chart(title: str, count_rows: list[CountRow], table: str) -> str:
    """The dashboards' stacked bar chart (bromley_portal.core.charts), beside its table."""
    return StackedBar(
        title=title,
        description=f"Horizontal bars, one per row, split by RAG status. The same figures are in {table}.",
        rows=[
            (row.short_label, {status.value: count for status, count in zip(Rag, row.counts, strict=True)})
            for row in count_rows
            if not row.is_total
        ],
        keys=[(status.value, status.short_label) for status in Rag],
        colours=CHART_COLOURS,
        width=760,  # room for the legend's seven statuses
    ).svg()


def _exceptions(rows) -> list[ActionRow]:
    """Red first, then amber, each in reference order."""
    return sorted((row for row in rows if row.rag in EXCEPTIONS), key=lambda row: EXCEPTIONS.index(row.rag))


def _quarter_words(period) -> str:
    start, end = period.bounds
    return f"quarter {period.quarter} ({start:%B} to {end:%B %Y})"


def _summary_sentence(rows, period) -> str:
    counter = Counter(row.rag for row in rows)
    parts = [f"{counter[status]} {status.short_label.lower()}" for status in Rag if counter[status]]
    return f"Of the {len(rows)} actions at {_quarter_words(period)}: " + ", ".join(parts) + "."


def _header(cleaned, *, title, decision_maker, chief_post, contact_posts) -> ReportHeader:
    chief = officer_for(chief_post)
    contacts = [officer for officer in (officer_for(post) for post in contact_posts) if officer]
    return ReportHeader(
        title=title,
        decision_maker=decision_maker,
        report_number=cleaned.get("report_number") or "",
        date=cleaned.get("meeting_date"),
        contact_officers=contacts or ([chief] if chief else []),
        chief_officer=chief,
    )


def _chief_post(portfolio, rows) -> Post | None:
    """The portfolio's chief officer post, else the director who leads most of its actions."""
    if portfolio and portfolio.chief_officer_id:
        return portfolio.chief_officer
    directors = Counter(lead for row in rows for lead in row.leads if lead.startswith("Director"))
    title = directors.most_common(1)[0][0] if directors else None
    return Post.objects.filter(title=title).first() if title else None


def _key():
    """What the statuses and marks in the tables mean: the report's key."""
    return {
        "statuses": list(Rag),
        "marks": [
            ("(AP)", "Annual Programme: work that recurs every year; the date is this year's milestone."),
            ("To confirm", "A date rolled forward from last year's plan that its lead has still to confirm."),
        ],
    }


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


def _plan_sections(plan, period) -> list[tuple[PlanSection, list[ActionRow]]]:
    actions = Action.objects.with_plan_text().prefetch_related(_reported_updates(period)).order_by("number")
    sections = (
        PlanSection.objects.filter(plan=plan)
        .select_related("ambition")
        .prefetch_related(Prefetch("actions", queryset=actions))
    )
    return [
        (section, [action_row(action, section.number) for action in section.actions.all()])
        for section in sections
    ]


def _summary_section(rows, by_section, period, plan) -> ReportSection:
    count_rows = [
        _counts(_section_label(section), section_rows, short_label=_chart_label(section))
        for section, section_rows in by_section
    ]
    count_rows.append(_counts("All actions", rows, is_total=True))
    return ReportSection(
        "Summary of progress",
        "reports/plans/summary.html",
        {
            "sentence": _summary_sentence(rows, period),
            "count_rows": count_rows,
            "first_column": "Ambition" if plan.section_kind == "ambition" else "Priority",
            "chart": _chart("Actions by RAG status", count_rows, "table 3.1"),
            "not_rated": sum(1 for row in rows if row.rag == Rag.NOT_RATED),
            "key": _key(),
        },
    )


def _section_tables(plan, period, by_section) -> list[ReportSection]:
    kind = "commitment" if plan.section_kind == "ambition" else "action"
    return [
        ReportSection(
            _section_label(section),
            "reports/plans/section_table.html",
            {
                "statement": section.ambition.statement if section.ambition_id else section.statement,
                "rows": section_rows,
                "kind": kind,
                "update_heading": f"Update at quarter {period.quarter} {plan.year_label}",
                "caption": f"Progress on the {kind}s under {_section_label(section, short=True)}",
                "quarter": period.quarter,
            },
            wide=True,
        )
        for section, section_rows in by_section
    ]


def _measures_section(plan, period) -> ReportSection:
    """The portfolio's measures as its dashboard shows them for the period: the same function, so the
    same figures, RAG and data-quality flags (a reading out of date by Measure.is_stale says so)."""
    rows = measure_rows(Filters(period, plan.portfolio))
    return ReportSection(
        "Measures of success",
        "reports/plans/measures.html",
        {
            "rows": rows,
            "period": period,
            "portfolio": plan.portfolio,
            "stale": sum(1 for row in rows if DataQuality.STALE in row.assessment.flags),
        },
        wide=True,
    )


def build_plan_progress(cleaned) -> CommitteeReport:
    plan, period = cleaned["plan"], cleaned["period"]
    by_section = _plan_sections(plan, period)
    rows = [row for _, section_rows in by_section for row in section_rows]
    quarter, year = _quarter_words(period), plan.year_label
    committee = plan.portfolio.pds_committee.name
    ambitions = [section.ambition for section, _ in by_section if section.ambition_id]
    exceptions = ReportSection(
        "Actions rated red or amber",
        "reports/plans/exceptions.html",
        {
            "rows": _exceptions(rows),
            "not_received": [row for row in rows if row.chased],
            "quarter": quarter,
            "year": year,
        },
    )
    return CommitteeReport(
        header=_header(
            cleaned,
            title=describe_plan_progress(cleaned),
            decision_maker=committee,
            chief_post=_chief_post(plan.portfolio, rows),
            contact_posts=[plan.portfolio.report_contact] if plan.portfolio.report_contact_id else [],
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
        implications=[_policy(ambitions), NO_COST, NO_CALL_IN],
        sections=[
            _summary_section(rows, by_section, period, plan),
            exceptions,
            *_section_tables(plan, period, by_section),
            _measures_section(plan, period),
        ],
        non_applicable_headings=NON_APPLICABLE,
        background_documents=[plan.title, f"Quarterly updates for {period}, as locked in the Bromley Portal"],
        filename=f"{plan.portfolio.code}-{year}-q{period.quarter}-progress".lower(),
        summary=_summary_sentence(rows, period),
    )


def _policy(ambitions) -> tuple[str, str]:
    if not ambitions:
        return ("Corporate Policy", "Policy status: existing policy.")
    return (
        "Corporate Policy",
        "Policy status: existing policy. Making Bromley Even Better ambitions: "
        + "; ".join(f"({ambition.number}) {ambition.statement.rstrip('.')}" for ambition in ambitions),
    )


def _chart_label(section) -> str:
    return section.ambition.short_name if section.ambition_id else f"Priority {section.number}"


def _section_label(section, short=False) -> str:
    if section.ambition_id:
        number = section.ambition.number
        return f"Ambition {number}" if short else f"Ambition {number}: {section.ambition.short_name}"
    return f"Priority {section.number}" if short else f"Priority {section.number}: {section.title}"


# Corporate summary ------------------------------------------------------------------


def describe_corporate_summary(cleaned) -> str:
    period = cleaned["period"]
    return f"Making Bromley Even Better: Corporate Summary of Progress at Quarter {period.quarter} {period.financial_year.label}"


def _corporate_rows(period, plans, ambitions):
    actions = (
        Action.objects.filter(section__plan__year=period.year)
        .with_plan_text()
        .prefetch_related(_reported_updates(period))
        .select_related("section__plan__portfolio", "section__ambition")
        .order_by("section__plan__portfolio__order", "section__number", "number")
    )
    by_ambition: dict[int | None, list[ActionRow]] = {ambition.number: [] for ambition in ambitions}
    by_portfolio: dict[str, list[ActionRow]] = {plan.portfolio.name: [] for plan in plans}
    rows = []
    for action in actions:
        section, portfolio = action.section, action.section.plan.portfolio
        row = action_row(action, section.number, portfolio=portfolio.code)
        rows.append(row)
        by_ambition.setdefault(section.ambition.number if section.ambition_id else None, []).append(row)
        by_portfolio.setdefault(portfolio.name, []).append(row)
    return rows, by_ambition, by_portfolio


def _ambition_labels(ambitions):
    names = {ambition.number: ambition.short_name for ambition in ambitions}

    def label(number, short=False):
        if number is None:
            return "Priorities" if short else "Plan priorities not linked to an ambition"
        name = names.get(number, "")
        if short:
            return name or f"Ambition {number}"
        return f"Ambition {number}: {name}" if name else f"Ambition {number}"

    return label


def _corporate_sections(rows, by_ambition, by_portfolio, label, period, sentence) -> list[ReportSection]:
    year, quarter = period.financial_year.label, _quarter_words(period)
    ambition_rows = [
        _counts(label(n), group, short_label=label(n, short=True)) for n, group in by_ambition.items()
    ]
    ambition_rows.append(_counts("All actions", rows, is_total=True))
    portfolio_rows = [_counts(name, group) for name, group in by_portfolio.items()]
    portfolio_rows.append(_counts("All portfolios", rows, is_total=True))
    groups = [ExceptionGroup(label(number), _exceptions(group)) for number, group in by_ambition.items()]
    for table_number, group in enumerate((g for g in groups if g.rows), start=1):
        group.table_number = table_number
    return [
        ReportSection(
            "Progress by ambition",
            "reports/plans/corporate_counts.html",
            {
                "sentence": sentence or f"No plan has actions for {year}.",
                "ambition_rows": ambition_rows,
                "chart": _chart("Actions by ambition and RAG status", ambition_rows, "table 3.1"),
                "portfolio_rows": portfolio_rows,
                "key": _key(),
            },
        ),
        ReportSection(
            "Actions rated red or amber, by ambition",
            "reports/plans/corporate_exceptions.html",
            {"groups": groups, "quarter": quarter, "year": year},
        ),
    ]


def build_corporate_summary(cleaned) -> CommitteeReport:
    period = cleaned["period"]
    year, quarter = period.financial_year.label, _quarter_words(period)
    plans = list(PortfolioPlan.objects.filter(year=period.year).select_related("portfolio"))
    strategy = current_strategy()
    ambitions = list(strategy.ambitions.all()) if strategy else []
    rows, by_ambition, by_portfolio = _corporate_rows(period, plans, ambitions)
    sentence = _summary_sentence(rows, period) if rows else ""
    erc = Committee.objects.filter(portfolios__code="ERC").first()
    committee = erc.name if erc else "Executive, Resources and Contracts PDS Committee"
    return CommitteeReport(
        header=_header(
            cleaned,
            title=describe_corporate_summary(cleaned),
            decision_maker=committee,
            chief_post=Post.objects.filter(title="Chief Executive").first(),
            contact_posts=[],
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
        sections=_corporate_sections(
            rows, by_ambition, by_portfolio, _ambition_labels(ambitions), period, sentence
        ),
        non_applicable_headings=NON_APPLICABLE,
        background_documents=[
            "Making Bromley Even Better 2021-2031",
            *(plan.title for plan in plans),
            f"Quarterly updates for {period}, as locked in the Bromley Portal",
        ],
        filename=f"corporate-summary-{year}-q{period.quarter}",
        summary=sentence,
    )


register(
    ReportType(
        name="plan_progress",
        title="Portfolio plan progress",
        description="One portfolio plan's progress in a locked quarter: RAG counts, the red and amber actions, "
        "then every action with its details and approved update, as the plan lays them out.",
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
