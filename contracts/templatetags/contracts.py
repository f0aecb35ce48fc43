from django import template

from contracts.tables import concern_tag as _concern_tag
from contracts.tables import pounds as _pounds
from contracts.tables import register_date as _register_date

register = template.Library()


@register.filter
def pounds(value) -> str:
    """£968,753 (whole pounds), £84,458.50 (with pence), or a dash when blank."""
    return _pounds(value)


@register.filter
def concern_tag(concern) -> str:
    """The register's Attention cell: ``{{ entry.concern|concern_tag }}``."""
    return _concern_tag(bool(concern))


@register.filter
def register_date(value) -> str:
    """A date as the register prints it: ``{{ entry.end_date|register_date }}`` (01/08/2018)."""
    return _register_date(value)
