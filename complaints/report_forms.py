"""The forms the complaints team keeps the annual report's words with (complaints.report_text)."""

from django import forms

from complaints.report_text import (
    NARRATIVE_MAX_LENGTH,
    SELF_ASSESSMENT_MAX_LENGTH,
    Compliance,
    plain_text,
)


def _text(label: str, limit: int, hint: str, *, rows: int = 8) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=limit,
        help_text=hint,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": f"{label} must be {limit:,} characters or fewer"},
    )


class NarrativeForm(forms.Form):
    text = _text(
        "Text",
        NARRATIVE_MAX_LENGTH,
        "Plain text: leave a blank line between paragraphs. Any markup is removed. Leave it empty for none.",
        rows=12,
    )

    def clean_text(self):
        return plain_text(self.cleaned_data["text"])


class SelfAssessmentForm(forms.Form):
    compliance = forms.ChoiceField(
        label="Does the council comply with this provision?",
        widget=forms.RadioSelect,
        choices=[(c.value, c.label) for c in (Compliance.YES, Compliance.PARTLY, Compliance.NO)],
        error_messages={
            "required": "Select whether the council complies with this provision",
            "invalid_choice": "Select whether the council complies with this provision",
        },
    )
    evidence = _text(
        "Evidence", SELF_ASSESSMENT_MAX_LENGTH, "What shows it: a policy, a page, a figure.", rows=5
    )
    explanation = _text(
        "Explanation",
        SELF_ASSESSMENT_MAX_LENGTH,
        "Why the council does not fully comply, and what it will do about it (required unless it complies).",
        rows=5,
    )

    def clean_evidence(self):
        return plain_text(self.cleaned_data["evidence"])

    def clean_explanation(self):
        return plain_text(self.cleaned_data["explanation"])

    def clean(self):
        data = super().clean()
        compliance = data.get("compliance")
        if compliance == Compliance.YES and not data.get("evidence"):
            self.add_error("evidence", "Enter the evidence that the council complies")
        if compliance in (Compliance.PARTLY, Compliance.NO) and not data.get("explanation"):
            self.add_error("explanation", "Explain why the council does not fully comply and what it will do")
        return data
