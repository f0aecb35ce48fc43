"""My actions and the chasing list find their rows by walking only the sections the stored counts place
them in (plans.selectors.first_of_each): every page, and each post's first actions, are the whole list's,
in plan order, including a place two portfolios of one order share, actions reported Complete before
(left out) and actions no post leads."""

from ambitions.models import Portfolio, Post
from plans import selectors
from plans.choices import Rag, UpdateStatus
from plans.models import Action, DetailLead
from tests.test_update_pages import (  # noqa: F401 (council is a fixture)
    MY_ACTIONS,
    council,
    grow_my_actions,
    make_update,
    signed_in,
)


def places(period):
    """The sections of each place holding the period's lead rows (more than one where places are shared)."""
    found: dict = {}
    for row in selectors.stored_counts.lead_counts(period):
        found.setdefault(row.place, set()).add(row.section_id)
    return found


def test_every_page_of_my_actions_is_the_list_in_plan_order(council):  # noqa: F811
    grow_my_actions(council, 25)
    Portfolio.objects.filter(code="RRH").update(order=council["plan"].portfolio.order)
    done = Action.objects.filter(section__plan__portfolio__code="RRH").order_by("number")[3]
    make_update(done, council["q1"], UpdateStatus.LOCKED, rag=Rag.COMPLETE)  # not asked again in Q2
    assert any(len(sections) > 1 for sections in places(council["q2"]).values())
    expected = list(selectors.my_actions(council["officer"], council["q2"]).values_list("pk", flat=True))
    assert len(expected) == 51 and done.pk not in expected
    client = signed_in(council["officer"])
    shown = []
    for page in (1, 2, 3):
        response = client.get(MY_ACTIONS, {"page": page})
        shown += [row.action.pk for row in response.context["rows"]]
    assert shown == expected
    assert response.context["counts"]["total"] == 51


def test_the_chasing_list_shows_each_posts_first_outstanding_actions_in_plan_order(council):  # noqa: F811
    grow_my_actions(council, 8)
    Portfolio.objects.filter(code="RRH").update(order=council["plan"].portfolio.order)
    rrh = list(Action.objects.filter(section__plan__portfolio__code="RRH").order_by("number"))
    make_update(rrh[0], council["q1"], UpdateStatus.LOCKED, rag=Rag.COMPLETE)  # not asked again in Q2
    DetailLead.objects.filter(detail__action__in=rrh[2:4]).delete()  # two actions no post leads
    period = council["q2"]
    chase = {item.post.pk if item.post else None: item for item in selectors.who_to_chase(period)}
    outstanding = Action.objects.outstanding_in(period).order_by(*selectors.PLAN_ORDER)
    deputy = Post.objects.get(title="Assistant Director Specialist Services")
    assert set(chase) == {council["lead_post"].pk, deputy.pk, None}
    for post_id, item in chase.items():
        led = outstanding.unled() if post_id is None else outstanding.led_by([post_id])
        assert [action.pk for action in item.actions] == list(
            led.values_list("pk", flat=True)[: selectors.CHASE_ACTIONS_SHOWN]
        )
    assert chase[None].actions == [
        action for action in rrh[2:4] if action in outstanding
    ]  # those outstanding
    assert rrh[0] not in chase[deputy.pk].actions
