# ruff: noqa: F811 (the tests take the update pages' ``council`` fixture, imported by name)
"""Issue 15 item 3: a red or amber update gives its reason, mitigation and recovery date; figures
are read in their measure's unit and kept as numbers; a Complete action is not asked again until
it is reopened."""

from datetime import date
from decimal import Decimal

import pytest

from plans.choices import FigureUnit, Rag, UpdateStatus
from plans.figures import FigureError, infer_unit, parse_figure
from plans.models import Action, MeasureFigure, MeasureOfSuccess, QuarterlyUpdate
from plans.reminders import outstanding_actions_by_lead
from plans.services import WorkflowError, reopen_action, save_update
from tests.test_update_pages import council, make_update, signed_in, text, update_url  # noqa: F401

pytestmark = pytest.mark.django_db


def post_update(client, action, period, **fields):
    measure = action.measures_of_success.get()
    data = {
        "version": "0",
        "rag": Rag.RED,
        "narrative": "Delayed.",
        "evidence_links": "",
        f"figure_{measure.pk}": "",
        "submit": "submit",
        **fields,
    }
    return client.post(update_url(action, period), data)


def test_a_red_update_is_not_submitted_without_reason_mitigation_and_recovery_date(council):
    client = signed_in(council["officer"])
    response = post_update(client, council["action"], council["q2"])
    assert response.status_code == 200
    page = text(response)
    assert "Give the reason for a red update before submitting" in page
    assert "Give the mitigation for a red update before submitting" in page
    assert "Enter the recovery date for a red update before submitting" in page
    assert not QuarterlyUpdate.objects.filter(action=council["action"]).exists()


def test_an_impossible_recovery_date_gets_its_own_message(council):
    response = post_update(
        signed_in(council["officer"]),
        council["action"],
        council["q2"],
        reason="Contractor went bust",
        mitigation="Re-tendering",
        recovery_date_0="31",
        recovery_date_1="2",
        recovery_date_2="2025",
    )
    assert "The recovery date must be a real date" in text(response)


def test_a_red_update_with_all_three_is_submitted_and_shown_with_its_narrative(council):
    client = signed_in(council["officer"])
    response = post_update(
        client,
        council["action"],
        council["q2"],
        reason="Contractor went bust",
        mitigation="Re-tendering with two bidders",
        recovery_date_0="31",
        recovery_date_1="3",
        recovery_date_2="2025",
    )
    assert response.status_code == 302
    update = QuarterlyUpdate.objects.get(action=council["action"])
    assert (update.status, update.reason, update.recovery_date) == (
        UpdateStatus.SUBMITTED,
        "Contractor went bust",
        date(2025, 3, 31),
    )
    page = text(signed_in(council["approver"]).get(update_url(council["action"], council["q2"])))
    assert "Reason Contractor went bust" in page
    assert "Mitigation Re-tendering with two bidders" in page
    assert "Recovery date 31 March 2025" in page


def test_green_needs_none_of_them_and_the_service_refuses_red_without_them(council):
    action = council["action"]
    with pytest.raises(WorkflowError, match="Give the reason for an amber update"):
        save_update(
            QuarterlyUpdate(action=action, period=council["q2"]),
            council["officer"],
            version=0,
            rag=Rag.AMBER,
            narrative="At risk",
            submit=True,
        )
    saved = save_update(
        QuarterlyUpdate(action=action, period=council["q2"]),
        council["officer"],
        version=0,
        rag=Rag.GREEN,
        narrative="Fine",
        submit=True,
    )
    assert saved.status == UpdateStatus.SUBMITTED


@pytest.mark.parametrize(
    ("unit", "typed", "message"),
    [
        (FigureUnit.COUNT, "lots", "is not a number: enter a whole number, 0 or more"),
        (FigureUnit.COUNT, "-5", "cannot be less than 0"),
        (FigureUnit.COUNT, "2.5", "is not a whole number"),
        (FigureUnit.NUMBER, "12/0", "is a fraction or a date"),
        (FigureUnit.PERCENTAGE, "120%", "must be between 0% and 100%"),
        (FigureUnit.MONEY, "£-3", "cannot be less than 0"),
        (FigureUnit.NUMBER, "1e999", "is not a number"),
        (FigureUnit.NUMBER, "9" * 20, "is too large"),
    ],
)
def test_figures_that_are_not_numbers_in_their_unit_are_refused_with_a_clear_message(unit, typed, message):
    with pytest.raises(FigureError, match=message.replace("(", r"\(")):
        parse_figure(typed, unit)


