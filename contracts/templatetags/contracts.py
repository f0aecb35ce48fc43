from django import template

from contracts.tables import concern_tag as _concern_tag
from contracts.tables import pounds as _pounds

register = template.Library()


@register.filter
def pounds(value) -> str:
    """£968,753 (whole pounds), £84,458.50 (with pence), or a dash when blank."""
    return _pounds(value)


@register.filter
def concern_tag(concern) -> str:
    """The register's Attention cell: ``{{ entry.concern|concern_tag }}``."""
    return _concern_tag(bool(concern))
