"""The register's work pages in a real browser: axe-core at 1280, 390 and 320 px on an owner's contracts and
comment page, the approver's queue, the procurement status screen and form, and the plan pages that show
the contracts delivering an action; an owner writes their comment with the keyboard, the character count
counting down (GOV.UK Frontend's, loaded by the page's module script, no inline script)."""

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from contracts import services
from contracts.models import Contract, ContractAction, ContractCommentary
from tests.browser.conftest import SignedInContexts, rows_for_the_whole_module
from tests.browser.test_login import tab_to
from tests.contract_factories import make_contract, make_cycle, uniform_scores
from tests.factories import make_plan, make_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker):
    with rows_for_the_whole_module(django_db_blocker):
        today = timezone.localdate()
        owner = make_user(Role.OFFICER, username="owner", first_name="Olive", last_name="Owner")
        approver = make_user(Role.APPROVER, username="approver", first_name="Amir", last_name="Approver")
        lead = make_user(Role.CONTRACTS_OFFICER, username="lead", first_name="Gwen", last_name="Governance")
        make_user(Role.MEMBER, username="cllr", first_name="Pat", last_name="Councillor")
        make_cycle(name="This cycle", as_at=today + relativedelta(day=31))
        common = {"owner": owner, "approver": approver, "start_date": today - relativedelta(years=1)}
        soon = make_contract(
            council_id="SOON1",
            title="Fostering framework",
            end_date=today + relativedelta(months=3),
            scores=uniform_scores(4),
            **common,
        )
        make_contract(
            council_id="CALM1",
            title="Grounds maintenance",
            end_date=today + relativedelta(years=3),
            scores=uniform_scores(1),
            **common,
        )
        make_contract(
            council_id="KEY1",
            title="Keyboard contract",
            end_date=today + relativedelta(months=3),
            scores=uniform_scores(2),
            **common,
        )
        services.save_owner_comment(
            soon, owner, version=0, owner_comment="Re-tendering in spring.", inflation_mechanism="CPI"
        )
        services.save_procurement(
            soon, lead, version=0, rag="amber", procurement_comment="Tender out", concern=True
        )
        action = make_plan(actions=1).sections.first().actions.get()
        ContractAction.objects.create(contract=soon, action=action)
        yield


@pytest.fixture(scope="module")
def contexts(browser, live_server, seeds):
    contexts = SignedInContexts(browser, live_server)
    yield contexts
    contexts.close()


@pytest.fixture
def page_database(seeds):
    """The pages read the module's rows (tests/browser/conftest.py)."""


def _pk(council_id):
    return Contract.objects.get(council_id=council_id).pk


def _action_url():
    return ContractAction.objects.get().action.get_absolute_url()


PAGES = {
    "my contracts": ("owner", lambda: reverse("contracts:my_contracts")),
    "owner's comment": ("owner", lambda: reverse("contracts:owner_comment", args=[_pk("SOON1")])),
    "approver's queue": ("approver", lambda: reverse("contracts:approvals")),
    "procurement screen": ("lead", lambda: reverse("contracts:procurement")),
    "procurement form": ("lead", lambda: reverse("contracts:procurement_status", args=[_pk("SOON1")])),
    "procurement form, not flagged": (
        "lead",
        lambda: reverse("contracts:procurement_status", args=[_pk("CALM1")]),
    ),
    "a contract with its Procurement Act notices": (
        "lead",
        lambda: reverse("contracts:contract", args=[_pk("SOON1")]),
    ),
    "action with its contracts": ("cllr", _action_url),
    "portfolio dashboard with contracts": (
        "cllr",
        lambda: reverse("plans:dashboard_portfolio", args=["CEF"]),
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_the_work_pages_have_no_accessibility_violations(contexts, check_widths, name):
    username, url = PAGES[name]
    with contexts.page(username) as page:
        response = page.goto(url())
        assert response.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        check_widths(page)


def test_an_owner_writes_their_comment_with_the_keyboard(contexts, axe):
    with contexts.page("owner") as page:
        page.goto(reverse("contracts:owner_comment", args=[_pk("KEY1")]))
        box = page.get_by_label("Owner's comment")
        tab_to(page, box)
        page.keyboard.type("Extending for a year.")
        expect(page.get_by_text("You have 1,979 characters remaining")).to_be_visible()
        tab_to(page, page.get_by_role("button", name="Save your comment"))
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: url.endswith(reverse("contracts:my_contracts")))
        expect(page.get_by_text("Your comment has been saved")).to_be_visible()
        axe(page)
    assert (
        ContractCommentary.objects.get(contract__council_id="KEY1").owner_comment == "Extending for a year."
    )