@pytest.mark.parametrize(
    ("unit", "typed", "number"),
    [
        (FigureUnit.COUNT, "1,204", Decimal("1204")),
        (FigureUnit.PERCENTAGE, "96%", Decimal("96")),
        (FigureUnit.PERCENTAGE, "96.5", Decimal("96.5")),
        (FigureUnit.MONEY, "£1.2m", Decimal("1200000")),
        (FigureUnit.NUMBER, "-3.5", Decimal("-3.5")),
        (FigureUnit.TEXT, "Lots of progress", None),
    ],
)
def test_figures_are_read_as_numbers(unit, typed, number):
    assert parse_figure(typed, unit) == number


def test_units_are_inferred_from_words_then_figures():
    assert infer_unit("Percentage of schools good or outstanding") == FigureUnit.PERCENTAGE
    assert infer_unit("Number of children in care") == FigureUnit.COUNT
    assert infer_unit("Spend within budget") == FigureUnit.MONEY
    assert infer_unit("Attendance", ["94%", "95.5%"]) == FigureUnit.PERCENTAGE
    assert infer_unit("Visits made", ["1,204", "12"]) == FigureUnit.COUNT
    assert infer_unit("Residents' views", ["Positive", "12"]) == FigureUnit.TEXT


def test_the_form_refuses_lots_for_a_count_and_keeps_a_number_beside_the_text(council):
    action = council["action"]
    measure = action.measures_of_success.get()
    MeasureOfSuccess.objects.filter(pk=measure.pk).update(unit=FigureUnit.COUNT)
    client = signed_in(council["officer"])
    response = post_update(client, action, council["q2"], rag=Rag.GREEN, **{f"figure_{measure.pk}": "lots"})
    assert response.status_code == 200
    assert "is not a number: enter a whole number, 0 or more, such as 1,204" in text(response)
    assert not MeasureFigure.objects.exists()
    response = post_update(client, action, council["q2"], rag=Rag.GREEN, **{f"figure_{measure.pk}": "1,204"})
    assert response.status_code == 302
    figure = MeasureFigure.objects.get()
    assert (figure.value, figure.number) == ("1,204", Decimal("1204"))


def test_a_complete_action_is_not_asked_again_until_reopened(council):
    action, officer = council["action"], council["officer"]
    make_update(action, council["q1"], UpdateStatus.LOCKED, rag=Rag.COMPLETE, narrative="Done")
    assert action not in Action.objects.outstanding_in(council["q2"])
    assert action in Action.objects.complete_before(council["q2"])
    assert action not in outstanding_actions_by_lead(council["q2"]).get(officer, [])
    assert council["other_action"] in outstanding_actions_by_lead(council["q2"])[officer]
    page = signed_in(officer).get(update_url(action, council["q2"]))
    assert page.context.get("form") is None
    assert "was reported complete, so it is not asked for an update in" in text(page)
    assert "Reopen action" in text(page)
    my_actions = text(signed_in(officer).get("/plans/my-actions/"))
    assert action.title[:40] not in my_actions
    with pytest.raises(WorkflowError, match="Reopen it first"):
        save_update(
            QuarterlyUpdate(action=action, period=council["q2"]),
            officer,
            version=0,
            rag=Rag.GREEN,
            narrative="x",
        )
    response = signed_in(officer).post(f"/plans/actions/{action.pk}/reopen/{council['q2'].pk}/")
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.reopened_by == officer and action.reopened_at is not None
    assert action in Action.objects.outstanding_in(council["q2"])
    page = signed_in(officer).get(update_url(action, council["q2"]))
    assert page.context["form"] is not None
    assert f"Reopened by {officer}" in text(page)
    assert action.history.first().history_user == officer


def test_reopening_is_refused_for_a_member_and_for_an_action_not_complete(council):
    with pytest.raises(WorkflowError, match="not closed as complete"):
        reopen_action(council["action"], council["officer"], council["q2"])
    response = signed_in(council["member"]).post(
        f"/plans/actions/{council['action'].pk}/reopen/{council['q2'].pk}/"
    )
    assert response.status_code == 403
