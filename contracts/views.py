"""The register's pages. Views stay thin: queries are in contracts.selectors, rules and moves in
contracts.services, who may do what in contracts.rules. Every page here is Part 1 except
ContractCommentaryView, the one Part 2 page, which says so."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from ambitions.models import Portfolio
from bromley_portal.core.views import PAGE_SIZES, Conflict, PortalListView, conflict_response
from contracts import import_previews, kpis, notices, procurement_act, selectors, services
from contracts.choices import ProcurementStatus
from contracts.filters import ContractFilterSet, RegisterEntryFilterSet
from contracts.forms import ContractImportForm, OwnerCommentForm, ProcurementForm, VouchForm
from contracts.importers import COLUMNS, OPTIONAL_COLUMNS, SHOWN_ON_PREVIEW, import_contracts
from contracts.models import Contract, ContractCommentary, RegisterEntry
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
            page=selectors.contract_page(self.object, self.request.user),
            contract_notices=notices.CONTRACT_NOTICES.values(),
            **kwargs,
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
    table_class = RegisterEntryTable
    filterset_class = RegisterEntryFilterSet
    template_name = "contracts/portfolio_register.html"
    # 50 rows a page (100 with ?per_page=100): a committee's register fits (CEF's published one is 41
    # contracts), and the page costs the same at any size of register. Rendering is linear in the rows
    # shown (django-tables2 works each cell out on its own), and nothing else on the page grows with
    # the register (bench/contracts.py).
    paginate_by = PAGE_SIZES[1]

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.portfolio = get_object_or_404(Portfolio, code=kwargs["code"].upper())
        self.title = f"{self.portfolio.name}: contract register"
        self.export_name = f"contract-register-{self.portfolio.code.lower()}"

    def get_queryset(self):
        return selectors.register_entries(None, self.portfolio)  # the committee extracts' rows too

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cycle = context["filter"].chosen_cycle
        key_data = selectors.key_data(cycle, self.portfolio) if cycle else None
        return {**context, "portfolio": self.portfolio, "cycle": cycle, "key_data": key_data}


# Owners, approvers and the Governance & Contracts lead -----------------------------------------


class MyContractsView(PermissionRequiredMixin, TemplateView):
    """The owner's contracts in the register, those that need their comment this cycle first to see."""

    permission_required = "contracts.view_my_contracts"
    template_name = "contracts/my_contracts.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(work=selectors.my_contracts(self.request.user), **kwargs)


def _stale_response(view, form, error):
    """409 Conflict: the person's input kept in the form, now against the saved version (so saving again
    replaces it), beside what the record says now."""
    view.commentary = ContractCommentary.objects.get(contract=view.contract)
    form = form.with_version(view.version())
    form.is_valid()
    form.add_error(None, str(error))
    return view.render_to_response(view.get_context_data(form=form, theirs=view.commentary), status=409)


class ContractFormView(PermissionRequiredMixin, TemplateView):
    """A form on one contract that carries the version it read: a stale save gets 409 Conflict, the
    person's text kept in the form (now against the saved version) and what the record says now."""

    version_field = ""  # the ContractCommentary counter the form's version is checked against

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.contract = get_object_or_404(selectors.contract_for_form(), pk=kwargs["pk"])
        self.commentary = getattr(self.contract, "commentary", None)

    def get_permission_object(self):
        return self.contract

    def version(self) -> int:
        return getattr(self.commentary, self.version_field, 0) if self.commentary else 0

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.make_form(initial={**self.initial(), "version": self.version()}))
        return super().get_context_data(contract=self.contract, commentary=self.commentary, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            self.save(form.cleaned_data)
        except services.StaleCommentaryError as error:
            return _stale_response(self, form, error)
        except services.ContractError as error:
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, self.saved_message)
        return redirect(self.success_url)


class OwnerCommentView(ContractFormView):
    """Part 2: the owner writes their comment and the inflation mechanism for the open cycle."""

    permission_required = "contracts.write_owner_comment"
    template_name = "contracts/owner_comment.html"
    version_field = "owner_version"
    saved_message = "Your comment has been saved. Your contract's approver will vouch for it."
    success_url = "contracts:my_contracts"

    def make_form(self, data=None, initial=None):
        return OwnerCommentForm(data, initial=initial)

    def initial(self) -> dict:
        fields = ["owner_comment", "inflation_mechanism"]
        return {name: getattr(self.commentary, name) for name in fields} if self.commentary else {}

    def get_context_data(self, **kwargs):
        history = selectors.owner_comment_history(self.contract)
        return super().get_context_data(cycle=services.open_cycle(), history=history, **kwargs)

    def save(self, values):
        services.save_owner_comment(self.contract, self.request.user, **values)


class ProcurementView(ContractFormView):
    """The Governance & Contracts lead's RAG (for a contract approaching its end), Corporate
    Procurement's comment and the concern flag, for one contract."""

    permission_required = "contracts.comment_procurement"
    template_name = "contracts/procurement_form.html"
    version_field = "procurement_version"
    saved_message = "The procurement status has been saved."
    success_url = "contracts:procurement"

    def make_form(self, data=None, initial=None):
        flagged = self.contract.procurement_status != ProcurementStatus.NEUTRAL
        return ProcurementForm(data, initial=initial, flagged=flagged)

    def initial(self) -> dict:
        rating = getattr(self.contract, "rating", None)
        comment = self.commentary.procurement_comment if self.commentary else ""
        return {
            "rag": rating.rag if rating else "",
            "procurement_comment": comment,
            "concern": self.contract.concern,
        }

    def save(self, values):
        values.setdefault("rag", "")
        services.save_procurement(self.contract, self.request.user, **values)


