"""The contract register's committee reports, registered with the core's report pipeline (seed 004).

- ``contracts_register``: the "Contracts Register" cover report for a portfolio and a cycle: the committee
  header block, the portfolio's summary (paragraph 3.8), the key data of all portfolios (Appendix 1) and
  the register's key (Appendix 2).
- ``contracts_part_1``: the portfolio's register in the cycle (Appendix 3), on landscape pages in register
  order, capital contracts at the foot. Part 1 (public): it has no commentary, ever.
- ``contracts_part_2``: the same rows with each contract's commentary beneath it. Part 2 (exempt under
  Schedule 12A, paragraph 3): only clerks and admins ask for it or read it (bromley_portal.reports.rules).

Every figure comes from the selectors the register's pages read (``selectors.key_data`` and
``selectors.register_entries``), from the cycle's frozen rows, so a cycle's papers come out the same
years later, whatever changed since. Each report costs a fixed number of queries whatever the number of
contracts. All text comes from people and is escaped by the templates.
"""

from dataclasses import dataclass

from django import forms

from ambitions.models import Portfolio
from ambitions.services import officer_for
from bromley_portal.reports.choices import Classification
from bromley_portal.reports.registry import (
    CommitteeReport,
    CommitteeReportForm,
    ReportHeader,
    ReportSection,
    ReportType,
    register,
)
from contracts import selectors
from contracts.choices import REGISTER_THRESHOLD, ProcurementStatus, RiskLevel
from contracts.models import RegisterCycle, RegisterEntry, RegisterEntryCommentary

# Parameters ----------------------------------------------------------------------------------


class PortfolioField(forms.ModelChoiceField):
    """A portfolio by its key, or by its code (for the command line): "CEF"."""

    def label_from_instance(self, portfolio):
        return portfolio.name

    def to_python(self, value):
        text = str(value or "").strip()
        if text and not text.isdigit():
            portfolio = self.queryset.filter(code__iexact=text).first()
            if portfolio is None:
                raise forms.ValidationError(f"There is no portfolio “{text}”.", code="invalid_choice")
            return portfolio
        return super().to_python(value)


class CycleField(forms.ModelChoiceField):
    """A frozen register cycle by its key, or by its name: "September 2022"."""

    def label_from_instance(self, cycle):
        return f"{cycle.name} (as at {cycle.as_at:%-d %B %Y})"

    def to_python(self, value):
        text = str(value or "").strip()
        if text and not text.isdigit():
            cycle = self.queryset.filter(name__iexact=text).first()
            if cycle is None:
                raise forms.ValidationError(
                    f"There is no frozen register cycle “{text}”.", code="invalid_choice"
                )
            return cycle
        return super().to_python(value)


class ContractsRegisterForm(CommitteeReportForm):
    portfolio = PortfolioField(
        label="Portfolio",
        queryset=Portfolio.objects.select_related("pds_committee", "chief_officer", "report_contact"),
        empty_label="Choose a portfolio",
        error_messages={
            "required": "Choose the portfolio",
            "invalid_choice": "Choose a portfolio from the list",
        },
    )
    cycle = CycleField(
        label="Register cycle",
        queryset=RegisterCycle.objects.filter(frozen_at__isnull=False).order_by("-as_at"),
        empty_label="Choose a cycle",
        help_text="Only a frozen cycle goes to committee: its register as it stood on its date.",
        error_messages={
            "required": "Choose the register cycle",
            "invalid_choice": "Choose a frozen register cycle from the list",
        },
    )
    field_order = ["portfolio", "cycle", "report_number", "meeting_date"]


# The key (Appendix 2) -----------------------------------------------------------------------------

