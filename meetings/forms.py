"""The clerk's forms. They check the input; meetings.services decides what may be saved."""

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.conf import settings

from ambitions.models import Committee, Post
from bromley_portal.reports.choices import SCHEDULE_12A
from meetings.choices import DecisionType, Part


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
