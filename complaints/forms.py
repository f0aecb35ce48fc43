"""The case work's forms. They check the input's shape (dates, choices, lengths); complaints.services
decides what may be done, and its message is shown in the form's error summary as it is.

Every form that moves a complaint on carries the version of the case the officer read
(``case_version``): a POST against a case that changed since is refused with 409 Conflict.
"""

import hashlib

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.forms import formset_factory

from bromley_portal.accounts.roles import Role
from bromley_portal.core.forms import VersionInput
from bromley_portal.core.tabular import Limits, size_text
from complaints.choices import REASON_MAX_LENGTH, SUMMARY_MAX_LENGTH, AspectOutcome, AspectType, Channel
from complaints.models import Division, Service

RELOAD = "Reload the page: the version of the complaint you read was not sent"
# How many services one logging form may name (complaints.services refuses more too).
MAX_MENTION_FORMS = 20


def case_version(complaint, aspects) -> str:
    """A fingerprint of everything case work changes on a complaint: its status, handler, dates and each
    aspect's answer. Two officers who read the same case read the same version; any move changes it."""
    parts = [
        complaint.status,
        complaint.handler_id,
        complaint.acknowledged_on,
        complaint.respond_by,
        complaint.responded_on,
        complaint.closed_on,
        *sorted((aspect.pk, aspect.outcome, aspect.responded_on) for aspect in aspects),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


class CaseDateField(DateInputField):
    """A GOV.UK date input (day, month, year) whose errors say what to do."""

    def __init__(self, *, what: str, **kwargs):
        self.what = what
        super().__init__(**kwargs)
        message = f"Enter {what} as a day, month and year"
        self.error_messages.update(required=message, incomplete=message)
        for part, field in zip(("day", "month", "year"), self.fields, strict=True):
            field.error_messages["incomplete"] = f"{what.capitalize()} must include a {part}"
            field.max_length = 4
            field.validators[0].message = f"{what.capitalize()} must be a real date"

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except ValidationError:
            raise ValidationError(f"{self.what.capitalize()} must be a real date") from None

    def clean(self, value):
        if isinstance(value, list | tuple) and any(len(str(part or "")) > 4 for part in value):
            raise ValidationError(f"{self.what.capitalize()} must be a real date")
        return super().clean(value)


def _date(label: str, what: str, *, required=True, help_text="For example, 27 3 2026") -> CaseDateField:
    return CaseDateField(label=label, what=what, required=required, help_text=help_text)


def complaints_officers():
    """The people a complaint can be assigned to."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.COMPLAINTS_OFFICER)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class HandlerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


def _detail(label: str, limit: int, what: str, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=limit,
        error_messages={"max_length": f"{what} must be {limit:,} characters or fewer"},
        **kwargs,
    )


# Logging a complaint ------------------------------------------------------------------------------


class ComplaintForm(forms.Form):
    """The complaint itself: when and how it came, who complained (complainant details: officers with
    complaints.view_complainant only), what it is about, and who handles it."""

    received = _date("Date received", "the date received")
    channel = forms.ChoiceField(
        label="How it came in",
        choices=Channel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how the complaint came in",
            "invalid_choice": "Select how the complaint came in",
        },
    )
    name = _detail("Complainant's name", 200, "The complainant's name")
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "The email address must be 254 characters or fewer",
        },
    )
    phone = _detail("Telephone", 40, "The telephone number")
    address = _detail("Postal address", 500, "The address", widget=forms.Textarea(attrs={"rows": 3}))
    representative = _detail(
        "Complaining on their behalf",
        200,
        "The name of whoever complains for them",
        help_text="The name of anyone complaining for them, and their relationship (optional).",
    )
    summary = forms.CharField(
        label="What the complaint is about",
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For case work only: never shown in lists, exports, dashboards or reports.",
        error_messages={"max_length": f"The summary must be {SUMMARY_MAX_LENGTH:,} characters or fewer"},
    )
    handler = HandlerChoiceField(
        label="Handler",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Not assigned yet",
        error_messages={"invalid_choice": "Select a complaints officer from the list"},
    )

    COMPLAINANT_FIELDS = ["name", "email", "phone", "address", "representative"]

    def __init__(self, *args, with_complainant: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = complaints_officers()
        if not with_complainant:
            for name in [*self.COMPLAINANT_FIELDS, "summary"]:
                del self.fields[name]

    def complainant(self) -> dict | None:
        details = {name: self.cleaned_data.get(name, "") for name in self.COMPLAINANT_FIELDS}
        return details if any(details.values()) else None


class MentionForm(forms.Form):
    """A service or team the complaint names, and what went wrong with it (its aspects)."""

    division = forms.ChoiceField(
        label="Division",
        required=False,
        error_messages={"invalid_choice": "Select a division from the list"},
    )
    service = forms.ChoiceField(
        label="Service or team",
        required=False,
        help_text="Leave as the division as a whole when the complaint names no particular service.",
        error_messages={"invalid_choice": "Select a service from the list"},
    )
    aspects = forms.MultipleChoiceField(
        label="What went wrong",
        choices=AspectType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select each aspect (grievance) the complaint raises about this service.",
        error_messages={"invalid_choice": "Select aspects from the list"},
    )

    def __init__(self, *args, divisions=(), services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.divisions = {str(division.pk): division for division in divisions}
        self.services = {str(service.pk): service for service in services}
        self.fields["division"].choices = [("", "Select a division")] + [
            (pk, division.name) for pk, division in self.divisions.items()
        ]
        groups: dict[str, list] = {}
        for pk, service in self.services.items():
            groups.setdefault(service.division.name, []).append((pk, service.name))
        self.fields["service"].choices = [("", "The division as a whole"), *groups.items()]

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("division") or data.get("service") or data.get("aspects"))

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.is_blank:
            return cleaned
        division = self.divisions.get(cleaned.get("division") or "")
        service = self.services.get(cleaned.get("service") or "")
        if division is None and service is not None:
            division = service.division
        if division is None:
            self.add_error("division", "Select the division the complaint names")
        elif service is not None and service.division_id != division.pk:
            self.add_error("service", f"Select a service of {division}, or the division as a whole")
        if not cleaned.get("aspects"):
            self.add_error("aspects", "Select at least one thing that went wrong with this service")
        cleaned["division"], cleaned["service"] = division, service
        return cleaned


class BaseMentionFormSet(forms.BaseFormSet):
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_many_forms": f"A complaint can name {MAX_MENTION_FORMS} services at most",
        "missing_management_form": "Reload the page: part of the form was not sent",
    }

    def __init__(self, *args, **kwargs):
        # Read once, shared by every mention form on the page.
        self.divisions = list(Division.objects.filter(active=True))
        self.services = list(
            Service.objects.filter(active=True, division__active=True).select_related("division")
        )
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"divisions": self.divisions, "services": self.services}

    def clean(self):
        if any(self.errors):
            return
        if not [form for form in self.forms if not form.is_blank]:
            raise ValidationError("Name at least one division or service the complaint is about")

    def mentions(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if not form.is_blank]


MentionFormSet = formset_factory(
    MentionForm,
    formset=BaseMentionFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_MENTION_FORMS,
    absolute_max=MAX_MENTION_FORMS,
    validate_max=True,
)


# Moving a complaint on ----------------------------------------------------------------------------


class CaseForm(forms.Form):
    """Carries the version of the case the officer read."""

    version = forms.CharField(
        widget=VersionInput,
        max_length=64,
        error_messages={"required": RELOAD, "max_length": RELOAD},
    )


class AcknowledgeForm(CaseForm):
    acknowledged_on = _date("Date acknowledged", "the date acknowledged")


class AssignForm(CaseForm):
    handler = HandlerChoiceField(
        label="Handler",
        queryset=get_user_model().objects.none(),
        empty_label="Select a complaints officer",
        error_messages={
            "required": "Select a complaints officer to handle the complaint",
            "invalid_choice": "Select a complaints officer from the list",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = complaints_officers()


class ExtendForm(CaseForm):
    new_due = _date("New response date", "the new response date")
    reason = forms.CharField(
        label="Reason for the extension",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="As the complainant is told it.",
        error_messages={
            "required": "Enter the reason for the extension, as the complainant is told it",
            "max_length": f"The reason must be {REASON_MAX_LENGTH:,} characters or fewer",
        },
    )


class ResponseForm(CaseForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        widget=forms.RadioSelect,
        choices=[],
        error_messages={
            "required": "Select the outcome of this aspect",
            "invalid_choice": "Select the outcome of this aspect",
        },
    )
    responded_on = _date("Date answered", "the date answered")

    def __init__(self, *args, records_outcomes: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        outcomes = AspectOutcome.decided() if records_outcomes else [AspectOutcome.NOT_KNOWN]
        self.fields["outcome"].choices = [(outcome.value, outcome.label) for outcome in outcomes]


class CloseForm(CaseForm):
    closed_on = _date("Date closed", "the date closed")


class EscalateForm(CaseForm):
    received = _date(
        "Date the complainant asked for the next stage",
        "the date the complainant asked for the next stage",
    )


# The statistics ------------------------------------------------------------------------------------


class StatisticsYearForm(forms.Form):
    """The financial year a dashboard shows (this year by default)."""

    year = forms.ChoiceField(
        label="Financial year",
        required=False,
        error_messages={"invalid_choice": "Select a financial year from the list"},
    )

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.years = {year.label: year for year in years}
        self.fields["year"].choices = [(label, label) for label in self.years]

    def chosen(self):
        label = self.cleaned_data.get("year") if self.is_valid() else None
        return self.years.get(label) or next(iter(self.years.values()))


class ComplaintImportForm(forms.Form):
    """A workbook or CSV of complaints from the years before the portal; complaints.importers checks the rows."""

    file = forms.FileField(
        label="Complaints file",
        validators=[
            FileExtensionValidator(
                ["csv", "xlsx"], message="The selected file must be a CSV or an Excel (.xlsx) file"
            )
        ],
        error_messages={
            "required": "Select a CSV or Excel file of complaints",
            "empty": "The selected file is empty",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"An Excel (.xlsx) workbook with the sheets complaints, ombudsman, remedies and compliments (any "
            f"of them), or a CSV of one of them, of up to {size_text(self.max_bytes())}."
        )

    @staticmethod
    def max_bytes() -> int:
        return Limits.from_settings("COMPLAINTS_IMPORT_").max_bytes

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes():
            raise ValidationError(f"The selected file must be smaller than {size_text(self.max_bytes())}")
        return upload
