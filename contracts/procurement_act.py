"""The Procurement Act 2023's dates and thresholds that touch the register, in one place.

Every figure is from the Act and the Cabinet Office's guidance on it, named here once and read from here
by the rest of the app (and tested in tests/test_procurement_act.py):

- The Act came into force on 24 February 2025 (The Procurement Act 2023 (Commencement No. 3 and
  Transitional and Saving Provisions) Regulations 2024, as amended). Procurements begun before then stay
  under the Public Contracts Regulations 2015; the register has no "procurement began" date, so a
  contract that started before the Act came into force is treated as procured under the old rules.
- Key performance indicators (section 52; guidance "Contract management: KPIs and contract performance
  notices"): a public contract with an estimated value of more than £5 million must have at least three
  KPIs set at award, and the authority must assess the supplier's performance against them at least once
  every twelve months, rating each as Good, Approaching target, Requires improvement, Inadequate or
  Other, and publish the result in a contract performance notice.
- Pipeline notices (section 93; guidance "Pipeline notices"): an authority that expects to spend more
  than £100 million on public contracts in the coming financial year publishes, within 56 days of its
  first day, the public contracts of more than £2 million it intends to enter into in the 18 months
  from that day.

The KPI rating is a StatusChoices (label, short label, colour) like every status in the portal.
"""

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from bromley_portal.core.choices import StatusChoices, register_status_set, status
from bromley_portal.core.financial_year import FinancialYear

IN_FORCE = date(2025, 2, 24)

# Key performance indicators (section 52)
KPI_VALUE_THRESHOLD = Decimal("5000000")  # "more than £5 million": strictly above
KPI_MINIMUM = 3  # at least three, set at award
KPI_ASSESSMENT_INTERVAL_MONTHS = 12  # assessed at least once every twelve months

# Pipeline notices (section 93)
PIPELINE_SPEND_THRESHOLD = Decimal("100000000")  # authorities spending more than £100m a year
PIPELINE_CONTRACT_THRESHOLD = Decimal("2000000")  # planned contracts of more than £2m
PIPELINE_HORIZON_MONTHS = 18  # in the 18 months from the first day of the financial year
PIPELINE_PUBLISH_WITHIN_DAYS = 56  # published within 56 days of that first day


class KPIRating(StatusChoices):
    """A rating of a supplier's performance against a KPI (Procurement Regulations 2024, reg. 39)."""

    GOOD = status("good", "Good", colour="green", description="performance meets or exceeds the target")
    APPROACHING = status(
        "approaching",
        "Approaching target",
        short="Approaching",
        colour="turquoise",
        description="performance is close to the target",
    )
    REQUIRES_IMPROVEMENT = status(
        "requires_improvement",
        "Requires improvement",
        short="Improve",
        colour="orange",
        description="performance is below the target and must improve",
    )
    INADEQUATE = status(
        "inadequate",
        "Inadequate",
        colour="red",
        description="performance is significantly below the target",
    )
    OTHER = status(
        "other",
        "Other",
        colour="grey",
        description="none of the other ratings fits (the assessment says why)",
    )


register_status_set("kpi_rating", KPIRating)

# The ratings from worst to best, for a contract's KPI summary in the register (its worst current
# rating). "Other" says none of the others fits: it asks more attention than Good, less than a
# rating below target.
KPI_RATING_ORDER = [
    KPIRating.INADEQUATE,
    KPIRating.REQUIRES_IMPROVEMENT,
    KPIRating.APPROACHING,
    KPIRating.OTHER,
    KPIRating.GOOD,
]


def under_the_act(start_date: date) -> bool:
    """A contract that started on or after the day the Act came into force (the register's proxy for
    "procured under the Act")."""
    return start_date >= IN_FORCE


def kpi_duty_applies(total_value: Decimal, start_date: date) -> bool:
    """Whether the KPI duty (section 52) covers a contract of this value that started on this date."""
    return under_the_act(start_date) and total_value > KPI_VALUE_THRESHOLD


def assessment_due(start_date: date, last_assessed: date | None) -> date:
    """The date by which the next assessment is due: twelve months after the last one, or after the
    contract started when it has none yet."""
    return (last_assessed or start_date) + relativedelta(months=KPI_ASSESSMENT_INTERVAL_MONTHS)


def assessment_cutoff(today: date) -> date:
    """An assessment on or after this date counts as "in the last twelve months"."""
    return today - relativedelta(months=KPI_ASSESSMENT_INTERVAL_MONTHS)


def pipeline_required(expected_annual_spend: Decimal) -> bool:
    """Whether an authority expecting to spend this much in the coming financial year must publish a
    pipeline notice."""
    return expected_annual_spend > PIPELINE_SPEND_THRESHOLD


def pipeline_window(today: date) -> tuple[date, date]:
    """The pipeline notice's window for the financial year ``today`` falls in: its first day and the
    day before the 18 months from it run out."""
    first_day = FinancialYear.of(today).starts_on
    return first_day, first_day + relativedelta(months=PIPELINE_HORIZON_MONTHS) - relativedelta(days=1)


def pipeline_publish_by(today: date) -> date:
    """The last day to publish the pipeline notice for the financial year ``today`` falls in."""
    return FinancialYear.of(today).starts_on + relativedelta(days=PIPELINE_PUBLISH_WITHIN_DAYS - 1)
