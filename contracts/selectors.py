"""What the register's pages read, from the ORM in a fixed number of queries.

``key_data`` is the one source of a cycle's key data (Appendix 1 and paragraph 3.8) for every page and
report: counted from the cycle's frozen entries, or as published for a cycle the portal did not freeze.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from contracts.choices import ProcurementStatus, RiskLevel
from contracts.models import (
    PublishedKeyData,
    RegisterCycle,
    RegisterEntry,
    RiskCriterion,
    RiskScore,
    register_ordering,
)
from contracts.services import contract_history

# The key data's rows, in the order the committee report prints them: (key, label, group).
KEY_DATA_ROWS = [
    ("total", "Total contracts £50k+", ""),
    ("concern", "Flagged as a concern", ""),
    ("higher_risk", RiskLevel.HIGHER.label, "Risk Index"),
    ("lower_risk", RiskLevel.LOWER.label, "Risk Index"),
    ("red", ProcurementStatus.RED.short_label, "Procurement status for contracts approaching end date"),
    ("amber", ProcurementStatus.AMBER.short_label, "Procurement status for contracts approaching end date"),
    ("green", ProcurementStatus.GREEN.short_label, "Procurement status for contracts approaching end date"),
    (
        "awaiting",
        ProcurementStatus.AWAITING.short_label,
        "Procurement status for contracts approaching end date",
    ),
    (
        "neutral",
        ProcurementStatus.NEUTRAL.short_label,
        "Procurement status for contracts approaching end date",
    ),
]

_COUNTS = {
    "total": Count("pk"),
    "concern": Count("pk", filter=Q(concern=True)),
    "higher_risk": Count("pk", filter=Q(risk_level=RiskLevel.HIGHER)),
    "lower_risk": Count("pk", filter=Q(risk_level=RiskLevel.LOWER)),
    **{
        status.value: Count("pk", filter=Q(procurement_status=status))
        for status in [
            ProcurementStatus.RED,
            ProcurementStatus.AMBER,
            ProcurementStatus.GREEN,
            ProcurementStatus.AWAITING,
            ProcurementStatus.NEUTRAL,
        ]
    },
}


@dataclass
class KeyDataColumn:
    cycle: RegisterCycle
    figures: dict[str, int | None]  # by row key; None: not published
    published: bool  # True: as a committee report published it; False: counted from the frozen register


@dataclass
class KeyData:
    portfolio: object  # a Portfolio, or None for all portfolios
    columns: list[KeyDataColumn] = field(default_factory=list)  # oldest first, the chosen cycle last

    @property
    def rows(self) -> list[tuple[str, str, list[int | None]]]:
        """(label, group, a figure per column): the rows with a figure in any column ("awaiting" appears
        only when some cycle has contracts waiting for a RAG)."""
        rows = []
        for key, label, group in KEY_DATA_ROWS:
            values = [column.figures.get(key) for column in self.columns]
            if key == "awaiting" and not any(values):
                continue
            rows.append((label, group, values))
        return rows


def key_data(cycle: RegisterCycle, portfolio=None, previous: int = 2) -> KeyData:
    """The key data of ``cycle`` for one portfolio (all portfolios when None), with the ``previous``
    cycles before it beside it. Three queries whatever the number of contracts or cycles.

    A cycle's figures are those a committee report published, where there are some (they are the
    record; a figure it did not publish stays blank); else they are counted from the cycle's frozen
    register; a cycle with neither has blanks.
    """
    cycles = list(RegisterCycle.objects.filter(as_at__lte=cycle.as_at).order_by("-as_at")[: previous + 1])[
        ::-1
    ]
    published = {
        row.cycle_id: row
        for row in PublishedKeyData.objects.filter(cycle__in=[c.pk for c in cycles], portfolio=portfolio)
    }
    frozen = [c.pk for c in cycles if c.is_frozen and c.pk not in published]
    counted = {}
    if frozen:
        entries = RegisterEntry.objects.filter(cycle__in=frozen)
        if portfolio is not None:
            entries = entries.filter(portfolio=portfolio)
        counted = {row.pop("cycle"): row for row in entries.values("cycle").annotate(**_COUNTS).order_by()}
    data = KeyData(portfolio)
    for each in cycles:
        if each.pk in published:
            row = published[each.pk]
            figures = {key: getattr(row, key, None) for key, _, _ in KEY_DATA_ROWS}
            data.columns.append(KeyDataColumn(each, figures, published=True))
        elif each.is_frozen:
            data.columns.append(KeyDataColumn(each, counted.get(each.pk) or dict.fromkeys(_COUNTS, 0), False))
        else:
            data.columns.append(KeyDataColumn(each, dict.fromkeys(_COUNTS), published=False))
    return data


def register_entries(cycle: RegisterCycle | None, portfolio=None):
    """A frozen cycle's register (Part 1), in register order: capital contracts at the foot. The one
    query the portfolio's register page, its export and the committee extracts read (the page passes no
    cycle: its filter chooses one)."""
    entries = RegisterEntry.objects.select_related("portfolio")
    if cycle is not None:
        entries = entries.filter(cycle=cycle)
    if portfolio is not None:
        entries = entries.filter(portfolio=portfolio)
    return entries.order_by(*register_ordering())


def cycles_of(contract) -> list[RegisterEntry]:
    """The frozen cycles a contract appeared in, newest first, with its row in each (one query)."""
    return list(
        RegisterEntry.objects.filter(contract=contract).select_related("cycle").order_by("-cycle__as_at")
    )


def latest_frozen_cycle() -> RegisterCycle | None:
    return RegisterCycle.objects.filter(frozen_at__isnull=False).order_by("-as_at").first()


@dataclass
class ContractPage:
    scores: list  # (criterion, score or None), in the criteria's order
    entries: list  # its rows in the frozen cycles, newest first
    history: list
    can_view_part_2: bool


def contract_page(contract, user) -> ContractPage:
    """What a contract's (Part 1) page shows beyond the contract itself: a fixed number of queries."""
    scores = dict(RiskScore.objects.filter(contract=contract).values_list("criterion_id", "score"))
    return ContractPage(
        scores=[(criterion, scores.get(criterion.pk)) for criterion in RiskCriterion.objects.all()],
        entries=cycles_of(contract),
        history=contract_history(contract),
        can_view_part_2=user.has_perm("contracts.view_part_2", contract),
    )
