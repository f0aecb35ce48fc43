"""Factories for the contract register's tests (beside tests/factories.py, which has the people)."""

from datetime import date
from decimal import Decimal
from itertools import count

from django.contrib.auth import get_user_model

from ambitions.services import ensure_portfolios
from contracts import services
from contracts.models import Contract, ContractCommentary, RegisterCycle

_numbers = count(1)


def contract_person(username: str, first: str = "Pat", last: str = "Owner"):
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last}
    )
    return user


def make_contract(**fields) -> Contract:
    """A CEF revenue contract of £120,000 over 2021-2024 unless told otherwise, with the default
    criteria, threshold and flagging rules in place and its figures worked out."""
    services.ensure_register_settings()
    number = next(_numbers)
    portfolio = fields.pop("portfolio", None) or ensure_portfolios()["CEF"]
    scores = fields.pop("scores", None)
    commentary = fields.pop("commentary", None)
    values = {
        "council_id": f"T{number:05d}",
        "title": f"Test contract {number}",
        "supplier": f"Supplier {number} Ltd",
        "portfolio": portfolio,
        "owner": fields.pop("owner", None) or contract_person("contract-owner", "Olive", "Owner"),
        "approver": fields.pop("approver", None) or contract_person("contract-approver", "Amir", "Approver"),
        "total_value": Decimal("120000.00"),
        "original_annual_value": Decimal("40000.00"),
        "start_date": date(2021, 4, 1),
        "end_date": date(2024, 3, 31),
        "months_duration": 36,
    }
    values.update(fields)
    contract = Contract.objects.create(**values)
    if scores is not None:
        services.set_risk_scores(contract, scores)
    if commentary:
        ContractCommentary.objects.create(contract=contract, **commentary)
    services.refresh_contract(contract)
    return contract


def uniform_scores(score: int) -> dict[str, int]:
    """Every default criterion scored the same."""
    return {name: score for name, _, _ in services.DEFAULT_RISK_CRITERIA}


def make_contracts(n: int, **fields) -> list[Contract]:
    return [make_contract(**fields) for _ in range(n)]


def make_cycle(name="September 2022", as_at=date(2022, 8, 31)) -> RegisterCycle:
    return RegisterCycle.objects.create(name=name, as_at=as_at)
