"""The version every decision and save form carries renders as Django's own hidden input does."""

import pytest
from django import forms

from bromley_portal.core.forms import VersionInput


@pytest.mark.parametrize("value", [0, 7, 12345, None, "", 'a"<b>&c', "3f9c-ab"])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_decide-4-version"}, {"id": "x", "data-on": True, "off": False}]
)
def test_version_input_writes_what_django_hidden_input_writes(value, attrs):
    assert VersionInput().render("decide-4-version", value, attrs) == forms.HiddenInput().render(
        "decide-4-version", value, attrs
    )


def test_the_decision_forms_use_it():
    from complaints.forms import CaseForm
    from contracts.forms import VersionedForm
    from plans.forms import DecisionForm, QuarterlyUpdateForm, ReturnUpdateForm

    for form_class in (CaseForm, VersionedForm, DecisionForm, ReturnUpdateForm, QuarterlyUpdateForm):
        assert isinstance(form_class.base_fields["version"].widget, VersionInput), form_class
