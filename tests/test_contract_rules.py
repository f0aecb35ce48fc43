"""The contract register's data rules: money, dates, the risk index, flagging and the manual rating."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from bromley_portal.accounts.roles import Role
from contracts import services
from contracts.choices import ProcurementStatus, RiskLevel
from contracts.models import Contract, FlaggingRule, ProcurementRating, RiskCriterion, RiskIndexSettings
from tests.contract_factories import make_contract, uniform_scores

pytestmark = pytest.mark.django_db


def test_money_is_kept_to_the_penny_as_decimal():
    contract = make_contract(total_value=Decimal("968753.47"), current_annual_value=Decimal("211930.10"))
    contract.refresh_from_db()
    assert contract.total_value == Decimal("968753.47") and isinstance(contract.total_value, Decimal)
    assert contract.current_annual_value == Decimal("211930.10")


@pytest.mark.parametrize(
    "fields",
    [
        {"total_value": Decimal("-1")},
        {"original_annual_value": Decimal("-0.01")},
        {"current_annual_value": Decimal("-5")},
        {"start_date": date(2024, 1, 1), "end_date": date(2023, 12, 31)},
    ],
)
def test_the_database_refuses_negative_values_and_an_end_before_the_start(fields):
    contract = make_contract()
    for name, value in fields.items():
        setattr(contract, name, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        contract.save()


def test_contract_ids_are_unique():
    make_contract(council_id="6253")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_contract(council_id="6253")


def test_the_defaults_are_eight_criteria_weighing_100_and_loading_them_twice_changes_nothing():
    assert services.ensure_register_settings() is True
    assert services.ensure_register_settings() is False
    assert RiskCriterion.objects.count() == 8
    assert sum(RiskCriterion.objects.values_list("weight", flat=True)) == 100
    assert RiskIndexSettings.current().threshold == 50
    assert FlaggingRule.objects.count() == 3


def test_the_risk_index_is_the_weighted_score_out_of_100_and_the_threshold_decides_the_level():
    services.ensure_register_settings()
    criteria = list(RiskCriterion.objects.all())
    # Contract value (weight 20) scores 5, the rest 0: 20 * 5 / (100 * 5) = 20 out of 100.
    scores = {c.pk: 0 for c in criteria} | {criteria[0].pk: 5}
    assert services.risk_assessment(scores, criteria, 50) == services.RiskAssessment(20, RiskLevel.LOWER)
    everything_two_and_a_half = {c.pk: 5 if c.order % 2 else 0 for c in criteria}
    index = services.risk_assessment(everything_two_and_a_half, criteria, 50).index
    assert index == round(100 * (20 + 15 + 10 + 10) * 5 / 500)
    assert services.risk_assessment({c.pk: 3 for c in criteria}, criteria, 60).level == RiskLevel.HIGHER
    assert services.risk_assessment({c.pk: 3 for c in criteria}, criteria, 61).level == RiskLevel.LOWER


def test_a_contract_not_scored_on_every_criterion_is_not_scored():
    contract = make_contract(scores={"Contract value": 5})
    assert contract.risk_index is None and contract.risk == RiskLevel.NOT_SCORED


def test_changing_a_weight_or_the_threshold_and_refreshing_moves_every_contract():
    contract = make_contract(scores=uniform_scores(2) | {"Contract value": 5})
    assert (contract.risk_index, contract.risk) == (52, RiskLevel.HIGHER)  # (20*5 + 80*2) / 500
    RiskCriterion.objects.filter(name="Contract value").update(weight=1)
    services.refresh_risk()
    contract.refresh_from_db()
    assert contract.risk_index == round(100 * (5 + 80 * 2) / (81 * 5))  # 41
    assert contract.risk == RiskLevel.LOWER
    RiskIndexSettings.objects.update(threshold=40)
    services.refresh_risk()
    contract.refresh_from_db()
    assert contract.risk == RiskLevel.HIGHER


def test_a_score_out_of_range_or_an_unknown_criterion_is_refused_and_nothing_changes():
    contract = make_contract(scores=uniform_scores(1))
    with pytest.raises(services.ContractError, match="from 0 to 5"):
        services.set_risk_scores(contract, {"Contract value": 6})
    with pytest.raises(services.ContractError, match="no risk criterion"):
        services.set_risk_scores(contract, {"Weather": 1})
    contract.refresh_from_db()
    assert contract.risk_index == 20


@pytest.mark.parametrize(
    "value, end, flagged_on_31_august_2022",
    [
        (Decimal("77220"), date(2023, 4, 30), True),  # under £100k: 8 months
        (Decimal("65400"), date(2023, 5, 31), False),  # 9 months left
        (Decimal("332790"), date(2023, 6, 30), True),  # £100k to £500k: 10 months
        (Decimal("118541"), date(2023, 8, 22), False),  # nearly 12 months left
        (Decimal("554000"), date(2024, 3, 31), True),  # £500k and over: 24 months
        (Decimal("2316000"), date(2025, 5, 30), False),
    ],
)
def test_a_contract_is_flagged_from_its_value_and_the_months_left(value, end, flagged_on_31_august_2022):
    contract = make_contract(total_value=value, end_date=end)
    status = services.procurement_status(contract, date(2022, 8, 31))
    assert (status != ProcurementStatus.NEUTRAL) is flagged_on_31_august_2022
    assert status in {ProcurementStatus.AWAITING, ProcurementStatus.NEUTRAL}


def test_editing_a_flagging_rule_and_refreshing_flags_the_contracts_it_now_covers():
    contract = make_contract(total_value=Decimal("65400"), end_date=date(2023, 5, 31))
    as_at = date(2022, 8, 31)
    assert services.procurement_status(contract, as_at) == ProcurementStatus.NEUTRAL
    FlaggingRule.objects.filter(minimum_value=0).update(months_before_end=9)
    services.refresh_flags()
    assert services.procurement_status(contract, as_at) == ProcurementStatus.AWAITING


def test_a_contract_flagged_by_hand_is_approaching_its_end_whatever_the_rules():
    contract = make_contract(end_date=date(2025, 12, 31), always_flag=True)
    assert services.procurement_status(contract, date(2022, 8, 31)) == ProcurementStatus.AWAITING


def test_the_governance_lead_rates_a_flagged_contract_and_who_and_when_are_kept(people):
    contract = make_contract(end_date=date(2022, 12, 31))
    lead = people[Role.CONTRACTS_OFFICER]
    rating = services.set_rating(contract, ProcurementStatus.AMBER, lead, as_at=date(2022, 8, 31))
    assert (rating.set_by, rating.assumed) == (lead, False) and rating.set_at is not None
    assert services.procurement_status(contract, date(2022, 8, 31)) == ProcurementStatus.AMBER
    services.set_rating(contract, ProcurementStatus.GREEN, lead, as_at=date(2022, 8, 31))
    assert [
        h.rag for h in ProcurementRating.history.filter(contract_id=contract.pk).order_by("history_date")
    ] == [
        "amber",
        "green",
    ]
    # Once the rules no longer flag it (a later as-at date far from... its end) it is Neutral again.
    assert services.procurement_status(contract, date(2020, 1, 1)) == ProcurementStatus.NEUTRAL


@pytest.mark.parametrize("role", [Role.MEMBER, Role.OFFICER, Role.APPROVER, Role.CLERK, Role.ADMIN, None])
def test_nobody_else_sets_a_procurement_status(people, role):
    contract = make_contract(end_date=date(2022, 12, 31))
    with pytest.raises(services.ContractError, match="Governance & Contracts lead"):
        services.set_rating(contract, ProcurementStatus.RED, people[role], as_at=date(2022, 8, 31))
    assert not ProcurementRating.objects.exists()


def test_an_unflagged_contract_cannot_be_rated_and_a_rating_must_be_a_rag(people):
    lead = people[Role.CONTRACTS_OFFICER]
    far_off = make_contract(end_date=date(2030, 3, 31))
    with pytest.raises(services.ContractError, match="Neutral"):
        services.set_rating(far_off, ProcurementStatus.GREEN, lead, as_at=date(2022, 8, 31))
    near = make_contract(end_date=date(2022, 12, 31))
    with pytest.raises(services.ContractError, match="Choose Red, Amber or Green"):
        services.set_rating(near, ProcurementStatus.NEUTRAL, lead, as_at=date(2022, 8, 31))
    assert not ProcurementRating.objects.exists()


def test_a_concern_records_who_raised_it_and_clearing_it_forgets_them(people):
    contract = make_contract()
    lead = people[Role.CONTRACTS_OFFICER]
    services.set_concern(contract, True, lead)
    contract.refresh_from_db()
    assert contract.concern and contract.concern_raised_by == lead and contract.concern_raised_at
    services.set_concern(contract, False, lead)
    contract.refresh_from_db()
    assert not contract.concern and contract.concern_raised_by is None
    with pytest.raises(services.ContractError):
        services.set_concern(contract, True, people[Role.MEMBER])
    assert contract.history.count() == 3


@pytest.mark.parametrize(
    "start, end, months",
    [
        (date(2018, 4, 1), date(2023, 3, 31), 60),
        (date(2022, 7, 1), date(2022, 12, 31), 6),
        (date(2019, 2, 28), date(2023, 3, 31), 49),
        (date(2020, 3, 3), date(2023, 3, 2), 36),
        (date(2018, 8, 1), date(2022, 10, 20), 50),
        (date(2020, 6, 25), date(2023, 5, 31), 35),
    ],
)
def test_months_duration_counts_as_the_register_does(start, end, months):
    assert services.months_between(start, end) == months


def test_every_model_keeps_its_history():
    from django.apps import apps

    # A reminder record is itself the record of a send (who, what, when) and never changes, as plans'
    # Reminder; a frozen cycle's kept key data is counted once from its frozen entries (which keep their
    # history) and never changes; every other model keeps its history.
    records_of_their_own = {"ContractReminder", "FrozenKeyData"}
    for model in apps.get_app_config("contracts").get_models():
        if model.__name__.startswith("Historical") or model.__name__ in records_of_their_own:
            continue
        assert hasattr(model, "history"), f"{model.__name__} has no history"
    assert Contract.history.model is not None
