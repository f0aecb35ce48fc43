"""Register cycles: freezing the register as it stood, key data with the two cycles before, register order."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ambitions.services import ensure_portfolios
from bromley_portal.accounts.roles import Role
from contracts import selectors, services
from contracts.choices import ProcurementStatus, RiskLevel
from contracts.models import (
    Contract,
    FrozenKeyData,
    PublishedKeyData,
    RegisterEntry,
    RegisterEntryCommentary,
)
from tests.contract_factories import make_contract, make_cycle, uniform_scores

pytestmark = pytest.mark.django_db
AS_AT = date(2022, 8, 31)


def test_freezing_keeps_every_register_field_and_status_as_it_stood(people):
    lead = people[Role.CONTRACTS_OFFICER]
    contract = make_contract(
        council_id="6259",
        status_note="Now Live",
        total_value=Decimal("332790.00"),
        original_annual_value=Decimal("332790.00"),
        current_annual_value=Decimal("300000.50"),
        start_date=date(2022, 7, 1),
        end_date=date(2022, 12, 31),
        months_duration=6,
        scores=uniform_scores(3),
        commentary={"owner_comment": "Re-tendering in the autumn.", "inflation_mechanism": "CPI"},
    )
    services.set_rating(contract, ProcurementStatus.GREEN, lead, as_at=AS_AT)
    cycle = make_cycle()
    assert services.freeze_cycle(cycle, lead) == 1
    entry = RegisterEntry.objects.get(cycle=cycle)
    assert (entry.council_id, entry.title, entry.status_note, entry.display_title) == (
        "6259",
        contract.title,
        "Now Live",
        f"** Now Live ** {contract.title}",
    )
    assert (entry.total_value, entry.original_annual_value, entry.current_annual_value) == (
        Decimal("332790.00"),
        Decimal("332790.00"),
        Decimal("300000.50"),
    )
    assert (entry.start_date, entry.end_date, entry.months_duration) == (
        date(2022, 7, 1),
        date(2022, 12, 31),
        6,
    )
    assert (entry.owner_name, entry.approver_name) == ("Olive Owner", "Amir Approver")
    assert (entry.risk_index, entry.risk_level) == (60, RiskLevel.HIGHER)
    assert entry.procurement_status == ProcurementStatus.GREEN
    assert entry.rating_set_by == lead.get_full_name() and entry.rating_set_at is not None
    assert entry.commentary.owner_comment == "Re-tendering in the autumn."
    cycle.refresh_from_db()
    assert cycle.is_frozen and cycle.frozen_by == lead


def test_a_frozen_cycle_reads_the_same_whatever_changes_later_and_freezing_again_changes_nothing(people):
    contract = make_contract(end_date=date(2022, 12, 31), scores=uniform_scores(1))
    cycle = make_cycle()
    services.freeze_cycle(cycle)
    before = list(RegisterEntry.objects.filter(cycle=cycle).values())
    contract.title, contract.total_value = "Renamed", Decimal("999999.99")
    contract.save()
    services.set_rating(contract, ProcurementStatus.RED, people[Role.CONTRACTS_OFFICER], as_at=AS_AT)
    services.set_risk_scores(contract, uniform_scores(5))
    make_contract()  # a new contract after the cycle was frozen
    assert services.freeze_cycle(cycle) == 1
    assert list(RegisterEntry.objects.filter(cycle=cycle).values()) == before
    assert before[0]["procurement_status"] == ProcurementStatus.AWAITING


def test_a_cycle_holds_contracts_of_50k_or_more_not_ended_by_its_date_including_ones_starting_after():
    kept = make_contract(total_value=Decimal("50000.00"), end_date=AS_AT)
    starting_later = make_contract(start_date=date(2022, 9, 1), end_date=date(2025, 8, 31))
    make_contract(total_value=Decimal("49999.99"))
    make_contract(end_date=date(2022, 8, 30))
    cycle = make_cycle()
    services.freeze_cycle(cycle)
    assert set(cycle.entries.values_list("contract", flat=True)) == {kept.pk, starting_later.pk}


def test_no_commentary_is_frozen_for_a_contract_without_one():
    make_contract()
    cycle = make_cycle()
    services.freeze_cycle(cycle)
    assert not RegisterEntryCommentary.objects.exists()


def test_register_order_puts_concern_first_then_status_portfolio_value_and_capital_at_the_foot(people):
    portfolios = ensure_portfolios()
    lead = people[Role.CONTRACTS_OFFICER]
    capital_red = make_contract(capital=True, end_date=date(2022, 12, 31))
    services.set_rating(capital_red, ProcurementStatus.RED, lead, as_at=AS_AT)
    neutral_big = make_contract(total_value=Decimal("5000000"), end_date=date(2030, 1, 1))
    neutral_small_erc = make_contract(
        portfolio=portfolios["ERC"], total_value=Decimal("60000"), end_date=date(2030, 1, 1)
    )
    neutral_small_cef = make_contract(total_value=Decimal("60000"), end_date=date(2030, 1, 1))
    amber = make_contract(end_date=date(2022, 12, 31))
    services.set_rating(amber, ProcurementStatus.AMBER, lead, as_at=AS_AT)
    red = make_contract(end_date=date(2022, 11, 30), total_value=Decimal("60000"))
    services.set_rating(red, ProcurementStatus.RED, lead, as_at=AS_AT)
    awaiting = make_contract(end_date=date(2022, 10, 31))
    concern = make_contract(end_date=date(2030, 1, 1))
    services.set_concern(concern, True, lead)
    expected = [concern, red, amber, awaiting, neutral_small_erc, neutral_big, neutral_small_cef, capital_red]
    live = list(Contract.objects.for_lists(AS_AT))
    assert live == expected
    cycle = make_cycle()
    services.freeze_cycle(cycle)
    assert [entry.contract for entry in selectors.register_entries(cycle)] == expected


def _published(cycle, portfolio=None, **figures):
    return PublishedKeyData.objects.create(cycle=cycle, portfolio=portfolio, **figures)


def test_key_data_counts_a_frozen_cycle_and_shows_the_two_published_before_it(people):
    cef = ensure_portfolios()["CEF"]
    february = make_cycle("February 2022", date(2022, 1, 31))
    may = make_cycle("May 2022", date(2022, 4, 30))
    make_cycle("November 2021", date(2021, 10, 31))  # three cycles back: not shown
    _published(
        february, cef, total=37, concern=2, higher_risk=8, lower_risk=29, red=2, amber=7, green=8, neutral=20
    )
    _published(
        may, cef, total=34, concern=1, higher_risk=5, lower_risk=29, red=1, amber=3, green=9, neutral=21
    )
    lead = people[Role.CONTRACTS_OFFICER]
    higher_amber = make_contract(end_date=date(2022, 12, 31), scores=uniform_scores(4))
    services.set_rating(higher_amber, ProcurementStatus.AMBER, lead, as_at=AS_AT)
    services.set_concern(make_contract(end_date=date(2030, 1, 1), scores=uniform_scores(1)), True, lead)
    make_contract(portfolio=ensure_portfolios()["ERC"])  # another portfolio's
    september = make_cycle()
    services.freeze_cycle(september)

    with CaptureQueriesContext(connection) as queries:
        data = selectors.key_data(september, cef)
    assert len(queries) <= 3
    assert [column.cycle.name for column in data.columns] == ["February 2022", "May 2022", "September 2022"]
    assert [column.published for column in data.columns] == [True, True, False]
    september_figures = data.columns[-1].figures
    assert {
        k: september_figures[k] for k in ["total", "concern", "higher_risk", "lower_risk", "amber", "neutral"]
    } == {
        "total": 2,
        "concern": 1,
        "higher_risk": 1,
        "lower_risk": 1,
        "amber": 1,
        "neutral": 1,
    }
    rows = {label: values for label, _, values in data.rows}
    assert rows["Total contracts £50k+"] == [37, 34, 2]
    assert rows["Higher Risk"] == [8, 5, 1]
    assert "No RAG yet" not in rows
    assert selectors.key_data(september).columns[-1].figures["total"] == 3


def test_key_data_costs_the_same_queries_at_any_number_of_contracts():
    cycle = make_cycle()
    for n in (2, 20):
        for _ in range(n):
            make_contract()
        cycle.entries.all().delete()
        cycle.frozen_at = None
        cycle.save()
        services.freeze_cycle(cycle)
        expected = cycle.entries.count()
        with CaptureQueriesContext(connection) as queries:
            assert selectors.key_data(cycle).columns[-1].figures["total"] == expected
        assert len(queries) == 3


def test_published_figures_are_the_record_where_a_report_published_them():
    make_contract()
    cycle = make_cycle()
    services.freeze_cycle(cycle)
    _published(cycle, None, total=236, concern=0)
    column = selectors.key_data(cycle).columns[-1]
    assert column.published and column.figures["total"] == 236 and column.figures["higher_risk"] is None
    assert selectors.key_data(cycle, ensure_portfolios()["CEF"]).columns[-1].figures["total"] == 1


def test_freezing_costs_a_fixed_number_of_queries():
    for _ in range(3):
        make_contract(commentary={"owner_comment": "x"})
    small = make_cycle("Small", date(2022, 8, 30))
    with CaptureQueriesContext(connection) as few:
        services.freeze_cycle(small)
    for _ in range(20):
        make_contract(commentary={"owner_comment": "x"})
    large = make_cycle()
    with CaptureQueriesContext(connection) as many:
        assert services.freeze_cycle(large) == 23
    assert len(many) == len(few)


def test_key_data_reads_the_counts_kept_when_the_cycle_was_frozen_not_its_entries(people):
    lead = people[Role.CONTRACTS_OFFICER]
    services.set_concern(make_contract(end_date=date(2030, 1, 1)), True, lead)
    make_contract(portfolio=ensure_portfolios()["ERC"], scores=uniform_scores(5))
    cycle = make_cycle()
    services.freeze_cycle(cycle)
    kept = {row.portfolio_id: row for row in FrozenKeyData.objects.filter(cycle=cycle)}
    assert set(kept) == {None, ensure_portfolios()["CEF"].pk, ensure_portfolios()["ERC"].pk}
    assert (kept[None].total, kept[None].concern, kept[None].higher_risk) == (2, 1, 1)
    # The kept counts are the figures: key data does not count the entries again.
    RegisterEntry.objects.filter(cycle=cycle).update(concern=False)
    assert selectors.key_data(cycle).columns[-1].figures["concern"] == 1
    assert selectors.key_data(cycle, ensure_portfolios()["ERC"]).columns[-1].figures["higher_risk"] == 1
    # A portfolio with no contracts in the cycle has noughts.
    assert selectors.key_data(cycle, ensure_portfolios()["ECS"]).columns[-1].figures["total"] == 0