class ApproverQueueView(PermissionRequiredMixin, TemplateView):
    """The contracts this approver vouches for, those whose owner's comment waits for them first."""

    permission_required = "contracts.view_approver_queue"
    template_name = "contracts/approver_queue.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(work=selectors.approver_queue(self.request.user), **kwargs)


class VouchView(PermissionRequiredMixin, View):
    """POST only: the approver vouches for the owner's comment as they read it, then back to the queue.
    A comment changed since gets 409 Conflict with what it says now."""

    permission_required = "contracts.vouch_contract"
    http_method_names = ["post"]

    def get_permission_object(self):
        return get_object_or_404(Contract.objects.select_related("portfolio"), pk=self.kwargs["pk"])

    def post(self, request, *args, **kwargs):
        contract = self.get_permission_object()
        form = VouchForm(request.POST)
        try:
            if not form.is_valid():
                raise services.ContractError(form.errors["version"][0])
            services.vouch(contract, request.user, version=form.cleaned_data["version"])
        except services.StaleCommentaryError as error:
            conflict = Conflict(
                title=f"the owner's comment on {contract.council_id} has changed",
                message=str(error),
                caption=f"Contract {contract.council_id} · {contract.portfolio}",
                heading="The owner’s comment has changed",
                saved_template="contracts/_vouch_conflict_saved.html",
                warning_template="contracts/_part_2_warning.html",
                back_label="Contracts to vouch for",
                back_url=reverse("contracts:approvals"),
                back_fragment=f"#contract-{contract.pk}",
                back_text="Back to your queue to vouch for it as it stands now",
            )
            context = {"contract": contract, "commentary": contract.commentary}
            return conflict_response(request, conflict, context)
        except services.ContractError as error:
            messages.error(request, str(error))
            return redirect("contracts:approvals")
        messages.success(request, f"You have vouched for contract {contract.council_id}.")
        return redirect("contracts:approvals")


class ProcurementScreenView(PermissionRequiredMixin, TemplateView):
    """Contracts approaching their end, for the Assistant Director Governance & Contracts to rate."""

    permission_required = "contracts.view_procurement_screen"
    template_name = "contracts/procurement_screen.html"

    def get_context_data(self, **kwargs):
        contracts = list(selectors.approaching_end())
        unrated = sum(
            1 for contract in contracts if contract.procurement_status == ProcurementStatus.AWAITING
        )
        return super().get_context_data(contracts=contracts, unrated=unrated, **kwargs)


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


# Importing contracts -----------------------------------------------------------------------------


class ContractImportView(PermissionRequiredMixin, FormView):
    """Upload contracts as a spreadsheet: contracts.importers checks every row and works out the changes
    (a dry run); the person sees them and confirms (ContractImportConfirmView)."""

    permission_required = "contracts.import_contracts"
    form_class = ContractImportForm
    template_name = "contracts/import.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(columns=COLUMNS, optional_columns=OPTIONAL_COLUMNS, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        result = import_contracts(upload, upload.name, user=self.request.user, dry_run=True)
        if result.errors:
            form.add_error(
                "file",
                f"{result.summary()[0]} Correct the file and upload it again: the problems are listed below.",
            )
            return self.render_to_response(self.get_context_data(form=form, result=result))
        pending = import_previews.keep(self.request, upload, result.signature())
        return _preview(self.request, result, pending)


def _preview(request, result, pending, status=200):
    return TemplateResponse(
        request,
        "contracts/import_preview.html",
        {
            "result": result,
            "pending": pending,
            "shown": SHOWN_ON_PREVIEW,
            "more_created": max(0, len(result.created) - SHOWN_ON_PREVIEW),
            "more_changed": max(0, len(result.changed) - SHOWN_ON_PREVIEW),
            "to_import": len(result.created) + len(result.changed),
        },
        status=status,
    )


class ContractImportConfirmView(PermissionRequiredMixin, View):
    """Import the previewed file for real, if the import still does what the preview showed."""

    permission_required = "contracts.import_contracts"

    def post(self, request):
        with import_previews.confirming(request, request.POST.get("token", "")) as (pending, handle):
            return self.confirm(request, pending, handle)

    def confirm(self, request, pending, handle):
        if handle is None:
            import_previews.discard(request)
            messages.error(
                request, "That preview has expired or was imported already: upload the file again."
            )
            return redirect("contracts:import")
        result = import_contracts(handle, pending.filename, user=request.user, expected=pending.signature)
        if result.errors or result.stale:
            if result.errors:
                import_previews.discard(request)
                messages.error(request, "The file can no longer be imported: upload it again to see why.")
                return redirect("contracts:import")
            pending = import_previews.replace_signature(request, pending, result.signature())
            return _preview(request, result, pending, status=409)
        import_previews.discard(request)
        messages.success(request, f"Imported {pending.filename}: " + " ".join(result.summary()))
        return redirect("contracts:contract_list")
