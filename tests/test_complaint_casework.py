"""Case work in the browser's forms: logging a complaint with its services and aspects on one page,
acknowledging, assigning, extending, recording answers, closing and escalating. Every change goes
through complaints.services; every form carries the version of the case read, so a stale POST gets 409
and changes nothing; errors come back in the GOV.UK error summary with nothing saved."""

from datetime import date

import pytest
from django.urls import reverse

from bromley_portal.accounts.roles import Role
from complaints import caseload
from complaints.choices import AspectOutcome, ComplaintStatus
from complaints.forms import case_version
from complaints.models import Aspect, Complainant, Complaint, Division, Extension, Service
from tests.factories import make_user
from tests.test_complaint_pages import TODAY, log, today  # noqa: F401 (the fixture)


@pytest.fixture
def officer(people):
    return people[Role.COMPLAINTS_OFFICER]


@pytest.fixture
def officer_client(client, officer, today):  # noqa: F811
    client.force_login(officer)
    return client


def version(complaint) -> str:
    case = caseload.case_queryset().get(pk=complaint.pk)
    return case_version(case, caseload.aspects_of(case))


def day(name: str, value: date) -> dict:
    return {f"{name}_0": str(value.day), f"{name}_1": str(value.month), f"{name}_2": str(value.year)}


def fresh(complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def mention_data(*mentions, total=None) -> dict:
    data = {
        "mention-TOTAL_FORMS": str(total or len(mentions)),
        "mention-INITIAL_FORMS": "0",
        "mention-MIN_NUM_FORMS": "1",
        "mention-MAX_NUM_FORMS": "20",
    }
    for index, (division, service, aspects) in enumerate(mentions):
        data[f"mention-{index}-division"] = str(division.pk) if division else ""
        data[f"mention-{index}-service"] = str(service.pk) if service else ""
        data[f"mention-{index}-aspects"] = list(aspects)
    return data


@pytest.fixture
def divisions(db):
    from complaints.services import load_divisions

    load_divisions()
    return {division.name: division for division in Division.objects.all()}


# Logging -------------------------------------------------------------------------------------------


def test_an_officer_logs_a_complaint_naming_two_services_and_its_due_dates_follow(officer_client, divisions):
    adult, housing = divisions["Adult Social Care"], divisions["Housing"]
    hospital = Service.objects.get(division=adult, name="Hospital Team")
    data = {
        **day("received", date(2026, 4, 2)),
        "channel": "telephone",
        "name": "Ms Caller",
        "email": "caller@example.invalid",
        "summary": "Discharge was not arranged",
        **mention_data(
            (adult, hospital, ["lack_of_action", "information"]),
            (housing, None, ["service_delay"]),
        ),
    }
    response = officer_client.post(reverse("complaints:log"), data)
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == complaint.get_absolute_url()
    # The first service decides the procedure: adult social care, 3 and 20 working days across Easter.
    assert complaint.procedure == "adult_social_care"
    assert (complaint.acknowledge_by, complaint.respond_by) == (date(2026, 4, 9), date(2026, 5, 5))
    assert [(m.division.name, m.service and m.service.name) for m in complaint.mentions.all()] == [
        ("Adult Social Care", "Hospital Team"),
        ("Housing", None),
    ]
    assert sorted(Aspect.objects.values_list("type", flat=True)) == [
        "information",
        "lack_of_action",
        "service_delay",
    ]
    assert complaint.complainant.name == "Ms Caller" and complaint.summary == "Discharge was not arranged"
    page = officer_client.get(response.url).content.decode()
    assert "Due by Thursday 9 April 2026" in page and "Due by Tuesday 5 May 2026" in page


def test_a_service_alone_names_its_division_and_blank_services_are_ignored(officer_client, divisions):
    hospital = Service.objects.get(name="Hospital Team")
    data = {
        **day("received", TODAY),
        "channel": "email",
        **mention_data((None, hospital, ["staff_conduct"]), (None, None, []), total=2),
    }
    assert officer_client.post(reverse("complaints:log"), data).status_code == 302
    assert Complaint.objects.get().mentions.get().division.name == "Adult Social Care"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"received_0": "", "received_1": "", "received_2": ""},
            "Enter the date received as a day, month and year",
        ),
        ({"received_0": "31", "received_1": "2"}, "The date received must be a real date"),
        ({"received_2": "99999999999"}, "The date received must be a real date"),
        ({"channel": "pigeon"}, "Select how the complaint came in"),
        ({"email": "not an address"}, "Enter an email address in the correct format"),
        ({"summary": "x" * 5001}, "The summary must be 5,000 characters or fewer"),
        ({"name": "n" * 201}, "The complainant's name must be 200 characters or fewer"),
        ({"mention-0-division": "", "mention-0-aspects": []}, "Name at least one division or service"),
        ({"mention-0-aspects": []}, "Service 1: Select at least one thing that went wrong"),
        ({"mention-0-aspects": ["gripes"]}, "Service 1: Select aspects from the list"),
        ({"mention-0-division": "999999"}, "Service 1: Select a division from the list"),
        ({"mention-0-service": "SERVICE_OF_ANOTHER"}, "Service 1: Select a service of Housing"),
        ({"handler": "OUTSIDER"}, "Select a complaints officer from the list"),
        (
            {"received_0": "1", "received_1": "12", "received_2": "2026"},
            "The date received cannot be in the future",
        ),
    ],
)
def test_bad_input_is_named_in_the_error_summary_and_nothing_is_saved(
    officer_client, divisions, people, change, message
):
    housing = divisions["Housing"]
    data = {**day("received", TODAY), "channel": "email", **mention_data((housing, None, ["information"]))}
    for key, value in change.items():
        if value == "SERVICE_OF_ANOTHER":
            value = str(Service.objects.get(name="Hospital Team").pk)
        if value == "OUTSIDER":
            value = str(people[Role.MEMBER].pk)
        data[key] = value
    response = officer_client.post(reverse("complaints:log"), data)
    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    assert "govuk-error-summary" in page and "<title>Error: " in page
    assert message in page
    assert not Complaint.objects.exists() and not Complainant.objects.exists()


