"""The Annual Complaints Report as committee reports, registered with the core's report pipeline (seed 004:
"Annual Complaints Report & LG&SCO Letter 2021/22" and its Appendix 1, "Complaints & Compliments Annual
Report 2021-2022").

- ``complaints_cover``: the cover report for a financial year: the committee header block, reason,
  recommendation, implications, the commentary (the complaints team's words, or sentences made from the
  year's figures), the legal implications and the supporting documents.
- ``complaints_annual``: the annual report for a financial year in the seed's sections and tables: why we
  report, law and procedures, the council overview (complaints received by division over three years with
  the % change, channel by division, proportion upheld, aspects by type and division, responding on time,
  Ombudsman cases and the review letter, financial consequences, compliments), for years under the
  Complaint Handling Code the Code's figures and the council's self-assessment, then a chapter per
  division (at a glance over three years, services or teams, nature of complaint and outcome, compliments).

Every figure is a complaints.selectors function's (the dashboards call the same ones); this module only
lays them out and words them. The two years before the chosen one come from the cases where the portal
holds any for that year, and otherwise from the figures the council published then
(complaints.published.PublishedFigure); the Ombudsman's review-letter figures are entered per year.
Both reports are Part 1 and anonymous: no complainant's details are read. Each costs a fixed number of
queries whatever the number of cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms

from ambitions.models import Post
from ambitions.services import officer_for
from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.reports.registry import (
    CommitteeReport,
    CommitteeReportForm,
    Officer,
    ReportHeader,
    ReportSection,
    ReportType,
    register,
)
from complaints import report_text, selectors
from complaints.choices import AspectType, Channel, RemedyStage, RemedyType
from complaints.models import Division
from complaints.published import OmbudsmanReviewLetter, PublishedMeasure
from complaints.report_text import CodeProvision, NarrativeSection

CONTACT_POST = "Head of Service, Customer Engagement & Complaints Service"
CHIEF_POST = "Assistant Director, Strategy, Performance and Corporate Transformation"
DEFAULT_COMMITTEE = "General Purposes & Licensing Committee"

# Parameters ----------------------------------------------------------------------------------------


class YearField(forms.Field):
    """A financial year as people write it: "2021-22", "2021/22"."""

    widget = forms.TextInput

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 20:
            raise forms.ValidationError("Write the financial year as 2021-22", code="invalid")
        try:
            year = FinancialYear.parse(text)
        except ValueError:
            raise forms.ValidationError(
                f"“{text[:20]}” is not a financial year: write it as 2021-22", code="invalid"
            ) from None
        if not 2000 <= year.start_year <= 2100:
            raise forms.ValidationError("Choose a financial year from 2000-01 to 2100-01", code="invalid")
        return year


class ComplaintsReportForm(CommitteeReportForm):
    year = YearField(
        label="Financial year",
        help_text="The year the report covers, for example 2021-22",
        error_messages={"required": "Enter the financial year, for example 2021-22"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "spellcheck": "false"}),
    )
    committee = forms.CharField(
        label="Committee (optional)",
        required=False,
        max_length=200,
        help_text=f"The decision maker the report goes to; {DEFAULT_COMMITTEE} unless you say otherwise.",
        error_messages={"max_length": "The committee's name must be 200 characters or fewer"},
    )
    field_order = ["year", "committee", "report_number", "meeting_date"]

    def parameters(self) -> dict:
        result = super().parameters()
        result["year"] = self.cleaned_data["year"].label
        return result


# Formatting: the report prints figures as the seed does ---------------------------------------------

DASH = "–"


def count(value) -> str:
    return DASH if value is None else f"{int(value):,}"


def plain(value: Decimal) -> Decimal:
    """A figure as it was printed: 56.00 as 56, 84.10 as 84.1."""
    return Decimal(format(Decimal(value).normalize(), "f"))


def pc(value) -> str:
    return "n/a" if value is None else f"{value}%"


def points(before, after) -> str:
    """The change between two rates, in percentage points."""
    if before is None or after is None:
        return "n/a"
    return f"{plain(Decimal(after) - Decimal(before)):+} pts"


def money(value) -> str:
    return DASH if value is None else f"£{Decimal(value):,.2f}"


def change(before, after) -> str:
    """The % change from ``before`` to ``after``, as the report prints it (selectors.percent)."""
    if before is None or after is None:
        return "n/a"
    rate = selectors.percent(Decimal(after) - Decimal(before), before, 1)
    return "n/a" if rate is None else f"{rate}%"


@dataclass
class Row:
    label: str
    cells: list[str]
    total: bool = False
    minor: bool = False  # a row of percentages under the row of counts


@dataclass
class Table:
    caption: str
    columns: list[str]  # the label column's heading first
    rows: list[Row] = field(default_factory=list)
    wide: bool = False


# Three years: computed from the cases where the portal holds them, published otherwise ---------------


MONEY_MEASURES = {
    m for m in PublishedMeasure.values if m == "financial_consequences" or m.startswith("remedy_")
}


class YearFigures:
    """One year's figures by division and measure (the measures PublishedMeasure names)."""

    def __init__(self, year: FinancialYear, *, computed: bool, published: dict | None = None):
        self.year = year
        self.computed = computed
        self._published = published or {}
        if computed:
            self.channels = selectors.complaints_by_division_and_channel(year)
            self.upheld = selectors.upheld_by_division(year)
            self.on_time = selectors.on_time_by_division(year)
            self.ombudsman = selectors.ombudsman_by_division(year)
            self.remedies = selectors.remedies_by_stage_type_division(year)
            self.compliments = selectors.compliments_by_division(year)

    def value(self, measure: str, division: Division | None = None):
        if not self.computed:
            value = self._published.get((division.pk if division else None, measure))
            if value is None or measure in MONEY_MEASURES:
                return value
            return plain(value)
        if division is None:
            return self._council(measure)
        pk, M = division.pk, PublishedMeasure
        outcomes = self.upheld.by_division.get(pk) if division.records_outcomes else None
        ombudsman = self.ombudsman.by_division.get(pk, selectors.OmbudsmanRow())
        on_time = self.on_time.by_division.get(pk)
        return {
            M.COMPLAINTS: self.channels.by_division.get(pk, 0),
            M.UPHELD_PERCENT: outcomes.upheld_percent if outcomes else None,
            M.FULLY_UPHELD_PERCENT: outcomes.fully_upheld_percent if outcomes else None,
            M.PARTIALLY_UPHELD_PERCENT: outcomes.partially_upheld_percent if outcomes else None,
            M.ON_TIME_PERCENT: on_time.percent if on_time else None,
            M.NEW_OMBUDSMAN_CASES: ombudsman.received,
            M.OMBUDSMAN_UPHELD: ombudsman.upheld,
            M.OMBUDSMAN_CASES_HANDLED: ombudsman.handled,
            M.COMPLIMENTS: self.compliments.by_division.get(pk, 0),
            M.FINANCIAL_CONSEQUENCES: self.remedies.by_division.get(pk, Decimal("0.00")),
        }.get(measure)

    def _council(self, measure: str):
        M = PublishedMeasure
        return {
            M.COMPLAINTS: selectors.complaints_handled_by_cecs(self.channels),
            M.UPHELD_PERCENT: self.upheld.total.upheld_percent,
            M.ON_TIME_PERCENT: self.on_time.handled_by_cecs.percent,
            M.OMBUDSMAN_CASES_HANDLED: self.ombudsman.total.handled,
            M.OMBUDSMAN_DEADLINES_IN_TIME_PERCENT: self.ombudsman.deadlines_on_time_percent,
            M.COMPLIMENTS: self.compliments.total,
            M.FINANCIAL_CONSEQUENCES: self.remedies.total,
        }.get(measure)


