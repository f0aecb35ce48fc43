"""Case work through complaints.services: every move, and every refusal with its message."""

from datetime import date

import pytest

from bromley_portal.accounts.roles import Role
from complaints import services
from complaints.choices import AspectOutcome, ComplaintStatus, Procedure
from complaints.models import Aspect, Complainant, Complaint, Division, Extension, Mention, Service
from complaints.services import ComplaintError, MentionInput
from tests.factories import make_complaint, make_user

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)


@pytest.fixture
def officer(people):
    return people[Role.COMPLAINTS_OFFICER]


def aspects(complaint):
    return list(Aspect.objects.filter(mention__complaint=complaint).order_by("pk"))


def answer_all(officer, complaint, outcome=AspectOutcome.NOT_UPHELD, on=None):
    for aspect in aspects(complaint):
        services.record_response(officer, aspect, outcome=outcome, responded_on=on, today=TODAY)
    complaint.refresh_from_db()
    return complaint


# Logging ----------------------------------------------------------------------------------------


def test_an_officer_logs_a_complaint_with_mentions_and_aspects_in_the_reports_terms(officer):
    services.load_divisions()
    council_tax = Division.objects.get(name="Chief Executive's Dept.")
    housing = Division.objects.get(name="Housing")
    complaint = services.log_complaint(
        officer,
        received=date(2022, 10, 3),
        channel="website",
        mentions=[
            MentionInput(council_tax, Service.objects.get(name="Finance"), ["service_delay", "information"]),
            MentionInput(housing, None, ["disputed_decision"]),
        ],
        complainant={"name": "Mrs Jones", "email": "jones@example.invalid", "phone": "020 8464 3333"},
        summary="Delay with support; a disputed decision.",
        today=TODAY,
    )
    assert complaint.reference == "C2022-00001"
    assert (complaint.procedure, complaint.stage, complaint.status) == (
        Procedure.CORPORATE,
        1,
        ComplaintStatus.RECEIVED,
    )
    assert (complaint.acknowledge_by, complaint.respond_by) == (date(2022, 10, 6), date(2022, 10, 31))
    assert [(m.order, m.division.short_name, m.aspects.count()) for m in complaint.mentions.all()] == [
        (1, "CED", 2),
        (2, "Housing", 1),
    ]
    assert all(a.outcome == AspectOutcome.ONGOING for a in aspects(complaint))
    assert complaint.complainant.name == "Mrs Jones" and complaint.created_by == officer
    assert make_complaint(officer, received=date(2022, 11, 1)).reference == "C2022-00002"


def test_the_procedure_is_worked_out_from_the_first_service_and_the_date(officer):
    assert make_complaint(officer, received=date(2026, 3, 31)).procedure == Procedure.CORPORATE
    code = make_complaint(officer, received=date(2026, 4, 1))
    assert code.procedure == Procedure.CODE
    assert (code.acknowledge_by, code.respond_by) == (date(2026, 4, 10), date(2026, 4, 24))
    adults = make_complaint(officer, "Adult Social Care", service="Hospital Team", received=date(2026, 6, 1))
    assert adults.procedure == Procedure.ADULT_SOCIAL_CARE
    statutory = Service.objects.create(
        division=Division.objects.get(name="Children's Social Care"),
        name="Children in care",
        procedure="children",
    )
    children = make_complaint(
        officer, "Children's Social Care", service=statutory.name, received=date(2026, 6, 1)
    )
    assert children.procedure == Procedure.CHILDREN
    assert children.respond_by == date(2026, 6, 15)  # 10 working days


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mentions": []}, "Name at least one service"),
        ({"aspects": []}, "Mention 1: give at least one aspect"),
        ({"aspects": ["rudeness"]}, "'rudeness' is not an aspect type"),
        ({"service_of": "Adult Social Care"}, "Hospital Team is not a service of Housing"),
        ({"received": date(2026, 12, 1)}, "The date received cannot be in the future"),
        ({"received": date(1999, 12, 31)}, "cannot be before the earliest"),
        ({"channel": "pigeon"}, "Choose how the complaint came in"),
        ({"summary": "x" * 5001}, "The summary must be 5,000 characters or fewer; it has 5,001"),
        ({"complainant": {"email": "not an address"}}, "'not an address' is not an email address"),
        ({"complainant": {"name": "x" * 201}}, "The complainant's name must be 200 characters or fewer"),
        ({"complainant": {"nhs_number": "1"}}, "Unknown complainant details: nhs_number"),
        ({"inactive": True}, "Housing no longer takes complaints"),
        ({"aspects": ["information"] * 21}, "20 aspects at most"),
    ],
)
def test_a_bad_complaint_is_refused_with_a_message_and_nothing_is_saved(officer, change, message):
    services.load_divisions()
    housing = Division.objects.get(name="Housing")
    if change.get("inactive"):
        Division.objects.filter(pk=housing.pk).update(active=False)
        housing.refresh_from_db()
    service = Service.objects.get(name="Hospital Team") if "service_of" in change else None
    mentions = change.get(
        "mentions", [MentionInput(housing, service, change.get("aspects", ["information"]))]
    )
    with pytest.raises(ComplaintError, match=message):
        services.log_complaint(
            officer,
            received=change.get("received", date(2026, 5, 1)),
            channel=change.get("channel", "email"),
            mentions=mentions,
            complainant=change.get("complainant"),
            summary=change.get("summary", ""),
            today=TODAY,
        )
    assert (
        not Complaint.objects.exists() and not Mention.objects.exists() and not Complainant.objects.exists()
    )


