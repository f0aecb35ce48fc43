"""The seed data loads into the portal complete, and loading it again changes nothing.

Counts are those of the council's documents, counted by hand (seed 001 row by row in
test_seed_plan_table.py).
"""

import datetime

import pytest

from ambitions.models import Ambition, Commitment, KeyStrategy, Post, Strategy
from ambitions.services import load_seed_strategy
from plans.choices import PeriodStatus, UpdateStatus
from plans.models import (
    Action,
    ActionDetail,
    DetailLead,
    MeasureOfSuccess,
    PortfolioPlan,
    QuarterlyUpdate,
    UpdateNote,
)
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


def test_the_cef_2023_24_plan_has_every_action_detail_measure_and_lead(seeded):
    plan = PortfolioPlan.objects.get(portfolio__code="CEF", year=2023)
    assert not plan.illustrative
    per_ambition = {s.ambition.number: s.actions.count() for s in plan.sections.select_related("ambition")}
    # Seed 001: ambition 1 has 15 commitments in the plan table, ambition 5 has 6.
    assert per_ambition == {1: 15, 5: 6}
    actions = Action.objects.filter(section__plan=plan)
    assert ActionDetail.objects.filter(action__in=actions).count() == 49
    assert ActionDetail.objects.filter(action__in=actions, letter="").count() == 2  # 1.7's empty cell, 1.15
    assert MeasureOfSuccess.objects.filter(detail__action__in=actions).count() == 56
    assert Post.objects.filter(detail_leads__detail__action__in=actions).distinct().count() == 12
    assert not DetailLead.objects.filter(
        detail__action__section__number=1, detail__action__number=9, detail__letter="b"
    ).exists()  # its lead cell is empty


def test_an_action_keeps_each_details_target_lead_and_its_update(seeded):
    action = Action.objects.get(section__plan__year=2023, section__number=1, number=2)
    details = list(action.details.all())
    assert [d.letter for d in details] == ["a", "b", "c"]
    assert [d.target_text for d in details] == ["September 2023", "April 2024 (AP)", "April 2024 (AP)"]
    assert [d.target_date for d in details] == [
        datetime.date(2023, 9, 1),
        datetime.date(2024, 4, 1),
        datetime.date(2024, 4, 1),
    ]
    # The action is due when its last detail is, and is in the Annual Programme because a detail is.
    assert (action.target_date, action.annual_programme) == (datetime.date(2024, 4, 1), True)
    assert [post.title for post in action.lead_posts] == ["Director Education"]
    update = action.updates.get()
    assert (str(update.period), update.status) == ("2023-24 Q3", UpdateStatus.LOCKED)
    assert update.narrative.startswith("- 96% of Bromley Schools are good or outstanding")


def test_a_lead_keeps_the_plans_wording_and_is_the_one_post(seeded):
    lead = DetailLead.objects.select_related("post").get(
        detail__action__section__plan__year=2023,
        detail__action__section__number=1,
        detail__action__number=8,
        detail__letter="b",
    )
    assert (lead.post.title, lead.written_as, lead.title) == (
        "Director Education",
        "Director of Education",
        "Director of Education",
    )
    assert Post.objects.filter(title__in=["Director Education", "Director of Education"]).count() == 1
    action = Action.objects.get(section__plan__year=2023, section__number=5, number=5)
    assert [(lead.post.title, lead.title) for lead in action.leads] == [
        ("Director Children, Education and Families", "Director Children, Families and Education"),
        ("Assistant Director Specialist Services", "Assistant Director of Specialist Services"),
    ]


def test_the_cef_updates_are_quarter_3_of_2023_24_locked(seeded):
    updates = QuarterlyUpdate.objects.filter(action__section__plan__year=2023).select_related("period")
    assert updates.count() == 21  # one per action
    assert {str(update.period) for update in updates} == {"2023-24 Q3"}
    assert {update.status for update in updates} == {UpdateStatus.LOCKED}
    assert updates[0].period.status == PeriodStatus.LOCKED
    # Ten actions have several rows in the plan table, each row with its own update.
    with_notes = updates.filter(notes__isnull=False).distinct()
    assert sorted(str(u.action.reference) for u in with_notes) == sorted(
        ["1.1", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.12", "1.13", "5.6"]
    )
    assert UpdateNote.objects.filter(update__in=updates).count() == 25


def test_the_priorities_plan_has_its_priorities_and_quarter_4_updates(seeded):
    plan = PortfolioPlan.objects.get(portfolio__code="CEF", year=2018)
    assert plan.section_kind == "priority"
    assert [s.actions.count() for s in plan.sections.all()] == [3, 7, 4, 2]
    first = plan.sections.get(number=1)
    assert first.title == "Safeguarding"
    assert first.rationale.startswith("Safeguarding children and adults is everyone’s business")
    actions = Action.objects.filter(section__plan=plan)
    assert ActionDetail.objects.filter(action__in=actions).count() == 28
    assert MeasureOfSuccess.objects.filter(detail__action__in=actions).count() == 31
    updates = QuarterlyUpdate.objects.filter(action__section__plan=plan)
    assert updates.count() == 16
    assert {str(update.period) for update in updates} == {"2018-19 Q4"}
    assert {update.status for update in updates} == {"locked"}
    # 1.2 has a row per detail, 3.4 a row for a) and b) and one for c).
    notes = UpdateNote.objects.filter(update__in=updates).select_related("detail__action__section")
    assert sorted((n.detail.action.reference, n.detail.letter) for n in notes) == [
        ("1.2", "a"),
        ("1.2", "b"),
        ("1.2", "c"),
        ("3.4", "b"),
        ("3.4", "c"),
    ]
    assert Action.objects.filter(section__plan=plan, portfolios__code="RRH").exists()


def test_loading_again_changes_nothing(seeded):
    def counts():
        return (
            Strategy.objects.count(),
            Commitment.objects.count(),
            Action.objects.count(),
            ActionDetail.objects.count(),
            DetailLead.objects.count(),
            MeasureOfSuccess.objects.count(),
            QuarterlyUpdate.objects.count(),
            UpdateNote.objects.count(),
            Post.objects.count(),
        )

    before = counts()
    assert not load_seed_strategy()[1]
    assert not any(created for _, created in load_seed_plans())
    assert counts() == before
