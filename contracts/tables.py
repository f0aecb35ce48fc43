"""The register's tables, on screen and in CSV and Excel exports: the Part 1 columns of the extract
(Appendix 3) and nothing else. Commentary is Part 2 and has no column here, ever."""

import django_tables2 as tables
from django.utils.html import format_html

from bromley_portal.core.templatetags.status import status_tag
from contracts.choices import ProcurementStatus, RiskLevel
from contracts.models import Contract, RegisterEntry

NUMERIC = {"td": {"class": "govuk-table__cell--numeric"}, "th": {"class": "govuk-table__header--numeric"}}
SEQUENCE = [
    "risk",
    "council_id",
    "owner",
    "approver",
    "title",
    "supplier",
    "portfolio",
    "total_value",
    "original_annual_value",
    "current_annual_value",
    "procurement_status",
    "start_date",
    "end_date",
    "months_duration",
    "concern",
    "kpis",
    "capital",
]


def pounds(value) -> str:
    return "—" if value is None else f"£{value:,.0f}" if value == value.to_integral() else f"£{value:,.2f}"


def register_date(value) -> str:
    """A date as the register prints it (page and extracts): 01/08/2018."""
    return "" if value is None else f"{value:%d/%m/%Y}"


CONCERN = "Concern"


def concern_tag(concern: bool) -> str:
    """The Attention column: a red "Concern" tag for a contract of concern, else nothing (the page, the
    exports' text is CONCERN, and the extracts through the ``concern_tag`` filter)."""
    return format_html('<strong class="govuk-tag govuk-tag--red">{}</strong>', CONCERN) if concern else ""


class RegisterColumns(tables.Table):
    """The columns both the live register and a frozen cycle's register show."""

    risk = tables.Column(verbose_name="Risk index", accessor="risk_level")
    council_id = tables.Column(verbose_name="Contract ID")
    title = tables.Column(
        verbose_name="Contract title", accessor="display_title", order_by=("title",), linkify=True
    )
    supplier = tables.Column(verbose_name="Supplier")
    portfolio = tables.Column(
        verbose_name="Portfolio", accessor="portfolio__name", order_by=("portfolio__order",)
    )
    total_value = tables.Column(verbose_name="Total value", attrs=NUMERIC)
    original_annual_value = tables.Column(verbose_name="Original annual value", attrs=NUMERIC)
    current_annual_value = tables.Column(
        verbose_name="Current annual value (estimated)", attrs=NUMERIC, default="—"
    )
    procurement_status = tables.Column(verbose_name="Procurement status")
    # Plain columns: django-tables2's DateColumn compiles a template for every cell it renders.
    start_date = tables.Column(verbose_name="Start date")
    end_date = tables.Column(verbose_name="End date")
    months_duration = tables.Column(verbose_name="Months", attrs=NUMERIC)
    concern = tables.Column(verbose_name="Attention")
    kpis = tables.Column(
        verbose_name="KPIs", accessor="kpi_summary", orderable=False, empty_values=(), default=""
    )
    capital = tables.Column(verbose_name="Capital")

    class Meta:
        fields = []
        sequence = SEQUENCE
        order_by = ()
        attrs = {"class": "govuk-table app-register-table"}

    # Statuses are read from the record: a column on a field with choices gets its display label.
    def render_risk(self, record):
        return status_tag(record.risk_level, "risk_level")

    def value_risk(self, record):
        return RiskLevel(record.risk_level).label

    def render_procurement_status(self, record):
        return status_tag(record.procurement_status, "procurement_status", short=True)

    def value_procurement_status(self, record):
        return ProcurementStatus(record.procurement_status).short_label

    def render_total_value(self, value):
        return pounds(value)

    render_original_annual_value = render_current_annual_value = render_total_value

    # Exports give spreadsheets numbers (pounds and pence), not text.
    def value_total_value(self, value):
        return value if value is not None else ""

    value_original_annual_value = value_current_annual_value = value_total_value

    def render_concern(self, value):
        return concern_tag(value)

    def value_concern(self, value):
        return CONCERN if value else ""

    def render_start_date(self, value):
        return register_date(value)

    render_end_date = render_start_date

    # Exports give spreadsheets dates (CSV: ISO 8601), which the import reads back.
    def value_start_date(self, value):
        return value

    value_end_date = value_start_date

    def render_kpis(self, record):
        summary = record.kpi_summary
        if summary is None:
            return ""
        return status_tag(summary.rating, label=summary.text)

    def value_kpis(self, record):
        summary = record.kpi_summary
        return summary.text if summary else ""

    def render_capital(self, value):
        return "Capital" if value else ""

    value_capital = render_capital


class ContractTable(RegisterColumns):
    owner = tables.Column(verbose_name="Owner", order_by=("owner__first_name", "owner__last_name"))
    approver = tables.Column(
        verbose_name="Approver", order_by=("approver__first_name", "approver__last_name")
    )

    class Meta(RegisterColumns.Meta):
        model = Contract
        empty_text = "No contracts match these filters."

    def render_owner(self, value):
        return value.get_full_name() or value.username

    render_approver = value_owner = value_approver = render_owner


class RegisterEntryTable(RegisterColumns):
    owner = tables.Column(verbose_name="Owner", accessor="owner_name")
    approver = tables.Column(verbose_name="Approver", accessor="approver_name")

    class Meta(RegisterColumns.Meta):
        model = RegisterEntry
        empty_text = (
            "No contracts of this portfolio are in this cycle's register, or none match these filters."
        )
