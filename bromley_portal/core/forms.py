"""Forms every app's pages share."""

from django import forms


class PortalFilterForm(forms.Form):
    """The form of every list's filters (a FilterSet's ``Meta.form``): errors in the GOV.UK style,
    saying what to do, not what went wrong."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            label = field.label if field.label[:2].isupper() else field.label[0].lower() + field.label[1:]
            message = f"Select {label} from the list"  # noqa: S608 (a sentence, not SQL)
            field.error_messages["invalid_choice"] = field.error_messages["invalid"] = message
