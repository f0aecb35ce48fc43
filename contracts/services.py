"""The contract register's rules and moves: the risk index, flagging contracts as approaching their end,
the manual procurement rating, concerns, and freezing a register cycle.

Every page, export, command and report works these figures out through here: ``risk_assessment`` is
the one risk index; ``flag_date`` the one flagging rule (with ContractQuerySet.with_statuses, which
reads the date it keeps); ``freeze_cycle`` the one way a cycle's register is made.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from bromley_portal.core.history import HistoryEntry, HistorySource, history_entries
from contracts.choices import RISK_SCORE_MAX, ProcurementStatus, RiskLevel
from contracts.models import (
    Contract,
    ContractCommentary,
    FlaggingRule,
    FrozenKeyData,
    ProcurementRating,
    RegisterCycle,
    RegisterEntry,
    RegisterEntryCommentary,
    RiskCriterion,
    RiskIndexSettings,
    RiskScore,
)


class ContractError(Exception):
    """A change the register's rules do not allow; the message says why, in plain English."""


class StaleCommentaryError(ContractError):
    """Someone saved the record after this person opened it: their save is refused (optimistic locking)."""


# The longest owner's comment, inflation mechanism or Corporate Procurement's comment (characters).
COMMENTARY_MAX_LENGTH = 2000


# The defaults an admin starts from --------------------------------------------------------------

# Seed 004 says the risk index has "eight separate factors ... scored and weighted" but does not name
# them. These eight, and their weights (which add up to 100), are the portal's documented starting
# point: an admin changes them in the Django admin and every contract's index follows.
DEFAULT_RISK_CRITERIA = [
    ("Contract value", "The whole-life value: the more money at stake, the higher the score.", 20),
    ("Service criticality", "A statutory duty or a service residents cannot do without scores high.", 15),
    ("Vulnerable service users", "Children or vulnerable adults depend on the service.", 15),
    ("Supplier market", "Few suppliers could take the contract over, or the council depends on one.", 10),
    ("Supplier financial standing", "The supplier's financial health gives cause for concern.", 10),
    ("Complexity", "Many parts, sites, sub-contractors or partners to manage.", 10),
    ("Performance history", "Missed targets, defaults or complaints in this contract or the last.", 10),
    ("Data and reputation", "Personal data handled, or failure would harm the council's reputation.", 10),
]
DEFAULT_RISK_THRESHOLD = 50

# Seed 004 says contracts are flagged "through a combination of the Total Contract Value and number of
# months to expiry" without the figures. These bands are the simplest that reproduce the flags of its
# September 2022 extract as at 31 August 2022: 14 of its 15 flagged contracts, and none of the other 26
# (the fifteenth, 5071, ends in December 2025 and was flagged by hand). (minimum £, maximum £, months)
DEFAULT_FLAGGING_RULES = [
    (Decimal("0"), Decimal("100000"), 8),
    (Decimal("100000"), Decimal("500000"), 10),
    (Decimal("500000"), None, 24),
]


@transaction.atomic
def ensure_register_settings() -> bool:
    """The default criteria, threshold and flagging rules, where there are none yet. Returns whether it
    made any (safe to repeat: an admin's changes are kept)."""
    made = False
    if not RiskCriterion.objects.exists():
        RiskCriterion.objects.bulk_create(
            RiskCriterion(order=order, name=name, description=description, weight=weight)
            for order, (name, description, weight) in enumerate(DEFAULT_RISK_CRITERIA, start=1)
        )
        made = True
    if not RiskIndexSettings.objects.exists():
        RiskIndexSettings.objects.create(threshold=DEFAULT_RISK_THRESHOLD)
        made = True
    if not FlaggingRule.objects.exists():
        FlaggingRule.objects.bulk_create(
            FlaggingRule(minimum_value=low, maximum_value=high, months_before_end=months)
            for low, high, months in DEFAULT_FLAGGING_RULES
        )
        made = True
    return made


# The risk index -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskAssessment:
    index: int | None  # out of 100; None until every criterion has a score
    level: RiskLevel


