"""The page cache of locked periods' pages (bromley_portal.core.pagecache): a cached page is the page
rendered afresh, an amendment shows at the next request, people of different scope never get each
other's page, a hit costs a small fixed number of queries, and with Redis down pages are served uncached."""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ambitions.models import Post
from bench.generate import grow_council
from bromley_portal.accounts.roles import Role
from bromley_portal.core import pagecache
from plans import services
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import Action, QuarterlyUpdate, ReportingPeriod
from tests.factories import make_plan, make_user

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def same_page(html: str) -> str:
    """The page without its CSRF token, which is masked afresh for each response."""
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', html)


@pytest.fixture
def locked_year(db):
    """A 2024 plan of 6 actions (lead: Director Education) with locked updates in Q1 and Q2, Q2 the
    latest locked period; Q3 open with one approved update; action 6 left a draft in Q2."""
    plan = make_plan(year=2024, actions=6)
    periods = {
        quarter: ReportingPeriod.objects.create(
            year=2024, quarter=quarter, status=status, **ReportingPeriod.default_dates(2024, quarter)
        )
        for quarter, status in [(1, PeriodStatus.LOCKED), (2, PeriodStatus.LOCKED), (3, PeriodStatus.OPEN)]
    }
    actions = list(Action.objects.order_by("number"))
    for action, rag in zip(actions[:5], [Rag.RED, Rag.AMBER, Rag.AMBER, Rag.GREEN, Rag.RED], strict=True):
        for quarter in (1, 2):
            QuarterlyUpdate.objects.create(
                action=action,
                period=periods[quarter],
                rag=rag,
                narrative=f"Q{quarter} words {action.number}",
                status=UpdateStatus.LOCKED,
            )
    QuarterlyUpdate.objects.create(
        action=actions[5], period=periods[2], rag=Rag.RED, narrative="Draft words", status=UpdateStatus.DRAFT
    )
    QuarterlyUpdate.objects.create(
        action=actions[0],
        period=periods[3],
        rag=Rag.GREEN,
        narrative="Q3 words",
        status=UpdateStatus.APPROVED,
    )
    return {"plan": plan, "actions": actions, **{f"q{q}": p for q, p in periods.items()}}


def pages(locked_year) -> list[str]:
    q2 = locked_year["q2"].pk
    return [
        "/plans/dashboards/",
        f"/plans/dashboards/?period={q2}",
        "/plans/dashboards/ambitions/1/",
        f"/plans/dashboards/portfolios/CEF/?period={q2}",
        f"/plans/actions/?period={q2}",
        f"/plans/actions/?period={q2}&rag=red&sort=-number",
    ]


def test_a_cached_page_is_the_page_rendered_afresh(client, people, locked_year, settings):
    client.force_login(people[Role.MEMBER])
    for url in pages(locked_year):
        settings.PAGECACHE_ENABLED = False
        fresh = client.get(url)
        settings.PAGECACHE_ENABLED = True
        miss, hit = client.get(url), client.get(url)
        assert (fresh.status_code, miss["X-Page-Cache"], hit["X-Page-Cache"]) == (200, "miss", "hit"), url
        assert "X-Page-Cache" not in fresh
        assert same_page(miss.content.decode()) == same_page(fresh.content.decode()), url
        assert same_page(hit.content.decode()) == same_page(fresh.content.decode()), url
        assert "pagecache:" not in miss.content.decode()


def test_the_query_string_is_normalised(client, people, locked_year):
    client.force_login(people[Role.MEMBER])
    q2 = locked_year["q2"].pk
    client.get(f"/plans/actions/?period={q2}&rag=red")
    assert client.get(f"/plans/actions/?rag=red&period={q2}")["X-Page-Cache"] == "hit"
    assert client.get(f"/plans/actions/?rag=amber&period={q2}")["X-Page-Cache"] == "miss"


def test_pages_of_open_periods_are_not_cached(client, people, locked_year):
    client.force_login(people[Role.MEMBER])
    for url in [
        f"/plans/dashboards/?period={locked_year['q3'].pk}",
        "/plans/CEF/2024-25/",  # its year's Q4 is not even made yet
        f"/plans/actions/?period={locked_year['q2'].pk}&_export=csv",
    ]:
        client.get(url)
        assert "X-Page-Cache" not in client.get(url), url


def test_the_actions_list_is_cached_and_an_open_periods_update_shows_at_the_next_request(
    client, people, locked_year, settings
):
    """By default (and for an open period) the list shows updates of an open period, written to all
    quarter: it is cached between writes, and a write to one makes a new generation."""
    client.force_login(people[Role.MEMBER])
    urls = ["/plans/actions/", f"/plans/actions/?period={locked_year['q3'].pk}"]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit", url
    update = QuarterlyUpdate.objects.create(
        action=locked_year["actions"][1],
        period=locked_year["q3"],
        rag=Rag.GREEN,
        narrative="Approved this morning",
        status=UpdateStatus.APPROVED,
    )
    for url in urls:
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", url
        hit = client.get(url)
        assert hit["X-Page-Cache"] == "hit"
        settings.PAGECACHE_ENABLED = False
        fresh = client.get(url)
        settings.PAGECACHE_ENABLED = True
        assert same_page(hit.content.decode()) == same_page(fresh.content.decode()), url
    assert update.narrative in client.get(urls[0]).content.decode()


