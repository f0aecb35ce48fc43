"""Forms every app's pages share."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html


class PortalFilterForm(forms.Form):
    """The form of every list's filters (a FilterSet's ``Meta.form``): errors in the GOV.UK style,
    saying what to do, not what went wrong."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            label = field.label if field.label[:2].isupper() else field.label[0].lower() + field.label[1:]
            message = f"Select {label} from the list"  # noqa: S608 (a sentence, not SQL)
            field.error_messages["invalid_choice"] = field.error_messages["invalid"] = message


class VersionInput(forms.HiddenInput):
    """The hidden version of the record a form was read at (every decision and save carries one),
    written in Python rather than through Django's widget templates: the same markup, but a queue
    page holds 50 of them and the template path cost more than each card's own text."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        if value is None:
            return format_html('<input type="hidden" name="{}"{}>', name, attributes)
        return format_html('<input type="hidden" name="{}" value="{}"{}>', name, value, attributes)
