"""The register's open data and the Procurement Act notices, as downloads. Thin: contracts.ocds builds
the open data, contracts.notices the notices.

The open data (OCDS release packages and the Transparency Code's CSV) is public: no sign-in, Part 1
only, streamed, and cached by HTTP validators: each response carries an ETag and Last-Modified read
from the register in a fixed number of queries before the body, a conditional GET (If-None-Match or
If-Modified-Since) is answered 304 without building the body, and ``Cache-Control: public`` lets a
proxy keep it for ``MAX_AGE`` seconds (bromley_portal.core.middleware lists the path as not personal).

The notices are for the procurement team (contracts officers and admins) to check and publish on the
central digital platform: signed in, private, each validated against the OCDS schema before it is sent.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.views import View
from rules.contrib.views import PermissionRequiredMixin

from ambitions.models import Portfolio
from contracts import notices, ocds
from contracts.models import Contract, RegisterCycle

MAX_AGE = 300  # seconds a shared cache may keep a feed before asking again


class OpenDataView(View):
    """A public feed: conditional GET, then the body streamed."""

    http_method_names = ["get", "head", "options"]
    content_type = "application/json"
    filename = ""  # set for a download (the CSV)

    def feed(self) -> ocds.Feed:
        raise NotImplementedError

    def uri(self) -> str:
        return self.request.build_absolute_uri(self.request.path)

    def get(self, request, *args, **kwargs):
        feed = self.feed()
        etag = quote_etag(feed.etag)
        modified = int(feed.last_modified.timestamp()) if feed.last_modified else None
        response = get_conditional_response(request, etag=etag, last_modified=modified)
        if response is None:
            response = StreamingHttpResponse(feed.body(), content_type=self.content_type)
            if self.filename:
                response["Content-Disposition"] = f'attachment; filename="{self.filename}"'
        response["ETag"] = etag
        if modified is not None:
            response["Last-Modified"] = http_date(modified)
        response["Access-Control-Allow-Origin"] = "*"
        patch_cache_control(response, public=True, max_age=MAX_AGE)
        return response


class RegisterOCDSView(OpenDataView):
    """The live register (contracts of £50k or more not ended) as one OCDS release package."""

    def feed(self):
        return ocds.register_feed(timezone.localdate(), self.uri())


class ContractOCDSView(OpenDataView):
    """One contract's OCDS release package."""

    def feed(self):
        contract = get_object_or_404(Contract.objects.only("pk"), pk=self.kwargs["pk"])
        return ocds.contract_feed(contract, timezone.localdate(), self.uri())


class CycleOCDSView(OpenDataView):
    """A portfolio's register in a frozen cycle, as it stood, as one OCDS release package."""

    def feed(self):
        portfolio = get_object_or_404(Portfolio, code=self.kwargs["code"].upper())
        cycle = get_object_or_404(RegisterCycle, pk=self.kwargs["cycle"], frozen_at__isnull=False)
        return ocds.cycle_feed(cycle, portfolio, self.uri())


class TransparencyCodeCSVView(OpenDataView):
    """The Local Government Transparency Code 2015's contracts list (over £5,000) as CSV."""

    content_type = "text/csv; charset=utf-8"
    filename = "contracts-transparency-code.csv"

    def feed(self):
        return ocds.transparency_code_feed(timezone.localdate())


# The Procurement Act 2023's notices (contracts officers and admins) -----------------------------


def _download(prepared: notices.PreparedNotice) -> HttpResponse:
    response = HttpResponse(prepared.text, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{prepared.filename}"'
    return response


class ContractNoticeView(PermissionRequiredMixin, View):
    """A contract's details, performance, change or termination notice, as an OCDS release package to
    download. When the register has nothing for it yet, back to the contract page saying why."""

    permission_required = "contracts.prepare_notices"
    http_method_names = ["get", "head", "options"]

    def get(self, request, pk, kind):
        notice = notices.CONTRACT_NOTICES.get(kind)
        if notice is None:
            raise Http404("No such notice.")
        contract = get_object_or_404(Contract.objects.only("pk", "council_id"), pk=pk)
        try:
            prepared = notices.prepare_contract_notice(
                notice, contract, request.build_absolute_uri(request.path), timezone.localdate()
            )
        except notices.NoticeUnavailable as reason:
            messages.error(request, f"The {notice.title.lower()} cannot be prepared: {reason}")
            return redirect(contract.get_absolute_url() + "#notices")
        return _download(prepared)


class PipelineNoticeView(PermissionRequiredMixin, View):
    """The pipeline notice (planned procurements of more than £2m in the next 18 months)."""

    permission_required = "contracts.prepare_notices"
    http_method_names = ["get", "head", "options"]

    def get(self, request):
        uri = request.build_absolute_uri(request.path)
        try:
            return _download(notices.prepare_pipeline_notice(uri, timezone.localdate()))
        except notices.NoticeUnavailable as reason:
            messages.error(request, f"The pipeline notice cannot be prepared: {reason}")
            screen = request.user.has_perm("contracts.view_procurement_screen")
            return redirect("contracts:procurement" if screen else "contracts:contract_list")
