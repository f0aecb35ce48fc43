"""What the register's pages read, from the ORM in a fixed number of queries.

``key_data`` is the one source of a cycle's key data (Appendix 1 and paragraph 3.8) for every page and
report: counted from the cycle's frozen entries, or as published for a cycle the portal did not freeze.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from contracts.choices import ProcurementStatus, RiskLevel
from contracts.models import (
    Contract,
    ContractAction,
    ContractCommentary,
    FrozenKeyData,
    PublishedKeyData,
    RegisterCycle,
    RegisterEntry,
    RiskCriterion,
    RiskScore,
    register_ordering,
)
from contracts.services import KEY_DATA_COUNTS, contract_history, open_cycle

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
    cycles before it beside it. Three queries, each reading a row or so per cycle, whatever the number
    of contracts or cycles.

    A cycle's figures are those a committee report published, where there are some (they are the
    record; a figure it did not publish stays blank); else those counted from its entries when it was
    frozen (services.count_key_data; a portfolio with no row had no contracts in it); a cycle with
    neither has blanks.
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
        counted = {
            row.pop("cycle"): row
            for row in FrozenKeyData.objects.filter(cycle__in=frozen, portfolio=portfolio).values(
                "cycle", *KEY_DATA_COUNTS
            )
        }
    data = KeyData(portfolio)
    for each in cycles:
        if each.pk in published:
            row = published[each.pk]
            figures = {key: getattr(row, key, None) for key, _, _ in KEY_DATA_ROWS}
            data.columns.append(KeyDataColumn(each, figures, published=True))
        elif each.is_frozen:
            data.columns.append(
                KeyDataColumn(each, counted.get(each.pk) or dict.fromkeys(KEY_DATA_COUNTS, 0), False)
            )
        else:
            data.columns.append(KeyDataColumn(each, dict.fromkeys(KEY_DATA_COUNTS), published=False))
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


# Owners, approvers and the Governance & Contracts lead -----------------------------------------


def _flagged(contract) -> bool:
    return contract.procurement_status != ProcurementStatus.NEUTRAL


def _commentary(contract):
    return getattr(contract, "commentary", None)


def needs_owner_comment(contract, cycle) -> bool:
    """A contract approaching its end (as at the open cycle) whose owner has not commented for that cycle."""
    commentary = _commentary(contract)
    return (
        cycle is not None
        and _flagged(contract)
        and (commentary is None or commentary.owner_comment_cycle_id != cycle.pk)
    )


def needs_vouching(contract) -> bool:
    """The owner's part has been written and the approver has not vouched for it as it now stands."""
    commentary = _commentary(contract)
    return bool(
        commentary is not None
        and commentary.owner_version
        and commentary.vouched_version != commentary.owner_version
        and contract.owner_id != contract.approver_id
    )


@dataclass
class WorkList:
    """A person's contracts as at ``as_at`` (the open cycle's date, or today when none is open)."""

    cycle: RegisterCycle | None
    as_at: date
    rows: list  # (contract, needs something doing)

    @property
    def outstanding(self) -> int:
        return sum(1 for _, needed in self.rows if needed)


def _work_queryset(as_at: date, **filters):
    return (
        Contract.objects.filter(**filters)
        .in_register(as_at)
        .for_lists(as_at)
        .select_related("commentary", "commentary__owner_commented_by", "commentary__vouched_by")
    )


def my_contracts(user) -> WorkList:
    """The owner's contracts in the register, each with whether it needs their comment this cycle."""
    cycle = open_cycle()
    as_at = cycle.as_at if cycle else timezone.localdate()
    contracts = _work_queryset(as_at, owner=user)
    return WorkList(
        cycle, as_at, [(contract, needs_owner_comment(contract, cycle)) for contract in contracts]
    )


def approver_queue(user) -> WorkList:
    """The contracts this person approves, each with whether the owner's comment waits for them to vouch."""
    cycle = open_cycle()
    as_at = cycle.as_at if cycle else timezone.localdate()
    contracts = _work_queryset(as_at, approver=user)
    return WorkList(cycle, as_at, [(contract, needs_vouching(contract)) for contract in contracts])


def approaching_end(as_at: date | None = None):
    """The procurement status screen: contracts in the register approaching their end (flagged),
    in register order, with their rating, concern and commentary (one query)."""
    as_at = as_at or timezone.localdate()
    return (
        _work_queryset(as_at)
        .exclude(procurement_status=ProcurementStatus.NEUTRAL)
        .select_related("concern_raised_by")
    )


def contract_for_form():
    """Contracts as the owner's and procurement forms read them: today's status, rating and commentary."""
    return Contract.objects.with_statuses(timezone.localdate()).select_related(
        "portfolio", "owner", "approver", "commentary", "rating__set_by", "concern_raised_by"
    )


def owner_comment_history(contract, limit: int = 20) -> list:
    """The owner's part as each save left it, newest first (who, when, the texts)."""
    records = (
        ContractCommentary.history.filter(contract_id=contract.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    shown, previous = [], ("", "")
    for record in records:
        texts = (record.owner_comment, record.inflation_mechanism)
        if texts != previous:
            shown.append(record)
        previous = texts
    return shown[::-1][:limit]


def contracts_for_action(action, as_at: date | None = None):
    """The contracts that deliver a plan action, with their procurement status today (Part 1)."""
    as_at = as_at or timezone.localdate()
    return Contract.objects.filter(action_links__action=action).for_lists(as_at)


def contracts_for_portfolio_actions(portfolio, as_at: date | None = None):
    """The contracts that deliver any action of a portfolio's plans, approaching their end first."""
    as_at = as_at or timezone.localdate()
    return Contract.objects.filter(
        pk__in=ContractAction.objects.filter(action__section__plan__portfolio=portfolio).values("contract_id")
    ).for_lists(as_at)
