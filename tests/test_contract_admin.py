"""Admins keep the risk criteria, the threshold and the flagging rules in the Django admin; every
contract's figures follow what they save."""

from datetime import date
from decimal import Decimal

import pytest

from bromley_portal.accounts.roles import Role
from contracts import services
from contracts.choices import ProcurementStatus, RiskLevel
from contracts.models import FlaggingRule, RiskCriterion, RiskIndexSettings
from tests.contract_factories import make_contract, uniform_scores


@pytest.fixture
def admin_client(client, people):
    client.force_login(people[Role.ADMIN])
    return client


def test_saving_a_weight_in_the_admin_works_every_contracts_index_out_again(admin_client):
    contract = make_contract(scores=uniform_scores(2) | {"Contract value": 5})
    assert contract.risk == RiskLevel.HIGHER
    criterion = RiskCriterion.objects.get(name="Contract value")
    response = admin_client.post(
        f"/admin/contracts/riskcriterion/{criterion.pk}/change/",
        {"order": criterion.order, "name": criterion.name, "description": criterion.description, "weight": 1},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.risk_index, contract.risk) == (41, RiskLevel.LOWER)


def test_raising_the_threshold_in_the_admin_moves_contracts_below_it(admin_client):
    contract = make_contract(scores=uniform_scores(3))
    settings = RiskIndexSettings.current()
    assert (
        admin_client.post(
            f"/admin/contracts/riskindexsettings/{settings.pk}/change/", {"threshold": 61}
        ).status_code
        == 302
    )
    contract.refresh_from_db()
    assert contract.risk == RiskLevel.LOWER


def test_a_threshold_over_100_is_refused_with_a_message_and_nothing_changes(admin_client):
    make_contract()
    settings = RiskIndexSettings.current()
    response = admin_client.post(
        f"/admin/contracts/riskindexsettings/{settings.pk}/change/", {"threshold": 101}
    )
    assert response.status_code == 200 and "less than or equal to 100" in response.content.decode()
    assert RiskIndexSettings.current().threshold == 50


def test_changing_a_flagging_rule_in_the_admin_flags_the_contracts_it_now_covers(admin_client):
    contract = make_contract(total_value=Decimal("65400"), end_date=date(2023, 5, 31))
    as_at = date(2022, 8, 31)
    assert services.procurement_status(contract, as_at) == ProcurementStatus.NEUTRAL
    rule = FlaggingRule.objects.get(minimum_value=0)
    response = admin_client.post(
        f"/admin/contracts/flaggingrule/{rule.pk}/change/",
        {"minimum_value": "0", "maximum_value": "100000", "months_before_end": 12},
    )
    assert response.status_code == 302
    assert services.procurement_status(contract, as_at) == ProcurementStatus.AWAITING


def test_a_contract_ending_before_it_starts_or_with_a_negative_value_is_refused_in_the_admin(admin_client):
    contract = make_contract()
    url = f"/admin/contracts/contract/{contract.pk}/change/"
    form = {
        "council_id": contract.council_id,
        "title": contract.title,
        "supplier": contract.supplier,
        "portfolio": contract.portfolio_id,
        "owner": contract.owner_id,
        "approver": contract.approver_id,
        "total_value": "120000.00",
        "original_annual_value": "40000.00",
        "current_annual_value": "",
        "start_date": "2021-04-01",
        "end_date": "2024-03-31",
        "months_duration": "36",
        "status_note": "",
        **{
            f"{prefix}-{key}": value
            for prefix in ("risk_scores", "commentary", "action_links")
            for key, value in {
                "TOTAL_FORMS": "0",
                "INITIAL_FORMS": "0",
                "MIN_NUM_FORMS": "0",
                "MAX_NUM_FORMS": "1000",
            }.items()
        },
    }
    assert admin_client.post(url, {**form, "title": "Renamed"}).status_code == 302
    for bad in ({"end_date": "2020-01-01"}, {"total_value": "-5"}, {"total_value": "lots"}):
        response = admin_client.post(url, {**form, **bad})
        assert response.status_code == 200, bad
        assert "errornote" in response.content.decode(), bad
    contract.refresh_from_db()
    assert (contract.title, contract.end_date, contract.total_value) == (
        "Renamed",
        date(2024, 3, 31),
        Decimal("120000"),
    )
    assert admin_client.get("/admin/contracts/registerentry/").status_code == 200
