"""The Procurement Act 2023's KPIs in the Part 1 register (issue 12, item 10): each contract's latest KPI
assessments summed up as the worst current rating with how many KPIs have it, from one rule
(ContractQuerySet.with_kpi_summary, read through contracts.models.kpi_summary), on the live register and
its exports, frozen with each cycle's row and in the Part 1 extract as the cycle froze it."""

from datetime import date
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from bromley_portal.accounts.roles import Role
from bromley_portal.reports import rendering
from contracts import kpis, services
from contracts.models import Contract, KPISummary, RegisterEntry
from contracts.procurement_act import KPIRating
from tests.contract_factories import make_contract, make_cycle, uniform_scores
from tests.test_contract_pages import export_rows, queries_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
BIG = Decimal("6000000.00")


def big_contract(**fields):
    values = {
        "total_value": BIG,
        "original_annual_value": Decimal("1200000.00"),
        "start_date": date(2025, 4, 1),
        "end_date": TODAY + relativedelta(years=3),
        "months_duration": 60,
        "scores": uniform_scores(1),
    }
    values.update(fields)
    return make_contract(**values)


def assess(kpi, rating, on, by=None):
    return kpis.assess_kpi(kpi, rating, on, by, today=TODAY)


def summary(contract, as_at=TODAY) -> KPISummary | None:
    return Contract.objects.with_kpi_summary(as_at).get(pk=contract.pk).kpi_summary


@pytest.fixture
def three_kpis():
    """A contract with three KPIs: one rated Good then Inadequate, one Inadequate, one Approaching."""
    contract = big_contract(council_id="KPI-1")
    first, second, third = (kpis.set_kpi(contract, f"KPI {n}", date(2025, 4, 1)) for n in (1, 2, 3))
    assess(first, KPIRating.GOOD, date(2025, 6, 30))
    assess(first, KPIRating.INADEQUATE, date(2026, 1, 31))
    assess(second, KPIRating.INADEQUATE, date(2026, 2, 28))
    assess(third, KPIRating.APPROACHING, date(2025, 9, 30))
    return contract


def test_the_summary_is_the_worst_latest_rating_with_how_many_kpis_have_it(three_kpis):
    assert summary(three_kpis) == KPISummary(KPIRating.INADEQUATE, 2, 3)
    assert summary(three_kpis).text == "Inadequate (2 of 3 KPIs)"


def test_the_summary_as_at_a_date_reads_only_assessments_made_by_then(three_kpis):
    # By the end of 2025 the first KPI was last rated Good, the second not at all.
    assert summary(three_kpis, date(2025, 12, 31)) == KPISummary(KPIRating.APPROACHING, 1, 2)
    assert summary(three_kpis, date(2025, 7, 1)) == KPISummary(KPIRating.GOOD, 1, 1)
    assert summary(three_kpis, date(2025, 6, 1)) is None


def test_a_contract_without_kpis_or_assessments_has_no_summary():
    contract = big_contract()
    assert summary(contract) is None
    kpis.set_kpi(contract, "Response times", date(2025, 4, 1))
    assert summary(contract) is None


def test_other_is_worse_than_good_and_better_than_approaching():
    contract = big_contract()
    good, other = (kpis.set_kpi(contract, name, date(2025, 4, 1)) for name in ("A", "B"))
    assess(good, KPIRating.GOOD, date(2025, 5, 1))
    assess(other, KPIRating.OTHER, date(2025, 5, 1))
    assert summary(contract) == KPISummary(KPIRating.OTHER, 1, 2)
    approaching = kpis.set_kpi(contract, "C", date(2025, 4, 1))
    assess(approaching, KPIRating.APPROACHING, date(2025, 5, 1))
    assert summary(contract) == KPISummary(KPIRating.APPROACHING, 1, 3)


def test_the_register_page_and_its_exports_show_the_summary(client, people, three_kpis):
    big_contract(council_id="NO-KPIS")
    client.force_login(people[Role.MEMBER])
    response = client.get("/contracts/")
    page = response.content.decode()
    assert "govuk-tag--red app-status app-status--inadequate" in page
    assert ">Inadequate (2 of 3 KPIs)</strong>" in page
    for fmt in ("csv", "xlsx"):
        rows = export_rows(client, "/contracts/", fmt)
        column = rows[0].index("KPIs")
        by_id = {row[1]: row[column] for row in rows[1:]}
        assert by_id == {"KPI-1": "Inadequate (2 of 3 KPIs)", "NO-KPIS": ""}


def test_a_frozen_cycle_keeps_the_summary_as_it_stood_and_its_extract_shows_it(three_kpis, people):
    cycle = make_cycle("January 2026", date(2025, 12, 31))
    services.freeze_cycle(cycle)
    entry = RegisterEntry.objects.get(cycle=cycle, contract=three_kpis)
    assert entry.kpi_summary == KPISummary(KPIRating.APPROACHING, 1, 2)
    # Later assessments change the live register, not the frozen row.
    assert summary(three_kpis) == KPISummary(KPIRating.INADEQUATE, 2, 3)
    entry.refresh_from_db()
    assert entry.kpi_summary == KPISummary(KPIRating.APPROACHING, 1, 2)
    report = rendering.render_report_to_pdf(
        "contracts_part_1", {"portfolio": "CEF", "cycle": cycle.pk, "report_number": "CEF26001"}
    )
    assert "Approaching target" in report.html and "(1 of 2 KPIs)" in report.html
    assert "Inadequate" not in report.html


def test_the_register_with_kpis_costs_the_same_queries_at_5_and_50_contracts(client, people):
    client.force_login(people[Role.MEMBER])

    def add(n):
        for _ in range(n):
            contract = big_contract()
            for name in ("A", "B", "C"):
                kpi = kpis.set_kpi(contract, name, date(2025, 4, 1))
                assess(kpi, KPIRating.REQUIRES_IMPROVEMENT, date(2025, 10, 1))
                assess(kpi, KPIRating.GOOD, date(2026, 4, 1))

    add(5)
    few = [queries_for(client, url) for url in ("/contracts/", "/contracts/?_export=csv")]
    add(45)
    assert [queries_for(client, url) for url in ("/contracts/", "/contracts/?_export=csv")] == few
