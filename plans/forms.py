from crispy_forms_gds.fields import DateInputField
from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator, URLValidator
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import escape, format_html

from ambitions.models import Ambition, Portfolio, Strategy
from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.forms import VersionInput
from bromley_portal.core.tabular import size_text
from plans.choices import (
    COMMENT_MAX_LENGTH,
    EXCEPTION_MAX_LENGTH,
    EXCEPTIONS,
    NARRATIVE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    PeriodStatus,
    Rag,
)
from plans.figures import FigureError, parse_figure, unit_hint
from plans.models import ReportingPeriod
from plans.spreadsheet import COLUMNS


class PlanImportConfirmForm(forms.Form):
    """Confirming a previewed plan file: the preview's token and the plan it goes into, as the preview
    page's hidden fields. (Changed, they give another signature, and the import refuses.)"""

    token = forms.CharField(max_length=100)
    portfolio = forms.ModelChoiceField(queryset=Portfolio.objects.all())
    year = forms.IntegerField(min_value=1900, max_value=2200)
    updates_period = forms.ModelChoiceField(
        queryset=ReportingPeriod.objects.exclude(status=PeriodStatus.LOCKED), required=False
    )


class PlanImportForm(forms.Form):
    """Which plan a spreadsheet goes into, and the spreadsheet. The rows are checked by plans.importers."""

    portfolio = forms.ModelChoiceField(
        label="Portfolio",
        queryset=Portfolio.objects.all(),
        empty_label="Choose a portfolio",
        error_messages={"required": "Select the portfolio the plan belongs to"},
    )
    year = forms.CharField(
        label="Financial year",
        max_length=9,
        help_text="For example, 2023-24",
        error_messages={"required": "Enter the financial year of the plan, for example 2023-24"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "spellcheck": "false"}),
    )
    updates_period = forms.ModelChoiceField(
        label="Updates in the file report on (optional)",
        # Never a locked period: what committee was given is not changed by a file.
        queryset=ReportingPeriod.objects.exclude(status=PeriodStatus.LOCKED),
        required=False,
        empty_label="Do not import the Update column",
        help_text="Choose the quarter, in the plan's year, to record the Update column as that quarter's "
        "approved updates. Locked quarters cannot be chosen.",
        error_messages={"invalid_choice": "Choose an open quarter of the plan's year, or none"},
    )
    file = forms.FileField(
        label="Plan file",
        validators=[
            FileExtensionValidator(
                ["csv", "xlsx"], message="The selected file must be a CSV or an Excel (.xlsx) file"
            )
        ],
        error_messages={
            "required": "Select a CSV or Excel file of the plan",
            "empty": "The selected file is empty",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = FinancialYear.of(timezone.localdate()).label
        self.fields["file"].help_text = format_html(
            "A CSV or Excel (.xlsx) file of up to {} with a header row and these columns: {}, "
            "a row for each detail of an action, as the plan table has them. Plan and Update may be left out. "
            '<a class="govuk-link" href="{}" download>Download the CSV template</a>, '
            "or download a plan from its page and edit it.",
            size_text(settings.PLANS_IMPORT_MAX_BYTES),
            ", ".join(COLUMNS),
            static("plans/plan-template.csv"),
        )

    def clean_year(self) -> FinancialYear:
        try:
            return FinancialYear.parse(self.cleaned_data["year"])
        except ValueError:
            raise forms.ValidationError(
                "Enter the financial year as the first year and the next, for example 2023-24"
            ) from None

    def clean(self):
        cleaned = super().clean()
        year, period = cleaned.get("year"), cleaned.get("updates_period")
        if year and period and period.year != year.start_year:
            self.add_error("updates_period", f"Choose a quarter of {year.label}, the plan's year, or none")
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.PLANS_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The selected file must be smaller than {size_text(settings.PLANS_IMPORT_MAX_BYTES)}"
            )
        return upload


# Quarterly updates --------------------------------------------------------------


def _too_long(what: str, limit: int) -> str:
    return f"{what} must be {limit:,} characters or fewer"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class RecoveryDateField(DateInputField):
    """The GOV.UK date input, with a plain-English message for a date that does not exist."""

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except forms.ValidationError:
            raise forms.ValidationError(
                "The recovery date must be a real date, for example 31 3 2025", code="invalid"
            ) from None


class QuarterlyUpdateForm(forms.Form):
    """An officer's quarterly update: RAG, narrative, a figure for each measure, evidence links.

    What may be saved, and when, is plans.services.save_update's business; the form checks the
    input, and when the person is submitting it names the fields that must be filled in, so each
    message sits beside its field.
    """

    rag = forms.ChoiceField(
        label="How is the action going?",
        choices=Rag.choices_of(*Rag.chosen()),
        required=False,
        widget=forms.RadioSelect,
        help_text="The RAG status for this quarter. You can save a draft without one.",
    )
    narrative = forms.CharField(
        label="Update",
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What was done this quarter, what is next, and any risks or delays.",
        error_messages={"max_length": _too_long("The update", NARRATIVE_MAX_LENGTH)},
    )
    # A red or amber update says why, what is being done about it and when it will be back on track.
    reason = forms.CharField(
        label="Reason (red or amber only)",
        required=False,
        max_length=EXCEPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the action is off track or at risk.",
        error_messages={"max_length": _too_long("The reason", EXCEPTION_MAX_LENGTH)},
    )
    mitigation = forms.CharField(
        label="Mitigation (red or amber only)",
        required=False,
        max_length=EXCEPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What is being done to bring it back on track.",
        error_messages={"max_length": _too_long("The mitigation", EXCEPTION_MAX_LENGTH)},
    )
    recovery_date = RecoveryDateField(
        label="Recovery date (red or amber only)",
        required=False,
        require_all_fields=False,
        help_text="When it is expected to be back on track, for example 31 3 2025",
    )
    evidence_links = forms.CharField(
        label="Evidence links (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "none"}),
        help_text="Web addresses of reports or pages that show progress, one a line, "
        "each starting https:// or http://",
    )
    version = forms.IntegerField(widget=VersionInput, min_value=0)

    def __init__(self, *args, measures=(), submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.measures = list(measures)
        for measure in self.measures:
            self.fields[self.figure_name(measure)] = forms.CharField(
                # crispy-forms-gds prints labels unescaped: the measure is the plan's text, so escape it.
                label=escape(measure.text),
                required=False,
                max_length=200,
                help_text=unit_hint(measure.unit),
                error_messages={"max_length": "A figure must be 200 characters or fewer"},
            )
        self.order_fields(
            [
                "rag",
                "narrative",
                *self.EXCEPTION_FIELDS,
                *(self.figure_name(m) for m in self.measures),
            ]
        )

    @classmethod
    def for_update(cls, update, measures, data=None, submitting=False) -> "QuarterlyUpdateForm":
        """The form for an update: its saved values, or what was posted."""
        if data is not None:
            return cls(data, measures=measures, submitting=submitting)
        figures = update.figures.all() if update.pk else []
        return cls(initial=cls.initial_for(update, figures), measures=measures)

    @classmethod
    def after_conflict(cls, data, theirs, measures, submitting, message) -> "QuarterlyUpdateForm":
        """This person's text kept in the form, now against the saved version, so saving again (after
        copying what they need) replaces it knowingly."""
        data = data.copy()
        data["version"] = str(theirs.version)
        form = cls(data, measures=measures, submitting=submitting)
        form.is_valid()
        form.add_error(None, message)
        return form

    EXCEPTION_FIELDS = ("reason", "mitigation", "recovery_date")

    def update_values(self) -> dict:
        """What plans.services.save_update takes from the form."""
        names = ("version", "rag", "narrative", "evidence_links", *self.EXCEPTION_FIELDS)
        return {name: self.cleaned_data[name] for name in names}

    @staticmethod
    def figure_name(measure) -> str:
        return f"figure_{measure.pk}"

    @classmethod
    def initial_for(cls, update, figures) -> dict:
        """The form's starting values from a saved update (or a new, unsaved one: version 0)."""
        initial = {
            "rag": update.rag,
            "narrative": update.narrative,
            "reason": update.reason,
            "mitigation": update.mitigation,
            "recovery_date": update.recovery_date,
            "evidence_links": "\n".join(update.evidence_links or []),
            "version": update.version if update.pk else 0,
        }
        initial.update({f"figure_{figure.measure_id}": figure.value for figure in figures})
        return initial

    def figure_fields(self):
        return [self[self.figure_name(measure)] for measure in self.measures]

    def clean_evidence_links(self) -> list[str]:
        validate = URLValidator(schemes=["http", "https"])
        links, problems = [], []
        for number, line in enumerate(_lines(self.cleaned_data["evidence_links"]), start=1):
            try:
                validate(line)
            except forms.ValidationError:
                problems.append(number)
            else:
                links.append(line)
        if problems:
            which = ", ".join(str(number) for number in problems)
            raise forms.ValidationError(
                f"Evidence link{'s' if len(problems) > 1 else ''} {which} "
                f"{'are not web addresses' if len(problems) > 1 else 'is not a web address'}: "
                "put one address a line, each starting https:// or http://"
            )
        return links

    def clean(self):
        cleaned = super().clean()
        self._clean_figures(cleaned)
        if self.submitting:
            if not cleaned.get("rag"):
                self.add_error("rag", "Choose a RAG status before submitting")
            if not (cleaned.get("narrative") or "").strip():
                self.add_error("narrative", "Write the update before submitting")
            if cleaned.get("rag") in EXCEPTIONS:
                self._require_exception_fields(cleaned)
        return cleaned

    def _require_exception_fields(self, cleaned) -> None:
        """Council practice: a red or amber action gives the reason, the mitigation and a recovery date."""
        status = Rag(cleaned["rag"]).short_label.lower()
        for name, what in (("reason", "the reason"), ("mitigation", "the mitigation")):
            if not (cleaned.get(name) or "").strip():
                self.add_error(name, f"Give {what} for {_a(status)} update before submitting")
        if not cleaned.get("recovery_date") and "recovery_date" not in self.errors:
            self.add_error(
                "recovery_date", f"Enter the recovery date for {_a(status)} update before submitting"
            )

    def _clean_figures(self, cleaned) -> None:
        """Each figure read in its measure's unit (plans.figures): a message beside the one that is not."""
        self.figure_numbers = {}
        for measure in self.measures:
            name = self.figure_name(measure)
            try:
                self.figure_numbers[measure.pk] = parse_figure(cleaned.get(name, ""), measure.unit)
            except FigureError as error:
                self.add_error(name, f"The figure for “{_short(measure.text)}” {error}")

    @property
    def figures(self) -> dict[int, str]:
        """{measure id: the figure as written} (plans.services.save_update reads each as a number again)."""
        return {measure.pk: self.cleaned_data.get(self.figure_name(measure), "") for measure in self.measures}


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class DecisionForm(forms.Form):
    """Approving an update: the version the approver read, so a changed update is refused."""

    version = forms.IntegerField(widget=VersionInput, min_value=0)

    def __init__(self, *args, update, **kwargs):
        kwargs.setdefault("prefix", f"decide-{update.pk}")
        kwargs.setdefault("initial", {"version": update.version})
        super().__init__(*args, **kwargs)
        self.update = update
        self.fields["version"].error_messages = {
            "required": "Reload the page: the version of the update you read was not sent",
            "invalid": "Reload the page: the version of the update you read was not sent",
            "min_value": "Reload the page: the version of the update you read was not sent",
        }


class ReturnUpdateForm(DecisionForm):
    """An approver's reason for sending an update back to its lead, with the version they read."""

    comment = forms.CharField(
        required=True,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say what needs to change when returning an update",
            "max_length": _too_long("What needs to change", COMMENT_MAX_LENGTH),
        },
    )

    def __init__(self, *args, update, **kwargs):
        kwargs.setdefault("prefix", f"return-{update.pk}")
        super().__init__(*args, update=update, **kwargs)
        self.fields["comment"].label = format_html(
            'What needs to change<span class="govuk-visually-hidden"> in the update for action {}</span>',
            update.action.reference,
        )


class AmendmentForm(forms.Form):
    """A correction to a locked update, recorded beside the original."""

    narrative = forms.CharField(
        label="Corrected update",
        max_length=NARRATIVE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Write the corrected update",
            "max_length": _too_long("The corrected update", NARRATIVE_MAX_LENGTH),
        },
        help_text="The update as it should read. The original stays on record beside it.",
    )
    rag = forms.ChoiceField(
        label="Corrected RAG status (optional)",
        choices=[("", "No change"), *Rag.choices_of(*Rag.chosen())],
        required=False,
        initial="",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason for the amendment",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Give the reason for the amendment",
            "max_length": _too_long("The reason for the amendment", REASON_MAX_LENGTH),
        },
        help_text="For example, a figure was reported wrongly. Members see the reason.",
    )


