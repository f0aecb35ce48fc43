from django import forms
from django.core.validators import FileExtensionValidator
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html

from ambitions.models import Portfolio
from bromley_portal.core.financial_year import FinancialYear
from plans.importers import MAX_FILE_SIZE
from plans.models import ReportingPeriod
from plans.tables import PLAN_COLUMNS


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
        queryset=ReportingPeriod.objects.all(),
        required=False,
        empty_label="Do not import the Update column",
        help_text="Choose the quarter to record the Update column as that quarter's published updates.",
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
            "A CSV or Excel (.xlsx) file of up to 5 MB with a header row and these columns: {}. "
            "Plan may be left out. "
            '<a class="govuk-link" href="{}" download>Download the CSV template</a>, '
            "or download a plan from the actions list and edit it.",
            ", ".join(PLAN_COLUMNS),
            static("plans/plan-template.csv"),
        )

    def clean_year(self) -> FinancialYear:
        try:
            return FinancialYear.parse(self.cleaned_data["year"])
        except ValueError:
            raise forms.ValidationError(
                "Enter the financial year as the first year and the next, for example 2023-24"
            ) from None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_SIZE:
            raise forms.ValidationError("The selected file must be smaller than 5 MB")
        return upload
