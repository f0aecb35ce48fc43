"""Complainants' details are erased a configurable number of years after their cases closed, by an
idempotent beat task, keeping the anonymous rows the statistics count."""

from datetime import date

import pytest

from bromley_portal.accounts.roles import Role
from complaints import services, tasks
from complaints.choices import AspectOutcome
from complaints.models import Aspect, Complainant, Complaint, Extension, Mention
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)


@pytest.fixture
def officer(people):
    return people[Role.COMPLAINTS_OFFICER]


def closed_case(officer, closed_on, **fields):
    received = fields.pop("received", date(closed_on.year - 1, 1, 5))
    complaint = make_complaint(
        officer, received=received, summary="Mrs Jones of 1 High Street says...", **fields
    )
    services.acknowledge(officer, complaint, today=closed_on)
    for aspect in Aspect.objects.filter(mention__complaint=complaint):
        services.record_response(
            officer, aspect, outcome=AspectOutcome.UPHELD, responded_on=closed_on, today=closed_on
        )
    return services.close(officer, complaint, on=closed_on, today=closed_on)


def test_details_are_erased_six_years_after_closure_and_the_statistics_stay(officer, settings):
    assert settings.COMPLAINTS_ERASE_AFTER_YEARS == 6
    old = closed_case(officer, date(2020, 11, 30), aspects=["information", "staff_conduct"])
    recent = closed_case(officer, date(2020, 12, 1))
    counted = (Complaint.objects.count(), Mention.objects.count(), Aspect.objects.count())

    assert services.erase_complainant_details(today=TODAY) == 1

    erased = Complainant.objects.get(pk=old.complainant_id)
    assert (erased.name, erased.email, erased.phone, erased.address, erased.erased_on) == (
        "",
        "",
        "",
        "",
        TODAY,
    )
    assert "details erased 30 November 2026" in str(erased)
    old.refresh_from_db()
    assert old.summary == ""
    # The anonymous rows stay, with their answers.
    assert (Complaint.objects.count(), Mention.objects.count(), Aspect.objects.count()) == counted
    assert list(Aspect.objects.filter(mention__complaint=old).values_list("outcome", "on_time")) == [
        ("upheld", False),
        ("upheld", False),
    ]
    # A day short of six years: kept.
    recent.refresh_from_db()
    assert recent.complainant.name == "Mrs Jones" and recent.summary
    # The summary never went into the history tables.
    assert "summary" not in {f.name for f in Complaint.history.model._meta.fields}


def test_an_extensions_reason_goes_too_from_its_history_as_well(officer):
    complaint = make_complaint(officer, received=date(2019, 1, 7), today=date(2019, 1, 7))
    services.acknowledge(officer, complaint, today=date(2019, 1, 8))
    services.extend(
        officer,
        complaint,
        new_due=date(2019, 2, 15),
        reason="Mrs Jones is in hospital",
        today=date(2019, 1, 9),
    )
    for aspect in Aspect.objects.filter(mention__complaint=complaint):
        services.record_response(
            officer, aspect, outcome="upheld", responded_on=date(2019, 2, 1), today=TODAY
        )
    services.close(officer, complaint, on=date(2019, 2, 4), today=TODAY)
    extension = Extension.objects.get()
    assert extension.history.filter(reason__contains="Jones").exists()
    assert services.erase_complainant_details(today=TODAY) == 1
    extension.refresh_from_db()
    assert extension.reason == "" and extension.new_due == date(2019, 2, 15)
    assert not Extension.history.filter(reason__contains="Jones").exists()


def test_erasure_is_safe_to_run_again(officer):
    closed_case(officer, date(2019, 6, 3))
    assert services.erase_complainant_details(today=TODAY) == 1
    assert services.erase_complainant_details(today=TODAY) == 0
    assert Complainant.objects.get().erased_on == TODAY


def test_an_open_case_keeps_the_details_however_old(officer):
    open_case = make_complaint(officer, received=date(2019, 1, 7))
    closed_case(officer, date(2019, 6, 3))
    assert services.erase_complainant_details(today=TODAY) == 1  # only the closed one
    open_case.refresh_from_db()
    assert open_case.complainant.erased_on is None and open_case.summary == ""  # it had none


def test_a_complainant_whose_later_stage_is_open_keeps_the_details(officer):
    stage_1 = closed_case(officer, date(2026, 5, 12), received=date(2026, 5, 1))
    stage_2 = services.escalate(officer, stage_1, received=date(2026, 6, 1), today=TODAY)
    assert stage_2.complainant_id == stage_1.complainant_id
    assert services.erase_complainant_details(today=date(2040, 1, 1)) == 0
    # Once the last stage closes, the years count from its closing.
    services.acknowledge(officer, stage_2, today=date(2026, 6, 2))
    for aspect in Aspect.objects.filter(mention__complaint=stage_2):
        services.record_response(
            officer, aspect, outcome="not_upheld", responded_on=date(2026, 6, 20), today=TODAY
        )
    services.close(officer, stage_2, on=date(2026, 6, 22), today=TODAY)
    assert services.erase_complainant_details(today=date(2032, 6, 21)) == 0
    assert services.erase_complainant_details(today=date(2032, 6, 22)) == 1
    stage_1.refresh_from_db()
    stage_2.refresh_from_db()
    assert stage_1.summary == stage_2.summary == "" and stage_1.complainant.erased_on == date(2032, 6, 22)


def test_the_number_of_years_is_a_setting(officer, settings):
    closed_case(officer, date(2024, 11, 29))
    assert services.erase_complainant_details(today=TODAY) == 0
    settings.COMPLAINTS_ERASE_AFTER_YEARS = 2
    assert services.erase_complainant_details(today=TODAY) == 1


def test_the_beat_task_erases(officer):
    closed_case(officer, date(2018, 3, 1))
    tasks.erase_complainant_details.delay()
    assert Complainant.objects.get().erased_on is not None


def test_the_beat_schedule_runs_both_complaints_tasks(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"complaints.send_reminders", "complaints.erase_complainant_details"} <= tasks_scheduled