class PeriodChoiceForm(forms.Form):
    """Which open period My actions shows, when several are open."""

    period = forms.ChoiceField(label="Reporting period")

    def __init__(self, *args, periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(str(period.pk), str(period)) for period in periods]


class DashboardFilterForm(forms.Form):
    """The period, portfolio and ambition a dashboard shows; the latest locked period by default."""

    period = forms.ModelChoiceField(
        label="Reporting period",
        queryset=ReportingPeriod.objects.filter(status=PeriodStatus.LOCKED),
        required=False,
        empty_label="Latest locked period",
        error_messages={"invalid_choice": "Select a reporting period from the list"},
    )
    portfolio = forms.ModelChoiceField(
        label="Portfolio",
        queryset=Portfolio.objects.all(),
        required=False,
        empty_label="All portfolios",
        error_messages={"invalid_choice": "Select a portfolio from the list"},
    )
    ambition = forms.ModelChoiceField(
        label="Ambition",
        queryset=Ambition.objects.filter(strategy__in=Strategy.objects.order_by("-start_year")[:1]),
        required=False,
        empty_label="All ambitions",
        error_messages={"invalid_choice": "Select an ambition from the list"},
    )


class MailPreferenceForm(forms.Form):
    """How an approver hears of updates submitted to them."""

    daily_digest = forms.TypedChoiceField(
        label="How do you want to hear of updates waiting for your approval?",
        choices=[
            ("no", "An e-mail for each update when it is submitted"),
            ("yes", "One e-mail a day, at 7am, listing the updates waiting"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how you want to hear of updates",
            "invalid_choice": "Choose one of the two",
        },
    )


def _a(word: str) -> str:
    """ "a red", "an amber"."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"