def three_years(year: FinancialYear) -> list[YearFigures]:
    """The year and the two before it, oldest first. The chosen year is always computed; an earlier one
    is computed when the portal holds its complaints (selectors.has_cases) and otherwise shows what was
    published then (selectors.published_figures): at most two queries for each earlier year."""
    figures = []
    for earlier in (FinancialYear(year.start_year - 2), FinancialYear(year.start_year - 1)):
        if selectors.has_cases(earlier):
            figures.append(YearFigures(earlier, computed=True))
        else:
            figures.append(
                YearFigures(earlier, computed=False, published=selectors.published_figures(earlier))
            )
    return [*figures, YearFigures(year, computed=True)]


def _label(year: FinancialYear) -> str:
    return f"{year.start_year}/{(year.start_year + 1) % 100:02d}"


# The sections' words ------------------------------------------------------------------------------------


def _default_why(year: FinancialYear) -> list[str]:
    return [
        "Section 18 of The Local Authority Social Services and National Health Service Complaints (England) "
        "Regulations 2009 places a duty on the Council to prepare an annual report each year. That legislation "
        "primarily references adult and children social care complaints but the London Borough of Bromley "
        "goes further and publishes greater detail about its overall performance. This report therefore "
        "provides an overview of complaints and our interaction with the Local Government & Social Care "
        f"Ombudsman between {year.starts_on:%-d %B %Y} and {year.ends_on:%-d %B %Y}.",
        "The Council has an ethos of continuous improvement and is committed to using the feedback it "
        "receives from a variety of sources to learn, understand and take action to improve services.",
    ]


