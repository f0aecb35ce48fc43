import pytest

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import Measure, QuarterlyUpdate, Reading, ReportingPeriod
from tests.factories import make_plan
from tests.permissions import PAGES

ROLES = [*Role, None]


def role_id(role):
    return role.value if role else "no-role"


def is_refusal(response):
    # A refusal is 403, or for the admin site a redirect to its own sign-in page.
    return response.status_code == 403 or (response.status_code == 302 and "/login/" in response.url)


@pytest.fixture
def council(db, people):
    """A small made-up council: a strategy, a plan and its actions; a locked quarter with the first
    action's update as reported, and an open quarter. The approver holds a post for the plan's portfolio
    (so may amend its updates); nobody holds the action's lead post."""
    plan = make_plan()
    action = plan.sections.first().actions.first()
    locked = ReportingPeriod.objects.create(
        year=plan.year, quarter=3, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(plan.year, 3)
    )
    open_period = ReportingPeriod.objects.create(
        year=plan.year, quarter=4, status=PeriodStatus.OPEN, **ReportingPeriod.default_dates(plan.year, 4)
    )
    update = QuarterlyUpdate.objects.create(
        action=action, period=locked, rag=Rag.GREEN, narrative="As reported", status=UpdateStatus.LOCKED
    )
    Post.objects.create(title="Director CEF", portfolio=plan.portfolio).holders.add(people[Role.APPROVER])
    measure = Measure.objects.create(
        slug="schools-good",
        name="Schools good or outstanding",
        definition="d",
        unit="percentage",
        polarity="higher_is_better",
        frequency="annual",
    )
    Reading.objects.create(measure=measure, period=locked, actual=96, target=95)
    return {
        "measure": measure,
        "plan": plan,
        "action": action,
        "locked_period": locked,
        "open_period": open_period,
        "locked_update": update,
    }


@pytest.mark.parametrize("page", PAGES, ids=str)
@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_role_against_page(client, people, council, page, role):
    client.force_login(people[role])
    response = client.get(page.resolve(council))
    allowed = page.no_role_allowed if role is None else role in page.allowed
    if allowed:
        assert response.status_code == 200, f"{role_id(role)} should open {page}"
    else:
        assert is_refusal(response), f"{role_id(role)} should be refused {page}, got {response.status_code}"


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_anonymous_visitors_are_sent_to_sign_in(client, council, page):
    response = client.get(page.resolve(council))
    assert response.status_code == 302
    assert "login" in response.url
