"""Which procedure a complaint falls under and its due dates (complaints.timescales), in working days."""

from datetime import date
from types import SimpleNamespace

import pytest

from bromley_portal.core.working_days import WorkingCalendar
from complaints.choices import Procedure, StatutoryProcedure
from complaints.timescales import (
    CODE_APPLIES_FROM,
    TimescaleError,
    answered_on_time,
    check_extension,
    complaint_on_time,
    due_dates,
    procedure_for,
    stages,
    timescale,
    working_days_left,
)

calendar = WorkingCalendar(closure_days=[])


def due(procedure, stage, received, acknowledged_on=None):
    return due_dates(procedure, stage, received, acknowledged_on, calendar)


def test_the_procedure_follows_from_the_service_and_the_date_received():
    assert date(2026, 4, 1) == CODE_APPLIES_FROM
    corporate = StatutoryProcedure.CORPORATE
    assert procedure_for(corporate, date(2026, 3, 31)) == Procedure.CORPORATE
    assert procedure_for(corporate, date(2026, 4, 1)) == Procedure.CODE
    for received in (date(2021, 4, 1), date(2027, 1, 1)):
        # The statutory procedures stay outside the Code, whenever received.
        assert procedure_for(StatutoryProcedure.ADULT_SOCIAL_CARE, received) == Procedure.ADULT_SOCIAL_CARE
        assert procedure_for(StatutoryProcedure.CHILDREN, received) == Procedure.CHILDREN


@pytest.mark.parametrize("procedure", [Procedure.CORPORATE, Procedure.ADULT_SOCIAL_CARE])
def test_corporate_and_adult_social_care_acknowledge_in_3_and_respond_in_20(procedure):
    dates = due(procedure, 1, date(2022, 10, 3))
    assert (dates.acknowledge_by, dates.respond_by) == (date(2022, 10, 6), date(2022, 10, 31))
    # Received on a Saturday: counted from the Monday.
    assert due(procedure, 1, date(2022, 10, 1)) == dates
    # Over Christmas 2022 and New Year 2023.
    assert due(procedure, 1, date(2022, 12, 1)).respond_by == date(2023, 1, 3)
    assert stages(procedure) == [1]


def test_the_corporate_procedure_has_one_stage_then_the_ombudsman():
    with pytest.raises(TimescaleError, match=r"has one stage, not a stage 2.*Ombudsman"):
        timescale(Procedure.CORPORATE, 2)


def test_a_corporate_extension_needs_a_later_working_day_but_has_no_fixed_limit():
    dates = due(Procedure.CORPORATE, 1, date(2022, 10, 3))
    assert dates.latest_extension is None
    args = (Procedure.CORPORATE, 1, date(2022, 10, 3), None, dates.respond_by)
    check_extension(*args, date(2023, 3, 1), calendar)
    with pytest.raises(TimescaleError, match="after the present due date, 31 October 2022"):
        check_extension(*args, date(2022, 10, 31), calendar)
    with pytest.raises(TimescaleError, match="Saturday 5 November 2022 is not a working day"):
        check_extension(*args, date(2022, 11, 5), calendar)


def test_childrens_stage_1_is_10_working_days_extendable_to_20_over_the_jubilee():
    dates = due(Procedure.CHILDREN, 1, date(2022, 5, 30))
    assert dates.respond_by == date(2022, 6, 15)
    assert dates.latest_extension == date(2022, 6, 29)
    args = (Procedure.CHILDREN, 1, date(2022, 5, 30), None, dates.respond_by)
    check_extension(*args, date(2022, 6, 29), calendar)
    with pytest.raises(
        TimescaleError,
        match=r"extended by 10 working days at most \(20 working days after receipt\), which is 29 June 2022",
    ):
        check_extension(*args, date(2022, 6, 30), calendar)


