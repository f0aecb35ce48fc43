"""Locking no longer strands unfinished updates (issue 11, item 5): on lock each draft, submitted
or returned update, and each action with none, is closed as "No update received" with who was
chased; the dashboards, the actions list's CSV and the committee report count and print them
through the one reported rule, and the leads and approvers are told by e-mail."""

import csv
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from bromley_portal.reports import rendering
from plans import dashboards
from plans.choices import Rag, ReminderKind, UpdateStatus
from plans.models import QuarterlyUpdate, Reminder
from plans.services import (
    NOT_RECEIVED_REASON,
    approve_update,
    return_update,
    save_update,
    update_for,
)
from tests.factories import make_plan
from tests.workflow import make_council, signed_in, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(db):
    council = make_council()
    make_plan(year=2024, actions=2, lead="Director Education")  # actions 4 and 5
    council["actions"] = list(council["plan"].sections.get().actions.order_by("number"))
    return council


def write(council, number, submit, writer=None, narrative=None):
    return save_update(
        update_for(council["actions"][number - 1], council["period"]),
        writer or council["officer"],
        version=0,
        rag=Rag.GREEN,
        narrative=narrative or f"Words for action {number}",
        submit=submit,
    )


@pytest.fixture
def locked(council, client, django_capture_on_commit_callbacks):
    """1 approved; 2 submitted; 3 a draft (by the director, who leads it); 4 returned; 5 nothing."""
    approved = write(council, 1, submit=True)
    approve_update(approved, council["approver"], version=approved.version)
    write(council, 2, submit=True, narrative="Submitted, never approved")
    write(council, 3, submit=False, writer=council["director"])
    returned = write(council, 4, submit=True)
    return_update(returned, council["approver"], "Add the figures", version=returned.version)
    Reminder.objects.create(
        period=council["period"], kind=ReminderKind.OVERDUE, recipient=council["officer"], item_count=3
    )
    clerk = signed_in(council["clerk"])
    confirm = clerk.get(reverse("plans:lock_period", args=[council["period"].pk]))
    council["confirm"] = text(confirm)
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(reverse("plans:lock_period", args=[council["period"].pk]))
    assert response.status_code == 302
    return council


def by_number(council) -> dict:
    updates = QuarterlyUpdate.objects.filter(period=council["period"]).select_related("action")
    return {update.action.number: update for update in updates}


def test_the_confirmation_says_how_many_will_be_closed(locked):
    assert "4 actions have no approved update and will be closed as “No update received”" in locked["confirm"]


def test_every_unfinished_update_and_missing_one_is_closed_with_who_was_chased(locked):
    updates = by_number(locked)
    assert {n: u.status for n, u in updates.items()} == {
        1: UpdateStatus.LOCKED,
        2: UpdateStatus.NOT_RECEIVED,
        3: UpdateStatus.NOT_RECEIVED,
        4: UpdateStatus.NOT_RECEIVED,
        5: UpdateStatus.NOT_RECEIVED,
    }
    assert [updates[n].chased["was"] for n in (2, 3, 4, 5)] == [
        "submitted",
        "draft",
        "returned",
        "not_started",
    ]
    for number in (2, 3, 4, 5):
        closed = updates[number]
        assert (closed.rag, closed.narrative) == ("", "")  # nothing unapproved is published
        assert "Olu Adeyemi (Director Education)" in closed.chased["leads"]
        assert set(closed.chased["approvers"]) == {"Grace Hopper", "Dana Director"}
        assert closed.chased["reminders"][0]["kind"] == "Overdue"
        assert closed.chased["reminders"][0]["to"] == "Olu Adeyemi"
    assert "Dana Director (Director CEF)" in updates[3].chased["leads"]
    # History keeps what the submitted update said, and who closed it and why.
    record = updates[2].history.first()
    assert (record.history_change_reason, record.history_user) == (NOT_RECEIVED_REASON, locked["clerk"])
    assert updates[2].history.filter(narrative="Submitted, never approved").exists()
    assert updates[5].history.get().history_user == locked["clerk"]


def test_the_leads_and_approvers_are_told(locked):
    to = sorted((message.to[0], message.subject) for message in mail.outbox)
    subject = "2024-25 Q2 locked: 4 updates recorded as not received"
    assert to == [
        ("dana@example.invalid", "2024-25 Q2 locked: 1 update recorded as not received"),  # lead of 3
        ("dana@example.invalid", subject),  # approver for CEF
        ("grace@example.invalid", subject),
        ("olu@example.invalid", subject),
    ]
    olu = next(message for message in mail.outbox if message.to == ["olu@example.invalid"])
    assert "These actions you lead had no approved update" in olu.body
    assert all(f"CEF 1.{n}:" in olu.body for n in (2, 3, 4, 5)) and "CEF 1.1:" not in olu.body


def pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_the_dashboard_the_csv_and_the_report_count_and_print_them_alike(locked):
    period, plan = locked["period"], locked["plan"]
    counts = dashboards.rag_counts(dashboards.Filters(period), "portfolio")[plan.portfolio.pk]
    assert (counts.now[Rag.GREEN], counts.now[Rag.NO_UPDATE], counts.total) == (1, 4, 5)

    member = signed_in(locked["member"])
    page = member.get(f"/plans/dashboards/portfolios/{plan.portfolio.code}/", {"period": period.pk})
    assert [u.action.number for u in page.context["not_received"]] == [2, 3, 4, 5]
    words = text(page)
    assert "No update received (4)" in words
    assert "It was submitted but not approved when the period was locked." in words
    assert "Reminders sent: Overdue to Olu Adeyemi on" in words

    rows = list(
        csv.reader(
            io.StringIO(
                member.get("/plans/actions/", {"period": period.pk, "_export": "csv"})
                .getvalue()
                .decode("utf-8-sig")
            )
        )
    )
    rag = rows[0].index("RAG status")
    assert sorted(row[rag] for row in rows[1:]) == ["Green", *[Rag.NO_UPDATE.short_label] * 4]

    pdf = pdf_text(
        rendering.render_report_to_pdf("plan_progress", {"plan": plan.pk, "period": period.pk}).pdf
    )
    assert "Of the 5 actions at quarter 2 (July to September 2024): 1 green, 4 no update." in pdf
    exceptions = pdf.split("4. Actions rated red or amber", 1)[1].split("5. Ambition", 1)[0]
    assert "Table 4.2: no update received" in exceptions
    assert exceptions.count("Lead: Olu Adeyemi (Director Education)") == 4
    assert "It had been returned to its lead and not resubmitted when the period was locked." in exceptions
    assert "Submitted, never approved" not in pdf


def test_the_action_page_says_no_update_was_received_and_who_was_chased(locked):
    action = locked["actions"][1]
    page = signed_in(locked["member"]).get(action.get_absolute_url())
    shown = page.context["page"].updates[0]
    assert (shown.status, shown.reported_rag) == (UpdateStatus.NOT_RECEIVED, Rag.NO_UPDATE)
    words = text(page)
    assert "No update was received for 2024-25 Q2." in words
    assert (
        "Approver: Dana Director; Grace Hopper." in words or "Approver: Grace Hopper; Dana Director." in words
    )
    assert "Submitted, never approved" not in words