def test_a_plan_of_a_locked_year_is_cached(client, people, locked_year):
    client.force_login(people[Role.MEMBER])
    ReportingPeriod.objects.create(
        year=2024, quarter=4, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(2024, 4)
    )
    q3 = locked_year["q3"]
    q3.status = PeriodStatus.LOCKED
    q3.save()
    fresh = client.get("/plans/CEF/2024-25/")
    hit = client.get("/plans/CEF/2024-25/")
    assert (fresh["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit")
    assert same_page(hit.content.decode()) == same_page(fresh.content.decode())


def test_an_amendment_shows_at_the_next_request(client, people, locked_year):
    client.force_login(people[Role.MEMBER])
    q2 = locked_year["q2"]
    urls = [f"/plans/actions/?period={q2.pk}", "/plans/dashboards/ambitions/1/"]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
        assert "Corrected words" not in client.get(url).content.decode()
    update = QuarterlyUpdate.objects.get(action=locked_year["actions"][0], period=q2)
    services.amend_update(
        update, people[Role.CLERK], narrative="Corrected words", reason="Typo", rag=Rag.AMBER
    )
    for url in urls:
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", url
        assert "Corrected words" in response.content.decode(), url


def test_locking_a_period_and_an_admins_change_invalidate(client, people, locked_year):
    client.force_login(people[Role.MEMBER])
    url = f"/plans/actions/?period={locked_year['q2'].pk}"
    client.get(url)
    Post.objects.filter(title="Director Education").get().save()  # the admin saves a post
    assert client.get(url)["X-Page-Cache"] == "miss"
    services.lock_period(locked_year["q3"], people[Role.CLERK])
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_bulk_writes_which_send_no_save_signals_invalidate_too(client, people, locked_year):
    """An import writes with bulk_update / bulk_create (plans.builders' stamp) or COPY (core.bulk):
    no post_save, so they say they wrote."""
    from bromley_portal.core import bulk
    from plans.builders import _Stamp

    client.force_login(people[Role.MEMBER])
    url = f"/plans/actions/?period={locked_year['q2'].pk}"
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    action = locked_year["actions"][0]
    action.title = "Renamed by an import"
    _Stamp(people[Role.ADMIN], "Imported").bulk_update([action], Action, ["title"])
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Renamed by an import" in response.content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"
    bulk.copy_rows(
        Post, [{"title": "Head of Imports"}], history_reason="Imported", history_user=people[Role.ADMIN]
    )
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_people_of_different_scope_never_get_each_others_page(client, people, locked_year, settings):
    """An officer who leads the actions and sees the draft, a member who sees reported updates only,
    and another member: each gets the page made for their scope, with their own name and token."""
    officer = people[Role.OFFICER]
    Post.objects.get(title="Director Education").holders.add(officer)
    other_member = make_user(Role.MEMBER, username="second-member", first_name="Second", last_name="Member")
    viewers = [officer, people[Role.MEMBER], other_member, people[Role.ADMIN]]
    url = f"/plans/actions/?period={locked_year['q2'].pk}"
    fresh = {}
    settings.PAGECACHE_ENABLED = False
    for viewer in viewers:
        client.force_login(viewer)
        fresh[viewer.pk] = same_page(client.get(url).content.decode())
    assert fresh[officer.pk] != fresh[people[Role.MEMBER].pk]  # the scopes do see different pages
    settings.PAGECACHE_ENABLED = True
    for _ in range(2):
        for viewer in viewers:
            client.force_login(viewer)
            response = client.get(url)
            assert same_page(response.content.decode()) == fresh[viewer.pk], viewer.username
    client.force_login(other_member)
    response = client.get(url)
    # The two members share the cached part, but the header is each one's own.
    assert response["X-Page-Cache"] == "hit"
    assert "Signed in as Second Member" in response.content.decode()


def queries_of_a_hit(client, url) -> int:
    """A hit's queries, once the person's navigation is remembered (their first hit in a generation
    adds the navigation's two permission queries)."""
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response["X-Page-Cache"] == "hit"
    return len(queries)


def test_a_hit_costs_a_small_fixed_number_of_queries(client, people, locked_year, settings):
    client.force_login(people[Role.MEMBER])
    urls = pages(locked_year)
    small = {url: queries_of_a_hit(client, url) for url in urls}
    grow_council(5)
    pagecache.bump()
    large = {url: queries_of_a_hit(client, url) for url in urls}
    assert small == large
    # The session's user and their roles; without Redis the session itself is read from the database too.
    session = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    assert max(small.values()) <= 2 + session, small


def test_with_redis_down_pages_are_served_uncached(client, people, locked_year, settings):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "bromley_portal.core.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    with pytest.raises(Exception):  # noqa: B017 (whatever redis-py raises: it is down)
        caches["pages"].get("anything")
    client.force_login(people[Role.MEMBER])
    for url in pages(locked_year):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "X-Page-Cache" not in response
    update = QuarterlyUpdate.objects.get(action=locked_year["actions"][0], period=locked_year["q2"])
    services.amend_update(update, people[Role.CLERK], narrative="Corrected while down", reason="Typo")
    assert "Corrected while down" in client.get(pages(locked_year)[4]).content.decode()
