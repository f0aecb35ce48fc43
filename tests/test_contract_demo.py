"""The contract register's demo data: the council's CEF register plus made-up ones for the other five
portfolios, so every PDS committee has a register; loading twice changes nothing."""

from datetime import date
from io import StringIO

import pytest

from ambitions.models import Portfolio
from contracts import selectors
from contracts.apps import load_demo_data
from contracts.choices import ProcurementStatus
from contracts.models import Contract, ContractCommentary, ProcurementRating, RegisterCycle, RegisterEntry

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    load_demo_data(out)
    return out.getvalue()


def test_every_portfolio_has_a_register_and_a_second_run_changes_nothing():
    first = run()
    counts = [
        m.objects.count()
        for m in (Contract, RegisterEntry, ProcurementRating, RegisterCycle, ContractCommentary)
    ]
    second = run()
    assert [
        m.objects.count()
        for m in (Contract, RegisterEntry, ProcurementRating, RegisterCycle, ContractCommentary)
    ] == counts
    assert "CEF contracts of September 2022: 41" in first and "September 2022: 41 contracts frozen" in first
    assert "already there" in second and "already frozen" in second
    expected = {"ERC": 79, "ACH": 49, "ECS": 20, "RRH": 41, "PPE": 6}
    made = {
        p.code: Contract.objects.filter(portfolio=p, illustrative=True).count()
        for p in Portfolio.objects.all()
    }
    assert made == expected | {"CEF": 0}
    this_month = selectors.latest_frozen_cycle()
    assert this_month.as_at > date(2025, 1, 1)
    for code in expected:
        portfolio = Portfolio.objects.get(code=code)
        assert selectors.register_entries(this_month, portfolio).exists(), code
    statuses = set(
        RegisterEntry.objects.filter(cycle=this_month).values_list("procurement_status", flat=True)
    )
    assert {
        ProcurementStatus.RED,
        ProcurementStatus.AMBER,
        ProcurementStatus.GREEN,
        ProcurementStatus.NEUTRAL,
    } <= statuses


def test_the_demo_is_the_same_on_every_machine():
    from contracts.demo import load_demo_contracts

    today = date(2026, 5, 14)
    load_demo_contracts(today)
    first = list(Contract.objects.order_by("council_id").values_list("title", "total_value", "end_date"))
    Contract.objects.all().delete()
    load_demo_contracts(today)
    assert (
        list(Contract.objects.order_by("council_id").values_list("title", "total_value", "end_date")) == first
    )
