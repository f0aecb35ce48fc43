"""The complaints statistics: one function per figure of the Annual Complaints Report, which the dashboards,
the annual report and the tests all call (so a figure on a page, an export and the report is one rule).

Each takes a financial year (``bromley_portal.core.financial_year.FinancialYear``) and costs a fixed number
of grouped queries whatever the number of cases. Counts are of stage 1 complaints received in the year
(a stage 2 or 3 complaint is the same approach escalated: it is not counted again), and of their mentions
and aspects. How the report's words are read (README, "Complaints: the published figures"):

* a complaint is counted once in each division it names; the council's total is the divisions' sum;
* "% upheld" for an aspect type is aspects fully upheld over all aspects of the type;
* a division's "proportion upheld" is aspects fully or partially upheld over its aspects, for divisions
  that record outcomes;
* a complaint is on time when its last aspect was answered by its due date; a division's rate is over its
  complaints, the aspects rate over its aspects.

No function here reads a complainant's details: the results are anonymous counts and sums.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When

from bromley_portal.core.financial_year import FinancialYear
from complaints.choices import AspectOutcome, AspectType, Channel, OmbudsmanDecision, RemedyStage, RemedyType
from complaints.models import Aspect, Compliment, Division, Mention, OmbudsmanCase, OmbudsmanDeadline, Remedy


def percent(part: int | Decimal, whole: int | Decimal, places: int = 0) -> Decimal | None:
    """``part`` of ``whole`` as a percentage rounded half up (as the report rounds); None for nothing."""
    if not whole:
        return None
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(quantum, rounding=ROUND_HALF_UP)


def divisions() -> list[Division]:
    """The divisions the report counts by, in its column order (one query)."""
    return list(Division.objects.order_by("order", "name"))


def _in_year(year: FinancialYear, prefix: str = "") -> Q:
    """Stage 1 complaints received in the year (``prefix`` leads from the model queried to Complaint)."""
    return Q(
        **{
            f"{prefix}stage": 1,
            f"{prefix}received__gte": year.starts_on,
            f"{prefix}received__lte": year.ends_on,
        }
    )


@dataclass
class ChannelTable:
    """Complaints received by division and channel ("How complaints were received")."""

    divisions: list[Division]
    cells: dict[tuple[int, str], int]  # (division id, channel) -> complaints
    by_division: dict[int, int]
    by_channel: dict[str, int]
    total: int

    def share(self, channel: str) -> Decimal | None:
        return percent(self.by_channel.get(channel, 0), self.total, 1)


def complaints_by_division_and_channel(year: FinancialYear) -> ChannelTable:
    """Two queries: the divisions, and complaints grouped by division named and channel."""
    return complaints_by_division_and_channel_by_year([year])[0]


@dataclass
class ComplaintCounts:
    """Complaints received in each of some years by division named and channel: the one grouped query that
    the channels table and the complaints on time by division both read (``complaint_counts_by_year``)."""

    # start year -> (division id, channel) -> (complaints, complaints answered on time)
    by_year: dict[int, dict[tuple[int, str], tuple[int, int]]]

    def of(self, year: FinancialYear) -> dict[tuple[int, str], tuple[int, int]]:
        if year.start_year not in self.by_year:
            raise ValueError(f"the complaints of {year} were not counted")
        return self.by_year[year.start_year]


def complaint_counts_by_year(years: list[FinancialYear]) -> ComplaintCounts:
    """One query: stage 1 complaints received from the first year's start to the last one's end, grouped
    by year, division named and channel, each with those answered on time (responded by the due date). A
    complaint naming a division twice counts once in it; the received-date range reads only those
    years."""
    years = list(years)
    by_year: dict[int, dict[tuple[int, str], tuple[int, int]]] = {each.start_year: {} for each in years}
    if not years:
        return ComplaintCounts(by_year)
    rows = (
        Mention.objects.filter(_in_years(years, "complaint__"))
        .annotate(year=_year_of_received(years, "complaint__"))
        .exclude(year=None)
        .values("year", "division_id", "complaint__channel")
        .annotate(
            n=Count("complaint", distinct=True),
            on_time=Count(
                "complaint",
                distinct=True,
                filter=Q(
                    complaint__responded_on__isnull=False,
                    complaint__responded_on__lte=F("complaint__respond_by"),
                ),
            ),
        )
        .order_by()
    )
    for row in rows:
        by_year[row["year"]][(row["division_id"], row["complaint__channel"])] = (row["n"], row["on_time"])
    return ComplaintCounts(by_year)


def complaints_by_division_and_channel_by_year(
    years: list[FinancialYear], counts: ComplaintCounts | None = None
) -> list[ChannelTable]:
    """The table for each of ``years`` (the dashboard's three years compared), in their order, in two
    queries: the divisions, and ``complaint_counts_by_year`` (none if its ``counts`` are given)."""
    years = list(years)
    if not years:
        return []
    counts = counts or complaint_counts_by_year(years)
    all_divisions = divisions()
    return [
        _channel_table(all_divisions, {key: n for key, (n, _) in counts.of(each).items()}) for each in years
    ]


def _channel_table(all_divisions: list[Division], cells: dict[tuple[int, str], int]) -> ChannelTable:
    by_division: dict[int, int] = defaultdict(int)
    by_channel: dict[str, int] = dict.fromkeys(Channel.values, 0)
    for (division_id, channel), n in cells.items():
        by_division[division_id] += n
        by_channel[channel] += n
    return ChannelTable(all_divisions, cells, dict(by_division), by_channel, sum(by_division.values()))


@dataclass
class AspectRow:
    total: int = 0
    fully_upheld: int = 0
    partially_upheld: int = 0
    by_division: dict[int, int] = field(default_factory=dict)

    @property
    def upheld_rate(self) -> Decimal | None:
        """The report's "% upheld": fully upheld over all aspects of the type, to one place."""
        return percent(self.fully_upheld, self.total, 1)


@dataclass
class AspectTable:
    """Aspects by type and division ("Causes for complaint")."""

    divisions: list[Division]
    by_type: dict[str, AspectRow]
    by_division: dict[int, int]
    total: int

    def share(self, aspect_type: str) -> Decimal | None:
        return percent(self.by_type[aspect_type].total, self.total, 1)


@dataclass
class AspectCount:
    aspects: int = 0
    fully_upheld: int = 0
    partially_upheld: int = 0
    on_time: int = 0


def _year_of_received(years: list[FinancialYear], prefix: str) -> Case:
    """The start year of the one of ``years`` a complaint was received in (``prefix`` leads to Complaint),
    or None."""
    return Case(
        *[
            When(**{f"{prefix}received__range": (each.starts_on, each.ends_on)}, then=Value(each.start_year))
            for each in years
        ],
        default=None,
        output_field=IntegerField(),
    )


def _in_years(years: list[FinancialYear], prefix: str) -> Q:
    """Stage 1 complaints received from the first year's start to the last one's end."""
    return Q(
        **{
            f"{prefix}stage": 1,
            f"{prefix}received__gte": min(each.starts_on for each in years),
            f"{prefix}received__lte": max(each.ends_on for each in years),
        }
    )


def aspect_counts_by_year(years: list[FinancialYear]) -> dict[int, dict[tuple[str, int], AspectCount]]:
    """One query: the aspects of each year's stage 1 complaints grouped by type and division, with those
    fully and partially upheld and those answered on time: {start year: {(type, division id):
    AspectCount}}. The aspects table and the aspects on time by division both read it (the dashboard
    through the stored counts it fills: complaints.counts)."""
    years = list(years)
    by_year: dict[int, dict[tuple[str, int], AspectCount]] = {each.start_year: {} for each in years}
    if not years:
        return by_year
    rows = (
        Aspect.objects.filter(_in_years(years, "mention__complaint__"))
        .annotate(year=_year_of_received(years, "mention__complaint__"))
        .exclude(year=None)
        .values("year", "type", "mention__division_id")
        .annotate(
            n=Count("pk"),
            fully=Count("pk", filter=Q(outcome=AspectOutcome.UPHELD)),
            partly=Count("pk", filter=Q(outcome=AspectOutcome.PARTIALLY_UPHELD)),
            on_time=Count("pk", filter=Q(on_time=True)),
        )
        .order_by()
    )
    for row in rows:
        by_year[row["year"]][(row["type"], row["mention__division_id"])] = AspectCount(
            row["n"], row["fully"], row["partly"], row["on_time"]
        )
    return by_year


def aspect_counts(year: FinancialYear) -> dict[tuple[str, int], AspectCount]:
    """One query: the year's aspects by type and division (``aspect_counts_by_year``)."""
    return aspect_counts_by_year([year])[year.start_year]


def aspects_by_type_and_division(
    year: FinancialYear, counts: dict[tuple[str, int], AspectCount] | None = None
) -> AspectTable:
    """Two queries: the divisions, and ``aspect_counts`` (none if its ``counts`` are given)."""
    counts = aspect_counts(year) if counts is None else counts
    by_type = {value: AspectRow() for value in AspectType.values}
    by_division: dict[int, int] = defaultdict(int)
    for (aspect_type, division_id), count in counts.items():
        entry = by_type[aspect_type]
        entry.total += count.aspects
        entry.fully_upheld += count.fully_upheld
        entry.partially_upheld += count.partially_upheld
        entry.by_division[division_id] = count.aspects
        by_division[division_id] += count.aspects
    return AspectTable(divisions(), by_type, dict(by_division), sum(by_division.values()))


@dataclass
class OutcomeRow:
    """A row of outcomes: a division, a service or an aspect type."""

    mentions: int = 0
    aspects: int = 0
    fully_upheld: int = 0
    partially_upheld: int = 0
    not_upheld: int = 0
    ongoing: int = 0
    not_known: int = 0
    on_time: int = 0

    @property
    def upheld_or_partially(self) -> int:
        return self.fully_upheld + self.partially_upheld

    @property
    def upheld_percent(self) -> Decimal | None:
        return percent(self.upheld_or_partially, self.aspects)

    @property
    def fully_upheld_percent(self) -> Decimal | None:
        return percent(self.fully_upheld, self.aspects)

    @property
    def partially_upheld_percent(self) -> Decimal | None:
        return percent(self.partially_upheld, self.aspects)

    @property
    def on_time_percent(self) -> Decimal | None:
        return percent(self.on_time, self.aspects)

    def add(self, other: OutcomeRow) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _outcomes(queryset, *group_by: str) -> dict:
    """Aspects of ``queryset`` grouped by ``group_by`` with a count per outcome and on time (one query)."""
    rows = (
        queryset.values(*group_by)
        .annotate(
            aspects=Count("pk"),
            fully_upheld=Count("pk", filter=Q(outcome=AspectOutcome.UPHELD)),
            partially_upheld=Count("pk", filter=Q(outcome=AspectOutcome.PARTIALLY_UPHELD)),
            not_upheld=Count("pk", filter=Q(outcome=AspectOutcome.NOT_UPHELD)),
            ongoing=Count("pk", filter=Q(outcome=AspectOutcome.ONGOING)),
            not_known=Count("pk", filter=Q(outcome=AspectOutcome.NOT_KNOWN)),
            on_time=Count("pk", filter=Q(on_time=True)),
        )
        .order_by()
    )
    result = {}
    for row in rows:
        key = tuple(row.pop(name) for name in group_by)
        result[key[0] if len(key) == 1 else key] = OutcomeRow(**row)
    return result


@dataclass
class UpheldTable:
    """The proportion of aspects upheld (fully or partially) by division ("Proportion upheld")."""

    divisions: list[Division]
    by_division: dict[int, OutcomeRow]
    total: OutcomeRow  # divisions that record outcomes only


def upheld_by_division(year: FinancialYear) -> UpheldTable:
    """Two queries: the divisions, and aspects' outcomes grouped by division."""
    all_divisions = divisions()
    rows = _outcomes(Aspect.objects.filter(_in_year(year, "mention__complaint__")), "mention__division_id")
    total = OutcomeRow()
    for division in all_divisions:
        if division.records_outcomes and division.pk in rows:
            total.add(rows[division.pk])
    return UpheldTable(all_divisions, rows, total)


@dataclass
class OnTimeRow:
    complaints: int = 0
    on_time: int = 0
    aspects: int = 0
    aspects_on_time: int = 0

    @property
    def percent(self) -> Decimal | None:
        return percent(self.on_time, self.complaints)

    @property
    def aspects_percent(self) -> Decimal | None:
        return percent(self.aspects_on_time, self.aspects)


@dataclass
class OnTimeTable:
    """Responding on time by division ("Responding on time")."""

    divisions: list[Division]
    by_division: dict[int, OnTimeRow]
    handled_by_cecs: OnTimeRow  # the council's figure: divisions whose complaints CE&CS handles
    all_divisions: OnTimeRow


def on_time_by_division(
    year: FinancialYear,
    complaints: ComplaintCounts | None = None,
    aspects: dict[tuple[str, int], AspectCount] | None = None,
) -> OnTimeTable:
    """Three queries: the divisions, complaints on time by division (``complaint_counts_by_year``, whose
    channels partition each division's complaints), aspects on time by division (``aspect_counts``); the
    last two not if their counts are given."""
    complaints = complaints or complaint_counts_by_year([year])
    aspects = aspect_counts(year) if aspects is None else aspects
    all_divisions = divisions()
    rows: dict[int, OnTimeRow] = defaultdict(OnTimeRow)
    for (division_id, _), (n, on_time) in complaints.of(year).items():
        rows[division_id].complaints += n
        rows[division_id].on_time += on_time
    for (_, division_id), count in aspects.items():
        rows[division_id].aspects += count.aspects
        rows[division_id].aspects_on_time += count.on_time
    cecs, everyone = OnTimeRow(), OnTimeRow()
    for division in all_divisions:
        row = rows.get(division.pk)
        if row is None:
            continue
        for total in [everyone, cecs] if division.handled_by_cecs else [everyone]:
            total.complaints += row.complaints
            total.on_time += row.on_time
            total.aspects += row.aspects
            total.aspects_on_time += row.aspects_on_time
    return OnTimeTable(all_divisions, dict(rows), cecs, everyone)


@dataclass
class OmbudsmanRow:
    handled: int = 0  # open at some time in the year
    received: int = 0  # new referrals
    decided: int = 0
    investigated: int = 0  # decided in the year after an investigation
    upheld_after_investigation: int = 0
    upheld_without_investigation: int = 0
    by_decision: dict[str, int] = field(default_factory=dict)

    @property
    def upheld(self) -> int:
        return self.upheld_after_investigation + self.upheld_without_investigation

    @property
    def upheld_rate(self) -> Decimal | None:
        """The report's "overall upheld rate": upheld (with or without investigation) over investigations."""
        return percent(self.upheld, self.investigated)


@dataclass
class OmbudsmanTable:
    """Ombudsman cases by division and outcome, and the response deadlines."""

    divisions: list[Division]
    by_division: dict[int, OmbudsmanRow]
    total: OmbudsmanRow
    deadlines: int
    deadlines_on_time: int

    @property
    def deadlines_on_time_percent(self) -> Decimal | None:
        return percent(self.deadlines_on_time, self.deadlines, 1)


def ombudsman_by_division(year: FinancialYear) -> OmbudsmanTable:
    """Three queries: the divisions, cases grouped by division and decision, and the deadlines."""
    start, end = year.starts_on, year.ends_on
    decided_in_year = Q(decided__gte=start, decided__lte=end)
    upheld_after = [d for d in OmbudsmanDecision.upheld() if d in OmbudsmanDecision.after_investigation()]
    rows = (
        OmbudsmanCase.objects.filter(Q(received__lte=end) & (Q(decided__isnull=True) | Q(decided__gte=start)))
        .values("division_id", "decision")
        .annotate(
            n_handled=Count("pk"),
            n_received=Count("pk", filter=Q(received__gte=start)),
            n_decided=Count("pk", filter=decided_in_year),
            n_investigated=Count("pk", filter=decided_in_year & Q(investigated=True)),
            upheld_after=Count("pk", filter=decided_in_year & Q(decision__in=upheld_after)),
            upheld_without=Count(
                "pk", filter=decided_in_year & Q(decision=OmbudsmanDecision.UPHELD_WITHOUT_INVESTIGATION)
            ),
        )
        .order_by()
    )
    by_division: dict[int, OmbudsmanRow] = defaultdict(OmbudsmanRow)
    total = OmbudsmanRow()
    for row in rows:
        for entry in (by_division[row["division_id"]], total):
            entry.handled += row["n_handled"]
            entry.received += row["n_received"]
            entry.decided += row["n_decided"]
            entry.investigated += row["n_investigated"]
            entry.upheld_after_investigation += row["upheld_after"]
            entry.upheld_without_investigation += row["upheld_without"]
            if row["n_decided"]:
                entry.by_decision[row["decision"]] = (
                    entry.by_decision.get(row["decision"], 0) + row["n_decided"]
                )
    deadlines = OmbudsmanDeadline.objects.filter(due__gte=start, due__lte=end).aggregate(
        n=Count("pk"), on_time=Count("pk", filter=Q(answered__isnull=False, answered__lte=F("due")))
    )
    return OmbudsmanTable(divisions(), dict(by_division), total, deadlines["n"], deadlines["on_time"])


@dataclass
class RemedyTable:
    """Financial remedies by stage, type and division ("Financial consequences of complaints")."""

    divisions: list[Division]
    cells: dict[tuple[str, str, int], Decimal]  # (stage, type, division id) -> pounds
    by_division: dict[int, Decimal]
    by_stage_type: dict[tuple[str, str], Decimal]
    total: Decimal

    def amount(self, stage: str, kind: str, division_id: int) -> Decimal:
        return self.cells.get((stage, kind, division_id), Decimal("0.00"))


def remedies_by_stage_type_division(year: FinancialYear) -> RemedyTable:
    """Two queries: the divisions, and remedies agreed in the year summed by stage, type and division."""
    rows = (
        Remedy.objects.filter(agreed__gte=year.starts_on, agreed__lte=year.ends_on)
        .values("stage", "type", "division_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    cells = {(r["stage"], r["type"], r["division_id"]): r["amount"] for r in rows}
    by_division: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    by_stage_type = {(s, t): Decimal("0.00") for s in RemedyStage.values for t in RemedyType.values}
    for (stage, kind, division_id), amount in cells.items():
        by_division[division_id] += amount
        by_stage_type[(stage, kind)] += amount
    return RemedyTable(
        divisions(), cells, dict(by_division), by_stage_type, sum(cells.values(), Decimal("0.00"))
    )


@dataclass
class ComplimentTable:
    divisions: list[Division]
    by_division: dict[int, int]
    total: int


def compliments_by_division(year: FinancialYear) -> ComplimentTable:
    """Two queries: the divisions, and compliments received in the year by division."""
    rows = (
        Compliment.objects.filter(received__gte=year.starts_on, received__lte=year.ends_on)
        .values("division_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_division = {row["division_id"]: row["n"] for row in rows}
    return ComplimentTable(divisions(), by_division, sum(by_division.values()))


@dataclass
class ServiceTable:
    """A division's services or teams with mentions, aspects, outcomes and on time (each chapter's table)."""

    division: Division
    rows: list[tuple[str, OutcomeRow]]  # (service name, or "" for mentions naming no service)
    total: OutcomeRow


def services_table(year: FinancialYear, division: Division) -> ServiceTable:
    """Two queries: mentions grouped by service, aspects grouped by service with their outcomes."""
    mentions = (
        Mention.objects.filter(_in_year(year, "complaint__"), division=division)
        .values("service__order", "service__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    aspects = _outcomes(
        Aspect.objects.filter(_in_year(year, "mention__complaint__"), mention__division=division),
        "mention__service__order",
        "mention__service__name",
    )
    rows: dict[tuple, OutcomeRow] = {}
    for row in mentions:
        key = (row["service__order"], row["service__name"])
        rows.setdefault(key, OutcomeRow()).mentions = row["n"]
    for key, outcomes in aspects.items():
        outcomes.mentions = rows.get(key, OutcomeRow()).mentions
        rows[key] = outcomes
    total = OutcomeRow()
    ordered = []
    for key in sorted(rows, key=lambda k: (k[0] is None, k[0] or 0, k[1] or "")):
        total.add(rows[key])
        ordered.append((key[1] or "", rows[key]))
    return ServiceTable(division, ordered, total)


def nature_of_complaint(year: FinancialYear, division: Division) -> dict[str, OutcomeRow]:
    """A division's aspects by type with outcomes and on time ("Nature of complaint and outcome"); one query.
    Every type is present, in the report's order."""
    rows = _outcomes(
        Aspect.objects.filter(_in_year(year, "mention__complaint__"), mention__division=division), "type"
    )
    return {value: rows.get(value, OutcomeRow()) for value in AspectType.values}


# The years before the portal ------------------------------------------------------------------------


def has_cases(year: FinancialYear) -> bool:
    """Whether the portal holds the year's complaints (so its figures are computed, not published); one
    query."""
    return Mention.objects.filter(_in_year(year, "complaint__")).exists()


def published_figures(year: FinancialYear) -> dict[tuple[int | None, str], Decimal]:
    """A year's published figures as {(division id, or None for the council, measure): value}; one query.
    The annual report shows them for a year the portal holds no cases for (``has_cases``)."""
    from complaints.published import PublishedFigure

    rows = PublishedFigure.objects.filter(year=year.start_year).values_list("division_id", "measure", "value")
    return {(division_id, measure): value for division_id, measure, value in rows}


def review_letters(years: list[FinancialYear]) -> dict[int, object]:
    """The Ombudsman's annual review letters for the years, by start year (those entered); one query."""
    from complaints.published import OmbudsmanReviewLetter

    letters = OmbudsmanReviewLetter.objects.filter(year__in=[y.start_year for y in years])
    return {letter.year: letter for letter in letters}


# For the annual report (complaints/reports.py) ----------------------------------------------------------


def complaints_handled_by_cecs(table: ChannelTable) -> int:
    """The council's complaints total as the report prints it: the divisions the Customer Engagement &
    Complaints Service handles (Environment & Public Protection, which keeps its own, left out)."""
    handled = {division.pk for division in table.divisions if division.handled_by_cecs}
    return sum(n for pk, n in table.by_division.items() if pk in handled)


@dataclass
class CodeStage:
    """One stage's figures under the Complaint Handling Code."""

    complaints: int = 0
    acknowledged_in_time: int = 0
    responded: int = 0
    responded_in_time: int = 0
    extended: int = 0

    @property
    def acknowledged_percent(self) -> Decimal | None:
        return percent(self.acknowledged_in_time, self.complaints)

    @property
    def responded_percent(self) -> Decimal | None:
        """Responses within the timescale (extensions included) over responses given."""
        return percent(self.responded_in_time, self.responded)


@dataclass
class CodeFigures:
    """The figures the Code asks a year's annual complaints performance report for."""

    stage_1: CodeStage
    stage_2: CodeStage
    escalated: int  # stage 1 complaints of the year taken to stage 2

    @property
    def escalation_rate(self) -> Decimal | None:
        return percent(self.escalated, self.stage_1.complaints, 1)


def code_figures(year: FinancialYear) -> CodeFigures:
    """Complaints under the Code received in the year, by stage (one query): volumes, acknowledged and
    answered within the timescale, extended, and stage 1 complaints escalated."""
    from complaints.choices import Procedure
    from complaints.models import Complaint

    rows = (
        Complaint.objects.filter(
            procedure=Procedure.CODE,
            stage__in=[1, 2],
            received__gte=year.starts_on,
            received__lte=year.ends_on,
        )
        .values("stage")
        .annotate(
            complaints=Count("pk", distinct=True),
            acknowledged_in_time=Count(
                "pk",
                distinct=True,
                filter=Q(acknowledged_on__isnull=False, acknowledged_on__lte=F("acknowledge_by")),
            ),
            responded=Count("pk", distinct=True, filter=Q(responded_on__isnull=False)),
            responded_in_time=Count(
                "pk", distinct=True, filter=Q(responded_on__isnull=False, responded_on__lte=F("respond_by"))
            ),
            extended=Count("pk", distinct=True, filter=Q(extensions__isnull=False)),
            escalated=Count("pk", distinct=True, filter=Q(escalation__isnull=False)),
        )
        .order_by()
    )
    stages = {1: CodeStage(), 2: CodeStage()}
    escalated = 0
    for row in rows:
        stage = row.pop("stage")
        if stage == 1:
            escalated = row["escalated"]
        row.pop("escalated")
        stages[stage] = CodeStage(**row)
    return CodeFigures(stages[1], stages[2], escalated)
