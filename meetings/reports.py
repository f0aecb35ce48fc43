"""The "Matters arising and progress on actions" committee report, registered with the core's report
pipeline (a PDF and its web version from one build, the committee header block, Part 1).

For a meeting, it lists the scrutiny actions recorded at the committee's earlier meetings that are not
done (they carry forward to every later meeting until they are), then those done since the committee's
last meeting, each with its officer, due date, status as at the day the report is produced (overdue
worked out from the due date, meetings.choices.action_status) and the officer's response. It reads
``ScrutinyAction.objects.carried_to`` in one query, whatever the number of actions.
"""

from dataclasses import dataclass

from django import forms
from django.utils import timezone

from ambitions.services import officer_for
from bromley_portal.reports.registry import (
    CommitteeReport,
    CommitteeReportForm,
    ReportHeader,
    ReportSection,
    ReportType,
    register,
)
from meetings.choices import ActionStatus
from meetings.models import Meeting, ScrutinyAction

TITLE = "Matters arising and progress on actions"


class MeetingField(forms.ModelChoiceField):
    def label_from_instance(self, meeting):
        return str(meeting)


class MattersArisingForm(CommitteeReportForm):
    meeting = MeetingField(
        label="Meeting",
        queryset=Meeting.objects.select_related("committee").order_by("-starts_at"),
        empty_label="Choose a meeting",
        help_text="The report lists the actions of the committee's earlier meetings.",
        error_messages={"required": "Choose the meeting", "invalid_choice": "Choose a meeting from the list"},
    )
    field_order = ["meeting", "report_number", "meeting_date"]


@dataclass(frozen=True)
class ActionRow:
    action: ScrutinyAction
    status: ActionStatus


def describe(cleaned) -> str:
    return f"{TITLE}: {cleaned['meeting']}"


def rows_for(meeting: Meeting, today) -> tuple[list[ActionRow], list[ActionRow]]:
    """(carried forward: not done, overdue first; done since the last meeting), in one query."""
    actions = ScrutinyAction.objects.carried_to(meeting).for_lists(today)
    rows = [ActionRow(action, ActionStatus(action.status)) for action in actions]
    return (
        [row for row in rows if row.status != ActionStatus.DONE],
        [row for row in rows if row.status == ActionStatus.DONE],
    )


def build(cleaned) -> CommitteeReport:
    meeting: Meeting = cleaned["meeting"]
    today = timezone.localdate()
    meeting_day = timezone.localtime(meeting.starts_at).date()
    committee = meeting.committee.name
    carried, done = rows_for(meeting, today)
    overdue = sum(1 for row in carried if row.status == ActionStatus.OVERDUE)
    portfolio = meeting.default_portfolio
    chief = officer_for(portfolio.chief_officer) if portfolio else None
    contact = officer_for(portfolio.report_contact) if portfolio else None
    summary = (
        f"{len(carried)} action{'s' if len(carried) != 1 else ''} carried forward ({overdue} overdue) and "
        f"{len(done)} done since the last meeting, as at {today:%-d %B %Y}."
    )
    context = {"as_at": today, "meeting": meeting}
    return CommitteeReport(
        header=ReportHeader(
            title=TITLE,
            decision_maker=committee,
            report_number=cleaned.get("report_number") or "",
            date=cleaned.get("meeting_date") or meeting_day,
            decision_type="Non-Urgent, Non-Executive, Non-Key",
            contact_officers=[officer for officer in (contact or chief,) if officer],
            chief_officer=chief,
        ),
        reason=[
            f"This report sets out progress on the actions the {committee} resolved or asked officers to "
            f"take at its earlier meetings. Actions not yet done are carried forward to each meeting until "
            f"they are; those done since the Committee last met are reported once. {summary}"
        ],
        recommendations=[
            "That the Committee notes the progress made on its actions, and comments on any action that is "
            "overdue."
        ],
        sections=[
            ReportSection(
                "Actions carried forward",
                "reports/meetings/actions_table.html",
                {**context, "rows": carried, "empty": "No actions are outstanding."},
            ),
            ReportSection(
                "Actions done since the last meeting",
                "reports/meetings/actions_table.html",
                {**context, "rows": done, "empty": "No actions have been done since the last meeting."},
            ),
        ],
        non_applicable_headings=[
            "Impact on Vulnerable Adults and Children",
            "Financial",
            "Legal",
            "Personnel",
        ],
        background_documents=[f"Minutes of the {committee}'s earlier meetings"],
        filename=f"matters-arising-{meeting.committee.pk}-{meeting_day:%Y-%m-%d}",
        summary=summary,
    )


register(
    ReportType(
        name="meetings_matters_arising",
        title=TITLE,
        description="For a meeting: the committee's actions from earlier meetings that are not done (overdue "
        "first), and those done since its last meeting, with the officers' responses.",
        form_class=MattersArisingForm,
        build=build,
        describe=describe,
        order=85,
    )
)