TERMINOLOGY = [
    "A complaint is the whole of someone's approach to the Council expressing dissatisfaction. One or more "
    "services or teams may be referenced in that complaint, and each of those is referred to as a mention. "
    "Each complaint may identify one or more individual grievances and each of those is referred to as an "
    "aspect.",
]


def _default_law(year: FinancialYear) -> list[str]:
    paragraphs = [
        "The main legislation we are governed by is the Local Authority Social Services and National Health "
        "Service Complaints (England) Regulations 2009. This duty is delivered through the Corporate "
        "Complaints Procedure. Where the matter directly involves a child complaining about the care and "
        "support provided to that child by Children's Social Care, the relevant rules are found in the "
        "Children Act 1989 Representations Procedure (England) Regulations 2006 and this duty is delivered "
        "through the Children's Complaints Procedure.",
        "Under the Corporate Complaints Procedure, complaints should be acknowledged within three working "
        "days and formally responded to within 20 working days. Under the Children's Complaints Procedure: "
        "stage 1 initial response within 10 (up to 20) working days; stage 2 investigation within 25 (up to "
        "65) working days; stage 3 Review Panel within 30 working days.",
    ]
    if report_text.code_applies(year):
        paragraphs.append(
            "Corporate complaints received from 1 April 2026 are handled under the Local Government & Social "
            "Care Ombudsman's Complaint Handling Code: stage 1 complaints are acknowledged within 5 working "
            "days and answered within 10 working days of the acknowledgement (extendable by up to 10 more, "
            "with the reason given); stage 2 complaints are acknowledged within 5 working days and answered "
            "within 20, by someone other than the stage 1 handler."
        )
    paragraphs.append(
        "The Customer Engagement & Complaints Service (CE&CS) oversees complaint handling for the entire "
        "Council save for the Environment & Public Protection division, whose statistics it supplies itself "
        "and which does not record outcomes. CE&CS manage all Ombudsman interactions for the Council."
    )
    return paragraphs


def _words(narratives: dict, key, default: list[str] | None = None) -> list[str]:
    narrative = narratives.get(key)
    if narrative is not None and narrative.text:
        return narrative.paragraphs
    return default or []


# The council overview's tables ------------------------------------------------------------------------


def _divisions_columns(divisions) -> list[str]:
    return [d.short_name or d.name for d in divisions]


def complaints_received_table(divisions, years: list[YearFigures]) -> Table:
    M = PublishedMeasure.COMPLAINTS
    table = Table(
        "complaints received by division",
        ["Division", *[_label(y.year) for y in years], "% change"],
    )
    for division in divisions:
        values = [y.value(M, division) for y in years]
        table.rows.append(Row(division.name, [count(v) for v in values] + [change(values[1], values[2])]))
    totals = [y.value(M) for y in years]
    table.rows.append(
        Row("Total (excluding E&PP)", [count(v) for v in totals] + [change(totals[1], totals[2])], total=True)
    )
    return table


def channel_table(channels: selectors.ChannelTable) -> Table:
    divisions = channels.divisions
    table = Table(
        "how complaints were received, by division",
        ["Channel", *_divisions_columns(divisions), "Total", "% of total"],
        wide=True,
    )
    for channel in Channel:
        cells = [count(channels.cells.get((d.pk, channel.value), 0)) for d in divisions]
        table.rows.append(
            Row(
                channel.label,
                [*cells, count(channels.by_channel.get(channel.value, 0)), pc(channels.share(channel.value))],
            )
        )
    table.rows.append(
        Row(
            "Total",
            [count(channels.by_division.get(d.pk, 0)) for d in divisions] + [count(channels.total), ""],
            total=True,
        )
    )
    return table


def upheld_table(upheld: selectors.UpheldTable, previous: YearFigures, year: FinancialYear) -> Table:
    table = Table(
        "proportion of aspects upheld (fully or partially), by division",
        [
            "Division",
            "Aspects",
            "Upheld / partially upheld",
            f"% {_label(year)}",
            f"% {_label(previous.year)}",
        ],
    )
    for division in upheld.divisions:
        row = upheld.by_division.get(division.pk, selectors.OutcomeRow())
        before = previous.value(PublishedMeasure.UPHELD_PERCENT, division)
        if not division.records_outcomes:
            table.rows.append(
                Row(division.name, [count(row.aspects), "n/k", "data not collected", pc(before)])
            )
            continue
        table.rows.append(
            Row(
                division.name,
                [count(row.aspects), count(row.upheld_or_partially), pc(row.upheld_percent), pc(before)],
            )
        )
    total = upheld.total
    table.rows.append(
        Row(
            "Total (divisions recording outcomes)",
            [
                count(total.aspects),
                count(total.upheld_or_partially),
                pc(total.upheld_percent),
                pc(previous.value(PublishedMeasure.UPHELD_PERCENT)),
            ],
            total=True,
        )
    )
    return table


