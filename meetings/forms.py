"""The clerk's forms. They check the input; meetings.services decides what may be saved."""

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.conf import settings
from django.utils import timezone

from ambitions.models import Committee, Post
from bromley_portal.reports.choices import SCHEDULE_12A
from meetings.choices import RECORDED_ACTION_STATUSES, ActionStatus, DecisionType, Part
from meetings.models import REQUEST_MAX_CHARS, RESPONSE_MAX_CHARS, AgendaItem


class MeetingForm(forms.Form):
    committee = forms.ModelChoiceField(
        Committee.objects.all(),
        empty_label="Choose a committee",
        error_messages={
            "required": "Select the committee",
            "invalid_choice": "Select a committee from the list",
        },
    )
    date = DateInputField(label="Date", help_text="For example, 17 11 2022", require_all_fields=True)
    time = forms.TimeField(
        label="Start time",
        help_text="In 24-hour time, for example 19:00",
        widget=forms.TimeInput(attrs={"class": "govuk-input--width-5"}, format="%H:%M"),
        error_messages={"required": "Enter the start time", "invalid": "Enter the start time like 19:00"},
    )
    venue = forms.CharField(max_length=300, initial="Bromley Civic Centre, Stockwell Close, Bromley, BR1 3UH")


class AgendaItemForm(forms.Form):
    number = forms.CharField(
        max_length=10,
        help_text="As the agenda numbers it: 4, or 7a",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
    )
    title = forms.CharField(max_length=300)
    decision_type = forms.ChoiceField(choices=DecisionType.choices)
    lead_officer = forms.ModelChoiceField(
        Post.objects.all(), required=False, empty_label="None", label="Lead officer (post)"
    )
    part = forms.ChoiceField(choices=Part.choices, widget=forms.RadioSelect, initial=Part.PART_1)
    exempt_paragraph = forms.TypedChoiceField(
        label="Schedule 12A paragraph (Part 2 only)",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "None")]
        + [(number, f"Paragraph {number}: {text[:80]}") for number, text in SCHEDULE_12A.items()],
    )
    report_number = forms.BooleanField(label="Give it a report number", required=False, initial=True)
    supplementary = forms.BooleanField(
        label="Late item: it goes in a supplementary pack",
        required=False,
        help_text="For an item added after the agenda pack was published. The supplementary pack's page "
        "numbers continue the published pack's.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("part") == Part.PART_2 and not cleaned.get("exempt_paragraph"):
            self.add_error(
                "exempt_paragraph", "Select the paragraph of Schedule 12A that makes the item exempt"
            )
        if cleaned.get("part") == Part.PART_1:
            cleaned["exempt_paragraph"] = None
        return cleaned


class UploadForm(forms.Form):
    paper = forms.FileField(
        label="Upload a PDF",
        help_text=f"A PDF of at most {settings.MEETINGS_UPLOAD_MAX_BYTES // (1024 * 1024)} MB.",
        error_messages={"required": "Choose a PDF to upload"},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class AttachReportForm(forms.Form):
    report = forms.TypedChoiceField(
        label="A report produced in the portal", coerce=int, error_messages={"required": "Select a report"}
    )

    def __init__(self, *args, reports=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].choices = [("", "Choose a report")] + [
            (job.pk, f"{job.title} ({job.created_at:%-d %b %Y})") for job in reports
        ]


# Scrutiny actions -------------------------------------------------------------------------------


class DueDateField(DateInputField):
    """The GOV.UK date input, with a plain-English message for a date that does not exist."""

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except forms.ValidationError:
            raise forms.ValidationError(
                "The due date must be a real date, for example 31 1 2023", code="invalid"
            ) from None


class ActionForm(forms.Form):
    """The clerk records (or corrects) what the committee resolved or asked for."""

    agenda_item = forms.ModelChoiceField(
        AgendaItem.objects.none(),
        label="Agenda item it came from",
        empty_label="Choose an item",
        error_messages={
            "required": "Select the agenda item the action came from",
            "invalid_choice": "Select an item of this meeting's agenda",
        },
    )
    request = forms.CharField(
        label="What the committee resolved or asked for",
        max_length=REQUEST_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Enter what the committee resolved or asked for",
            "max_length": f"What the committee asked for must be {REQUEST_MAX_CHARS:,} characters or fewer",
        },
    )
    post = forms.ModelChoiceField(
        Post.objects.all(),
        label="Officer responsible (post)",
        empty_label="Choose a post",
        help_text="Whoever holds the post answers the action and is reminded before the next meeting.",
        error_messages={
            "required": "Select the post responsible",
            "invalid_choice": "Select a post from the list",
        },
    )
    due_on = DueDateField(
        label="Due date",
        help_text="For example, 31 1 2023",
        require_all_fields=True,
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["agenda_item"].queryset = meeting.items.order_by("order", "pk")

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        meeting_day = timezone.localtime(self.meeting.starts_at).date()
        if due_on < meeting_day:
            raise forms.ValidationError(
                f"The due date must be on or after the meeting, {meeting_day:%-d %B %Y}"
            )
        return due_on


class ActionEditForm(ActionForm):
    recorded_status = forms.ChoiceField(
        label="Status",
        choices=ActionStatus.choices_of(*RECORDED_ACTION_STATUSES),
        widget=forms.RadioSelect,
        help_text="Overdue is not chosen: an action not done after its due date shows as overdue.",
        error_messages={
            "required": "Select the status",
            "invalid_choice": "Select open, in progress or done",
        },
    )


class AnswerForm(forms.Form):
    """The officer responsible answers."""

    response = forms.CharField(
        label="Your response",
        max_length=RESPONSE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What has been done, or what will be done and by when. Members read this.",
        error_messages={
            "required": "Enter your response",
            "max_length": f"Your response must be {RESPONSE_MAX_CHARS:,} characters or fewer",
        },
    )
    recorded_status = forms.ChoiceField(
        label="Status",
        choices=ActionStatus.choices_of(*RECORDED_ACTION_STATUSES),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the status",
            "invalid_choice": "Select open, in progress or done",
        },
    )