def risk_assessment(scores: dict[int, int], criteria, threshold: int) -> RiskAssessment:
    """The risk index: the criteria's scores (0 to RISK_SCORE_MAX) weighted by their weights, out of 100,
    rounded half up; Higher Risk at or above ``threshold``. ``scores`` maps criterion id to score.

    The one function for the risk index: pages, exports, cycles and reports all read what it gives.
    """
    criteria = list(criteria)
    if not criteria or any(criterion.pk not in scores for criterion in criteria):
        return RiskAssessment(None, RiskLevel.NOT_SCORED)
    total_weight = sum(criterion.weight for criterion in criteria)
    weighted = sum(Decimal(criterion.weight) * scores[criterion.pk] for criterion in criteria)
    index = int(
        (weighted * 100 / (total_weight * RISK_SCORE_MAX)).quantize(Decimal("1"), rounding="ROUND_HALF_UP")
    )
    return RiskAssessment(index, RiskLevel.HIGHER if index >= threshold else RiskLevel.LOWER)


def refresh_risk(contracts=None) -> int:
    """Work out the risk index of these contracts (all when None) again and keep it on them: after their
    scores change, or the criteria, weights or threshold do. A fixed number of queries. Returns how many."""
    criteria = list(RiskCriterion.objects.all())
    threshold = RiskIndexSettings.current().threshold
    queryset = (
        Contract.objects.all()
        if contracts is None
        else Contract.objects.filter(pk__in=[c.pk for c in contracts])
    )
    rows = list(queryset.only("pk", "risk_index", "risk_level"))
    scores: dict[int, dict[int, int]] = {}
    for contract_id, criterion_id, score in RiskScore.objects.filter(contract__in=queryset).values_list(
        "contract_id", "criterion_id", "score"
    ):
        scores.setdefault(contract_id, {})[criterion_id] = score
    for row in rows:
        assessment = risk_assessment(scores.get(row.pk, {}), criteria, threshold)
        row.risk_index, row.risk_level = assessment.index, assessment.level.value
    Contract.objects.bulk_update(rows, ["risk_index", "risk_level"], batch_size=500)
    return len(rows)


@transaction.atomic
def set_risk_scores(contract, scores: dict[str, int]) -> RiskAssessment:
    """Score a contract on the criteria named in ``scores`` (criterion name to 0..RISK_SCORE_MAX)."""
    criteria = {criterion.name: criterion for criterion in RiskCriterion.objects.all()}
    for name, score in scores.items():
        if name not in criteria:
            raise ContractError(f"There is no risk criterion called “{name}”.")
        if not isinstance(score, int) or not 0 <= score <= RISK_SCORE_MAX:
            raise ContractError(f"Give “{name}” a whole number score from 0 to {RISK_SCORE_MAX}.")
        RiskScore.objects.update_or_create(
            contract=contract, criterion=criteria[name], defaults={"score": score}
        )
    refresh_risk([contract])
    contract.refresh_from_db(fields=["risk_index", "risk_level"])
    return RiskAssessment(contract.risk_index, RiskLevel(contract.risk_level))


# Approaching the end ----------------------------------------------------------------------------


def flag_date(total_value, end_date: date, rules) -> date | None:
    """From when a contract counts as approaching its end: its end date less the months of the
    flagging rule whose value band holds its total value (None when no rule does)."""
    rule = next((rule for rule in rules if rule.covers(total_value)), None)
    if rule is None:
        return None
    return end_date - relativedelta(months=rule.months_before_end)


def refresh_flags(contracts=None) -> int:
    """Keep each contract's ``flagged_from`` (all when None): after its value or end date change, or the
    flagging rules do. A fixed number of queries. Returns how many."""
    rules = list(FlaggingRule.objects.all())
    queryset = (
        Contract.objects.all()
        if contracts is None
        else Contract.objects.filter(pk__in=[c.pk for c in contracts])
    )
    rows = list(queryset.only("pk", "total_value", "end_date", "flagged_from"))
    for row in rows:
        row.flagged_from = flag_date(row.total_value, row.end_date, rules)
    Contract.objects.bulk_update(rows, ["flagged_from"], batch_size=500)
    return len(rows)


