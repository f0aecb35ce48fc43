"""plans.builders is the one way a plan tree is written, and every way of making a plan records the
same history; rolling a plan forward gives the new year's title, periods and target dates."""

from datetime import date

import pytest

from ambitions.services import load_seed_strategy
from plans.builders import (
    ActionSpec,
    DetailSpec,
    LeadSpec,
    PlanSpec,
    PlanWriteError,
    SectionSpec,
    UpdateSpec,
    action_targets,
    build_plan,
    write_actions,
)
from plans.choices import PeriodStatus, UpdateStatus
from plans.models import Action, ActionDetail, DetailLead, MeasureOfSuccess, PortfolioPlan, ReportingPeriod
from plans.seeds import load_seed_plans
from plans.services import WorkflowError, roll_forward_plan
from tests.factories import make_plan, make_user

HISTORY_MODELS = [Action, ActionDetail, DetailLead, MeasureOfSuccess]


def history_reasons(plan) -> dict:
    """For each model of the tree, the set of (history type, reason) recorded for this plan's rows."""
    actions = Action.objects.filter(section__plan=plan)
    details = ActionDetail.objects.filter(action__in=actions)
    rows = {
        Action: Action.history.filter(id__in=actions.values("pk")),
        ActionDetail: ActionDetail.history.filter(id__in=details.values("pk")),
        DetailLead: DetailLead.history.filter(detail_id__in=details.values("pk")),
        MeasureOfSuccess: MeasureOfSuccess.history.filter(detail_id__in=details.values("pk")),
    }
    return {
        model: set(records.values_list("history_type", "history_change_reason"))
        for model, records in rows.items()
    }


def assert_every_row_has_its_creation_recorded(plan, reason):
    actions = Action.objects.filter(section__plan=plan)
    details = ActionDetail.objects.filter(action__in=actions)
    counts = {
        Action: actions.count(),
        ActionDetail: details.count(),
        DetailLead: DetailLead.objects.filter(detail__in=details).count(),
        MeasureOfSuccess: MeasureOfSuccess.objects.filter(detail__in=details).count(),
    }
    reasons = history_reasons(plan)
    for model, count in counts.items():
        assert count, model
        assert reasons[model] == {("+", reason)}, model
    assert Action.history.filter(id__in=actions.values("pk")).count() == counts[Action]


@pytest.fixture
def seed(db):
    load_seed_strategy()
    load_seed_plans()
    return PortfolioPlan.objects.get(portfolio__code="CEF", year=2023)


def test_the_seed_loader_records_history_like_every_other_builder(seed):
    assert_every_row_has_its_creation_recorded(seed, "Loaded from 001_e8e78d54940f3605.txt")


def test_roll_forward_records_history_as_a_load_does(seed):
    new = roll_forward_plan(seed, 2024, user=make_user())
    assert_every_row_has_its_creation_recorded(new, "Rolled forward from CEF 2023-24")


def test_the_test_factory_records_history_too(db):
    assert_every_row_has_its_creation_recorded(make_plan(actions=2), "Test data")


def test_roll_forward_gives_the_new_years_title_periods_and_dates(seed):
    new = roll_forward_plan(seed, 2024)
    assert new.title == "Children, Education and Families Portfolio plan for 2024 to 2025"
    assert new.source == "Rolled forward from CEF 2023-24"
    assert list(ReportingPeriod.objects.filter(year=2024).values_list("quarter", "status")) == [
        (4, PeriodStatus.PLANNED),
        (3, PeriodStatus.PLANNED),
        (2, PeriodStatus.PLANNED),
        (1, PeriodStatus.PLANNED),
    ]
    old = {
        (d.action.reference, d.order): d
        for d in ActionDetail.objects.filter(action__section__plan=seed).select_related("action__section")
    }
    new_details = (
        ActionDetail.objects.filter(action__section__plan=new)
        .select_related("action__section")
        .prefetch_related("leads")
    )
    assert len(new_details) == len(old)
    for detail in new_details:
        before = old[(detail.action.reference, detail.order)]
        assert (detail.letter, detail.text) == (before.letter, before.text)
        assert [lead.title for lead in detail.leads.all()] == [lead.title for lead in before.leads.all()]
        if before.annual_programme:
            # The Annual Programme recurs: its date moves on a year.
            assert detail.target_date == before.target_date.replace(year=before.target_date.year + 1)
            assert detail.annual_programme and not detail.target_to_confirm
        else:
            # A one-off date is kept and flagged for its lead to confirm.
            assert detail.target_date == before.target_date and detail.target_to_confirm
    action_12 = Action.objects.get(section__plan=new, section__number=1, number=2)
    assert [d.target_text for d in action_12.details.all()] == [
        "September 2023",
        "April 2025 (AP)",
        "April 2025 (AP)",
    ]
    assert action_12.target_date == date(2025, 4, 1) and action_12.annual_programme
    assert not Action.objects.filter(
        section__plan=new, updates__isnull=False
    ).exists()  # updates stay with their year


