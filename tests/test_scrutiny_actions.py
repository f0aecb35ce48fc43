"""Scrutiny actions (issue 14, item 4): the clerk records what a committee asked for, the officer
responsible answers, the status is open, in progress, done or overdue (worked out from the due date),
open actions carry forward to each later meeting's matters-arising report until done, members of the
committee read its list overdue first, and officers are reminded before the next meeting, once."""

import datetime
import html
import io
import re

import pdfplumber
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from bromley_portal.reports import registry, rendering
from meetings import actions, reminders, services
from meetings.choices import ActionStatus, MeetingStatus, action_status
from meetings.models import ActionReminder, CommitteeMembership, ScrutinyAction
from meetings.services import MeetingError
from tests.factories import make_user
from tests.meeting_factories import make_meeting
from tests.test_pdf_tags import TaggedPDF, assert_well_tagged

D = datetime.date


def at(year, month, day, hour=19):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, 0))


@pytest.fixture
def council(db):
    """CEF PDS's meetings of 20 September 2022, 17 November 2022 and 24 January 2023; the post of Head of
    Early Help held by an officer; a member who sits on the committee and one who does not."""
    clerk = make_user(Role.CLERK)
    officer = make_user(Role.OFFICER, first_name="Rachel", last_name="Dunley")
    other_officer = make_user(Role.OFFICER, username="other-officer")
    member = make_user(Role.MEMBER)
    outsider_member = make_user(Role.MEMBER, username="ecs-member")
    september = make_meeting(when=at(2022, 9, 20))
    november = make_meeting(when=at(2022, 11, 17))
    january = make_meeting(when=at(2023, 1, 24))
    CommitteeMembership.objects.create(committee=november.committee, member=member)
    post = Post.objects.create(title="Head of Early Help")
    post.holders.add(officer)
    items = {
        meeting: services.add_item(clerk, meeting, number="4", title=f"Early help, {meeting.starts_at:%B}")
        for meeting in (september, november, january)
    }
    return {
        "clerk": clerk,
        "officer": officer,
        "other_officer": other_officer,
        "member": member,
        "outsider_member": outsider_member,
        "september": september,
        "november": november,
        "january": january,
        "items": items,
        "post": post,
    }


def record(council, meeting, request="Report back on waiting times.", due_on=None, **more):
    return actions.record_action(
        council["clerk"],
        council[meeting],
        agenda_item=more.pop("agenda_item", council["items"][council[meeting]]),
        request=request,
        post=more.pop("post", council["post"]),
        due_on=due_on or D(2023, 1, 10),
    )


# The status rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "due_on", "expected"),
    [
        (ActionStatus.OPEN, D(2023, 1, 10), ActionStatus.OPEN),
        (ActionStatus.OPEN, D(2023, 1, 9), ActionStatus.OVERDUE),
        (ActionStatus.IN_PROGRESS, D(2023, 1, 9), ActionStatus.OVERDUE),
        (ActionStatus.IN_PROGRESS, D(2023, 1, 11), ActionStatus.IN_PROGRESS),
        (ActionStatus.DONE, D(2023, 1, 1), ActionStatus.DONE),
    ],
)
def test_overdue_follows_from_the_due_date_the_same_in_python_and_in_sql(council, recorded, due_on, expected):
    today = D(2023, 1, 10)
    assert action_status(recorded, due_on, today) == expected
    action = record(council, "november", due_on=due_on)
    actions.edit_action(
        council["clerk"],
        action,
        agenda_item=action.agenda_item,
        request=action.request,
        post=action.post,
        due_on=due_on,
        recorded_status=recorded,
    )
    assert ScrutinyAction.objects.with_status(today).get(pk=action.pk).status == expected
    assert ScrutinyAction.objects.get(pk=action.pk).status_on(today) == expected