def aspects_table(aspects: selectors.AspectTable) -> Table:
    divisions = aspects.divisions
    table = Table(
        "causes for complaint: aspects by type and division",
        ["Complaint", *_divisions_columns(divisions), "Total", "% of total", "% upheld"],
        wide=True,
    )
    for kind in AspectType:
        row = aspects.by_type[kind.value]
        cells = [count(row.by_division.get(d.pk, 0)) for d in divisions]
        table.rows.append(
            Row(kind.label, [*cells, count(row.total), pc(aspects.share(kind.value)), pc(row.upheld_rate)])
        )
    table.rows.append(
        Row(
            "Total",
            [count(aspects.by_division.get(d.pk, 0)) for d in divisions] + [count(aspects.total), "", ""],
            total=True,
        )
    )
    return table


def on_time_table(divisions, years: list[YearFigures]) -> Table:
    M = PublishedMeasure.ON_TIME_PERCENT
    table = Table(
        "complaints responded to on time, by division",
        ["Division", *[_label(y.year) for y in years]],
    )
    for division in divisions:
        table.rows.append(Row(division.name, [pc(y.value(M, division)) for y in years]))
    table.rows.append(Row("Overall (excluding E&PP)", [pc(y.value(M)) for y in years], total=True))
    return table


def ombudsman_table(divisions, years: list[YearFigures]) -> Table:
    M = PublishedMeasure.OMBUDSMAN_CASES_HANDLED
    previous, current = years[1], years[2]
    table = Table(
        "Ombudsman cases handled, by division",
        ["Division", _label(previous.year), _label(current.year)],
    )
    for division in divisions:
        table.rows.append(
            Row(division.name, [count(previous.value(M, division)), count(current.value(M, division))])
        )
    table.rows.append(Row("Overall", [count(previous.value(M)), count(current.value(M))], total=True))
    return table


def review_letter_table(letters: list[OmbudsmanReviewLetter | None], years: list[FinancialYear]) -> Table:
    table = Table(
        "the Ombudsman's annual review letters",
        ["", *[_label(y) for y in years], "% change"],
    )

    def line(label, get, show, *, difference=False):
        values = [get(letter) if letter else None for letter in letters]
        last = points(values[1], values[2]) if difference else change(values[1], values[2])
        table.rows.append(Row(label, [show(v) for v in values] + [last]))

    line("Referrals", lambda lt: lt.referrals, count)
    line("Resulting investigations", lambda lt: lt.investigations, count)
    line("Proportion investigated", lambda lt: lt.proportion_investigated, pc, difference=True)
    line("Number upheld", lambda lt: lt.upheld, count)
    line("Upheld rate", lambda lt: plain(lt.upheld_rate), pc, difference=True)
    line("London average", lambda lt: plain(lt.london_average_upheld_rate), pc, difference=True)
    rankings = [letter.ranking_label if letter else DASH for letter in letters]
    places = [letter.london_ranking if letter else None for letter in letters]
    moved = "n/a" if None in places[1:] else f"{places[1] - places[2]:+}"
    table.rows.append(Row("London ranking", [*rankings, moved]))
    return table


def remedies_table(remedies: selectors.RemedyTable) -> Table:
    divisions = list(remedies.divisions)
    table = Table(
        "financial consequences of complaints, by stage, type and division",
        ["Stage and type", *_divisions_columns(divisions), "Total"],
        wide=True,
    )
    for stage in RemedyStage:
        for kind in RemedyType:
            cells = [money(remedies.amount(stage.value, kind.value, d.pk)) for d in divisions]
            table.rows.append(
                Row(
                    f"{stage.label}: {kind.label}",
                    [*cells, money(remedies.by_stage_type.get((stage.value, kind.value), Decimal("0.00")))],
                )
            )
    table.rows.append(
        Row(
            "Total",
            [money(remedies.by_division.get(d.pk, Decimal("0.00"))) for d in divisions]
            + [money(remedies.total)],
            total=True,
        )
    )
    return table