def test_roll_forward_refuses_a_year_that_has_a_plan(seed):
    roll_forward_plan(seed, 2024)
    with pytest.raises(WorkflowError, match="already has a plan for 2024-25"):
        roll_forward_plan(seed, 2024)


def test_an_action_is_due_when_its_last_detail_is_and_in_the_programme_if_any_detail_is():
    details = [
        DetailSpec(target_date=date(2024, 4, 1), annual_programme=True),
        DetailSpec(target_date=date(2023, 9, 1)),
        DetailSpec(),
    ]
    assert action_targets(details) == (date(2024, 4, 1), True)
    assert action_targets([DetailSpec()]) == (None, False)


def spec(text="Detail a", leads=("Director Education",), measures=("Measure",)):
    return SectionSpec(
        number=1,
        title="Ambition 1",
        actions=[
            ActionSpec(
                number=1,
                title="An action",
                details=[
                    DetailSpec(
                        letter="a",
                        text=text,
                        measures=list(measures),
                        target_date=date(2024, 4, 1),
                        leads=[LeadSpec(post=lead) for lead in leads],
                    ),
                    DetailSpec(
                        letter="b",
                        text="Detail b",
                        leads=[LeadSpec(post="Director of HR", written_as="Director HR")],
                    ),
                ],
            )
        ],
    )


@pytest.fixture
def plan(db):
    from tests.factories import make_strategy

    strategy = make_strategy()
    from ambitions.services import ensure_portfolios

    portfolio = ensure_portfolios()["CEF"]
    section = spec()
    section.ambition = strategy.ambitions.get(number=1)
    return build_plan(
        PlanSpec(portfolio=portfolio, year=2024, title="A plan", sections=[section]), reason="Built"
    )


def test_writing_the_same_actions_again_changes_nothing_and_records_nothing(plan):
    before = {model: model.history.count() for model in HISTORY_MODELS}
    result = write_actions(plan, [spec()], reason="Again")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert {model: model.history.count() for model in HISTORY_MODELS} == before


def test_a_changed_detail_is_changed_in_place_with_its_own_history(plan):
    detail = ActionDetail.objects.get(letter="a")
    result = write_actions(
        plan,
        [spec(text="Detail a, reworded", leads=("Director Education", "Director of HR"))],
        reason="Changed",
    )
    assert result.updated == 1
    detail.refresh_from_db()
    assert detail.text == "Detail a, reworded"
    assert [lead.title for lead in detail.leads.all()] == ["Director Education", "Director of HR"]
    assert (
        detail.history.first().history_type == "~"
        and detail.history.first().history_change_reason == "Changed"
    )


def test_written_as_keeps_the_plans_wording_beside_the_post(plan):
    lead = DetailLead.objects.get(detail__letter="b")
    assert (lead.post.title, lead.title) == ("Director of HR", "Director HR")


def test_a_detail_a_published_update_writes_about_cannot_be_removed(plan):
    period = ReportingPeriod.objects.create(year=2024, quarter=1, **ReportingPeriod.default_dates(2024, 1))
    section = spec()
    section.actions[0].updates = [UpdateSpec(period=period, notes={0: "On a", 1: "On b"})]
    write_actions(plan, [section])
    shorter = spec()
    shorter.actions[0].details = shorter.actions[0].details[:1]
    with pytest.raises(PlanWriteError, match="would lose detail b"):
        write_actions(plan, [shorter])
    assert ActionDetail.objects.filter(action__section__plan=plan).count() == 2


def test_published_updates_are_written_locked_with_their_notes(plan):
    period = ReportingPeriod.objects.create(year=2024, quarter=1, **ReportingPeriod.default_dates(2024, 1))
    section = spec()
    section.actions[0].updates = [UpdateSpec(period=period, notes={1: "On a and b"})]
    write_actions(plan, [section])
    update = Action.objects.get(section__plan=plan).updates.get()
    assert update.status == UpdateStatus.LOCKED
    note = update.notes.get()
    assert note.detail.letter == "b"
    update = type(update).objects.with_reported().get(pk=update.pk)
    assert update.reported_narrative == "a) and b): On a and b"