KEY = [
    (
        "Risk Index",
        "Eight automatically scored and weighted criteria give a score out of 100 reflecting the contract's "
        "intrinsic risk, reported as either Higher Risk or Lower Risk.",
    ),
    ("Contract ID", "Unique reference used in contract authorisations."),
    ("Owner", "Manager or commissioner with day-to-day budgetary or service provision responsibility."),
    ("Approver", "Contract Owner's manager, responsible for approving data quality."),
    ("Contract Title", "Commonly used or formal title of the service or contract."),
    ("Supplier", "Main contractor or supplier responsible for service provision."),
    (
        "Portfolio",
        "Relevant Portfolio for receiving procurement strategy, contract award, contract monitoring and "
        "budget monitoring reports.",
    ),
    (
        "Total Contract Value",
        "The contract's value from commencement to expiry of the formally approved period (excludes any "
        "extensions yet to be formally approved).",
    ),
    (
        "Original Annual Value",
        "Value of the contract in its first year (which may differ from the annual value in later years, "
        "due to start-up costs and so on).",
    ),
    (
        "Current Annual Value (Estimated)",
        "The Contract Owner's estimate for the current contract year; blank where it has not been given.",
    ),
    (
        "Procurement Status",
        "For all contracts the Database ranks as approaching their end date, a manual RAG rating assigned "
        "by the Assistant Director Governance & Contracts to reflect the status of the contract (below).",
    ),
    (
        "Start & End Dates",
        "Approved contract start date and end date (excluding any extension yet to be authorised).",
    ),
    ("Months Duration", "Contract term in months."),
    (
        "Attention",
        "A red flag or Red RAG indicates that there are potential issues, or that the timescales are tight "
        "and it requires close monitoring. Further commentary may be provided in the Part 2 report.",
    ),
    (
        "Commentary",
        "Contract Owners provide a comment where contracts approach their end date. Corporate Procurement "
        "may add a further comment for Members' consideration. The commentary only appears in the Part 2 "
        "Contracts Register.",
    ),
    (
        "Capital",
        "Most of the Council's contracts are revenue-funded. Capital-funded contracts are separately "
        "identified and listed at the foot of the Contracts Register, because different reporting and "
        "accounting rules apply.",
    ),
]
REGISTER_ORDER = (
    "The Contracts Register is ordered by Procurement Status, Portfolio, and finally Contract Value. "
    "Capital contracts appear at the foot of the Register and contracts of concern (to Corporate "
    "Procurement) are flagged at the top."
)


def _key() -> dict:
    return {
        "categories": KEY,
        "statuses": [*ProcurementStatus.rated(), ProcurementStatus.AWAITING, ProcurementStatus.NEUTRAL],
        "risks": [RiskLevel.HIGHER, RiskLevel.LOWER],
        "order": REGISTER_ORDER,
    }


# Shared parts ---------------------------------------------------------------------------------


def _header(cleaned, title: str) -> ReportHeader:
    portfolio = cleaned["portfolio"]
    chief = officer_for(portfolio.chief_officer)
    contact = officer_for(portfolio.report_contact)
    return ReportHeader(
        title=title,
        decision_maker=portfolio.pds_committee.name,
        report_number=cleaned.get("report_number") or "",
        date=cleaned.get("meeting_date"),
        contact_officers=[officer for officer in (contact or chief,) if officer],
        chief_officer=chief,
    )


def _as_at(cycle) -> str:
    return f"{cycle.as_at:%-d %B %Y}"


def _slug(cleaned, what: str) -> str:
    cycle = cleaned["cycle"]
    return f"{cleaned['portfolio'].code}-contracts-{what}-{cycle.as_at:%Y-%m}".lower()


NON_APPLICABLE = [
    "Impact on Vulnerable Adults and Children",
    "Personnel",
    "Property",
    "Ward Councillor Views",
]
NO_COST = (
    "Financial",
    "Cost of proposal: not applicable. The Contracts Database and the registers are not primarily "
    "financial tools; the Council's budget monitoring reports serve that purpose.",
)
NO_CALL_IN = ("Legal", "Call-in: not applicable. No executive decision is asked for.")
PROCUREMENT = (
    "Procurement",
    "Summary of procurement implications: improves the Council's approach to contract management.",
)
POLICY = (
    "Corporate Policy",
    "Policy status: existing policy. Making Bromley Even Better, Ambition Five: robust and active contract "
    "management.",
)


# The cover report ------------------------------------------------------------------------------


def describe_register(cleaned) -> str:
    return f"Contracts Register: {cleaned['portfolio'].name} Portfolio, {cleaned['cycle'].name}"


