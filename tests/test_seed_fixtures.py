"""The seed data loads into the portal complete, and loading it again changes nothing."""

import pytest

from ambitions.models import Ambition, Commitment, KeyStrategy, Post, Strategy
from ambitions.services import load_seed_strategy
from plans.models import Action, ActionDetail, MeasureOfSuccess, PortfolioPlan, QuarterlyUpdate
from plans.seeds import load_seed_plans


@pytest.fixture
def seeded(db):
    load_seed_strategy()
    load_seed_plans()


def test_the_strategy_has_its_five_ambitions_and_all_their_commitments(seeded):
    strategy = Strategy.objects.get()
    assert (strategy.title, strategy.period) == ("Making Bromley Even Better", "2021-2031")
    counts = {a.number: a.commitments.count() for a in Ambition.objects.all()}
    # Counted by hand in seed 000's "What we will do" sections.
    assert counts == {1: 15, 2: 15, 3: 12, 4: 17, 5: 9}
    assert Ambition.objects.get(number=1).short_name == "Children and Families"


def test_the_key_strategies_matrix_has_every_tick(seeded):
    assert KeyStrategy.objects.count() == 29
    assert KeyStrategy.ambitions.through.objects.count() == 99
    local_plan = KeyStrategy.objects.get(name="Bromley Local Plan")
    assert sorted(local_plan.ambitions.values_list("number", flat=True)) == [3, 4, 5]


def test_the_cef_2023_24_plan_has_every_action_under_its_ambitions(seeded):
    plan = PortfolioPlan.objects.get(portfolio__code="CEF", year=2023)
    per_ambition = {s.ambition.number: s.actions.count() for s in plan.sections.select_related("ambition")}
    # Seed 001: ambition 1 has 15 commitments in the plan table, ambition 5 has 6.
    assert per_ambition == {1: 15, 5: 6}
    actions = Action.objects.filter(section__plan=plan)
    assert ActionDetail.objects.filter(action__in=actions).count() == 48
    assert MeasureOfSuccess.objects.filter(action__in=actions).count() == 56
    assert Post.objects.filter(actions__in=actions).distinct().count() == 12


def test_an_action_keeps_its_detail_target_lead_and_update(seeded):
    action = Action.objects.get(section__plan__year=2023, section__number=1, number=2)
    assert [d.letter for d in action.details.all()] == ["a", "b", "c"]
    assert action.target_date_text == "Sept 2023; April 2024 (AP)"
    assert action.annual_programme is True
    assert [post.title for post in action.lead_posts.all()] == ["Director Education"]
    update = action.updates.get()
    assert (str(update.period), update.status) == ("2023-24 Q4", "locked")
    assert update.narrative.startswith("- 96% of Bromley Schools are good or outstanding")


def test_the_priorities_plan_has_its_priorities_and_quarter_4_updates(seeded):
    plan = PortfolioPlan.objects.get(portfolio__code="CEF", year=2018)
    assert plan.section_kind == "priority"
    assert [s.actions.count() for s in plan.sections.all()] == [3, 7, 4, 2]
    first = plan.sections.get(number=1)
    assert first.title == "Safeguarding"
    assert first.rationale.startswith("Safeguarding children and adults is everyone’s business")
    updates = QuarterlyUpdate.objects.filter(action__section__plan=plan)
    assert updates.count() == 16
    assert {str(update.period) for update in updates} == {"2018-19 Q4"}
    assert {update.status for update in updates} == {"locked"}
    assert Action.objects.filter(section__plan=plan, portfolios__code="RRH").exists()


def test_loading_again_changes_nothing(seeded):
    before = (
        Strategy.objects.count(),
        Commitment.objects.count(),
        Action.objects.count(),
        Post.objects.count(),
    )
    assert not load_seed_strategy()[1]
    assert not any(created for _, created in load_seed_plans())
    after = (
        Strategy.objects.count(),
        Commitment.objects.count(),
        Action.objects.count(),
        Post.objects.count(),
    )
    assert before == after