def compliments_table(divisions, years: list[YearFigures]) -> Table:
    M = PublishedMeasure.COMPLIMENTS
    previous, current = years[1], years[2]
    table = Table(
        "compliments by division",
        ["Division", _label(previous.year), _label(current.year), "% change"],
    )
    for division in divisions:
        before, now = previous.value(M, division), current.value(M, division)
        table.rows.append(Row(division.name, [count(before), count(now), change(before, now)]))
    before, now = previous.value(M), current.value(M)
    table.rows.append(Row("Total", [count(before), count(now), change(before, now)], total=True))
    return table


# A division's chapter ---------------------------------------------------------------------------------

AT_A_GLANCE = [
    (PublishedMeasure.COMPLAINTS, "Complaints", count),
    (PublishedMeasure.ON_TIME_PERCENT, "Percentage responded to on time", pc),
    (PublishedMeasure.FULLY_UPHELD_PERCENT, "Percentage fully upheld", pc),
    (PublishedMeasure.PARTIALLY_UPHELD_PERCENT, "Percentage partially upheld", pc),
    (PublishedMeasure.NEW_OMBUDSMAN_CASES, "New Ombudsman cases", count),
    (PublishedMeasure.OMBUDSMAN_UPHELD, "Ombudsman cases upheld", count),
    (PublishedMeasure.FINANCIAL_CONSEQUENCES, "Financial consequences", money),
    (PublishedMeasure.COMPLIMENTS, "Compliments", count),
]


def at_a_glance_table(division, years: list[YearFigures]) -> Table:
    table = Table(
        f"{division.name} at a glance",
        ["", *[_label(y.year) for y in years], "% on previous year"],
    )
    for measure, label, show in AT_A_GLANCE:
        values = [y.value(measure, division) for y in years]
        is_rate = show is pc
        table.rows.append(
            Row(label, [show(v) for v in values] + [points(*values[1:]) if is_rate else change(*values[1:])])
        )
    return table


OUTCOME_COLUMNS = [
    ("fully_upheld", "Fully upheld"),
    ("partially_upheld", "Partially upheld"),
    ("not_upheld", "Not upheld"),
    ("ongoing", "Ongoing"),
]


def _outcome_columns(division) -> list[tuple[str, str]]:
    return (
        OUTCOME_COLUMNS if division.records_outcomes else [("not_known", "Not known"), ("ongoing", "Ongoing")]
    )


def services_table(services: selectors.ServiceTable) -> Table:
    division = services.division
    columns = _outcome_columns(division)
    table = Table(
        f"{division.name}: complaint aspects by service or team",
        ["Service or team", "Mentions", "Aspects", *[label for _, label in columns], "On time"],
        wide=True,
    )
    total = services.total
    for name, row in services.rows:
        table.rows.append(
            Row(
                name or "Service not recorded",
                [count(row.mentions), count(row.aspects)]
                + [count(getattr(row, attr)) for attr, _ in columns]
                + [count(row.on_time)],
            )
        )
        table.rows.append(
            Row(
                "%",
                [
                    pc(selectors.percent(row.mentions, total.mentions)),
                    pc(selectors.percent(row.aspects, total.aspects)),
                ]
                + [pc(selectors.percent(getattr(row, attr), row.aspects)) for attr, _ in columns]
                + [pc(row.on_time_percent)],
                minor=True,
            )
        )
    table.rows.append(
        Row(
            "Total",
            [count(total.mentions), count(total.aspects)]
            + [count(getattr(total, attr)) for attr, _ in columns]
            + [count(total.on_time)],
            total=True,
        )
    )
    return table


def nature_table(division, nature: dict) -> Table:
    columns = _outcome_columns(division)
    table = Table(
        f"{division.name}: nature of complaint and outcome",
        ["Aspect", "Aspects", *[label for _, label in columns], "On time", "% upheld"],
        wide=True,
    )
    for kind in AspectType:
        row = nature[kind.value]
        table.rows.append(
            Row(
                kind.label,
                [count(row.aspects)]
                + [count(getattr(row, attr)) for attr, _ in columns]
                + [count(row.on_time), pc(row.upheld_percent) if division.records_outcomes else "n/k"],
            )
        )
    return table


@dataclass
class Chapter:
    division: Division
    paragraphs: list[str]
    summary: str
    at_a_glance: Table
    services: Table
    nature: Table
    compliments: str


