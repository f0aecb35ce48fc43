from django import template

from contracts.tables import pounds as _pounds

register = template.Library()


@register.filter
def pounds(value) -> str:
    """£968,753 (whole pounds), £84,458.50 (with pence), or a dash when blank."""
    return _pounds(value)
