"""The panels contracts contributes to the plans' pages (registered in ``ContractsConfig.ready()``):
the contracts that deliver an action, with their procurement status today (Part 1 only), so a member
sees an action at risk because its contract ends unsorted."""

from django.db.models import F, Prefetch

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


def linked_to_actions(action_ids, as_at) -> dict:
    """For a committee report (bromley_portal.core.panels.linked_to): the contracts that deliver each
    of these plan actions, Part 1 only, with their procurement status and KPI summary on ``as_at``.
    One query, however many actions."""
    from bromley_portal.core.panels import LinkedItem
    from contracts.models import Contract

    contracts = (
        Contract.objects.filter(action_links__action_id__in=action_ids)
        .for_lists(as_at)
        .annotate(linked_action_id=F("action_links__action_id"))
    )
    result: dict = {}
    for contract in contracts:
        kpis = contract.kpi_summary
        detail = [f"{contract.supplier}", f"ends {contract.end_date:%-d %B %Y}" if contract.end_date else ""]
        if kpis:
            detail.append(f"KPIs: {kpis.text}")
        if contract.concern:
            detail.append("flagged as a concern")
        result.setdefault(contract.linked_action_id, []).append(
            LinkedItem(
                kind="Contract",
                reference=contract.council_id,
                title=contract.title,
                detail="; ".join(part for part in detail if part),
                status=contract.procurement_status,
                status_set="procurement_status",
            )
        )
    return result