def test_overdue_is_never_recorded_and_done_keeps_when(council):
    action = record(council, "november")
    with pytest.raises(IntegrityError), transaction.atomic():
        ScrutinyAction.objects.filter(pk=action.pk).update(recorded_status=ActionStatus.OVERDUE)
    with pytest.raises(MeetingError, match="overdue follows from the due date"):
        actions.answer_action(council["officer"], action, response="Done.", recorded_status="overdue")
    answered = actions.answer_action(council["officer"], action, response="Done.", recorded_status="done")
    assert answered.done_at is not None
    reopened = actions.answer_action(council["officer"], action, response="Reopened.", recorded_status="open")
    assert reopened.done_at is None


def test_actions_are_numbered_within_their_meeting(council):
    first, second = record(council, "november"), record(council, "november")
    other = record(council, "january", due_on=D(2023, 2, 1))
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.reference == "17/11/2022-1"


# Bad input: a clear message and nothing saved -------------------------------------------------------


def test_bad_input_is_refused_with_a_message_and_nothing_saved(council):
    with pytest.raises(MeetingError, match=r"on or after the meeting \(17 November 2022\)"):
        record(council, "november", due_on=D(2022, 11, 16))
    with pytest.raises(MeetingError, match="is on another meeting's agenda"):
        record(council, "november", agenda_item=council["items"][council["september"]])
    with pytest.raises(MeetingError, match="2,000 characters or fewer"):
        record(council, "november", request="x" * 2001)
    with pytest.raises(MeetingError, match="Enter what the committee"):
        record(council, "november", request="   ")
    assert not ScrutinyAction.objects.exists()
    action = record(council, "november")
    with pytest.raises(MeetingError, match="4,000 characters or fewer"):
        actions.answer_action(council["officer"], action, response="y" * 4001, recorded_status="done")
    action.refresh_from_db()
    assert (action.response, action.recorded_status) == ("", ActionStatus.OPEN)


def form_data(council, meeting="november", **more):
    return {
        "agenda_item": council["items"][council[meeting]].pk,
        "request": "Bring the placement figures to the next meeting.",
        "post": council["post"].pk,
        "due_on_0": "10",
        "due_on_1": "1",
        "due_on_2": "2023",
        **more,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"due_on_0": "1", "due_on_1": "11", "due_on_2": "2022"},
            "The due date must be on or after the meeting",
        ),
        ({"due_on_0": "31", "due_on_1": "2", "due_on_2": "2023"}, "The due date must be a real date"),
        ("another meeting's item", "Select an item of this meeting&#x27;s agenda"),
        ({"request": "x" * 2001}, "2,000 characters or fewer"),
        ({"post": "999999"}, "Select a post from the list"),
    ],
)
def test_the_record_page_says_what_is_wrong_and_saves_nothing(client, council, change, message):
    client.force_login(council["clerk"])
    if change == "another meeting's item":
        change = {"agenda_item": council["items"][council["september"]].pk}
    response = client.post(f"/meetings/{council['november'].pk}/actions/new/", form_data(council, **change))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "govuk-error-summary" in page
    assert not ScrutinyAction.objects.exists()


# Pages ---------------------------------------------------------------------------------------------


def test_the_clerk_records_the_officer_answers_and_the_history_says_who(client, council):
    client.force_login(council["clerk"])
    response = client.post(f"/meetings/{council['november'].pk}/actions/new/", form_data(council))
    action = ScrutinyAction.objects.get()
    assert response.status_code == 302 and response.url == action.get_absolute_url()

    client.force_login(council["other_officer"])
    assert client.get(f"{action.get_absolute_url()}answer/").status_code == 403
    with pytest.raises(PermissionDenied):
        actions.answer_action(council["other_officer"], action, response="Not mine.", recorded_status="done")

    client.force_login(council["officer"])
    index = client.get("/meetings/actions/").content.decode()
    assert "Bring the placement figures" in index and f"/meetings/actions/{action.pk}/answer/" in index
    response = client.post(
        f"{action.get_absolute_url()}answer/",
        {"response": "Figures to follow in the January report.", "recorded_status": "in_progress"},
    )
    assert response.status_code == 302
    page = client.get(action.get_absolute_url()).content.decode()
    assert "Figures to follow in the January report." in page
    assert "Rachel Dunley" in page  # the history names who answered
    assert "Officer&#x27;s response: “” → “Figures to follow in the January report.”" in page
    assert client.get(f"{action.get_absolute_url()}edit/").status_code == 403

    client.force_login(council["member"])
    listing = client.get(f"/meetings/committees/{council['november'].committee_id}/actions/")
    assert "Figures to follow in the January report." in listing.content.decode()
    client.force_login(council["outsider_member"])
    assert client.get(f"/meetings/committees/{council['november'].committee_id}/actions/").status_code == 403
    assert client.get(action.get_absolute_url()).status_code == 403