@dataclass
class PortfolioTotal:
    name: str
    figures: list  # a total per cycle, oldest first; None where none was published or counted


def _appendix_1(cycle, portfolios) -> dict:
    """All portfolios' key data with each portfolio's totals, from selectors.key_data."""
    everyone = selectors.key_data(cycle)
    totals = [
        PortfolioTotal(
            p.name, [column.figures.get("total") for column in selectors.key_data(cycle, p).columns]
        )
        for p in portfolios
    ]
    return {"key_data": everyone, "portfolio_totals": totals}


def _summary_sentence(everyone, cycle) -> str:
    total = everyone.columns[-1].figures.get("total") if everyone.columns else None
    count = "an unknown number of" if total is None else f"{total:,}"
    return (
        f"The Council has {count} active contracts of £{REGISTER_THRESHOLD:,} or more across all Portfolios as "
        f"at {_as_at(cycle)} for the {cycle.name} reporting cycle, as set out in Appendix 1."
    )


def build_register(cleaned) -> CommitteeReport:
    portfolio, cycle = cleaned["portfolio"], cleaned["cycle"]
    committee = portfolio.pds_committee.name
    appendix_1 = _appendix_1(cycle, Portfolio.objects.order_by("order"))
    sentence = _summary_sentence(appendix_1["key_data"], cycle)
    return CommitteeReport(
        header=_header(cleaned, describe_register(cleaned)),
        reason=[
            f"This report presents an extract from {cycle.name}'s Contracts Register of contracts with a whole "
            f"life value of £{REGISTER_THRESHOLD:,} or higher, for detailed scrutiny by the {committee}, based "
            f"on data as at {_as_at(cycle)}.",
            "The Contracts Register in Part 2 of this agenda includes a commentary on each contract to inform "
            "Members of any issues or developments.",
        ],
        recommendations=[
            f"That the {committee} reviews and comments on the Contracts Register as at {_as_at(cycle)}.",
            "That the Committee notes that in Part 2 of this agenda the Contracts Register contains additional, "
            "potentially commercially sensitive, information in its commentary.",
        ],
        implications=[POLICY, NO_COST, NO_CALL_IN, PROCUREMENT],
        sections=[
            ReportSection(
                "Contract register summary",
                "reports/contracts/summary.html",
                {
                    "sentence": sentence,
                    "portfolio": portfolio,
                    "key_data": selectors.key_data(cycle, portfolio),
                },
            ),
            ReportSection(
                "Appendix 1: Key data (all portfolios)", "reports/contracts/key_data.html", appendix_1
            ),
            ReportSection(
                "Appendix 2: Contracts Register key", "reports/contracts/key.html", {"key": _key()}
            ),
        ],
        non_applicable_headings=NON_APPLICABLE,
        background_documents=[
            f"Contracts Database extract, {cycle.name} (Part 1 and Part 2), as frozen in the Bromley Portal"
        ],
        filename=_slug(cleaned, "register"),
        summary=sentence,
    )


# The extracts (Appendix 3) ----------------------------------------------------------------------


@dataclass
class ExtractRow:
    entry: RegisterEntry
    commentary: RegisterEntryCommentary | None = None  # Part 2 only


def register_rows(cycle, portfolio, *, part_2: bool) -> list[ExtractRow]:
    """The cycle's frozen register for the portfolio, in register order (selectors.register_entries, the
    one the portfolio's register page and its export read). Commentary is read only for Part 2."""
    entries = selectors.register_entries(cycle, portfolio)
    if not part_2:
        return [ExtractRow(entry) for entry in entries]
    commentaries = {
        c.entry_id: c for c in RegisterEntryCommentary.objects.filter(entry__in=entries.values("pk"))
    }
    return [ExtractRow(entry, commentaries.get(entry.pk)) for entry in entries]