def test_add_another_service_shows_one_more_and_saves_nothing(officer_client, divisions):
    housing = divisions["Housing"]
    data = {
        **day("received", TODAY),
        "channel": "email",
        "add_mention": "1",
        **mention_data((housing, None, ["information"])),
    }
    page = officer_client.post(reverse("complaints:log"), data).content.decode()
    assert 'id="mention-2"' in page and 'name="mention-TOTAL_FORMS" value="2"' in page
    assert not Complaint.objects.exists()


def test_a_posted_form_count_past_the_limit_is_refused_without_building_it(officer_client, divisions):
    housing = divisions["Housing"]
    data = {**day("received", TODAY), "channel": "email", **mention_data((housing, None, ["information"]))}
    data["mention-TOTAL_FORMS"] = "100000"
    response = officer_client.post(reverse("complaints:log"), data)
    assert response.status_code == 200
    assert "A complaint can name 20 services at most" in response.content.decode()
    assert not Complaint.objects.exists()
    data["add_mention"], data["mention-TOTAL_FORMS"] = "1", "x"
    assert officer_client.post(reverse("complaints:log"), data).status_code == 200


def test_the_logging_form_has_no_complainant_fields_without_the_permission(officer_client, monkeypatch):
    import rules

    original = rules.permissions.permissions["complaints.view_complainant"]
    rules.set_perm("complaints.view_complainant", rules.always_false)
    try:
        page = officer_client.get(reverse("complaints:log")).content.decode()
    finally:
        rules.set_perm("complaints.view_complainant", original)
    assert 'name="channel"' in page and 'name="email"' not in page and 'name="summary"' not in page