@pytest.mark.parametrize(
    "role", [Role.MEMBER, Role.OFFICER, Role.APPROVER, Role.CLERK, Role.CONTRACTS_OFFICER, None]
)
def test_only_complaints_officers_and_admins_do_case_work(people, role):
    complaint = make_complaint(people[Role.ADMIN])  # an admin may log one
    person = people[role]
    refusal = "Only complaints officers and admins can do case work"
    for move in [
        lambda: make_complaint(person),
        lambda: services.acknowledge(person, complaint, today=TODAY),
        lambda: services.assign(person, complaint, people[Role.COMPLAINTS_OFFICER]),
        lambda: services.extend(person, complaint, new_due=date(2026, 1, 5), reason="Busy"),
        lambda: services.record_response(person, aspects(complaint)[0], outcome="upheld", today=TODAY),
        lambda: services.close(person, complaint, today=TODAY),
        lambda: services.escalate(person, complaint, today=TODAY),
    ]:
        with pytest.raises(ComplaintError, match=refusal):
            move()
    assert Complaint.objects.get().status == ComplaintStatus.RECEIVED


# Acknowledging, assigning, extending -------------------------------------------------------------


def test_acknowledging_moves_a_code_complaints_response_date_with_it(officer):
    complaint = make_complaint(officer, received=date(2026, 4, 1))
    complaint = services.acknowledge(officer, complaint, on=date(2026, 4, 2), today=TODAY)
    assert complaint.status == ComplaintStatus.ACKNOWLEDGED
    assert (complaint.acknowledged_on, complaint.respond_by) == (date(2026, 4, 2), date(2026, 4, 20))
    with pytest.raises(
        ComplaintError, match="is acknowledged: being investigated, so it cannot become acknowledged"
    ):
        services.acknowledge(officer, complaint, today=TODAY)


def test_an_acknowledgement_cannot_come_before_receipt_or_in_the_future(officer):
    complaint = make_complaint(officer, received=date(2025, 10, 1))
    with pytest.raises(ComplaintError, match="cannot be before the date received, 1 October 2025"):
        services.acknowledge(officer, complaint, on=date(2025, 9, 30), today=TODAY)
    with pytest.raises(ComplaintError, match="cannot be in the future"):
        services.acknowledge(officer, complaint, on=date(2026, 12, 1), today=TODAY)
    # A corporate complaint's response counts from receipt: acknowledging leaves it.
    due = complaint.respond_by
    assert services.acknowledge(officer, complaint, on=date(2025, 10, 3), today=TODAY).respond_by == due


def test_a_complaint_is_assigned_only_to_someone_who_handles_complaints(people, officer):
    complaint = make_complaint(officer)
    colleague = make_user(Role.COMPLAINTS_OFFICER, username="colleague")
    assert services.assign(officer, complaint, colleague).handler == colleague
    with pytest.raises(ComplaintError, match="cannot handle complaints: choose a complaints officer"):
        services.assign(officer, complaint, people[Role.MEMBER])
    colleague.is_active = False
    colleague.save()
    with pytest.raises(ComplaintError, match="cannot handle complaints"):
        services.assign(officer, complaint, colleague)


def test_under_the_code_the_stage_1_handler_may_not_handle_stage_2(officer):
    complaint = make_complaint(officer, received=date(2026, 5, 1))
    services.assign(officer, complaint, officer)
    services.acknowledge(officer, complaint, on=date(2026, 5, 5), today=TODAY)
    answer_all(officer, complaint, on=date(2026, 5, 12))
    stage_2 = services.escalate(officer, complaint, received=date(2026, 6, 1), today=TODAY)
    with pytest.raises(
        ComplaintError,
        match=r"handled C2026-00001 at stage 1: under the Complaint Handling Code .* someone else",
    ):
        services.assign(officer, stage_2, officer)
    colleague = make_user(Role.COMPLAINTS_OFFICER, username="colleague")
    assert services.assign(officer, stage_2, colleague).handler == colleague


