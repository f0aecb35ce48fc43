"""The complaints dashboards: every figure comes from complaints.selectors (the statistics the annual
report reads too); this module only chooses which to show and draws them as server-side SVG, each chart
with its table on the page. Anonymous counts only: nothing here reads a complainant.

The dashboard for a year costs a fixed number of queries: each selector's own (one to three), with
complaints by division and channel for the year and the two before it (the report compares three), and
with them those answered on time, and the year's aspects by type and division, which the aspects table
and the aspects on time share, read from the stored yearly counts (complaints.counts: a few rows a year,
filled by the selectors' own grouped queries whenever a write changes a year), so the page costs the same
whatever the years of cases behind it; the rest read only the year shown (indexes on the dates).
"""

from dataclasses import dataclass
from datetime import date

from bromley_portal.core.charts import PALETTE, StackedBar
from bromley_portal.core.choices import TAG_COLOURS
from bromley_portal.core.financial_year import FinancialYear
from complaints import counts, selectors
from complaints.choices import AspectOutcome, AspectType, Channel, OmbudsmanDecision

YEARS_COMPARED = 3
CHANNEL_COLOURS = {channel: PALETTE[number % len(PALETTE)] for number, channel in enumerate(Channel.values)}


def years_offered(today: date, earliest: date | None) -> list[FinancialYear]:
    """The financial years a dashboard can show, latest first: from the earliest complaint's to this one."""
    last = FinancialYear.of(today)
    first = FinancialYear.of(earliest) if earliest and earliest <= today else last
    first = max(first, FinancialYear(last.start_year - 30))
    return [FinancialYear(start) for start in range(last.start_year, first.start_year - 1, -1)]


@dataclass
class Dashboard:
    year: FinancialYear
    years: list[FinancialYear]  # the years compared, earliest first
    channels: list  # selectors.ChannelTable per year compared
    aspects: selectors.AspectTable
    on_time: selectors.OnTimeTable
    ombudsman: selectors.OmbudsmanTable
    compliments: selectors.ComplimentTable

    @property
    def channel_table(self) -> selectors.ChannelTable:
        return self.channels[-1]

    @property
    def divisions(self):
        return self.channel_table.divisions


def dashboard(year: FinancialYear) -> Dashboard:
    years = [FinancialYear(year.start_year - back) for back in range(YEARS_COMPARED - 1, -1, -1)]
    # The channels and the complaints on time read the three years' stored complaint counts, the aspects
    # table and the aspects on time the year's stored aspect counts (complaints.counts: the selectors'
    # own grouped queries, kept as each write changes them).
    complaints = counts.complaint_counts(years)
    aspects = counts.aspect_counts(year)
    return Dashboard(
        year=year,
        years=years,
        channels=selectors.complaints_by_division_and_channel_by_year(years, complaints),
        aspects=selectors.aspects_by_type_and_division(year, aspects),
        on_time=selectors.on_time_by_division(year, complaints, aspects),
        ombudsman=selectors.ombudsman_by_division(year),
        compliments=selectors.compliments_by_division(year),
    )


def _bar(title, description, rows, keys, colours) -> str:
    return StackedBar(title=title, description=description, rows=rows, keys=keys, colours=colours).svg()


def channels_over_time_chart(board: Dashboard) -> str:
    return _bar(
        "Complaints by channel, year by year",
        f"One bar per financial year from {board.years[0]} to {board.years[-1]}, split by how complaints came "
        "in. A complaint naming two divisions counts in each. The same figures are in the table.",
        [
            (str(year), {channel: table.by_channel.get(channel, 0) for channel in Channel.values})
            for year, table in zip(board.years, board.channels, strict=True)
        ],
        list(Channel.choices),
        CHANNEL_COLOURS,
    )


def division_channel_chart(board: Dashboard) -> str:
    table = board.channel_table
    return _bar(
        f"Complaints by division and channel, {board.year}",
        "One bar per division, split by how complaints came in. The same figures are in the table.",
        [
            (
                division.name,
                {channel: table.cells.get((division.pk, channel), 0) for channel in Channel.values},
            )
            for division in table.divisions
        ],
        list(Channel.choices),
        CHANNEL_COLOURS,
    )


UPHELD_KEYS = [
    ("fully", "Fully upheld"),
    ("partially", "Partially upheld"),
    ("other", "Not upheld or not known"),
]
UPHELD_COLOURS = {
    "fully": AspectOutcome.UPHELD.hex_colour,
    "partially": AspectOutcome.PARTIALLY_UPHELD.hex_colour,
    "other": TAG_COLOURS["grey"],
}


def upheld_by_aspect_chart(board: Dashboard) -> str:
    rows = []
    for value, label in AspectType.choices:
        row = board.aspects.by_type[value]
        other = row.total - row.fully_upheld - row.partially_upheld
        rows.append((label, {"fully": row.fully_upheld, "partially": row.partially_upheld, "other": other}))
    return _bar(
        f"Aspects by type and outcome, {board.year}",
        "One bar per type of aspect, split into fully upheld, partially upheld, and the rest. "
        "The upheld rate of each type is in the table.",
        rows,
        UPHELD_KEYS,
        UPHELD_COLOURS,
    )


ON_TIME_KEYS = [("on_time", "Answered on time"), ("other", "Late or not answered yet")]
ON_TIME_COLOURS = {"on_time": TAG_COLOURS["green"], "other": TAG_COLOURS["red"]}


