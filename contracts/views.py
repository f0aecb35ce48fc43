"""The register's pages. Views stay thin: queries are in contracts.selectors, rules and moves in
contracts.services, who may do what in contracts.rules. Every page here is Part 1 except
ContractCommentaryView, the one Part 2 page, which says so."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import DetailView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from ambitions.models import Portfolio
from bromley_portal.core.views import PortalListView
from contracts import kpis, procurement_act, selectors
from contracts.filters import ContractFilterSet, RegisterEntryFilterSet
from contracts.models import Contract, RegisterEntry, register_ordering
from contracts.tables import ContractTable, RegisterEntryTable


class ContractListView(PortalListView):
    permission_required = "contracts.view_contract"
    queryset = Contract.objects.all()  # the filterset adds today's register and statuses (for_lists)
    table_class = ContractTable
    filterset_class = ContractFilterSet
    template_name = "contracts/contract_list.html"
    export_name = "contract-register"
    title = "Contract register"
    intro = (
        "Contracts of £50,000 or more that have not ended, with today's procurement status and risk index, "
        "in register order: contracts of concern first, capital contracts at the foot. Filter them, sort "
        "them and download what you see."
    )

    def get_context_data(self, **kwargs):
        return super().get_context_data(portfolios=Portfolio.objects.all(), **kwargs)


class ContractDetailView(PermissionRequiredMixin, DetailView):
    """A contract's Part 1 page: every register field, its risk scores, its history and its cycles."""

    permission_required = "contracts.view_contract"
    template_name = "contracts/contract_detail.html"
    context_object_name = "contract"

    def get_queryset(self):
        today = timezone.localdate()
        return Contract.objects.with_statuses(today).select_related(
            "portfolio", "owner", "approver", "concern_raised_by", "rating__set_by"
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page=selectors.contract_page(self.object, self.request.user), **kwargs
        )


class ContractCommentaryView(PermissionRequiredMixin, DetailView):
    """Part 2 (exempt information, Schedule 12A paragraph 3): the contract's commentary now and as each
    cycle froze it. Only for contracts officers, the contract's approver, clerks and admins."""

    permission_required = "contracts.view_part_2"
    template_name = "contracts/contract_commentary.html"
    context_object_name = "contract"
    queryset = Contract.objects.select_related("portfolio", "commentary")

    def get_context_data(self, **kwargs):
        entries = RegisterEntry.objects.filter(contract=self.object).select_related("cycle", "commentary")
        return super().get_context_data(entries=entries.order_by("-cycle__as_at"), **kwargs)


class PortfolioRegisterView(PortalListView):
    """A committee member's view: a portfolio's register in a cycle, as frozen, with the key data on top."""

    permission_required = "contracts.view_registercycle"
    queryset = RegisterEntry.objects.select_related("portfolio").order_by(*register_ordering())
    table_class = RegisterEntryTable
    filterset_class = RegisterEntryFilterSet
    template_name = "contracts/portfolio_register.html"
    paginate_by = 100

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.portfolio = get_object_or_404(Portfolio, code=kwargs["code"].upper())
        self.title = f"{self.portfolio.name}: contract register"
        self.export_name = f"contract-register-{self.portfolio.code.lower()}"

    def get_queryset(self):
        return super().get_queryset().filter(portfolio=self.portfolio)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cycle = context["filter"].chosen_cycle
        key_data = selectors.key_data(cycle, self.portfolio) if cycle else None
        return {**context, "portfolio": self.portfolio, "cycle": cycle, "key_data": key_data}


class KPIDutyView(PermissionRequiredMixin, TemplateView):
    """The Procurement Act 2023's KPI duty (contracts.procurement_act): the contracts of more than £5m
    lacking three KPIs or a rating in the last twelve months. Part 1."""

    permission_required = "contracts.view_contract"
    template_name = "contracts/kpi_duty.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(
            gaps=list(kpis.kpi_gaps(today)),
            act=procurement_act,
            cutoff=procurement_act.assessment_cutoff(today),
        )
