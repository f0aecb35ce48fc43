"""The Procurement Act 2023's pages in a real browser: a contract's KPI panel with its assessment history
and the contracts short of the KPI duty, checked by axe-core at 1280, 390 and 320 px wide."""

from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from contracts import kpis
from contracts import procurement_act as act
from contracts.models import Contract
from tests.browser.conftest import SignedInContexts, rows_for_the_whole_module
from tests.contract_factories import make_contract, uniform_scores
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker):
    """A £6m contract under the Act with two KPIs, one assessed twice; a councillor."""
    from django.utils import timezone

    with rows_for_the_whole_module(django_db_blocker):
        today = timezone.localdate()
        start = max(act.IN_FORCE, today - relativedelta(months=20))
        contract = make_contract(
            council_id="KPI1",
            title="Highways maintenance term contract",
            total_value=Decimal("6000000"),
            original_annual_value=Decimal("1200000"),
            start_date=start,
            end_date=start + relativedelta(years=5) - relativedelta(days=1),
            months_duration=60,
            scores=uniform_scores(2),
        )
        first = kpis.set_kpi(contract, "Potholes made safe within 24 hours", start, target="98%")
        kpis.set_kpi(contract, "Street lights repaired within 5 days", start)
        assessor = make_user(Role.CONTRACTS_OFFICER, username="kpi-lead", first_name="Kim", last_name="Lead")
        kpis.assess_kpi(first, act.KPIRating.APPROACHING, start + relativedelta(months=6), assessor, today)
        kpis.assess_kpi(first, act.KPIRating.GOOD, min(today, start + relativedelta(months=12)), None, today)
        make_user(Role.MEMBER, username="cllr", first_name="Pat", last_name="Councillor")
        yield


@pytest.fixture(scope="module")
def contexts(browser, live_server, seeds):
    contexts = SignedInContexts(browser, live_server)
    yield contexts
    contexts.close()


@pytest.fixture
def page_database(seeds):
    """The pages read the module's rows (tests/browser/conftest.py)."""


# (address, a text the page must show)
PAGES = {
    "a contract with KPIs": (
        lambda: Contract.objects.get(council_id="KPI1").get_absolute_url(),
        "Approaching target",
    ),
    "contracts short of the KPI duty": (lambda: reverse("contracts:kpi_duty"), "Fewer than 3 KPIs"),
}


@pytest.mark.parametrize("name", PAGES)
def test_the_procurement_act_pages_have_no_accessibility_violations(contexts, check_widths, name):
    url, shows = PAGES[name]
    with contexts.page("cllr") as page:
        response = page.goto(url())
        assert response.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        expect(page.get_by_text(shows).first).to_be_visible()
        check_widths(page)
