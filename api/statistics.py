"""Complaint statistics for the API and the open data: a row per division and one for the council,
each figure from the ``complaints.selectors`` function the dashboards and the annual report use. Counts
and sums only: nothing here reads a complainant, a case's summary or a compliment's words."""

from decimal import Decimal

from bromley_portal.core.financial_year import FinancialYear
from complaints import selectors

ALL_DIVISIONS = "All divisions"
COLUMNS = [
    "division",
    "complaints",
    "aspects",
    "fully_upheld",
    "partially_upheld",
    "not_upheld",
    "complaints_on_time",
    "ombudsman_received",
    "ombudsman_decided",
    "ombudsman_upheld",
    "remedies_pounds",
    "compliments",
]


def _row(name, channels, upheld, on_time, ombudsman, remedies, compliments) -> dict:
    return {
        "division": name,
        "complaints": channels,
        "aspects": upheld.aspects,
        "fully_upheld": upheld.fully_upheld,
        "partially_upheld": upheld.partially_upheld,
        "not_upheld": upheld.not_upheld,
        "complaints_on_time": on_time.on_time,
        "ombudsman_received": ombudsman.received,
        "ombudsman_decided": ombudsman.decided,
        "ombudsman_upheld": ombudsman.upheld,
        "remedies_pounds": remedies,
        "compliments": compliments,
    }


def division_rows(year: FinancialYear) -> list[dict]:
    """The year's figures by division, then the council's (a fixed number of grouped queries)."""
    channels = selectors.complaints_by_division_and_channel(year)
    upheld = selectors.upheld_by_division(year)
    on_time = selectors.on_time_by_division(year)
    ombudsman = selectors.ombudsman_by_division(year)
    remedies = selectors.remedies_by_stage_type_division(year)
    compliments = selectors.compliments_by_division(year)
    empty_outcomes, empty_on_time, empty_ombudsman = (
        selectors.OutcomeRow(),
        selectors.OnTimeRow(),
        selectors.OmbudsmanRow(),
    )
    rows = [
        _row(
            division.name,
            channels.by_division.get(division.pk, 0),
            upheld.by_division.get(division.pk, empty_outcomes),
            on_time.by_division.get(division.pk, empty_on_time),
            ombudsman.by_division.get(division.pk, empty_ombudsman),
            remedies.by_division.get(division.pk, Decimal("0.00")),
            compliments.by_division.get(division.pk, 0),
        )
        for division in channels.divisions
    ]
    council_outcomes = selectors.OutcomeRow()
    for row in upheld.by_division.values():
        council_outcomes.add(row)
    rows.append(
        _row(
            ALL_DIVISIONS,
            channels.total,
            council_outcomes,
            on_time.all_divisions,
            ombudsman.total,
            remedies.total,
            compliments.total,
        )
    )
    return rows
