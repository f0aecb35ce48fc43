"""The open data: public, Part 1 feeds by financial year, each described by a Frictionless Table
Schema (its data dictionary) and published under the Open Government Licence v3.0.

- ``actions``: each action of the year's plans in each *locked* period of the year, with the RAG and
  narrative it reports there (``QuarterlyUpdate.objects.reported()``, the one rule, amendments applied).
  An open period's updates are not published until the period is locked.
- ``measures``: each reading of the year, judged by ``Measure.assess`` against the reading before.
- ``contracts``: the Local Government Transparency Code 2015's contract list (paragraph 27) of the
  contracts in force at some time in the year, in the Code's layout (``contracts.ocds``).
- ``complaints``: the year's complaint statistics by division (``api.statistics``): counts and sums.

No dataset carries a person's name or e-mail, an update's author, a contract's commentary or a
complainant's details. Rows are built a fixed number of queries at a time, whatever their number.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from api import statistics, versions
from bromley_portal.core.exports import EXPORT_CHUNK
from bromley_portal.core.financial_year import FinancialYear
from contracts import ocds
from contracts.models import Contract
from plans import selectors
from plans.choices import Direction, MeasureUnit, PeriodStatus, Polarity, Rag
from plans.models import Action, QuarterlyUpdate, Reading

LICENCE = {
    "name": "OGL-UK-3.0",
    "title": "Open Government Licence v3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}
PUBLISHER = "London Borough of Bromley"
ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a Table Schema type: string, integer, number, date, boolean
    description: str
    required: bool = False
    enum: tuple = ()

    def schema(self) -> dict:
        described = {"name": self.name, "type": self.type, "description": self.description}
        if self.type == "date":
            described["format"] = "default"  # ISO 8601, YYYY-MM-DD
        if self.type == "number":
            described["decimalChar"] = "."
            described["groupChar"] = ""
        constraints = {"required": True} if self.required else {}
        if self.enum:
            constraints["enum"] = list(self.enum)
        if constraints:
            described["constraints"] = constraints
        return described


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    fields: list[Field]
    rows: Callable[[FinancialYear], Iterator[dict]]
    models: list

    def schema(self) -> dict:
        return {
            "fields": [field.schema() for field in self.fields],
            "missingValues": [""],
        }

    @property
    def columns(self) -> list[str]:
        return [field.name for field in self.fields]


# Actions ---------------------------------------------------------------------------------------


def action_rows(year: FinancialYear) -> Iterator[dict]:
    """Each reported update of the year's locked periods, with its action: one streamed values() query
    and three lookups (the actions' leads, the updates' notes on details), whatever the rows. Each
    cell by the rule its model keeps: Action.reference_of, Action.leads (selectors.leads_by_action:
    each post once, by the post's title), QuarterlyUpdate's reported RAG and narrative."""
    updates = (
        QuarterlyUpdate.objects.reported()
        .filter(period__year=year.start_year, period__status=PeriodStatus.LOCKED)
        .order_by(
            "period__quarter",
            "action__section__plan__portfolio__code",
            "action__section__number",
            "action__number",
        )
    )
    rows = updates.values_list(
        "pk",
        "period__quarter",
        "action_id",
        "action__section__plan__portfolio__code",
        "action__section__plan__portfolio__name",
        "action__section__plan__title",
        "action__section__number",
        "action__number",
        "action__title",
        "action__section__ambition__number",
        "action__target_date",
        "action__annual_programme",
        "reported_rag",
        "narrative",
        "amended_narrative",
    )
    # The lookups are read when the first row is asked for, so the streamed feed starts at once.
    leads = selectors.leads_by_action(updates.values("action_id"))
    notes = selectors.notes_by_update(updates.values("pk"))
    labels = {rag.value: rag.label for rag in Rag}
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        (pk, quarter, action_id, code, portfolio, plan, section, number, title, ambition, target_date,
         programme, rag, narrative, amended) = row  # fmt: skip
        yield {
            "financial_year": year.label,
            "quarter": quarter,
            "portfolio_code": code,
            "portfolio": portfolio,
            "plan": plan,
            "action_reference": Action.reference_of(section, number),
            "action": title,
            "ambition": ambition,
            "target_date": target_date,
            "annual_programme": programme,
            "leads": "; ".join(lead.post_title for lead in leads.get(action_id, ())),
            "rag": rag,
            "rag_label": labels[rag],
            "narrative": amended or QuarterlyUpdate.narrative_with_notes(narrative, notes.get(pk, ())),
        }


ACTIONS = Dataset(
    "actions",
    "Portfolio plan actions and their quarterly updates",
    "Each action of the year's portfolio plans in each quarter whose reporting period is locked for "
    "committee, with the RAG status and narrative it reports there (as amended). Quarters still open "
    "are published once they are locked.",
    [
        Field("financial_year", "string", "The financial year, April to March: 2023-24.", True),
        Field("quarter", "integer", "The quarter of the financial year: 1 is April to June.", True),
        Field("portfolio_code", "string", "The portfolio's code: CEF.", True),
        Field("portfolio", "string", "The portfolio's name.", True),
        Field("plan", "string", "The portfolio plan's title.", True),
        Field(
            "action_reference", "string", "How committee papers cite the action: section.action, 1.4.", True
        ),
        Field("action", "string", "The action, as the plan writes it.", True),
        Field(
            "ambition",
            "integer",
            "The number of the strategy's ambition it serves, where its section is one.",
        ),
        Field("target_date", "date", "When the action is due (its last detail's target month)."),
        Field("annual_programme", "boolean", "Whether a detail of it is in the Annual Programme (AP).", True),
        Field("leads", "string", "The posts that lead it, separated by semicolons (posts, not people)."),
        Field(
            "rag",
            "string",
            "The RAG status reported (no_update: none was received).",
            True,
            tuple(Rag.values),
        ),
        Field("rag_label", "string", "The RAG status as the portal writes it.", True),
        Field(
            "narrative", "string", "The update's narrative as reported (an amendment's where it was amended)."
        ),
    ],
    action_rows,
    versions.ACTIONS,
)


# Measures --------------------------------------------------------------------------------------


def measure_rows(year: FinancialYear) -> Iterator[dict]:
    """Each reading of the year, judged by Measure.assess against the reading before (of any year):
    one streamed query of the readings, up to the year's, of the measures with a reading in it, in
    the measures' order and each measure's in time, with their measures and periods."""
    in_year = Reading.objects.filter(period__year=year.start_year).values("measure_id")
    readings = (
        Reading.objects.filter(measure__in=in_year, period__year__lte=year.start_year)
        .select_related("measure", "period")
        .order_by("measure__name", "measure_id", "period__year", "period__quarter")
    )
    previous = None
    for reading in readings.iterator(chunk_size=EXPORT_CHUNK):
        if previous is not None and previous.measure_id != reading.measure_id:
            previous = None
        if reading.period.year == year.start_year:
            measure = reading.measure
            assessment = measure.assess(reading, previous)
            yield {
                "financial_year": year.label,
                "quarter": reading.period.quarter,
                "measure_id": measure.slug,
                "measure": measure.name,
                "unit": measure.unit,
                "polarity": measure.polarity,
                "actual": reading.actual,
                "target": reading.target,
                "england": reading.england,
                "london": reading.london,
                "statistical_neighbours": reading.statistical_neighbours,
                "rag": assessment.rag or "",
                "direction": assessment.direction,
                "definition_changed": reading.definition_changed,
            }
        previous = reading


MEASURES = Dataset(
    "measures",
    "Performance measures and their readings",
    "Each reading of the council's key performance indicators in the year, with its target and "
    "comparators, its RAG status against target and its direction of travel since the reading before.",
    [
        Field("financial_year", "string", "The financial year, April to March: 2023-24.", True),
        Field("quarter", "integer", "The quarter the reading is for: 1 is April to June.", True),
        Field("measure_id", "string", "The measure's stable identifier.", True),
        Field("measure", "string", "The measure's name.", True),
        Field(
            "unit", "string", "What the figures count (money is in pounds).", True, tuple(MeasureUnit.values)
        ),
        Field(
            "polarity",
            "string",
            "Whether higher or lower is better, or neither.",
            True,
            tuple(Polarity.values),
        ),
        Field("actual", "number", "The figure for the quarter.", True),
        Field("target", "number", "The target for the quarter, where there is one."),
        Field("england", "number", "The England average, where published."),
        Field("london", "number", "The London average, where published."),
        Field("statistical_neighbours", "number", "The statistical neighbours' average, where published."),
        Field(
            "rag",
            "string",
            "Against target; blank without a target or polarity.",
            False,
            ("red", "amber", "green"),
        ),
        Field("direction", "string", "Against the reading before.", True, tuple(Direction.values)),
        Field(
            "definition_changed",
            "boolean",
            "The definition changed from this reading, so it does not compare with earlier ones.",
            True,
        ),
    ],
    measure_rows,
    versions.MEASURES,
)


# Contracts: the Transparency Code's layout ----------------------------------------------------

CODE_FIELDS = {
    "Reference number": ("string", "The council's contract ID."),
    "Title of agreement": ("string", "The contract's title."),
    "Local authority department responsible": ("string", "The portfolio responsible."),
    "Description of the goods and/or services being provided": ("string", "Not held by the register: blank."),
    "Supplier name": ("string", "The main contractor or supplier."),
    "Supplier details": ("string", "Not held by the register: blank."),
    "Sum to be paid over the length of the contract": ("number", "Total contract value, pounds."),
    "Estimated annual spending": ("number", "Current annual value, else the original, pounds."),
    "Value Added Tax that cannot be recovered": ("number", "Not held by the register: blank."),
    "Start date": ("date", "When the contract started."),
    "End date": ("date", "The approved end date."),
    "Review date": ("date", "Not held by the register: blank."),
    "Invitation to quote or published invitation to tender": ("string", "Not held by the register: blank."),
    "Small or medium sized enterprise": ("string", "Not held by the register: blank."),
    "Voluntary or community sector organisation": ("string", "Not held by the register: blank."),
    "Registration number": ("string", "Not held by the register: blank."),
}


def contract_rows(year: FinancialYear) -> Iterator[dict]:
    contracts = Contract.objects.filter(
        Q(total_value__gt=ocds.TRANSPARENCY_CODE_THRESHOLD)
        & Q(start_date__lte=year.ends_on)
        & Q(end_date__gte=year.starts_on)
    )
    fields = ("council_id", "title", "portfolio__name", "supplier", "total_value")
    fields += ("original_annual_value", "current_annual_value", "start_date", "end_date")
    for row in contracts.order_by("council_id").values(*fields).iterator(chunk_size=ocds.CHUNK_SIZE):
        cells = ocds.transparency_code_row(row)
        cells[6], cells[7] = Decimal(cells[6]), Decimal(cells[7])
        cells[9], cells[10] = row["start_date"], row["end_date"]
        yield dict(zip(ocds.TRANSPARENCY_CODE_COLUMNS, cells, strict=True))


CONTRACTS = Dataset(
    "contracts",
    "Contracts over £5,000 (Local Government Transparency Code 2015)",
    "The contracts with a value over £5,000 in force at some time in the year, in the layout of "
    "paragraph 27 of the Local Government Transparency Code 2015. Columns the contract register does "
    "not hold are blank.",
    [Field(name, kind, text) for name, (kind, text) in CODE_FIELDS.items()],
    contract_rows,
    versions.CONTRACTS,
)
assert list(CODE_FIELDS) == ocds.TRANSPARENCY_CODE_COLUMNS


# Complaints ------------------------------------------------------------------------------------


def complaint_rows(year: FinancialYear) -> Iterator[dict]:
    for row in statistics.division_rows(year):
        yield {"financial_year": year.label, **row}


COMPLAINTS = Dataset(
    "complaints",
    "Complaint statistics by division",
    "Stage 1 complaints received in the year and their outcomes, Ombudsman cases, financial remedies "
    "and compliments, by division and for the council (the last row). Counts and sums only: a complaint "
    "naming two divisions counts once in each.",
    [
        Field("financial_year", "string", "The financial year, April to March: 2021-22.", True),
        Field("division", "string", "The division, or “All divisions” for the council.", True),
        Field("complaints", "integer", "Stage 1 complaints received that name the division.", True),
        Field("aspects", "integer", "Their aspects (grievances).", True),
        Field("fully_upheld", "integer", "Aspects fully upheld.", True),
        Field("partially_upheld", "integer", "Aspects partially upheld.", True),
        Field("not_upheld", "integer", "Aspects not upheld.", True),
        Field(
            "complaints_on_time",
            "integer",
            "Complaints whose last aspect was answered by its due date.",
            True,
        ),
        Field(
            "ombudsman_received",
            "integer",
            "New referrals to the Local Government and Social Care Ombudsman.",
            True,
        ),
        Field("ombudsman_decided", "integer", "Ombudsman decisions in the year.", True),
        Field("ombudsman_upheld", "integer", "Ombudsman decisions upheld.", True),
        Field("remedies_pounds", "number", "Financial remedies agreed, pounds.", True),
        Field("compliments", "integer", "Compliments received.", True),
    ],
    complaint_rows,
    versions.COMPLAINTS,
)
assert [f.name for f in COMPLAINTS.fields[1:]] == statistics.COLUMNS

DATASETS = {dataset.name: dataset for dataset in (ACTIONS, MEASURES, CONTRACTS, COMPLAINTS)}
