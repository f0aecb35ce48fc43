"""The panels plans contributes to other apps' pages (registered in ``PlansConfig.ready()``)."""

from django.db.models import Count, Prefetch

from bromley_portal.core.panels import Panel
from plans.models import Action, PlanSection

# Each plan section on an ambition's page names its first actions and links to all of them in the paged
# actions list: the page does not grow with the plans.
AMBITION_ACTIONS_SHOWN = 10


def ambition_panel(request, ambition) -> Panel | None:
    """The plans and actions that serve an ambition, for the ambition's page: each plan's section with
    its number of actions and the first ``AMBITION_ACTIONS_SHOWN`` (a sliced prefetch, one query)."""
    if not request.user.has_perm("plans.view_action"):
        return None
    sections = (
        PlanSection.objects.filter(ambition=ambition)
        .select_related("plan__portfolio")
        .annotate(action_count=Count("actions"))
        .prefetch_related(
            Prefetch(
                "actions",
                Action.objects.with_plan_text().order_by("number")[:AMBITION_ACTIONS_SHOWN],
                to_attr="first_actions",
            )
        )
        .order_by("-plan__year", "plan__portfolio__order")
    )
    return Panel("plans/_ambition_panel.html", {"sections": sections, "ambition": ambition}, order=10)
