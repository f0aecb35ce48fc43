from dataclasses import dataclass
from datetime import timedelta

import redis
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import InvalidPage
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin
from rules.contrib.views import PermissionRequiredMixin

from bromley_portal.core.exports import SafeTableExport, download
from bromley_portal.core.models import WorkerHeartbeat
from bromley_portal.core.navigation import sections_for

# The page sizes a list offers (``?per_page=``); anything else gives the first.
PAGE_SIZES = (25, 50, 100)


class HomeView(LoginRequiredMixin, TemplateView):
    """The home page: what this person's roles let them do."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["roles"] = sorted(user.role_names)
        context["sections"] = [s for s in sections_for(user) if s.url_name != "home"]
        return context


def bad_request(request, exception=None):
    """The portal's "bad request" page (400), for an address no page could make sense of."""
    return render(request, "400.html", status=400)


class AccessibilityView(TemplateView):
    template_name = "pages/accessibility.html"


# The beat asks a worker to record its heartbeat every five minutes (CELERY_BEAT_SCHEDULE); one not
# seen for two of those, and a minute, is late.
WORKER_LATE_AFTER = timedelta(minutes=11)
# /health/ asks the broker with this timeout, so a broker that does not answer is reported quickly.
BROKER_PING_SECONDS = 2


def health(request):
    """For load balancers and monitoring: does the database answer, does the broker answer, and
    when did a worker last run. 503 only when the database is down: without it this web server can
    serve nothing. With the broker down every page still serves (asking for a report says reports are
    unavailable), so the status is "degraded" with 200: a load balancer that took every web server
    out of rotation whenever Redis blinked would turn a broker outage into a portal outage."""
    database = _database_answers()
    broker = _broker_answers()
    heartbeat = WorkerHeartbeat.objects.first() if database else None
    last_seen = heartbeat.last_seen if heartbeat else None
    status = "unavailable" if not database else ("degraded" if broker is False else "ok")
    return JsonResponse(
        {
            "status": status,
            "database": "ok" if database else "unavailable",
            "broker": {True: "ok", False: "unavailable", None: "none: tasks run inline"}[broker],
            "worker": _worker_state(last_seen),
            "worker_last_seen": last_seen.isoformat() if last_seen else None,
        },
        status=200 if database else 503,
    )


def _worker_state(last_seen) -> str:
    if last_seen is None:
        return "never seen"
    return "ok" if last_seen > timezone.now() - WORKER_LATE_AFTER else "late"


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def _broker_answers() -> bool | None:
    """A quick ping of the Redis broker; None when there is none (tasks run inline)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    client = redis.Redis.from_url(
        url, socket_connect_timeout=BROKER_PING_SECONDS, socket_timeout=BROKER_PING_SECONDS
    )
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


class RowsExportMixin(ExportMixin):
    """django-tables2's export, except for a table that builds its own download rows (``export_headers``
    and ``export_rows``: the table's columns read a fixed number of queries at a time, not cell by
    cell), which is sent as a streamed download."""

    def create_export(self, export_format):
        table = self.get_table(**self.get_table_kwargs())
        if not hasattr(table, "export_rows"):
            return super().create_export(export_format)
        return download(
            export_format,
            table.export_headers(),
            table.export_rows(),
            self.get_export_filename(export_format),
            title=table.Meta.model._meta.verbose_name_plural.title(),
        )


class PagedTableMixin(SingleTableMixin):
    """The table pages the rows (django-tables2's RequestConfig, at get_paginate_by's size), and only
    the table: the ListView paging them too would count every matching row a second time. A page
    number that is not a page of the list is refused (404) as the ListView's paging refused it, where
    django-tables2 alone would show the first or the last page instead."""

    def paginate_queryset(self, queryset, page_size):
        page = self.request.GET.get(self.page_kwarg)
        if page not in (None, "", "last") and not (page.isdigit() and int(page) > 0):
            raise Http404("There is no such page of this list.")
        return None, None, queryset, False

    def get_table_pagination(self, table):
        paginate = super().get_table_pagination(table)
        return paginate if paginate is False else {**paginate, "silent": False}

    def get_table(self, **kwargs):
        try:
            return super().get_table(**kwargs)
        except InvalidPage:
            raise Http404("There is no such page of this list.") from None


class PortalListView(
    LoginRequiredMixin, PermissionRequiredMixin, RowsExportMixin, PagedTableMixin, FilterView
):
    """A list that declares (queryset, table_class, filterset_class, permission_required).

    Filters, sorting, pagination and CSV/Excel export with the table's own columns
    come from here. The queryset should fetch related rows up front so the page
    costs the same number of queries at 10 rows or 10,000.
    """

    template_name = "core/list.html"
    export_class = SafeTableExport
    paginate_by = PAGE_SIZES[0]
    export_formats = ("csv", "xlsx")
    export_name = "export"
    title = ""
    intro = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        request.GET = bounded_page_size(request.GET)

    def get_export_filename(self, export_format):
        return f"{self.export_name}-{timezone.localdate():%Y-%m-%d}.{export_format}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            title=self.title,
            intro=self.intro,
            filter_query=query.urlencode(),
            export_links=[
                (fmt, {"csv": "CSV", "xlsx": "Excel"}[fmt], _with_param(query, "_export", fmt))
                for fmt in self.export_formats
            ],
        )
        return context


def bounded_page_size(query):
    """The query string with ``per_page`` dropped unless it is one of PAGE_SIZES, so the list falls
    back to its default: a page of -1 or of 100,000 rows is never asked of the database."""
    if query.get("per_page", str(PAGE_SIZES[0])) in {str(size) for size in PAGE_SIZES}:
        return query
    query = query.copy()
    query.pop("per_page")
    return query


def _with_param(query, name, value) -> str:
    query = query.copy()
    query[name] = value
    return "?" + query.urlencode()


@dataclass(frozen=True)
class Conflict:
    """A 409 Conflict page (core/conflict.html): a move refused because the record changed after the
    person read it. ``saved_template`` shows what it says now, under a heading with id="saved-version"."""

    title: str  # after "Error: " in the window's title
    message: str  # the error, linking to what it says now
    caption: str
    heading: str
    saved_template: str
    back_label: str  # the breadcrumb and the link back
    back_url: str
    back_text: str
    back_fragment: str = ""
    warning_template: str = ""  # e.g. a Part 2 warning, above the heading


def conflict_response(request, conflict: Conflict, context: dict) -> TemplateResponse:
    """The shared 409 page for every optimistic-locking conflict a work page meets."""
    return TemplateResponse(request, "core/conflict.html", {**context, "conflict": conflict}, status=409)
