"""The Procurement Act 2023 panel of a contract's page: ``{% load procurement_act %}{% kpi_panel contract %}``."""

from django import template
from django.utils import timezone

from contracts.kpis import kpi_panel as _kpi_panel

register = template.Library()


@register.inclusion_tag("contracts/_kpi_panel.html")
def kpi_panel(contract):
    """The contract's KPIs and each one's assessment history (Part 1: the Act publishes them)."""
    return {"contract": contract, "panel": _kpi_panel(contract, timezone.localdate())}