def _chapter(division, year: FinancialYear, years: list[YearFigures], narratives: dict) -> Chapter:
    current = years[2]
    services = selectors.services_table(year, division)
    complaints = current.value(PublishedMeasure.COMPLAINTS, division)
    on_time = current.on_time.by_division.get(division.pk, selectors.OnTimeRow())
    summary = (
        f"The {division.name} division was the subject of {count(complaints)} complaint"
        f"{'' if complaints == 1 else 's'} during {_label(year)}, which gave rise to "
        f"{count(services.total.mentions)} mentions and {count(services.total.aspects)} individual aspects. "
        f"{pc(on_time.aspects_percent)} of aspects and {pc(on_time.percent)} of complaints were responded "
        "to on time."
    )
    before = years[1].value(PublishedMeasure.COMPLIMENTS, division)
    now = current.value(PublishedMeasure.COMPLIMENTS, division)
    compliments = (
        f"The division received {count(now)} compliment{'' if now == 1 else 's'} in {_label(year)}"
        + (f", against {count(before)} the year before." if before is not None else ".")
    )
    return Chapter(
        division=division,
        paragraphs=_words(narratives, (NarrativeSection.CHAPTER, division.pk)),
        summary=summary,
        at_a_glance=at_a_glance_table(division, years),
        services=services_table(services),
        nature=nature_table(division, selectors.nature_of_complaint(year, division)),
        compliments=compliments,
    )


# The Complaint Handling Code ----------------------------------------------------------------------------


def code_table(figures: selectors.CodeFigures) -> Table:
    table = Table(
        "the Complaint Handling Code's figures",
        ["", "Stage 1", "Stage 2"],
    )
    one, two = figures.stage_1, figures.stage_2
    table.rows += [
        Row("Complaints received", [count(one.complaints), count(two.complaints)]),
        Row(
            "Acknowledged within the timescale",
            [
                f"{count(one.acknowledged_in_time)} ({pc(one.acknowledged_percent)})",
                f"{count(two.acknowledged_in_time)} ({pc(two.acknowledged_percent)})",
            ],
        ),
        Row(
            "Responded to within the timescale",
            [
                f"{count(one.responded_in_time)} ({pc(one.responded_percent)})",
                f"{count(two.responded_in_time)} ({pc(two.responded_percent)})",
            ],
        ),
        Row("Responses extended", [count(one.extended), count(two.extended)]),
        Row("Escalated to stage 2", [f"{count(figures.escalated)} ({pc(figures.escalation_rate)})", ""]),
    ]
    return table


def self_assessment_table(rows) -> Table:
    table = Table(
        "self-assessment against the Complaint Handling Code",
        ["Provision", "Complies", "Evidence", "Explanation"],
        wide=True,
    )
    for row in rows:
        table.rows.append(
            Row(
                CodeProvision(row.provision).label,
                [row.get_compliance_display(), row.evidence or DASH, row.explanation or DASH],
            )
        )
    return table


# Shared parts -----------------------------------------------------------------------------------------


def _post(title: str):
    return Post.objects.filter(title=title).first()


def _header(cleaned, title: str) -> ReportHeader:
    contact = officer_for(_post(CONTACT_POST))
    chief = officer_for(_post(CHIEF_POST))
    return ReportHeader(
        title=title,
        decision_maker=cleaned.get("committee") or DEFAULT_COMMITTEE,
        report_number=cleaned.get("report_number") or "",
        date=cleaned.get("meeting_date"),
        decision_type="Non-Urgent, Non-Executive, Non-Key",
        contact_officers=[contact or Officer(name="", title=CONTACT_POST)],
        chief_officer=chief or Officer(name="", title=CHIEF_POST),
        ward="Borough-wide",
    )


def describe_cover(cleaned) -> str:
    return f"Annual Complaints Report & LG&SCO Letter {_label(cleaned['year'])}"


def describe_annual(cleaned) -> str:
    return f"Complaints & Compliments Annual Report {_label(cleaned['year'])}"


NON_APPLICABLE = [
    "Impact on Vulnerable Adults and Children",
    "Corporate Policy",
    "Personnel",
    "Procurement",
    "Ward Councillor Views",
]


# The annual report -------------------------------------------------------------------------------------


def _ombudsman_sentence(ombudsman: selectors.OmbudsmanTable) -> str:
    return (
        f"The Council handled {count(ombudsman.total.handled)} Ombudsman cases during the year, which "
        f"generated {count(ombudsman.deadlines)} response deadlines, {pc(ombudsman.deadlines_on_time_percent)} "
        f"of them met. The Ombudsman decided {count(ombudsman.total.investigated)} complaints after an "
        f"investigation; {count(ombudsman.total.upheld_after_investigation)} were upheld, and "
        f"{count(ombudsman.total.upheld_without_investigation)} more were upheld without investigation, an "
        f"overall upheld rate of {pc(ombudsman.total.upheld_rate)}."
    )