def prepare_new(contracts: list[dict]) -> None:
    """Add the risk index and flag date to new contracts' values (dicts of field names to values, not
    yet saved), as refresh_risk and refresh_flags would set them once they are (a new contract has no
    risk scores): so an import writes them with the rows. Three queries, whatever the number."""
    criteria = list(RiskCriterion.objects.all())
    threshold = RiskIndexSettings.current().threshold
    rules = list(FlaggingRule.objects.all())
    unscored = risk_assessment({}, criteria, threshold)
    for values in contracts:
        values["risk_index"], values["risk_level"] = unscored.index, unscored.level.value
        values["flagged_from"] = flag_date(values["total_value"], values["end_date"], rules)


def refresh_contract(contract) -> None:
    """After a contract is saved: its risk index and flag date again."""
    refresh_risk([contract])
    refresh_flags([contract])
    contract.refresh_from_db(fields=["risk_index", "risk_level", "flagged_from"])


def procurement_status(contract, as_at: date | None = None) -> ProcurementStatus:
    """One contract's procurement status on a date (today by default), by the one rule
    (ContractQuerySet.with_statuses)."""
    as_at = as_at or timezone.localdate()
    value = (
        Contract.objects.with_statuses(as_at).values_list("procurement_status", flat=True).get(pk=contract.pk)
    )
    return ProcurementStatus(value)


def months_between(start: date, end: date) -> int:
    """A contract's term in whole months, as the register counts them: complete months from its first day
    to the day after its last (1 April 2018 to 31 March 2023: 60; 1 August 2018 to 20 October 2022: 50)."""
    delta = relativedelta(end + relativedelta(days=1), start)
    return delta.years * 12 + delta.months


def set_rating(contract, rag: str, user, as_at: date | None = None) -> ProcurementRating:
    """The Assistant Director's Red, Amber or Green for a contract approaching its end."""
    if not user.has_perm("contracts.rate_procurement", contract):
        raise ContractError("Only the Governance & Contracts lead can set a procurement status.")
    if rag not in {status.value for status in ProcurementStatus.rated()}:
        raise ContractError("Choose Red, Amber or Green.")
    if procurement_status(contract, as_at) == ProcurementStatus.NEUTRAL:
        raise ContractError(
            "This contract is not approaching its end, so it has no procurement status to set: it is Neutral."
        )
    rating, _ = ProcurementRating.objects.update_or_create(
        contract=contract, defaults={"rag": rag, "set_by": user, "set_at": timezone.now(), "assumed": False}
    )
    return rating


def set_concern(contract, concern: bool, user) -> Contract:
    """Flag a contract as a concern (recording who raised it and when), or clear the flag."""
    if not user.has_perm("contracts.flag_concern", contract):
        raise ContractError("Only Corporate Procurement can flag a contract as a concern.")
    contract.concern = concern
    contract.concern_raised_by = user if concern else None
    contract.concern_raised_at = timezone.now() if concern else None
    contract.save(update_fields=["concern", "concern_raised_by", "concern_raised_at"])
    return contract


# Commentary and vouching (Part 2) ----------------------------------------------------------------


def open_cycle() -> RegisterCycle | None:
    """The cycle the register is being prepared for: the earliest not frozen yet (None when every
    cycle is frozen, so no comment is asked for)."""
    return RegisterCycle.objects.filter(frozen_at__isnull=True).order_by("as_at").first()


def _check_length(text: str, what: str) -> None:
    if len(text) > COMMENTARY_MAX_LENGTH:
        raise ContractError(f"{what} must be {COMMENTARY_MAX_LENGTH:,} characters or fewer.")


def _locked_commentary(contract) -> ContractCommentary:
    commentary, _ = ContractCommentary.objects.get_or_create(contract=contract)
    return ContractCommentary.objects.select_for_update().get(pk=commentary.pk)


def _stale(current: ContractCommentary, part: str) -> StaleCommentaryError:
    record = current.history.select_related("history_user").first()
    who = record.history_user if record and record.history_user else "Someone"
    when = timezone.localtime(record.history_date) if record else timezone.localtime()
    return StaleCommentaryError(
        f"{who} changed {part} at {when:%H:%M on %-d %B %Y} after you opened it, so your changes were not "
        "saved. What it says now is shown: copy anything you need from your text, then save again."
    )


