from django import template
from django.urls import reverse

from plans.choices import DataQuality, Direction

register = template.Library()


@register.filter
def measure_value(measure, value) -> str:
    """A reading's value written in its measure's unit: {{ measure|measure_value:reading.actual }}."""
    return measure.format(value)


@register.filter
def direction_label(value) -> str:
    return Direction(value).label if value else ""


@register.filter
def quality_label(value) -> str:
    return DataQuality(value).label if value else ""


@register.filter
def dashboard_url(subject) -> str:
    """The dashboard of an ambition or a portfolio (kept here: ambitions knows nothing of plans' pages)."""
    from ambitions.models import Ambition, Portfolio

    if isinstance(subject, Ambition):
        return reverse("plans:dashboard_ambition", args=[subject.number])
    if isinstance(subject, Portfolio):
        return reverse("plans:dashboard_portfolio", args=[subject.code])
    return ""