OVERVIEW_HEADINGS = {
    "complaints_received": "Complaints received",
    "channels": "How complaints were received",
    "upheld": "Proportion upheld",
    "aspects": "Causes for complaint",
    "on_time": "Responding on time",
    "ombudsman": "Local Government & Social Care Ombudsman cases",
    "review_letter": "Annual review letter",
    "remedies": "Financial consequences of complaints",
    "compliments": "Compliments",
}


def _overview(year: FinancialYear, years: list[YearFigures], divisions, narratives) -> ReportSection:
    """The council overview: each table with the complaints team's words above it."""
    current = years[2]
    kept = selectors.review_letters([y.year for y in years])
    letters = [kept.get(y.year.start_year) for y in years]
    S = NarrativeSection
    parts = {
        "complaints_received": (S.COMPLAINTS_RECEIVED, complaints_received_table(divisions, years)),
        "channels": (S.CHANNELS, channel_table(current.channels)),
        "upheld": (S.UPHELD, upheld_table(current.upheld, years[1], year)),
        "aspects": (S.ASPECTS, aspects_table(selectors.aspects_by_type_and_division(year))),
        "on_time": (S.ON_TIME, on_time_table(divisions, years)),
        "ombudsman": (S.OMBUDSMAN, ombudsman_table(divisions, years)),
        "review_letter": (None, review_letter_table(letters, [y.year for y in years])),
        "remedies": (S.REMEDIES, remedies_table(current.remedies)),
        "compliments": (S.COMPLIMENTS, compliments_table(divisions, years)),
    }
    rows = []
    for key, (section, table) in parts.items():
        words = _words(narratives, section) if section else []
        if key == "ombudsman":
            words = [*words, _ombudsman_sentence(current.ombudsman)]
        rows.append((OVERVIEW_HEADINGS[key], words, table))
    return ReportSection("Council overview", "reports/complaints/overview.html", {"parts": rows}, wide=True)


def _annual_sections(year: FinancialYear, years: list[YearFigures], narratives) -> list[ReportSection]:
    divisions = selectors.divisions()
    sections = [
        ReportSection(
            "Why we report on our complaints",
            "reports/complaints/prose.html",
            {
                "paragraphs": _words(narratives, NarrativeSection.WHY_WE_REPORT, _default_why(year)),
                "terminology": TERMINOLOGY,
            },
        ),
        ReportSection(
            "Law and procedures",
            "reports/complaints/prose.html",
            {"paragraphs": _words(narratives, NarrativeSection.LAW_AND_PROCEDURES, _default_law(year))},
        ),
        _overview(year, years, divisions, narratives),
    ]
    if report_text.code_applies(year):
        sections.append(
            ReportSection(
                "The Complaint Handling Code: performance and self-assessment",
                "reports/complaints/code.html",
                {
                    "paragraphs": _words(narratives, NarrativeSection.CODE),
                    "figures": code_table(selectors.code_figures(year)),
                    "assessment": self_assessment_table(report_text.self_assessment_for(year)),
                },
                wide=True,
            )
        )
    for division in divisions:
        chapter = _chapter(division, year, years, narratives)
        sections.append(
            ReportSection(division.name, "reports/complaints/chapter.html", {"chapter": chapter}, wide=True)
        )
    return sections


def build_annual(cleaned) -> CommitteeReport:
    year: FinancialYear = cleaned["year"]
    years = three_years(year)
    sections = _annual_sections(year, years, report_text.narratives_for(year))
    total = years[2].value(PublishedMeasure.COMPLAINTS)
    code = (
        " Complaints in the year fall under the Ombudsman's Complaint Handling Code, so it is also the Code's "
        "annual complaints performance and service improvement report."
        if report_text.code_applies(year)
        else ""
    )
    return CommitteeReport(
        header=_header(cleaned, describe_annual(cleaned)),
        reason=[
            "This is the Council's Annual Complaints Report for "
            f"{year.starts_on:%-d %B %Y} to {year.ends_on:%-d %B %Y}: complaints, compliments and the "
            "Council's dealings with the Local Government & Social Care Ombudsman, council-wide and by "
            "division." + code
        ],
        recommendations=["Members of the Committee are asked to note, consider and comment on the report."],
        sections=sections,
        background_documents=[
            f"Complaints, Ombudsman cases, remedies and compliments recorded in the Bromley Portal, {year.label}"
        ],
        filename=f"annual-complaints-report-{year.label}",
        summary=f"{count(total)} complaints (excluding Environment & Public Protection) in {year.label}.",
    )


# The cover report --------------------------------------------------------------------------------------