def on_time_chart(board: Dashboard) -> str:
    rows = []
    for division in board.on_time.divisions:
        row = board.on_time.by_division.get(division.pk)
        if row is not None:
            rows.append((division.name, {"on_time": row.on_time, "other": row.complaints - row.on_time}))
    return _bar(
        f"Complaints answered on time by division, {board.year}",
        "One bar per division, split into complaints whose last aspect was answered by the due date and the "
        "rest. The rates are in the table.",
        rows,
        ON_TIME_KEYS,
        ON_TIME_COLOURS,
    )


def ombudsman_chart(board: Dashboard) -> str:
    rows = []
    for division in board.ombudsman.divisions:
        row = board.ombudsman.by_division.get(division.pk)
        if row is not None and row.by_decision:
            rows.append((division.name, dict(row.by_decision)))
    return _bar(
        f"Ombudsman decisions by division, {board.year}",
        "One bar per division with decisions in the year, split by the Ombudsman's decision. "
        "The same figures are in the table.",
        rows,
        [(decision.value, decision.short_label) for decision in OmbudsmanDecision],
        {decision.value: decision.hex_colour for decision in OmbudsmanDecision},
    )


def compliments_chart(board: Dashboard) -> str:
    return _bar(
        f"Compliments by division, {board.year}",
        "One bar per division: the compliments it received. The same figures are in the table.",
        [
            (division.name, {"compliments": board.compliments.by_division.get(division.pk, 0)})
            for division in board.compliments.divisions
        ],
        [("compliments", "Compliments")],
        {"compliments": TAG_COLOURS["turquoise"]},
    )


def charts(board: Dashboard) -> dict[str, str]:
    return {
        "channels_over_time": channels_over_time_chart(board),
        "division_channel": division_channel_chart(board),
        "upheld_by_aspect": upheld_by_aspect_chart(board),
        "on_time": on_time_chart(board),
        "ombudsman": ombudsman_chart(board),
        "compliments": compliments_chart(board),
    }


# The tables beside the charts: the selectors' figures laid out in rows for the template --------


def table_rows(board: Dashboard) -> dict:
    channel_table = board.channel_table
    divisions = board.divisions
    over_time = [
        (division, [table.by_division.get(division.pk, 0) for table in board.channels])
        for division in divisions
    ]
    by_channel = [
        (
            division,
            [channel_table.cells.get((division.pk, channel), 0) for channel in Channel.values],
            channel_table.by_division.get(division.pk, 0),
        )
        for division in divisions
    ]
    aspects = [
        (value, label, board.aspects.by_type[value], board.aspects.share(value))
        for value, label in AspectType.choices
    ]
    on_time = [(division, board.on_time.by_division.get(division.pk)) for division in board.on_time.divisions]
    ombudsman = [
        (division, board.ombudsman.by_division.get(division.pk)) for division in board.ombudsman.divisions
    ]
    decisions = [
        (decision, board.ombudsman.total.by_decision.get(decision.value, 0)) for decision in OmbudsmanDecision
    ]
    compliments = [
        (division, board.compliments.by_division.get(division.pk, 0))
        for division in board.compliments.divisions
    ]
    return {
        "over_time": over_time,
        "over_time_totals": [table.total for table in board.channels],
        "by_channel": by_channel,
        "channel_totals": [channel_table.by_channel.get(channel, 0) for channel in Channel.values],
        "channel_shares": [channel_table.share(channel) for channel in Channel.values],
        "channels": Channel.choices,
        "aspects": aspects,
        "on_time": on_time,
        "ombudsman": ombudsman,
        "decisions": decisions,
        "compliments": compliments,
    }


# A division's page: its services or teams and the nature of its complaints (each chapter's tables) ----


OUTCOME_KEYS = [
    (AspectOutcome.UPHELD.value, AspectOutcome.UPHELD.label),
    (AspectOutcome.PARTIALLY_UPHELD.value, AspectOutcome.PARTIALLY_UPHELD.label),
    (AspectOutcome.NOT_UPHELD.value, AspectOutcome.NOT_UPHELD.label),
    (AspectOutcome.NOT_KNOWN.value, AspectOutcome.NOT_KNOWN.label),
    (AspectOutcome.ONGOING.value, AspectOutcome.ONGOING.label),
]


def _outcome_counts(row: selectors.OutcomeRow) -> dict[str, int]:
    return {
        AspectOutcome.UPHELD.value: row.fully_upheld,
        AspectOutcome.PARTIALLY_UPHELD.value: row.partially_upheld,
        AspectOutcome.NOT_UPHELD.value: row.not_upheld,
        AspectOutcome.NOT_KNOWN.value: row.not_known,
        AspectOutcome.ONGOING.value: row.ongoing,
    }


@dataclass
class DivisionBoard:
    year: FinancialYear
    division: object
    services: selectors.ServiceTable
    nature: list  # (type label, OutcomeRow) in the report's order

    def chart(self) -> str:
        return _bar(
            f"{self.division.name}: the nature of complaints and their outcome, {self.year}",
            "One bar per type of aspect, split by outcome. The same figures are in the table.",
            [(label, _outcome_counts(row)) for label, row in self.nature],
            OUTCOME_KEYS,
            {value: AspectOutcome(value).hex_colour for value, _ in OUTCOME_KEYS},
        )


def division_board(year: FinancialYear, division) -> DivisionBoard:
    nature = selectors.nature_of_complaint(year, division)
    return DivisionBoard(
        year=year,
        division=division,
        services=selectors.services_table(year, division),
        nature=[(AspectType(value).label, row) for value, row in nature.items()],
    )
