"""What the dashboards show, computed from the ORM in a fixed number of queries.

Selectors only: no HTTP here. The corporate overview, ambition and portfolio pages and
the measure page are built from these, and so are the committee reports' summaries.
An action's RAG for a period is the RAG of its reported (approved or locked) update.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Prefetch, Q, Sum, Value, When, Window
from django.db.models.functions import RowNumber

from ambitions.models import Ambition, Portfolio
from bromley_portal.core.bulk import AnyOf
from bromley_portal.core.charts import LineChart, Series, StackedBar
from plans.choices import EXCEPTIONS, REPORTED, PeriodStatus, Polarity, Rag
from plans.models import (
    OFF_TARGET,
    Action,
    ActionDetail,
    Assessment,
    Measure,
    PeriodCount,
    QuarterlyUpdate,
    Reading,
    ReportingPeriod,
)


@dataclass
class Filters:
    period: ReportingPeriod | None
    portfolio: Portfolio | None = None
    ambition: Ambition | None = None

    def subject(self, prefix: str = "") -> dict:
        """The portfolio and ambition filters as lookups along the join path from ``prefix`` (``"action__"``
        from updates): a query that groups or orders by the action's section or plan filters on the same
        joins, not on a second scan of the actions in a subquery."""
        lookups = {}
        if self.portfolio:
            lookups[f"{prefix}section__plan__portfolio"] = self.portfolio
        if self.ambition:
            lookups[f"{prefix}section__ambition"] = self.ambition
        return lookups

    def actions(self):
        actions = Action.objects.filter(**self.subject())
        if self.period:
            actions = actions.filter(section__plan__year=self.period.year)
        return actions


@dataclass
class RagCounts:
    now: Counter = field(default_factory=Counter)
    before: Counter = field(default_factory=Counter)
    # Of now[Rag.NO_UPDATE], the updates closed as not received when the period was locked (the rest
    # are actions with no update row at all).
    not_received: int = 0

    def change(self, key) -> int:
        return self.now[key] - self.before[key]

    @property
    def total(self) -> int:
        return sum(self.now.values())

    @property
    def comparable(self) -> bool:
        """Whether the previous period has ratings to compare with: like with like. A quarter in which
        nothing had a RAG (before the first report, or every update missing) gives no change at all."""
        return any(self.before[key] for key in Rag if key != Rag.NO_UPDATE)

    def rows(self):
        """(status, count now, change since the previous period) for every RAG and the gaps; no change
        is given for "no update", nor at all when the previous period had no ratings (``comparable``)."""
        comparable = self.comparable
        return [
            (key, self.now[key], self.change(key) if comparable and key != Rag.NO_UPDATE else None)
            for key in Rag
        ]


@dataclass
class MeasureRow:
    measure: Measure
    reading: Reading | None
    previous: Reading | None
    assessment: Assessment


def latest_locked_period() -> ReportingPeriod | None:
    return ReportingPeriod.objects.filter(status=PeriodStatus.LOCKED).order_by("-year", "-quarter").first()


def rag_counts(filters: Filters, group_by: str) -> dict[int | None, RagCounts]:
    """RAG counts of actions per group ("ambition" or "portfolio") for the period and the one before."""
    period = filters.period
    field_name = {"ambition": "section__ambition_id", "portfolio": "section__plan__portfolio_id"}[group_by]
    counts: dict = defaultdict(RagCounts)
    if period is None:
        return counts
    previous = period.previous()
    periods = [period] + ([previous] if previous else [])
    # From the stored counts (plans.counts: each section's updates by status and reported RAG, the one
    # rule, and its actions with no update), filtered on the sections as the actions would be.
    stored = (
        PeriodCount.objects.filter(period__in=periods, **filters.subject())
        .order_by()
        .values_list("period_id", field_name, "section__plan__year", "status", "rag")
        .annotate(total=Sum("n"))
    )
    totals, reported = Counter(), Counter()
    for period_id, key, year, status, rag, n in stored:
        if period_id == period.pk and year == period.year:
            totals[key] += n  # the period's rows of its year's sections add up to their actions
        if status not in REPORTED:
            continue
        bucket = counts[key].now if period_id == period.pk else counts[key].before
        bucket[Rag(rag)] += n
        if period_id == period.pk:
            reported[key] += n
            if rag == Rag.NO_UPDATE:
                counts[key].not_received += n
    for key, total in totals.items():
        # Updates closed as not received are counted above; actions with no update row at all
        # (a period locked before the portal closed them) are counted the same way here.
        counts[key].now[Rag.NO_UPDATE] += total - reported[key]
    return counts


# A dashboard shows the first of its red and amber actions (red first) and of its updates not received,
# and links to the paged actions list for all of them: its size does not grow with the council's.
FIRST_SHOWN = 10
# The measures panel of a dashboard is paged: this many measures a page.
MEASURES_PER_PAGE = 20


def _exception_updates(filters: Filters, rags):
    return QuarterlyUpdate.objects.reported().filter(
        period=filters.period,
        reported_rag__in=rags,
        action__section__plan__year=filters.period.year,
        **filters.subject("action__"),
    )


def exceptions(filters: Filters, limit: int | None = None) -> list[QuarterlyUpdate]:
    """The red and amber actions of the period, red first, with their narratives (the first ``limit``).

    The order is found on the updates' ids alone, then only those updates are read with their actions:
    the planner joins a few rows, not every red and amber update of a large council."""
    if filters.period is None:
        return []
    ordered = (
        _exception_updates(filters, EXCEPTIONS)
        .annotate(
            rag_order=Case(
                *[When(reported_rag=rag, then=Value(index)) for index, rag in enumerate(EXCEPTIONS)],
                output_field=IntegerField(),
            )
        )
        .order_by(
            "rag_order",
            "action__section__plan__portfolio__order",
            "action__section__number",
            "action__number",
        )
        .values_list("pk", flat=True)
    )
    ids = list(ordered[:limit] if limit is not None else ordered)
    updates = (
        QuarterlyUpdate.objects.reported()
        .select_related("action__section__plan__portfolio", "action__section__ambition")
        .prefetch_related("notes", Prefetch("action__details", ActionDetail.objects.with_plan_text()))
        .in_bulk(ids)
    )
    return [updates[pk] for pk in ids]


def not_received(filters: Filters, limit: int | None = None) -> list[QuarterlyUpdate]:
    """The period's updates closed as "No update received" when it was locked, with who was chased
    (the first ``limit``; ordered on ids first, as ``exceptions``)."""
    if filters.period is None:
        return []
    ordered = (
        _exception_updates(filters, [Rag.NO_UPDATE])
        .order_by("action__section__plan__portfolio__order", "action__section__number", "action__number")
        .values_list("pk", flat=True)
    )
    ids = list(ordered[:limit] if limit is not None else ordered)
    updates = (
        QuarterlyUpdate.objects.reported()
        .select_related("action__section__plan__portfolio", "period")
        .prefetch_related(Prefetch("action__details", ActionDetail.objects.with_plan_text()))
        .in_bulk(ids)
    )
    return [updates[pk] for pk in ids]


def _judged_measure_ids():
    """The measures that can have a RAG (Measure.judge gives one only with a better direction and a target):
    those with a direction and a reading with a target, found from the few readings that have one (their
    own partial index, migration 0014), not by reading every measure. What "judged only" means everywhere."""
    return (
        Reading.objects.filter(target__isnull=False)
        .exclude(measure__polarity=Polarity.NEITHER)
        .values("measure_id")
    )


def _measures(filters: Filters, *, judged_only: bool = False):
    measures = Measure.objects.select_related("owner_post")
    if judged_only:
        measures = measures.filter(pk__in=_judged_measure_ids())
    if filters.ambition:
        measures = measures.filter(ambitions=filters.ambition)
    if filters.portfolio:
        measures = measures.filter(
            Q(owner_post__portfolio=filters.portfolio)
            | Q(actions__section__plan__portfolio=filters.portfolio)
        ).distinct()
    return measures


def _latest_readings(readings, filters: Filters, count: int):
    """The latest ``count`` of ``readings`` (a queryset) of each measure up to the period (a window
    function: only those rows are fetched, however long the measures' history)."""
    if filters.period:
        readings = readings.filter(
            Q(period__year__lt=filters.period.year)
            | Q(period__year=filters.period.year, period__quarter__lte=filters.period.quarter)
        )
    return readings.annotate(
        recency=Window(
            RowNumber(),
            partition_by=[F("measure_id")],
            order_by=[F("period__year").desc(), F("period__quarter").desc()],
        )
    ).filter(recency__lte=count)


def _rows(measures, filters: Filters) -> list[MeasureRow]:
    """Each of ``measures`` (a queryset) with its latest reading up to the period, the one before, and
    its assessment. Only the two latest readings of each measure are fetched (a window function)."""
    latest_two = _latest_readings(Reading.objects.filter(measure__in=measures.values("pk")), filters, 2)
    by_measure = defaultdict(list)
    for reading in latest_two.select_related("period"):
        by_measure[reading.measure_id].append(reading)
    rows = []
    as_of = filters.period or latest_locked_period()
    for measure in measures.prefetch_related("ambitions"):
        recent = sorted(by_measure[measure.pk], key=lambda r: (r.period.year, r.period.quarter))
        reading = recent[-1] if recent else None
        previous = recent[-2] if len(recent) > 1 else None
        rows.append(MeasureRow(measure, reading, previous, measure.assess(reading, previous, as_of)))
    return rows


def measure_rows(filters: Filters, *, judged_only: bool = False) -> list[MeasureRow]:
    """Each measure with its latest reading up to the period, the one before, and its assessment.

    The cost grows with the number of measures, not with the length of their history. With
    ``judged_only``, only measures that can have a RAG (a better direction and a target) are
    read: what "measures off target" needs.
    """
    return _rows(_measures(filters, judged_only=judged_only), filters)


def measures_page(filters: Filters, number) -> tuple:
    """One page of the measures a dashboard shows (by name, ``MEASURES_PER_PAGE`` a page) as rows
    assessed like ``measure_rows``, and the page (for its links): a fixed number of queries and a
    bounded page at any size. ``number`` is the page asked for; a bad one gives the nearest page."""
    ids = _measures(filters).order_by("name", "pk").values_list("pk", flat=True)
    page = Paginator(ids, MEASURES_PER_PAGE).get_page(number)
    shown = (
        Measure.objects.select_related("owner_post")
        .filter(pk__in=list(page.object_list))
        .order_by("name", "pk")
    )
    return _rows(shown, filters), page


class FirstShown(list):
    """The first ``FIRST_SHOWN`` of a list a dashboard names, knowing how many there are in all."""

    def __init__(self, rows: list, total: int | None = None):
        super().__init__(rows[:FIRST_SHOWN])
        self.total = len(rows) if total is None else total

    @property
    def more(self) -> int:
        return self.total - len(self)


def off_target_by_ambition(filters: Filters) -> dict[int, FirstShown]:
    """Each ambition's measures off target by their latest reading up to the period (in name order),
    the first ``FIRST_SHOWN`` as rows assessed as ``measure_rows`` assesses them, with how many in all.

    Every judged measure's latest figures are read as bare values (no instances) and judged by
    ``Measure.judge``, the rule ``Measure.assess`` gives its RAG by; only the measures shown are then
    read whole and assessed. A fixed number of queries, and little work a measure."""
    measures = _measures(Filters(filters.period, filters.portfolio, None), judged_only=True)
    judged = Reading.objects.filter(measure_id__in=_judged_measure_ids())
    if filters.portfolio:
        judged = judged.filter(measure__in=measures.values("pk"))
    latest = _latest_readings(judged, filters, 1).values_list(
        "measure_id", "measure__name", "measure__polarity", "measure__tolerance", "target", "actual"
    )
    off_target = {
        measure_id: name
        for measure_id, name, polarity, tolerance, target, actual in latest
        if Measure.judge(polarity, tolerance, target, actual) in OFF_TARGET
    }
    by_ambition = defaultdict(list)
    links = Measure.ambitions.through.objects.filter(AnyOf(F("measure_id"), off_target))
    for measure_id, ambition_id in links.values_list("measure_id", "ambition_id"):
        by_ambition[ambition_id].append(measure_id)
    for ids in by_ambition.values():
        ids.sort(key=lambda pk: (off_target[pk], pk))
    shown = {pk for ids in by_ambition.values() for pk in ids[:FIRST_SHOWN]}
    rows = {row.measure.pk: row for row in _rows(measures.filter(AnyOf(F("pk"), shown)), filters)}
    return {
        ambition_id: FirstShown([rows[pk] for pk in ids[:FIRST_SHOWN]], total=len(ids))
        for ambition_id, ids in by_ambition.items()
    }


def ambitions_overview(filters: Filters):
    """For the corporate overview: each ambition with its RAG counts, change, and measures off target."""
    counts = rag_counts(filters, "ambition")
    off_target = off_target_by_ambition(filters)
    ambitions = Ambition.objects.filter(
        strategy__start_year__lte=(filters.period.year if filters.period else 9999)
    )
    if filters.ambition:
        ambitions = ambitions.filter(pk=filters.ambition.pk)
    result = []
    for ambition in ambitions.select_related("strategy").order_by("-strategy__start_year", "number"):
        if result and ambition.number <= result[-1][0].number:
            break  # only the latest strategy's ambitions
        result.append(
            (ambition, counts.get(ambition.pk, RagCounts()), off_target.get(ambition.pk, FirstShown([])))
        )
    return result


# The chart's keys and colours come from the RAG statuses themselves, so a chart, its table, the
# tags on the page and the committee report show the same words and colours.
RAG_KEYS = [(status.value, status.short_label) for status in Rag]
CHART_COLOURS = {status.value: status.hex_colour for status in Rag}


def rag_chart(title: str, rows: list[tuple[str, RagCounts]], filters: Filters) -> str:
    when = f"reported for {filters.period}" if filters.period else "with no locked period yet"
    return StackedBar(
        title=title,
        description=f"Horizontal bars, one per row, split by RAG status, {when}. The same figures are in the table.",
        rows=[(label, {key.value: count for key, count in counts.now.items()}) for label, counts in rows],
        keys=RAG_KEYS,
        colours=CHART_COLOURS,
    ).svg()


def breakdown(filters: Filters, group_by: str, measures_page_number=1) -> dict:
    """One level down: RAG counts per portfolio (or per ambition); the first red and amber actions and
    updates not received, with how many there are in all (from the same counts as the table); and a page
    of the measures. A fixed number of queries, and a page that does not grow with the council."""
    counts = rag_counts(filters, group_by)
    if group_by == "portfolio":
        groups = list(Portfolio.objects.filter(pk__in=[key for key in counts if key]))
        label = "name"
    else:
        groups = list(Ambition.objects.filter(pk__in=[key for key in counts if key]).order_by("number"))
        label = "short_name"
    rows = [(group, counts[group.pk]) for group in groups]
    exception_totals = [(rag, sum(c.now[rag] for c in counts.values())) for rag in EXCEPTIONS]
    not_received_count = sum(c.not_received for c in counts.values())
    measures, measures_page_ = measures_page(filters, measures_page_number)
    return {
        "group_by": group_by,
        "rows": rows,
        "chart": rag_chart(
            f"Actions by RAG status and {group_by}",
            [(getattr(group, label), c) for group, c in rows],
            filters,
        ),
        "exceptions": exceptions(filters, limit=FIRST_SHOWN),
        "exception_totals": exception_totals,
        "exception_count": sum(total for _, total in exception_totals),
        "not_received": not_received(filters, limit=FIRST_SHOWN),
        "not_received_count": not_received_count,
        "measures": measures,
        "measures_page": measures_page_,
    }


def measure_chart(measure: Measure, readings: list[Reading]) -> str:
    categories = [str(reading.period) for reading in readings]
    series = [Series("Bromley", [reading.actual for reading in readings])]
    for name, attribute in [
        ("Target", "target"),
        ("England", "england"),
        ("London", "london"),
        ("Statistical neighbours", "statistical_neighbours"),
    ]:
        values = [getattr(reading, attribute) for reading in readings]
        if any(value is not None for value in values):
            series.append(Series(name, values))
    suffix = "%" if measure.unit == "percentage" else ""
    return LineChart(
        title=measure.name,
        description=(
            f"{measure.name}: {len(readings)} reading{'s' if len(readings) != 1 else ''} from "
            f"{categories[0] if categories else 'none'} to {categories[-1] if categories else 'none'}, "
            f"with {', '.join(s.name for s in series[1:]) or 'no comparators'}. The same figures are in the table."
        ),
        categories=categories,
        series=series,
        unit_suffix=suffix,
    ).svg()


def overview(filters: Filters) -> dict:
    """The corporate overview: each ambition's counts, the portfolios with plans, and the chart."""
    ambitions = ambitions_overview(filters)
    portfolios = (
        Portfolio.objects.filter(plans__year=filters.period.year).distinct()
        if filters.period
        else Portfolio.objects.none()
    )
    chart = rag_chart(
        "Actions by RAG status and ambition",
        [(f"{ambition.number}. {ambition.short_name}", counts) for ambition, counts, _ in ambitions],
        filters,
    )
    return {"overview": ambitions, "portfolios": portfolios, "chart": chart}


def measure_queryset():
    return Measure.objects.select_related("owner_post").prefetch_related(
        "ambitions", Prefetch("actions", Action.objects.select_related("section__plan__portfolio"))
    )


def measure_page(measure: Measure) -> dict:
    """A measure's readings, newest first, each with its assessment; and the chart."""
    readings = list(measure.readings.select_related("period").order_by("period__year", "period__quarter"))
    as_of = latest_locked_period()  # the latest reading is judged as the dashboards judge it
    rows = [
        (
            reading,
            measure.assess(
                reading, readings[index - 1] if index else None, as_of if index == len(readings) - 1 else None
            ),
        )
        for index, reading in enumerate(readings)
    ]
    return {
        "rows": list(reversed(rows)),
        "chart": measure_chart(measure, readings),
        "serves": serving_actions(measure),
    }


def serving_actions(measure: Measure) -> list[Action]:
    """The plan actions a measure serves, of the latest plan year it is linked to: a plan rolled forward
    gives each year's action its own row, and last year's is not what the measure serves now."""
    actions = list(measure.actions.all())
    latest = max((action.section.plan.year for action in actions), default=None)
    return [action for action in actions if action.section.plan.year == latest]
