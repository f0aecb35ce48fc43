"""Admins keep the risk criteria, the threshold and the flagging rules in the Django admin; every
contract's figures follow what they save."""

from datetime import date
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from bromley_portal.accounts.roles import Role
from contracts import services
from contracts.choices import ProcurementStatus, RiskLevel
from contracts.models import (
    ContractCommentary,
    FlaggingRule,
    ProcurementRating,
    RiskCriterion,
    RiskIndexSettings,
)
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


# Admin edits and the work pages' versions (409 Conflict) -----------------------------------------


def _contract_form(contract, commentary=None, **changes) -> dict:
    """The admin's change form for a contract as it stands, its commentary inline included."""
    form = {
        "council_id": contract.council_id,
        "title": contract.title,
        "supplier": contract.supplier,
        "portfolio": contract.portfolio_id,
        "owner": contract.owner_id,
        "approver": contract.approver_id,
        "total_value": str(contract.total_value),
        "original_annual_value": str(contract.original_annual_value),
        "current_annual_value": "",
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "months_duration": str(contract.months_duration),
        "status_note": "",
        **({"concern": "on"} if contract.concern else {}),
        **{
            f"{prefix}-{key}": value
            for prefix in ("risk_scores", "action_links")
            for key, value in {
                "TOTAL_FORMS": "0",
                "INITIAL_FORMS": "0",
                "MIN_NUM_FORMS": "0",
                "MAX_NUM_FORMS": "1000",
            }.items()
        },
        "commentary-TOTAL_FORMS": "1" if commentary else "0",
        "commentary-INITIAL_FORMS": "1" if commentary else "0",
        "commentary-MIN_NUM_FORMS": "0",
        "commentary-MAX_NUM_FORMS": "1",
    }
    if commentary:
        form.update(
            {
                "commentary-0-id": str(commentary.pk),
                "commentary-0-contract": str(contract.pk),
                "commentary-0-owner_comment": commentary.owner_comment,
                "commentary-0-procurement_comment": commentary.procurement_comment,
                "commentary-0-inflation_mechanism": commentary.inflation_mechanism,
            }
        )
    form.update(changes)
    return form


@pytest.fixture
def commented(people):
    """A contract approaching its end with the owner's comment and Corporate Procurement's, vouched for."""
    today = date.today()
    contract = make_contract(
        owner=people[Role.OFFICER],
        approver=people[Role.APPROVER],
        start_date=today - relativedelta(years=2),
        end_date=today + relativedelta(months=2),
    )
    owner, lead = contract.owner, people[Role.CONTRACTS_OFFICER]
    services.save_owner_comment(
        contract, owner, version=0, owner_comment="Owner's", inflation_mechanism="CPI"
    )
    services.save_procurement(
        contract, lead, version=0, rag="green", procurement_comment="Ours", concern=False
    )
    services.vouch(contract, contract.approver, version=1)
    return ContractCommentary.objects.get(contract=contract)


def _versions(commentary):
    commentary.refresh_from_db()
    return commentary.owner_version, commentary.procurement_version, commentary.vouched_version


def test_an_admin_edit_of_the_owners_comment_bumps_its_version_and_an_old_form_gets_409(
    admin_client, client, commented
):
    contract = commented.contract
    url = f"/admin/contracts/contract/{contract.pk}/change/"
    response = admin_client.post(
        url, _contract_form(contract, commented, **{"commentary-0-owner_comment": "Fixed"})
    )
    assert response.status_code == 302
    assert _versions(commented) == (2, 1, 1)  # the approver's vouching is for the text before: it lapses
    client.force_login(contract.owner)
    stale = client.post(
        f"/contracts/{contract.pk}/comment/",
        {"version": "1", "owner_comment": "Old tab", "inflation_mechanism": ""},
    )
    assert stale.status_code == 409
    commented.refresh_from_db()
    assert commented.owner_comment == "Fixed"


def test_an_admin_edit_of_procurements_part_or_the_concern_flag_bumps_the_procurement_version(
    admin_client, client, people, commented
):
    contract = commented.contract
    url = f"/admin/contracts/contract/{contract.pk}/change/"
    form = _contract_form(contract, commented, **{"commentary-0-procurement_comment": "Corrected"})
    assert admin_client.post(url, form).status_code == 302
    assert _versions(commented) == (1, 2, 1)
    assert admin_client.post(url, {**form, "concern": "on"}).status_code == 302
    assert _versions(commented) == (1, 3, 1)
    client.force_login(people[Role.CONTRACTS_OFFICER])
    stale = client.post(
        f"/contracts/{contract.pk}/procurement/",
        {"version": "2", "rag": "red", "procurement_comment": "Old tab"},
    )
    assert stale.status_code == 409
    assert ProcurementRating.objects.get(contract=contract).rag == "green"


def test_an_admin_edit_of_the_rating_bumps_the_procurement_version(admin_client, commented):
    rating = ProcurementRating.objects.get(contract=commented.contract)
    response = admin_client.post(
        f"/admin/contracts/procurementrating/{rating.pk}/change/",
        {
            "contract": str(rating.contract_id),
            "rag": "amber",
            "set_by": str(rating.set_by_id),
            "set_at_0": rating.set_at.date().isoformat(),
            "set_at_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _versions(commented) == (1, 2, 1)


def test_an_admin_edit_the_work_pages_do_not_read_leaves_the_versions_alone(admin_client, commented):
    contract = commented.contract
    url = f"/admin/contracts/contract/{contract.pk}/change/"
    assert admin_client.post(url, _contract_form(contract, commented, title="Renamed")).status_code == 302
    assert _versions(commented) == (1, 1, 1)
