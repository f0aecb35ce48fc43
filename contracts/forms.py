"""The register's forms. They check the input; contracts.services decides what may be saved."""

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator

from bromley_portal.core.forms import VersionInput
from bromley_portal.core.tabular import size_text
from contracts.choices import ProcurementStatus
from contracts.services import COMMENTARY_MAX_LENGTH

RELOAD = "Reload the page: the version of the record you read was not sent"


def _too_long(what: str) -> str:
    return f"{what} must be {COMMENTARY_MAX_LENGTH:,} characters or fewer"


def _text(label: str, what: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=COMMENTARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=help_text,
        error_messages={"max_length": _too_long(what)},
    )


class VersionedForm(forms.Form):
    """Carries the version of the record the person read, so a save against a changed one is refused."""

    version = forms.IntegerField(
        widget=VersionInput,
        min_value=0,
        error_messages={"required": RELOAD, "invalid": RELOAD, "min_value": RELOAD},
    )

    def with_version(self, version: int):
        """The same input again, now against the version saved since (after a 409)."""
        data = self.data.copy()
        data["version"] = str(version)
        return type(self)(data, **self.extra_kwargs())

    def extra_kwargs(self) -> dict:
        return {}


class OwnerCommentForm(VersionedForm):
    owner_comment = _text(
        "Owner's comment",
        "The owner's comment",
        "For members, in plain English: where the contract stands and what happens next (for example, "
        "the plan to re-procure, extend or end it).",
    )
    inflation_mechanism = _text(
        "Inflation mechanism",
        "The inflation mechanism",
        "How the price may rise during the contract, for example a yearly uplift by CPI, or none.",
    )


class ProcurementForm(VersionedForm):
    rag = forms.ChoiceField(
        label="Procurement status",
        choices=[(status.value, status.label) for status in ProcurementStatus.rated()],
        required=False,
        widget=forms.RadioSelect,
        help_text="Red, Amber or Green for this contract approaching its end. The date and your name are "
        "recorded.",
    )
    procurement_comment = _text(
        "Corporate Procurement's comment",
        "Corporate Procurement's comment",
        "For members (Part 2): the procurement position and any risk.",
    )
    concern = forms.BooleanField(
        label="Flag this contract as a concern",
        required=False,
        help_text="A contract of concern is listed first in the register. Your name is recorded as "
        "raising it.",
    )

    def __init__(self, *args, flagged: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.flagged = flagged
        if not flagged:
            del self.fields["rag"]

    def extra_kwargs(self) -> dict:
        return {"flagged": self.flagged}


class VouchForm(VersionedForm):
    """An approver vouches for the owner's part as they read it."""


class ContractImportForm(forms.Form):
    """A spreadsheet of contracts. The rows are checked by contracts.importers."""

    file = forms.FileField(
        label="Contracts file",
        validators=[
            FileExtensionValidator(
                ["csv", "xlsx"], message="The selected file must be a CSV or an Excel (.xlsx) file"
            )
        ],
        error_messages={
            "required": "Select a CSV or Excel file of contracts",
            "empty": "The selected file is empty",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"A CSV or Excel (.xlsx) file of up to {size_text(settings.IMPORT_MAX_BYTES)} with a header row and "
            "a row for each contract, as the register's CSV and Excel downloads have them."
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The selected file must be smaller than {size_text(settings.IMPORT_MAX_BYTES)}"
            )
        return upload
