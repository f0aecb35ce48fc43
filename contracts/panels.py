"""The panels contracts contributes to the plans' pages (registered in ``ContractsConfig.ready()``):
the contracts that deliver an action, with their procurement status today (Part 1 only), so a member
sees an action at risk because its contract ends unsorted."""

from django.db.models import Prefetch

from bromley_portal.core.panels import Panel
from contracts import selectors
from contracts.models import ContractAction


def action_panel(request, action) -> Panel | None:
    """On an action's page: the contracts that deliver it."""
    if not request.user.has_perm("contracts.view_contract"):
        return None
    contracts = list(selectors.contracts_for_action(action))
    return Panel("contracts/_action_contracts_panel.html", {"contracts": contracts}, order=50)


def portfolio_dashboard_panel(request, portfolio) -> Panel | None:
    """On a portfolio's dashboard: the contracts that deliver its plans' actions, and which actions."""
    if not request.user.has_perm("contracts.view_contract"):
        return None
    links = ContractAction.objects.select_related("action__section__plan")
    contracts = list(
        selectors.contracts_for_portfolio_actions(portfolio).prefetch_related(
            Prefetch("action_links", links, to_attr="links")
        )
    )
    return Panel("contracts/_dashboard_contracts_panel.html", {"contracts": contracts}, order=50)
