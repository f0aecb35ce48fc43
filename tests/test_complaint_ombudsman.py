"""Ombudsman cases and their deadlines, financial remedies in pounds and pence, and compliments, through
complaints.services: each move and each refusal."""

from datetime import date
from decimal import Decimal

import pytest

from bromley_portal.accounts.roles import Role
from complaints import services
from complaints.models import Compliment, Division, OmbudsmanCase, Remedy, Service
from complaints.services import ComplaintError
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)


@pytest.fixture
def officer(people):
    return people[Role.COMPLAINTS_OFFICER]


@pytest.fixture
def housing():
    services.load_divisions()
    return Division.objects.get(name="Housing")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,400.07", "1400.07"),
        ("£20.5", "20.50"),
        (Decimal("6000"), "6000.00"),
        (0, "0.00"),
        ("104.40", "104.40"),
    ],
)
def test_amounts_are_pounds_and_pence(value, expected):
    assert services.pounds(value) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.234", "more than two decimal places"),
        ("-5", "is negative"),
        ("ten pounds", "is not an amount of money"),
        ("NaN", "is not an amount of money"),
        ("Infinity", "is not an amount of money"),
        (1.5, "not a floating-point number"),
        ("10000000000", "more than the"),
    ],
)
def test_a_bad_amount_is_refused_with_a_message(value, message):
    with pytest.raises(ComplaintError, match=message):
        services.pounds(value)


def test_a_remedy_is_recorded_at_stage_1_or_by_the_ombudsman(officer, housing):
    remedy = services.record_remedy(
        officer,
        division=housing,
        stage="stage_1",
        type="compensation",
        amount="3,725.00",
        agreed=date(2026, 6, 1),
    )
    assert Remedy.objects.get(pk=remedy.pk).amount == Decimal("3725.00")
    case = services.open_ombudsman_case(
        officer, reference="26 000 001", division=housing, received=date(2026, 5, 1)
    )
    with pytest.raises(ComplaintError, match="at the Ombudsman stage"):
        services.record_remedy(
            officer, division=housing, stage="stage_1", type="compensation", amount="1", agreed=TODAY,
            ombudsman_case=case,
        )  # fmt: skip
    with pytest.raises(ComplaintError, match="Choose the type of remedy"):
        services.record_remedy(
            officer, division=housing, stage="stage_1", type="gift", amount="1", agreed=TODAY
        )
    with pytest.raises(ComplaintError, match="more than two decimal places"):
        services.record_remedy(
            officer, division=housing, stage="stage_1", type="written_off", amount="1.001", agreed=TODAY
        )
    assert Remedy.objects.count() == 1


def test_an_ombudsman_case_its_deadlines_and_its_decision(officer, housing):
    complaint = make_complaint(officer, received=date(2026, 1, 5))
    case = services.open_ombudsman_case(
        officer, reference="26 000 002", division=housing, received=date(2026, 5, 1), complaint=complaint
    )
    with pytest.raises(ComplaintError, match="already an Ombudsman case 26 000 002"):
        services.open_ombudsman_case(
            officer, reference="26 000 002", division=housing, received=date(2026, 5, 1)
        )
    deadline = services.add_ombudsman_deadline(
        officer, case, what="Answers to enquiries", due=date(2026, 5, 29)
    )
    assert (
        services.answer_ombudsman_deadline(officer, deadline, on=date(2026, 5, 28), today=TODAY).on_time
        is True
    )
    with pytest.raises(ComplaintError, match="answered on 28 May 2026"):
        services.answer_ombudsman_deadline(officer, deadline, today=TODAY)
    with pytest.raises(ComplaintError, match='"Upheld: fault and injustice" follows an investigation'):
        services.record_ombudsman_decision(
            officer, case, decision="upheld", decided=date(2026, 9, 1), investigated=False, today=TODAY
        )
    with pytest.raises(ComplaintError, match="public report only on an upheld case"):
        services.record_ombudsman_decision(
            officer, case, decision="not_upheld", decided=date(2026, 9, 1), investigated=True, public_report=True,
            today=TODAY,
        )  # fmt: skip
    case = services.record_ombudsman_decision(
        officer, case, decision="upheld", decided=date(2026, 9, 1), investigated=True, remedy_complied=True,
        public_report=True, today=TODAY,
    )  # fmt: skip
    case = OmbudsmanCase.objects.get(pk=case.pk)
    assert (case.decision, case.investigated, case.remedy_complied, case.public_report) == (
        "upheld",
        True,
        True,
        True,
    )


def test_an_ombudsman_case_cannot_predate_its_complaint(officer, housing):
    complaint = make_complaint(officer, received=date(2026, 5, 5))
    with pytest.raises(ComplaintError, match="before complaint C2026-00001 was made"):
        services.open_ombudsman_case(
            officer, reference="X1", division=housing, received=date(2026, 5, 1), complaint=complaint
        )


def test_a_compliment_with_an_anonymised_quote(officer, housing):
    made = services.record_compliment(
        officer, received=date(2026, 10, 5), division=housing, channel="email", quote="N was a great help."
    )
    assert Compliment.objects.get(pk=made.pk).quote == "N was a great help."
    with pytest.raises(ComplaintError, match=r"Hospital Team .* is not a service of Housing"):
        services.record_compliment(
            officer,
            received=TODAY,
            division=housing,
            channel="email",
            service=Service.objects.get(name="Hospital Team"),
        )
    with pytest.raises(ComplaintError, match="The quote must be 3,000 characters or fewer"):
        services.record_compliment(
            officer, received=TODAY, division=housing, channel="email", quote="x" * 3001
        )


@pytest.mark.parametrize("role", [Role.MEMBER, Role.OFFICER, Role.CLERK, None])
def test_only_the_complaints_team_records_them(people, role, housing):
    person = people[role]
    with pytest.raises(ComplaintError, match="Only complaints officers and admins"):
        services.open_ombudsman_case(person, reference="X", division=housing, received=TODAY)
    with pytest.raises(ComplaintError, match="Only complaints officers and admins"):
        services.record_remedy(
            person, division=housing, stage="stage_1", type="compensation", amount="1", agreed=TODAY
        )
    with pytest.raises(ComplaintError, match="Only complaints officers and admins"):
        services.record_compliment(person, received=TODAY, division=housing, channel="email")
    assert (
        not OmbudsmanCase.objects.exists() and not Remedy.objects.exists() and not Compliment.objects.exists()
    )