def test_an_extension_records_its_reason_and_date_within_the_procedures_limit(officer):
    complaint = make_complaint(officer, received=date(2026, 4, 1))
    services.acknowledge(officer, complaint, on=date(2026, 4, 2), today=TODAY)
    with pytest.raises(ComplaintError, match="Give the reason"):
        services.extend(officer, complaint, new_due=date(2026, 5, 1), reason="  ", today=date(2026, 4, 10))
    with pytest.raises(
        ComplaintError,
        match=r"extended by 10 working days at most \(20 working days after the acknowledgement\), which is 5 May 2026",
    ):
        services.extend(
            officer, complaint, new_due=date(2026, 5, 6), reason="Complex", today=date(2026, 4, 10)
        )
    extension = services.extend(
        officer,
        complaint,
        new_due=date(2026, 5, 5),
        reason="Waiting for the contractor",
        today=date(2026, 4, 20),
    )
    complaint.refresh_from_db()
    assert complaint.respond_by == date(2026, 5, 5)
    assert (extension.previous_due, extension.new_due, extension.granted_by) == (
        date(2026, 4, 20),
        date(2026, 5, 5),
        officer,
    )
    with pytest.raises(ComplaintError, match="after the present due date, 5 May 2026"):
        services.extend(officer, complaint, new_due=date(2026, 5, 5), reason="Again", today=date(2026, 4, 21))
    # Once the response is overdue, it stays overdue.
    with pytest.raises(ComplaintError, match="was due on 5 May 2026: an extension is agreed before"):
        services.extend(officer, complaint, new_due=date(2026, 5, 6), reason="Late", today=date(2026, 5, 6))
    assert Extension.objects.count() == 1


# Answering ---------------------------------------------------------------------------------------


def test_answering_the_last_aspect_responds_the_complaint_and_on_time_is_by_the_due_date(officer):
    complaint = make_complaint(officer, received=date(2025, 10, 1), aspects=["information", "lack_of_action"])
    first, second = aspects(complaint)
    with pytest.raises(ComplaintError, match="acknowledge it before recording responses"):
        services.record_response(officer, first, outcome="upheld", today=TODAY)
    services.acknowledge(officer, complaint, on=date(2025, 10, 2), today=TODAY)
    assert complaint.respond_by == date(2025, 10, 29)
    first = services.record_response(
        officer, first, outcome="upheld", responded_on=date(2025, 10, 29), today=TODAY
    )
    assert first.on_time is True
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ACKNOWLEDGED and complaint.responded_on is None
    second = services.record_response(
        officer, second, outcome="partially_upheld", responded_on=date(2025, 10, 30), today=TODAY
    )
    assert second.on_time is False
    complaint.refresh_from_db()
    assert (complaint.status, complaint.responded_on) == (ComplaintStatus.RESPONDED, date(2025, 10, 30))


def test_an_answer_may_be_corrected_while_open_but_never_back_to_ongoing(officer):
    complaint = make_complaint(officer, received=date(2025, 10, 1))
    services.acknowledge(officer, complaint, today=TODAY)
    [aspect] = aspects(complaint)
    services.record_response(officer, aspect, outcome="upheld", responded_on=date(2025, 10, 10), today=TODAY)
    corrected = services.record_response(
        officer, aspect, outcome="not_upheld", responded_on=date(2025, 10, 10), today=TODAY
    )
    assert corrected.outcome == AspectOutcome.NOT_UPHELD
    with pytest.raises(ComplaintError, match="Choose an outcome: fully upheld, partially upheld, not upheld"):
        services.record_response(officer, aspect, outcome="ongoing", today=TODAY)
    with pytest.raises(ComplaintError, match="cannot be before the date received"):
        services.record_response(
            officer, aspect, outcome="upheld", responded_on=date(2025, 9, 1), today=TODAY
        )
    services.close(officer, complaint, today=TODAY)
    with pytest.raises(ComplaintError, match="its responses can no longer change"):
        services.record_response(officer, aspect, outcome="upheld", today=TODAY)


def test_a_division_that_records_no_outcomes_answers_not_known_and_no_other(officer):
    complaint = make_complaint(
        officer,
        "Environment & Public Protection",
        service="Neighbourhood Management",
        received=date(2025, 10, 1),
    )
    services.acknowledge(officer, complaint, today=TODAY)
    [aspect] = aspects(complaint)
    with pytest.raises(ComplaintError, match="Environment & Public Protection does not record outcomes"):
        services.record_response(officer, aspect, outcome="upheld", today=TODAY)
    assert services.record_response(officer, aspect, outcome="not_known", today=TODAY).outcome == "not_known"
    other = make_complaint(officer, received=date(2025, 10, 1))
    services.acknowledge(officer, other, today=TODAY)
    with pytest.raises(ComplaintError, match="Choose an outcome"):
        services.record_response(officer, aspects(other)[0], outcome="not_known", today=TODAY)