# Moving a case on ------------------------------------------------------------------------------------


def test_acknowledge_then_assign_from_the_complaints_page(officer_client, officer, divisions):
    case = log(officer, date(2026, 4, 20), "Housing")  # the Code: respond 10 working days after acknowledging
    url = case.get_absolute_url()
    response = officer_client.post(
        reverse("complaints:acknowledge", args=[case.pk]),
        {"version": version(case), **day("acknowledged_on", date(2026, 4, 22))},
    )
    assert response.status_code == 302 and response.url == url
    case = fresh(case)
    assert case.status == ComplaintStatus.ACKNOWLEDGED
    assert case.respond_by == date(2026, 5, 7)  # 23, 24, 27-30 April, 1 May, (4 May), 5, 6, 7 May
    colleague = make_user(Role.COMPLAINTS_OFFICER, username="colleague")
    response = officer_client.post(
        reverse("complaints:assign", args=[case.pk]), {"version": version(case), "handler": colleague.pk}
    )
    assert response.status_code == 302 and fresh(case).handler == colleague


def test_a_stale_post_gets_409_and_changes_nothing(officer_client, officer, client, divisions):
    case = log(officer, date(2026, 4, 20), "Housing")
    read = version(case)  # two officers open the page
    from complaints import services

    services.assign(officer, case, officer)  # one assigns it
    response = officer_client.post(
        reverse("complaints:acknowledge", args=[case.pk]), {"version": read, **day("acknowledged_on", TODAY)}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed after you opened it, so nothing was done" in page and "<title>Error: " in page
    assert fresh(case).status == ComplaintStatus.RECEIVED
    for name, data in [
        ("extend", {"reason": "More time", **day("new_due", date(2026, 5, 29))}),
        ("close", day("closed_on", TODAY)),
        ("escalate", day("received", TODAY)),
    ]:
        response = officer_client.post(
            reverse(f"complaints:{name}", args=[case.pk]), {"version": read, **data}
        )
        assert response.status_code == 409, name
    assert not Extension.objects.exists()


def test_a_missing_version_or_a_get_of_a_post_only_address_changes_nothing(
    officer_client, officer, divisions
):
    case = log(officer, TODAY, "Housing")
    response = officer_client.post(
        reverse("complaints:acknowledge", args=[case.pk]), day("acknowledged_on", TODAY)
    )
    assert response.status_code == 200
    assert "Reload the page: the version of the complaint you read was not sent" in response.content.decode()
    assert officer_client.get(reverse("complaints:acknowledge", args=[case.pk])).status_code == 405
    assert officer_client.get(reverse("complaints:assign", args=[case.pk])).status_code == 405
    assert fresh(case).status == ComplaintStatus.RECEIVED


def test_a_refused_move_says_why_in_the_error_summary(officer_client, officer, divisions):
    case = log(officer, date(2026, 4, 20), "Housing")
    response = officer_client.post(
        reverse("complaints:acknowledge", args=[case.pk]),
        {"version": version(case), **day("acknowledged_on", date(2026, 4, 1))},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "cannot be before the date received, 20 April 2026" in page
    assert fresh(case).status == ComplaintStatus.RECEIVED


def _childrens_case(officer, divisions, received=date(2026, 4, 14)):
    in_care = Service.objects.create(
        division=divisions["Children's Social Care"], name="Child in care", procedure="children"
    )
    return log(officer, received, "Children's Social Care", service=in_care.name)


def test_extend_within_the_procedures_limit_and_refused_past_it(officer_client, officer, divisions):
    from complaints import services

    # Children's stage 1: 10 working days, extendable to 20. Received Tuesday 28 April 2026.
    case = _childrens_case(officer, divisions, received=date(2026, 4, 28))
    services.acknowledge(officer, case, on=date(2026, 4, 29), today=TODAY)
    case = fresh(case)
    assert case.respond_by == date(2026, 5, 13)  # past the Early May bank holiday
    url = reverse("complaints:extend", args=[case.pk])
    page = officer_client.get(url).content.decode()
    # 20 working days, past the Spring bank holiday on 25 May.
    assert "The latest date an extension can give is <strong>Thursday 28 May 2026</strong>" in page
    too_late = officer_client.post(
        url, {"version": version(case), "reason": "Waiting", **day("new_due", date(2026, 5, 29))}
    )
    assert too_late.status_code == 200
    assert "28 May 2026" in too_late.content.decode() and "govuk-error-summary" in too_late.content.decode()
    holiday = officer_client.post(
        url, {"version": version(case), "reason": "Waiting", **day("new_due", date(2026, 5, 25))}
    )
    assert "is not a working day" in holiday.content.decode()
    no_reason = officer_client.post(
        url, {"version": version(case), "reason": "", **day("new_due", date(2026, 5, 20))}
    )
    assert "Enter the reason for the extension" in no_reason.content.decode()
    assert not Extension.objects.exists()
    done = officer_client.post(
        url,
        {
            "version": version(case),
            "reason": "The social worker is away",
            **day("new_due", date(2026, 5, 20)),
        },
    )
    assert done.status_code == 302
    assert fresh(case).respond_by == date(2026, 5, 20)
    assert Extension.objects.get().reason == "The social worker is away"
    assert "The social worker is away" in officer_client.get(case.get_absolute_url()).content.decode()


def test_an_overdue_response_is_not_offered_an_extension(officer_client, officer, divisions):
    from complaints import services

    case = _childrens_case(officer, divisions)  # due 28 April; today is 5 May
    services.acknowledge(officer, case, on=date(2026, 4, 15), today=TODAY)
    assert (
        reverse("complaints:extend", args=[case.pk])
        not in officer_client.get(case.get_absolute_url()).content.decode()
    )
    url = reverse("complaints:extend", args=[case.pk])
    assert "cannot be extended" in officer_client.get(url).content.decode()
    refused = officer_client.post(
        url, {"version": version(case), "reason": "Late", **day("new_due", date(2026, 5, 12))}
    )
    assert "an extension is agreed before the response falls due" in refused.content.decode()
    assert not Extension.objects.exists()


def test_answer_each_aspect_then_close_after_being_asked(officer_client, officer, divisions):
    from complaints import services

    case = log(officer, date(2026, 4, 20), "Housing", aspects=("information", "lack_of_action"))
    services.acknowledge(officer, case, on=date(2026, 4, 21), today=TODAY)
    aspects = list(Aspect.objects.filter(mention__complaint=case).order_by("pk"))
    for aspect, outcome in zip(aspects, [AspectOutcome.UPHELD, AspectOutcome.NOT_UPHELD], strict=True):
        url = reverse("complaints:respond", args=[case.pk, aspect.pk])
        page = officer_client.get(url).content.decode()
        assert "Not known" not in page  # Housing records outcomes
        response = officer_client.post(
            url, {"version": version(case), "outcome": outcome, **day("responded_on", date(2026, 5, 1))}
        )
        assert response.status_code == 302
    case = fresh(case)
    assert case.status == ComplaintStatus.RESPONDED and case.responded_on == date(2026, 5, 1)
    assert set(Aspect.objects.values_list("on_time", flat=True)) == {True}
    close = reverse("complaints:close", args=[case.pk])
    page = officer_client.get(close).content.decode()
    assert "Close complaint" in page and "cannot be reopened" in page
    assert fresh(case).status == ComplaintStatus.RESPONDED  # asking changed nothing
    response = officer_client.post(close, {"version": version(case), **day("closed_on", TODAY)})
    assert response.status_code == 302
    assert fresh(case).status == ComplaintStatus.CLOSED and fresh(case).closed_on == TODAY


def test_a_division_that_records_no_outcomes_is_answered_not_known(officer_client, officer, divisions):
    from complaints import services

    case = log(officer, date(2026, 4, 20), "Environment & Public Protection")
    services.acknowledge(officer, case, on=date(2026, 4, 21), today=TODAY)
    aspect = Aspect.objects.get(mention__complaint=case)
    url = reverse("complaints:respond", args=[case.pk, aspect.pk])
    refused = officer_client.post(
        url, {"version": version(case), "outcome": "upheld", **day("responded_on", TODAY)}
    )
    assert "Select the outcome of this aspect" in refused.content.decode()
    done = officer_client.post(
        url, {"version": version(case), "outcome": "not_known", **day("responded_on", TODAY)}
    )
    assert done.status_code == 302 and Aspect.objects.get().outcome == AspectOutcome.NOT_KNOWN


def test_an_aspect_of_another_complaint_is_not_found(officer_client, officer, divisions):
    one, other = log(officer, TODAY, "Housing"), log(officer, TODAY, "Housing")
    aspect = Aspect.objects.get(mention__complaint=other)
    assert officer_client.get(reverse("complaints:respond", args=[one.pk, aspect.pk])).status_code == 404


def test_escalate_after_being_asked_opens_stage_2_linked_to_stage_1(officer_client, officer, divisions):
    from complaints import services

    case = _childrens_case(officer, divisions)
    services.acknowledge(officer, case, on=date(2026, 4, 15), today=TODAY)
    [aspect] = Aspect.objects.filter(mention__complaint=case)
    services.record_response(
        officer, aspect, outcome="not_upheld", responded_on=date(2026, 4, 24), today=TODAY
    )
    url = reverse("complaints:escalate", args=[case.pk])
    page = officer_client.get(url).content.decode()
    assert "stage 2: investigation" in page and "cannot be undone" in page
    response = officer_client.post(url, {"version": version(case), **day("received", TODAY)})
    later = Complaint.objects.get(escalated_from=case)
    assert response.status_code == 302 and response.url == later.get_absolute_url()
    assert later.stage == 2 and fresh(case).status == ComplaintStatus.ESCALATED
    # Stage 2: 25 working days from 5 May 2026, past the Spring bank holiday on 25 May.
    assert later.respond_by == date(2026, 6, 10)
    page = officer_client.get(later.get_absolute_url()).content.decode()
    assert case.reference in page and "Stage 2" in page


def test_a_corporate_complaint_has_no_next_stage_to_escalate_to(officer_client, officer, divisions):
    from complaints import services

    case = log(officer, date(2026, 3, 2), "Housing")  # the Corporate Complaints Procedure: one stage
    services.acknowledge(officer, case, on=date(2026, 3, 3), today=TODAY)
    [aspect] = Aspect.objects.filter(mention__complaint=case)
    services.record_response(officer, aspect, outcome="upheld", responded_on=date(2026, 3, 20), today=TODAY)
    page = officer_client.get(reverse("complaints:escalate", args=[case.pk])).content.decode()
    assert "after its last stage the complainant may go to the Ombudsman" in page
    response = officer_client.post(
        reverse("complaints:escalate", args=[case.pk]), {"version": version(case), **day("received", TODAY)}
    )
    assert response.status_code == 200 and fresh(case).status == ComplaintStatus.RESPONDED


def test_other_roles_cannot_do_case_work(client, people, officer, divisions):
    case = log(officer, TODAY, "Housing")
    for role in [Role.MEMBER, Role.CLERK, Role.OFFICER]:
        client.force_login(people[role])
        response = client.post(
            reverse("complaints:acknowledge", args=[case.pk]),
            {"version": version(case), **day("acknowledged_on", TODAY)},
        )
        assert response.status_code == 403
        assert client.get(reverse("complaints:log")).status_code == 403
    assert fresh(case).status == ComplaintStatus.RECEIVED