def _commentary(year: FinancialYear, years: list[YearFigures], letter) -> list[str]:
    previous, current = years[1], years[2]
    M = PublishedMeasure
    complaints = current.value(M.COMPLAINTS)
    before = previous.value(M.COMPLAINTS)
    paragraphs = [
        "Excluding Environment & Public Protection complaints, which are not overseen nor analysed by the "
        f"Customer Engagement & Complaints Service, the Council received {count(complaints)} complaints in "
        f"{_label(year)}"
        + (
            f", a change of {change(before, complaints)} on the year before ({count(before)})."
            if before
            else "."
        )
        + f" {pc(current.value(M.UPHELD_PERCENT))} of complaint aspects were partially upheld or upheld "
        f"against the Council, and {pc(current.value(M.ON_TIME_PERCENT))} of complaints were responded to "
        "on time.",
        f"The financial consequences of upheld complaints amounted to {money(current.value(M.FINANCIAL_CONSEQUENCES))}"
        + (
            f", against {money(previous.value(M.FINANCIAL_CONSEQUENCES))} the year before."
            if previous.value(M.FINANCIAL_CONSEQUENCES) is not None
            else "."
        ),
    ]
    if letter is not None:
        paragraphs.append(
            f"The Ombudsman's annual review letter records {count(letter.referrals)} referrals, of which "
            f"{count(letter.investigations)} were investigated and {count(letter.upheld)} upheld "
            f"({pc(plain(letter.upheld_rate))}), against a London average of "
            f"{pc(plain(letter.london_average_upheld_rate))}, placing Bromley {letter.ranking_label} of "
            f"the {letter.boroughs} London boroughs."
        )
    return paragraphs


def build_cover(cleaned) -> CommitteeReport:
    year: FinancialYear = cleaned["year"]
    narratives = report_text.narratives_for(year)
    years = three_years(year)
    letter = selectors.review_letters([year]).get(year.start_year)
    commentary = _words(narratives, NarrativeSection.COVER_COMMENTARY, _commentary(year, years, letter))
    return CommitteeReport(
        header=_header(cleaned, describe_cover(cleaned)),
        reason=[
            "The Council produces an Annual Complaints Report each year setting out statistics on the "
            f"complaints it receives. The {_label(year)} Annual Report is presented in Appendix 1.",
            "The report also provides oversight of the annual Local Government & Social Care Ombudsman letter "
            "which summarises Ombudsman complaints and enquiries received, and the decisions made about, the "
            f"London Borough of Bromley for the year ending {year.ends_on:%-d %B %Y}.",
        ],
        recommendations=["Members of the Committee are asked to note, consider and comment on the report."],
        implications=[
            ("Financial", "Cost of proposal: Not Applicable."),
            ("Legal", "Legal Requirement: Statutory Requirement."),
            ("Customer Impact", "Estimated number of users or beneficiaries: Not Applicable."),
        ],
        sections=[
            ReportSection("Commentary", "reports/complaints/prose.html", {"paragraphs": commentary}),
            ReportSection(
                "Financial implications",
                "reports/complaints/prose.html",
                {"paragraphs": ["None for the purposes of this report."]},
            ),
            ReportSection(
                "Legal implications",
                "reports/complaints/prose.html",
                {
                    "paragraphs": [
                        "Under regulation 18 of the Local Authority Social Services and National Health Service "
                        "Complaints Regulations 2009 the Council is required to publish an annual complaints "
                        "report.",
                        "Under section 5(2) of the Local Government and Housing Act 1989 the Monitoring Officer "
                        "is expected to produce a periodic report to the Council summarising the findings on "
                        "all upheld complaints over a specific period.",
                    ]
                },
            ),
            ReportSection(
                "Supporting documents",
                "reports/complaints/prose.html",
                {"paragraphs": [f"Appendix 1. Annual Complaints Report {_label(year)}."]},
            ),
        ],
        non_applicable_headings=NON_APPLICABLE,
        background_documents=[f"Annual Complaints Report {_label(year)}"],
        filename=f"annual-complaints-report-{year.label}-cover",
        summary=commentary[0] if commentary else "",
    )


register(
    ReportType(
        name="complaints_cover",
        title="Annual Complaints Report (cover report)",
        description="The cover report for a year's Annual Complaints Report and the Ombudsman's annual "
        "review letter: the committee header block and the commentary on the year's figures.",
        form_class=ComplaintsReportForm,
        build=build_cover,
        describe=describe_cover,
        order=40,
    )
)
register(
    ReportType(
        name="complaints_annual",
        title="Annual Complaints Report",
        description="A year's complaints and compliments report: the council overview's tables against the "
        "two years before, the Ombudsman, financial consequences, and a chapter per division.",
        form_class=ComplaintsReportForm,
        build=build_annual,
        describe=describe_annual,
        order=41,
    )
)