def _extract(cleaned, *, part_2: bool) -> CommitteeReport:
    portfolio, cycle = cleaned["portfolio"], cleaned["cycle"]
    rows = register_rows(cycle, portfolio, part_2=part_2)
    revenue = [row for row in rows if not row.entry.capital]
    capital = [row for row in rows if row.entry.capital]
    count = f"{len(rows)} contract{'s' if len(rows) != 1 else ''}"
    part = "Part 2" if part_2 else "Part 1"
    return CommitteeReport(
        header=_header(cleaned, describe_part_2(cleaned) if part_2 else describe_part_1(cleaned)),
        reason=[
            f"This is the {portfolio.name} Portfolio's Contracts Register as at {_as_at(cycle)} ({count}), "
            f"the {cycle.name} cycle's extract from the Contracts Database, as frozen for that cycle."
            + (
                " It adds each contract's commentary: the Contract Owner's comment, Corporate Procurement's "
                "comment and the inflation mechanism."
                if part_2
                else " The commentary on each contract is in the Part 2 register."
            )
        ],
        recommendations=[
            f"That the {portfolio.pds_committee.name} reviews and comments on the {part} register."
        ],
        sections=[
            ReportSection(
                "Contracts Database extract",
                "reports/contracts/extract.html",
                {
                    "revenue": revenue,
                    "capital": capital,
                    "capital_heading": True,
                    "part_2": part_2,
                    "cycle": cycle,
                    "count": count,
                },
                wide=True,
                parts=extract_parts,
            )
        ],
        background_documents=[f"Contracts Database extract, {cycle.name}, as frozen in the Bromley Portal"],
        filename=_slug(cleaned, "part-2" if part_2 else "part-1"),
        summary=f"{count} in register order, as at {_as_at(cycle)}.",
    )


# Rows of the extract laid out in one part of a long extract's PDF: about 45 landscape pages, which
# WeasyPrint lays out in about 250 MB (bench/contract_extract.py).
ROWS_PER_PART = 750


def extract_parts(context: dict, rows_per_part: int | None = None) -> list[dict]:
    """The extract's context split into parts of ``rows_per_part`` rows (ROWS_PER_PART), in register
    order (revenue, then capital with its heading where the capital rows begin); later parts ``continued``."""
    rows_per_part = rows_per_part or ROWS_PER_PART
    rows = [*context["revenue"], *context["capital"]]
    parts = []
    for start in range(0, max(len(rows), 1), rows_per_part):
        chunk = rows[start : start + rows_per_part]
        capital = [row for row in chunk if row.entry.capital]
        parts.append(
            {
                **context,
                "revenue": [row for row in chunk if not row.entry.capital],
                "capital": capital,
                "capital_heading": bool(capital) and capital[0] is context["capital"][0],
                "continued": start > 0,
            }
        )
    return parts


def describe_part_1(cleaned) -> str:
    return f"Contract Register Part 1 (Public): {cleaned['portfolio'].name}, {cleaned['cycle'].name}"


def describe_part_2(cleaned) -> str:
    return f"Contract Register Part 2 (Exempt): {cleaned['portfolio'].name}, {cleaned['cycle'].name}"


def build_part_1(cleaned) -> CommitteeReport:
    return _extract(cleaned, part_2=False)


def build_part_2(cleaned) -> CommitteeReport:
    return _extract(cleaned, part_2=True)


register(
    ReportType(
        name="contracts_register",
        title="Contracts Register (cover report)",
        description="A portfolio's Contracts Register report for a frozen cycle: its summary with the two "
        "cycles before, the key data of all portfolios and the register's key.",
        form_class=ContractsRegisterForm,
        build=build_register,
        describe=describe_register,
        order=30,
    )
)
register(
    ReportType(
        name="contracts_part_1",
        title="Contract register extract, Part 1 (public)",
        description="A portfolio's register in a frozen cycle, in register order with capital contracts at "
        "the foot, on landscape pages. No commentary.",
        form_class=ContractsRegisterForm,
        build=build_part_1,
        describe=describe_part_1,
        order=31,
    )
)
register(
    ReportType(
        name="contracts_part_2",
        title="Contract register extract, Part 2 (exempt)",
        description="The Part 1 register with each contract's commentary. Exempt under Schedule 12A, "
        "paragraph 3: for clerks and admins only.",
        form_class=ContractsRegisterForm,
        build=build_part_2,
        describe=describe_part_2,
        permission="reports.read_part_2",
        classification=Classification.PART_2,
        exempt_paragraph=3,
        order=32,
    )
)
