"""The panels plans contributes to other apps' pages (registered in ``PlansConfig.ready()``)."""

from django.db.models import Prefetch

from bromley_portal.core.panels import Panel
from plans.models import Action, PlanSection


def ambition_panel(request, ambition) -> Panel | None:
    """The plans and actions that serve an ambition, for the ambition's page."""
    if not request.user.has_perm("plans.view_action"):
        return None
    sections = (
        PlanSection.objects.filter(ambition=ambition)
        .select_related("plan__portfolio")
        .prefetch_related(Prefetch("actions", Action.objects.with_plan_text()))
        .order_by("-plan__year", "plan__portfolio__order")
    )
    return Panel("plans/_ambition_panel.html", {"sections": sections, "ambition": ambition}, order=10)