def test_the_answer_page_refuses_an_over_long_response_and_keeps_the_old_one(client, council):
    action = record(council, "november")
    client.force_login(council["officer"])
    response = client.post(
        f"{action.get_absolute_url()}answer/", {"response": "z" * 4001, "recorded_status": "done"}
    )
    assert response.status_code == 200 and "4,000 characters or fewer" in response.content.decode()
    action.refresh_from_db()
    assert (action.response, action.recorded_status) == ("", ActionStatus.OPEN)


def make_actions(council, n, start=0):
    for i in range(start, start + n):
        action = record(
            council, "november", request=f"Request number {i}", due_on=D(2030, 1, 1) if i % 2 else None
        )
        if i % 3 == 0:
            actions.answer_action(
                council["officer"], action, response=f"Answer {i}", recorded_status="in_progress"
            )


def test_members_see_overdue_first_and_the_list_costs_the_same_at_any_length(client, council):
    client.force_login(council["member"])
    url = f"/meetings/committees/{council['november'].committee_id}/actions/"
    make_actions(council, 3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make_actions(council, 20, start=3)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(few) and len(many) <= 15
    statuses = re.findall(r"app-status--([a-z-]+)", page)
    assert statuses[0] == "overdue" and "open" in statuses
    first_not_overdue = next(i for i, status in enumerate(statuses) if status != "overdue")
    assert set(statuses[first_not_overdue:]) <= {"open", "in-progress", "done"}

    filtered = client.get(url, {"status": "overdue"}).content.decode()
    assert set(re.findall(r"app-status--([a-z-]+)", filtered)) == {"overdue"}
    assert "Request number 0" in client.get(url, {"q": "number 0"}).content.decode()
    bad = client.get(url, {"status": "nonsense"})
    assert bad.status_code == 200 and "Select status from the list" in bad.content.decode()
    export = client.get(url, {"_export": "csv"})
    assert export.status_code == 200 and "Overdue" in export.content.decode()


# Carrying forward and the matters-arising report ---------------------------------------------------


def test_open_actions_carry_forward_to_every_later_meeting_until_done(council):
    open_one = record(council, "september", request="Open since September", due_on=D(2022, 10, 1))
    done_before_november = record(council, "september", request="Done in October", due_on=D(2022, 10, 1))
    actions.answer_action(council["officer"], done_before_november, response="Done.", recorded_status="done")
    ScrutinyAction.objects.filter(pk=done_before_november.pk).update(done_at=at(2022, 10, 5))
    november_one = record(council, "november", request="Asked in November")

    def carried(meeting):
        return set(ScrutinyAction.objects.carried_to(council[meeting]).values_list("request", flat=True))

    assert carried("september") == set()
    assert carried("november") == {"Open since September", "Done in October"}  # done since September
    assert carried("january") == {"Open since September", "Asked in November"}
    actions.answer_action(council["officer"], open_one, response="Done at last.", recorded_status="done")
    ScrutinyAction.objects.filter(pk=open_one.pk).update(done_at=at(2022, 12, 1))
    assert carried("january") == {"Open since September", "Asked in November"}  # done since November: once
    later = make_meeting(when=at(2023, 3, 14))
    assert set(ScrutinyAction.objects.carried_to(later).values_list("request", flat=True)) == {
        "Asked in November"
    }
    assert november_one.meeting == council["november"]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def test_the_matters_arising_report_lists_the_carried_forward_actions_in_pdf_and_html(council):
    assert registry.get("meetings_matters_arising").title == "Matters arising and progress on actions"
    record(council, "september", request="Publish the sufficiency data by ward", due_on=D(2022, 10, 1))
    answered = record(
        council, "november", request="Visit two children's homes with members", due_on=D(2030, 1, 31)
    )
    actions.answer_action(
        council["officer"], answered, response="Visits booked for March.", recorded_status="in_progress"
    )
    finished = record(council, "november", request="Circulate the early help dashboard")
    actions.answer_action(
        council["officer"], finished, response="Circulated on 2 December.", recorded_status="done"
    )
    record(council, "january", request="Not yet due: asked at this meeting", due_on=D(2023, 2, 1))

    with CaptureQueriesContext(connection) as queries:
        report = rendering.render_report_to_pdf(
            "meetings_matters_arising", {"meeting": council["january"].pk, "report_number": "CEF23004"}
        )
    assert len(queries) < 20
    pypdf_text = squash(
        " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(report.pdf)).pages)
    )
    with pdfplumber.open(io.BytesIO(report.pdf)) as document:
        plumber_text = squash(" ".join(page.extract_text() or "" for page in document.pages))
        cells = [
            squash(cell or "")
            for page in document.pages
            for table in page.extract_tables()
            for row in table
            for cell in row
        ]
    web_text = squash(html.unescape(re.sub(r"<[^>]+>", " ", report.html)))
    for text in (pypdf_text, plumber_text, web_text):
        assert "PART 1 - PUBLIC" in text and "CEF23004" in text
        assert "CHILDREN, EDUCATION AND FAMILIES PDS COMMITTEE" in text.upper()
        assert "MATTERS ARISING AND PROGRESS ON ACTIONS" in text.upper()
        assert "24th January 2023" in text or "24 January 2023" in text
        assert "Not yet due: asked at this meeting" not in text
    # Each carried-forward action, as pypdf reads the page, as the web version says it, and in the
    # table's ruled cells as pdfplumber reads them (its page text interleaves the columns' lines).
    table_text = " ".join(cells).replace("’", "'")
    for text in (pypdf_text.replace("’", "'"), web_text, table_text):
        for carried in [
            "Publish the sufficiency data by ward",
            "Visit two children's homes with members",
            "Visits booked for March.",
            "Circulated on 2 December.",
        ]:
            assert carried in text
        assert "20/09/2022-1" in text and "17/11/2022-1" in text and "17/11/2022-2" in text
    assert "Overdue" in cells and "In progress" in cells and "Done" in cells
    report_type = registry.get("meetings_matters_arising")
    cleaned, _ = report_type.clean({"meeting": council["january"].pk, "report_number": "CEF23004"})
    context = rendering.template_context(report_type, report_type.build(cleaned), for_pdf=True)
    assert_well_tagged(TaggedPDF(report.pdf), render_to_string(report_type.template_name, context))
    starts = [
        cell.split(" ")[1] for cell in cells if cell.startswith("Action ") and "/" in cell.split(" ")[1]
    ]
    assert starts == ["20/09/2022-1", "17/11/2022-1", "17/11/2022-2"]  # overdue first, done in its own table


# Reminders -----------------------------------------------------------------------------------------


def test_officers_are_reminded_before_the_next_meeting_once(council, settings):
    settings.MEETINGS_ACTION_REMINDER_DAYS = 14
    outstanding = record(council, "november", request="Report the waiting list", due_on=D(2023, 1, 20))
    done = record(council, "november", request="Already done")
    actions.answer_action(council["officer"], done, response="Done.", recorded_status="done")
    unheld = council["other_officer"]
    mail.outbox.clear()

    assert reminders.send_reminders(now=at(2023, 1, 9)) == 0  # 15 days before: not yet
    assert reminders.send_reminders(now=at(2023, 1, 11)) == 1
    (message,) = mail.outbox
    assert message.to == [council["officer"].email]
    assert "24 January 2023" in message.subject and "1 action" in message.subject
    assert "Report the waiting list" in message.body and "Already done" not in message.body
    assert f"/meetings/actions/{outstanding.pk}/answer/" in message.body

    assert reminders.send_reminders(now=at(2023, 1, 12)) == 0  # none sent twice
    assert len(mail.outbox) == 1
    later = record(council, "november", request="Added after the first reminder", due_on=D(2023, 1, 30))
    assert reminders.send_reminders(now=at(2023, 1, 13)) == 1
    assert "Added after the first reminder" in mail.outbox[1].body
    assert "Report the waiting list" not in mail.outbox[1].body
    assert ActionReminder.objects.filter(recipient=council["officer"]).count() == 2
    assert later.post.holders.filter(pk=unheld.pk).count() == 0


def test_no_reminders_for_a_held_meeting_or_to_nobody(council):
    record(council, "november", request="Report the waiting list", due_on=D(2023, 1, 20))
    type(council["january"]).objects.filter(pk=council["january"].pk).update(status=MeetingStatus.HELD)
    mail.outbox.clear()
    assert reminders.send_reminders(now=at(2023, 1, 20)) == 0 and mail.outbox == []


def test_the_beat_sends_the_reminders_every_day(settings):
    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "meetings.send_action_reminders"
    )
    from bromley_portal.celery import app

    assert "meetings.send_action_reminders" in app.tasks and entry["schedule"].hour == {7}