@transaction.atomic
def save_owner_comment(
    contract, user, *, version: int, owner_comment: str, inflation_mechanism: str
) -> ContractCommentary:
    """The owner's comment and inflation mechanism, for the open cycle. Refuses anyone but the owner, an
    over-long text and a stale save (``version`` is the owner_version the form was read at)."""
    if not user.has_perm("contracts.write_owner_comment", contract):
        raise ContractError("Only the contract's owner can write the owner's comment.")
    owner_comment, inflation_mechanism = owner_comment.strip(), inflation_mechanism.strip()
    _check_length(owner_comment, "The owner's comment")
    _check_length(inflation_mechanism, "The inflation mechanism")
    commentary = _locked_commentary(contract)
    if commentary.owner_version != version:
        raise _stale(commentary, "the owner's comment")
    commentary.owner_comment = owner_comment
    commentary.inflation_mechanism = inflation_mechanism
    commentary.owner_version += 1
    commentary.owner_comment_cycle = open_cycle()
    commentary.owner_commented_by, commentary.owner_commented_at = user, timezone.now()
    commentary._history_user = user
    commentary.save()
    return commentary


@transaction.atomic
def save_procurement(
    contract, user, *, version: int, rag: str, procurement_comment: str, concern: bool
) -> ContractCommentary:
    """Corporate Procurement's part: the RAG (for a contract approaching its end; blank leaves it as it
    is), its comment for members and the concern flag. All or nothing; refuses a stale save."""
    if not user.has_perm("contracts.comment_procurement", contract):
        raise ContractError(
            "Only the Governance & Contracts lead can change a contract's procurement status."
        )
    procurement_comment = procurement_comment.strip()
    _check_length(procurement_comment, "Corporate Procurement's comment")
    commentary = _locked_commentary(contract)
    if commentary.procurement_version != version:
        raise _stale(commentary, "the procurement status")
    current = ProcurementRating.objects.filter(contract=contract).values_list("rag", flat=True).first()
    if rag and rag != current:
        set_rating(contract, rag, user)
    if concern != contract.concern:
        contract._history_user = user
        set_concern(contract, concern, user)
    commentary.procurement_comment = procurement_comment
    commentary.procurement_version += 1
    commentary._history_user = user
    commentary.save()
    return commentary


@transaction.atomic
def vouch(contract, user, *, version: int) -> ContractCommentary:
    """The approver vouches for the owner's part as they read it (``version``). Not for a contract they
    own (separation of duties), not twice for the same text, not for a text changed since."""
    if not user.has_perm("contracts.vouch_contract", contract):
        if contract.owner_id == user.pk:
            raise ContractError("You own this contract, so someone else must vouch for it.")
        raise ContractError("Only the contract's approver can vouch for it.")
    commentary = _locked_commentary(contract)
    if not commentary.owner_version:
        raise ContractError("The owner has not written their comment yet, so there is nothing to vouch for.")
    if commentary.owner_version != version:
        raise _stale(commentary, "the owner's comment")
    if commentary.vouched_version == commentary.owner_version:
        raise ContractError("You have vouched for this comment already.")
    commentary.vouched_version = commentary.owner_version
    commentary.vouched_by, commentary.vouched_at = user, timezone.now()
    commentary._history_user = user
    commentary.save()
    return commentary


# What each work page's version counter covers (optimistic locking): an edit made anywhere else, as in
# the Django admin, to one of these bumps the counter, so a form read before it gets 409 Conflict.
OWNER_PART = ("owner_comment", "inflation_mechanism")  # ContractCommentary.owner_version (and vouching)
PROCUREMENT_PART = ("procurement_comment",)  # ContractCommentary.procurement_version
# The contract's own fields the procurement form reads: its concern flag, and what decides whether it
# is approaching its end (so whether a RAG can be set).
CONTRACT_PROCUREMENT_PART = ("concern", "always_flag", "total_value", "end_date")


@transaction.atomic
def record_outside_change(
    contract, user, *, owner_part: bool = False, procurement_part: bool = False
) -> None:
    """The contract or its commentary was changed outside the work pages (the admin): bump the version
    counters of the parts changed, so the owner's and the procurement forms open before it get 409
    Conflict rather than overwrite it, and an approver's vouching for the owner's part lapses."""
    if not (owner_part or procurement_part):
        return
    commentary = _locked_commentary(contract)
    fields = []
    if owner_part:
        commentary.owner_version += 1
        fields.append("owner_version")
    if procurement_part:
        commentary.procurement_version += 1
        fields.append("procurement_version")
    commentary._history_user = user
    commentary.save(update_fields=fields)


