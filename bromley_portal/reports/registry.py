"""The report types that domain apps register, and the shape of a committee report.

The core knows no domain app. An app describes each of its reports in its own
``reports.py`` and calls ``register()``; the reports app imports every app's
``reports`` module when it starts (``autodiscover_modules("reports")``).

A report type names: a parameter form, the permission needed to ask for it, its
classification (Part 1 public, or Part 2 with its Schedule 12A paragraph), a
function that builds a ``CommitteeReport`` from the ORM, and the template that lays
it out (the shared committee report template unless a report needs its own).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.db.models import Model

from bromley_portal.reports.choices import SCHEDULE_12A, Classification


class ReportError(Exception):
    """A report cannot be produced as asked; the message says why, in plain English."""


@dataclass(frozen=True)
class Officer:
    """A named officer as a committee report's header block gives them (seed 004):
    "Rachel Dunley, Head of Service Early Intervention and Family Support Services",
    "Tel: 020 8461 7261  E-mail: Rachel.dunley@bromley.gov.uk"."""

    name: str
    title: str
    phone: str = ""
    email: str = ""

    def __str__(self):
        return ", ".join(part for part in (self.name, self.title) if part)


@dataclass(frozen=True)
class ReportHeader:
    """The header block of a council committee report (seed 004)."""

    title: str
    decision_maker: str
    report_number: str = ""
    date: datetime.date | None = None
    decision_type: str = "Non-Urgent, Non-Executive, Non-Key"
    contact_officers: list[Officer] = field(default_factory=list)
    chief_officer: Officer | None = None
    ward: str = "All Wards"


@dataclass(frozen=True)
class ReportSection:
    """A numbered section; the shared template gives it its number.

    ``template`` renders the section's body with ``section`` and ``number`` in its
    context. ``wide`` sections go on landscape pages (for wide tables).
    """

    title: str
    template: str
    context: dict = field(default_factory=dict)
    wide: bool = False
    # A long section (the report's last) that the PDF renders in parts to bound the worker's memory:
    # its context split into the contexts of its parts, the later ones marked ``continued`` (see
    # rendering.render_report_to_pdf). None: always rendered whole.
    parts: Callable[[dict], list[dict]] | None = None


@dataclass(frozen=True)
class CommitteeReport:
    """What a report type's builder returns: everything the committee template shows."""

    header: ReportHeader
    reason: list[str]
    recommendations: list[str]
    sections: list[ReportSection]
    filename: str  # without ".pdf": "cef-2023-24-q4-progress"
    implications: list[tuple[str, str]] = field(default_factory=list)
    non_applicable_headings: list[str] = field(default_factory=list)
    background_documents: list[str] = field(default_factory=list)
    summary: str = ""  # one sentence for the PDF's description


class ReportForm(forms.Form):
    """A report's parameter form. Its cleaned data must turn into JSON and back.

    ``parameters()`` gives the JSON kept on the job (model instances as their keys,
    dates as ISO dates); ``from_parameters()`` builds the form from that JSON again, so
    the worker and the ``render_report`` command validate exactly as the web form does.
    """

    def parameters(self) -> dict:
        result = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, Model):
                value = value.pk
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            elif value is None:
                value = ""
            result[name] = value
        return result

    @classmethod
    def from_parameters(cls, parameters: dict) -> "ReportForm":
        data = {}
        for name, value in parameters.items():
            form_field = cls.base_fields.get(name)
            if isinstance(form_field, DateInputField):
                # The GOV.UK date input posts day, month and year separately.
                parts = str(value).split("-") if value else ["", "", ""]
                if len(parts) == 3:
                    data.update({f"{name}_0": parts[2], f"{name}_1": parts[1], f"{name}_2": parts[0]})
                else:
                    data[f"{name}_0"] = str(value)
            else:
                data[name] = value
        return cls(data=data)


class CommitteeDateField(DateInputField):
    """The GOV.UK date input, with a plain-English message for a date that does not exist."""

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except forms.ValidationError:
            raise forms.ValidationError(
                "The committee date must be a real date, for example 27 6 2024", code="invalid"
            ) from None


class CommitteeReportForm(ReportForm):
    """The header-block details every committee report asks for; report forms add their own fields.
    The contact and chief officers come from the holders of the report's posts (each report type
    says which), with their names, telephone numbers and e-mail addresses."""

    report_number = forms.CharField(
        label="Report number (optional)",
        required=False,
        max_length=30,
        help_text="As democratic services give it, for example CEF24015",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    meeting_date = CommitteeDateField(
        label="Committee date (optional)",
        required=False,
        require_all_fields=False,
        help_text="The date of the meeting, for example 27 6 2024",
    )


@dataclass(frozen=True)
class ReportType:
    name: str
    title: str
    description: str
    form_class: type[ReportForm]
    build: Callable[[dict], CommitteeReport]
    describe: Callable[[dict], str] | None = None  # a title for the job, from the cleaned data
    permission: str = "reports.request_report"
    classification: str = Classification.PART_1
    exempt_paragraph: int | None = None
    template_name: str = "reports/committee_report.html"
    order: int = 100

    def __post_init__(self):
        if (self.classification == Classification.PART_2) != (self.exempt_paragraph in SCHEDULE_12A):
            raise ValueError(
                f"report type {self.name}: a Part 2 report names its Schedule 12A paragraph (1 to 7), "
                "and a Part 1 report names none"
            )

    def clean(self, parameters: dict) -> tuple[dict, dict]:
        """Validate stored parameters as the form would. Returns (cleaned data, parameters).

        Raises ReportError with the form's own messages when they are no longer valid.
        """
        form = self.form_class.from_parameters(parameters)
        if not form.is_valid():
            problems = [str(error) for errors in form.errors.values() for error in errors]
            raise ReportError("This report cannot be produced as asked: " + " ".join(problems))
        return form.cleaned_data, form.parameters()

    def title_for(self, cleaned: dict) -> str:
        return self.describe(cleaned) if self.describe else self.title


_types: dict[str, ReportType] = {}


def register(report_type: ReportType) -> ReportType:
    _types[report_type.name] = report_type
    return report_type


def unregister(name: str) -> None:
    _types.pop(name, None)


def get(name: str) -> ReportType:
    try:
        return _types[name]
    except KeyError:
        raise ReportError(f"There is no report called “{name}”.") from None


def all_types() -> list[ReportType]:
    return sorted(_types.values(), key=lambda report_type: (report_type.order, report_type.title))


def types_for(user) -> list[ReportType]:
    return [report_type for report_type in all_types() if user.has_perm(report_type.permission)]