def test_the_matters_arising_report_goes_into_the_next_meeting_s_pack_as_a_portal_report(
    council, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The pack's existing "portal report" paper: the report asked for, attached to an item of the next
    meeting (asked for again with the item's report number and the meeting's date), built into the pack."""
    from bromley_portal.reports import services as report_services
    from meetings import packs

    settings.MEDIA_ROOT = tmp_path / "media"
    record(council, "november", request="Bring the waiting list figures to January", due_on=D(2023, 1, 10))
    clerk, january = council["clerk"], council["january"]
    with django_capture_on_commit_callbacks(execute=True):
        source, _ = report_services.request_report(
            clerk, registry.get("meetings_matters_arising"), {"meeting": january.pk}
        )
    item = council["items"][january]
    with django_capture_on_commit_callbacks(execute=True):
        job = services.attach_report(clerk, item, source)
    job.refresh_from_db()
    assert job.is_done and job.parameters["report_number"] == item.report_number
    with django_capture_on_commit_callbacks(execute=True):
        pack = services.request_pack(clerk, january)
    packs.run_pack(pack.pk)
    pack.refresh_from_db()
    with pack.file.open("rb") as handle:
        text = squash(" ".join(page.extract_text() or "" for page in PdfReader(handle).pages))
    assert "MATTERS ARISING AND PROGRESS ON ACTIONS" in text.upper()
    assert "Bring the waiting list figures to January" in text and item.report_number in text


def test_the_clerk_corrects_an_action_and_a_bad_correction_changes_nothing(client, council):
    action = record(council, "november")
    client.force_login(council["clerk"])
    url = f"{action.get_absolute_url()}edit/"
    assert "Report back on waiting times." in client.get(url).content.decode()
    bad = client.post(
        url, form_data(council, due_on_0="16", due_on_1="11", due_on_2="2022", recorded_status="done")
    )
    assert bad.status_code == 200 and "The due date must be on or after the meeting" in bad.content.decode()
    action.refresh_from_db()
    assert (action.recorded_status, action.due_on) == (ActionStatus.OPEN, D(2023, 1, 10))
    good = client.post(
        url, form_data(council, due_on_0="28", due_on_1="2", due_on_2="2023", recorded_status="done")
    )
    assert good.status_code == 302
    action.refresh_from_db()
    assert (action.recorded_status, action.due_on) == (ActionStatus.DONE, D(2023, 2, 28))
    assert action.done_at is not None
    page = client.get(action.get_absolute_url()).content.decode()
    assert "Due date: “2023-01-10” → “2023-02-28”" in page and "Clerk Tester" in page