# Register cycles ------------------------------------------------------------------------------


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _entry_for(cycle, contract) -> RegisterEntry:
    rating = getattr(contract, "rating", None)
    rated = contract.procurement_status in {status.value for status in ProcurementStatus.rated()}
    return RegisterEntry(
        cycle=cycle,
        contract=contract,
        portfolio=contract.portfolio,
        council_id=contract.council_id,
        title=contract.title,
        status_note=contract.status_note,
        supplier=contract.supplier,
        owner_name=_name(contract.owner),
        approver_name=_name(contract.approver),
        total_value=contract.total_value,
        original_annual_value=contract.original_annual_value,
        current_annual_value=contract.current_annual_value,
        start_date=contract.start_date,
        end_date=contract.end_date,
        months_duration=contract.months_duration,
        capital=contract.capital,
        concern=contract.concern,
        risk_index=contract.risk_index,
        risk_level=contract.risk_level,
        procurement_status=contract.procurement_status,
        rating_set_by=_name(rating.set_by) if rated and rating else "",
        rating_set_at=rating.set_at if rated and rating else None,
        rating_assumed=bool(rated and rating and rating.assumed),
        kpi_rating=contract.kpi_rating or "",
        kpi_rating_count=contract.kpi_rating_count,
        kpi_assessed=contract.kpi_assessed,
    )


# A cycle's key data (Appendix 1 and paragraph 3.8), counted from its entries: the one definition.
KEY_DATA_COUNTS = {
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


def count_key_data(cycle: RegisterCycle) -> list[FrozenKeyData]:
    """Count a frozen cycle's key data from its entries and keep it (replacing any kept before): a row
    for all portfolios and one for each portfolio with contracts in it. Three queries."""
    entries = RegisterEntry.objects.filter(cycle=cycle).order_by()
    everyone = entries.aggregate(**KEY_DATA_COUNTS)
    rows = [FrozenKeyData(cycle=cycle, portfolio=None, **everyone)]
    for figures in entries.values("portfolio").annotate(**KEY_DATA_COUNTS):
        rows.append(FrozenKeyData(cycle=cycle, portfolio_id=figures.pop("portfolio"), **figures))
    FrozenKeyData.objects.filter(cycle=cycle).delete()
    return FrozenKeyData.objects.bulk_create(rows)


@transaction.atomic
def freeze_cycle(cycle: RegisterCycle, user=None) -> int:
    """Freeze the register as it stands for ``cycle``: a row per contract in the register on its as-at
    date (Part 1 fields and statuses), its commentary beside it (Part 2) and its key data, counted
    once (count_key_data). Idempotent: a cycle
    frozen already is left exactly as it was. Returns the number of entries the cycle has."""
    cycle = RegisterCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.is_frozen:
        return cycle.entries.count()
    contracts = list(
        Contract.objects.in_register(cycle.as_at).for_lists(cycle.as_at).select_related("commentary")
    )
    entries = RegisterEntry.objects.bulk_create(_entry_for(cycle, contract) for contract in contracts)
    RegisterEntryCommentary.objects.bulk_create(
        RegisterEntryCommentary(
            entry=entry,
            owner_comment=contract.commentary.owner_comment,
            procurement_comment=contract.commentary.procurement_comment,
            inflation_mechanism=contract.commentary.inflation_mechanism,
        )
        for entry, contract in zip(entries, contracts, strict=True)
        if _has_commentary(contract)
    )
    count_key_data(cycle)
    cycle.frozen_at, cycle.frozen_by = timezone.now(), user
    cycle.save(update_fields=["frozen_at", "frozen_by"])
    return len(entries)


def _has_commentary(contract) -> bool:
    return getattr(contract, "commentary", None) is not None


# History --------------------------------------------------------------------------------------


def contract_history(contract) -> list[HistoryEntry]:
    """Who changed the contract's Part 1 record or its procurement rating, and what, newest first
    (bromley_portal.core.history, as every history panel). Commentary is Part 2: its history is not here."""
    return history_entries(
        [
            HistorySource("Contract", contract.history.all()),
            HistorySource("Procurement status", ProcurementRating.history.filter(contract_id=contract.pk)),
        ]
    )