# Closing and escalating -------------------------------------------------------------------------


def test_only_a_responded_complaint_closes(officer):
    complaint = make_complaint(officer, received=date(2025, 10, 1))
    with pytest.raises(ComplaintError, match="is received: not acknowledged yet, so it cannot become closed"):
        services.close(officer, complaint, today=TODAY)
    services.acknowledge(officer, complaint, today=TODAY)
    answer_all(officer, complaint, on=date(2025, 10, 20))
    with pytest.raises(ComplaintError, match="cannot be before the response, 20 October 2025"):
        services.close(officer, complaint, on=date(2025, 10, 19), today=TODAY)
    closed = services.close(officer, complaint, on=date(2025, 10, 21), today=TODAY)
    assert (closed.status, closed.closed_on) == (ComplaintStatus.CLOSED, date(2025, 10, 21))


def test_the_corporate_procedure_has_no_stage_2(officer):
    complaint = make_complaint(officer, received=date(2025, 10, 1))
    services.acknowledge(officer, complaint, today=TODAY)
    answer_all(officer, complaint, on=date(2025, 10, 20))
    with pytest.raises(ComplaintError, match=r"has one stage, not a stage 2: .* Ombudsman"):
        services.escalate(officer, complaint, today=TODAY)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESPONDED and not Complaint.objects.filter(stage=2).exists()


def test_escalation_opens_the_next_stage_linked_to_the_one_before(officer):
    complaint = make_complaint(officer, received=date(2026, 5, 1), aspects=["information", "service_delay"])
    with pytest.raises(ComplaintError, match="cannot become escalated"):
        services.escalate(officer, complaint, today=TODAY)
    services.acknowledge(officer, complaint, on=date(2026, 5, 5), today=TODAY)
    answer_all(officer, complaint, outcome="upheld", on=date(2026, 5, 12))
    services.close(officer, complaint, on=date(2026, 5, 13), today=TODAY)
    with pytest.raises(ComplaintError, match="cannot be before the response, 12 May 2026"):
        services.escalate(officer, complaint, received=date(2026, 5, 11), today=TODAY)
    stage_2 = services.escalate(officer, complaint, received=date(2026, 6, 1), today=TODAY)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.closed_on) == (ComplaintStatus.ESCALATED, date(2026, 5, 13))
    assert (stage_2.reference, stage_2.stage, stage_2.procedure) == ("C2026-00001/2", 2, Procedure.CODE)
    assert stage_2.escalated_from == complaint and complaint.escalation == stage_2
    assert stage_2.complainant == complaint.complainant and stage_2.handler is None
    assert (stage_2.acknowledge_by, stage_2.respond_by) == (date(2026, 6, 8), date(2026, 7, 6))
    assert [(a.type, a.outcome) for a in aspects(stage_2)] == [
        ("information", "ongoing"),
        ("service_delay", "ongoing"),
    ]
    # Stage 1's answers stay as they were: the statistics count them.
    assert {a.outcome for a in aspects(complaint)} == {"upheld"}
    # The Code has two stages; after stage 2, the Ombudsman.
    services.acknowledge(officer, stage_2, on=date(2026, 6, 2), today=TODAY)
    with pytest.raises(ComplaintError, match="stage 2: the response cannot be extended"):
        services.extend(
            officer, stage_2, new_due=date(2026, 7, 10), reason="More time", today=date(2026, 6, 3)
        )
    answer_all(officer, stage_2, on=date(2026, 6, 20))
    with pytest.raises(ComplaintError, match="has 2 stages, not a stage 3"):
        services.escalate(officer, stage_2, today=TODAY)
    with pytest.raises(ComplaintError, match="C2026-00001/2 is responded"):
        services.extend(officer, stage_2, new_due=date(2026, 7, 10), reason="More time")


def test_childrens_complaints_go_to_a_review_panel_at_stage_3(officer):
    services.load_divisions()
    Division.objects.filter(name="Children's Social Care").update(procedure="children")
    complaint = make_complaint(officer, "Children's Social Care", received=date(2026, 6, 1))
    for stage in (2, 3):
        services.acknowledge(officer, complaint, today=TODAY)
        answer_all(officer, complaint, on=TODAY)
        complaint = services.escalate(officer, complaint, received=TODAY, today=TODAY)
        assert complaint.stage == stage and complaint.procedure == Procedure.CHILDREN
    assert complaint.reference == "C2026-00001/3"
    assert complaint.respond_by == date(2027, 1, 14)  # 30 working days, Christmas and New Year skipped
