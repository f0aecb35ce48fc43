"""The one way a status is shown, on every page and in every report.

``{% status_tag update.status "update_status" %}`` renders a GOV.UK tag with the status's
label and colour; ``short=True`` uses its short label (tables, charts' neighbours).
A member of a StatusChoices needs no set name: ``{% status_tag Rag.RED %}``.
The words always say the status, so colour is never the only way to tell.
"""

from django import template
from django.utils.html import format_html

from bromley_portal.core.choices import StatusChoices, status_set

register = template.Library()


def resolve(value, set_name: str | None = None) -> StatusChoices | None:
    if isinstance(value, StatusChoices):
        return value
    if value in (None, ""):
        return None
    return status_set(set_name)(value) if set_name else None


@register.simple_tag
def status_tag(value, set_name=None, short=False, label=""):
    member = resolve(value, set_name)
    if member is None:
        return "—"
    return format_html(
        '<strong class="govuk-tag govuk-tag--{} app-status app-status--{}">{}</strong>',
        member.colour,
        member.value.replace("_", "-"),
        label or (member.short_label if short else member.label),
    )


@register.simple_tag
def status_label(value, set_name=None, short=False):
    """Just the words: ``{% status_label row.rag "rag" short=True %}``."""
    member = resolve(value, set_name)
    if member is None:
        return ""
    return member.short_label if short else member.label


@register.simple_tag
def status_members(set_name):
    """Every status of a set, in order: ``{% status_members "rag" as statuses %}``."""
    return list(status_set(set_name))