def test_childrens_stage_2_is_25_extendable_to_65_and_the_review_panel_30_without_extension():
    stage_2 = due(Procedure.CHILDREN, 2, date(2022, 9, 1))
    assert stage_2.respond_by == calendar.add(date(2022, 9, 1), 25) == date(2022, 10, 7)  # the funeral
    assert stage_2.latest_extension == calendar.add(date(2022, 9, 1), 65)
    panel = due(Procedure.CHILDREN, 3, date(2023, 4, 3))
    assert panel.respond_by == date(2023, 5, 19)  # Easter, May Day and the Coronation skipped
    assert panel.latest_extension is None
    with pytest.raises(TimescaleError, match="cannot be extended"):
        check_extension(
            Procedure.CHILDREN, 3, date(2023, 4, 3), None, panel.respond_by, date(2023, 6, 1), calendar
        )
    assert stages(Procedure.CHILDREN) == [1, 2, 3]


def test_the_code_stage_1_acknowledges_in_5_and_responds_10_after_the_acknowledgement():
    received = date(2026, 4, 1)  # the first day of the Code, just before Easter 2026
    unacknowledged = due(Procedure.CODE, 1, received)
    assert unacknowledged.acknowledge_by == date(2026, 4, 10)
    assert unacknowledged.respond_by == date(2026, 4, 24)  # from the acknowledgement's due date
    acknowledged = due(Procedure.CODE, 1, received, acknowledged_on=date(2026, 4, 2))
    assert acknowledged.respond_by == date(2026, 4, 20)
    # Extension by up to 10 more working days: to the 20th after the acknowledgement (May Day skipped).
    assert acknowledged.latest_extension == date(2026, 5, 5)
    args = (Procedure.CODE, 1, received, date(2026, 4, 2), acknowledged.respond_by)
    check_extension(*args, date(2026, 5, 5), calendar)
    with pytest.raises(
        TimescaleError, match=r"at most \(20 working days after the acknowledgement\), which is 5 May 2026"
    ):
        check_extension(*args, date(2026, 5, 6), calendar)


def test_the_code_stage_2_needs_a_new_handler_and_20_days_from_acknowledgement():
    scale = timescale(Procedure.CODE, 2)
    assert scale.new_handler and not timescale(Procedure.CODE, 1).new_handler
    dates = due(Procedure.CODE, 2, date(2026, 6, 1), acknowledged_on=date(2026, 6, 3))
    assert dates.acknowledge_by == date(2026, 6, 8)
    assert dates.respond_by == date(2026, 7, 1)
    assert stages(Procedure.CODE) == [1, 2]
    assert "respond within 20 of the acknowledgement" in scale.describe().replace("working days ", "")


def test_on_time_means_the_last_aspect_answered_by_the_due_date():
    assert answered_on_time(date(2022, 10, 31), date(2022, 10, 31)) is True
    assert answered_on_time(date(2022, 11, 1), date(2022, 10, 31)) is False
    assert answered_on_time(None, date(2022, 10, 31)) is None

    def complaint(*answers):
        mentions = [
            SimpleNamespace(
                aspects=SimpleNamespace(all=lambda a=a: [SimpleNamespace(responded_on=d) for d in a])
            )
            for a in answers
        ]
        return SimpleNamespace(respond_by=date(2022, 10, 31), mentions=SimpleNamespace(all=lambda: mentions))

    assert complaint_on_time(complaint([date(2022, 10, 3)], [date(2022, 10, 31)])) is True
    assert complaint_on_time(complaint([date(2022, 10, 3)], [date(2022, 11, 1)])) is False
    assert complaint_on_time(complaint([date(2022, 10, 3)], [None])) is None


def test_working_days_left_are_negative_when_overdue():
    assert working_days_left(date(2022, 12, 28), date(2022, 12, 23), calendar) == 1
    assert working_days_left(date(2022, 12, 23), date(2022, 12, 28), calendar) == -1
    assert working_days_left(None, date(2022, 12, 28), calendar) is None
