"""The open data's pages and feeds: public, no sign-in, cached by HTTP validators.

Each feed answers a conditional GET with 304 from ``api.versions`` (one query) before reading any
data, and carries ``Cache-Control: public`` (``bromley_portal.core.middleware.NOT_PERSONAL`` lists
``/open-data/``), a ``Link`` to its licence and to its data dictionary. CSV is for Excel and Power BI:
UTF-8 with a byte order mark, a header row, ISO dates, numbers with a point and no thousands
separators, and text that a spreadsheet would run as a formula written with a leading apostrophe.
"""

import csv
import json
from datetime import date
from decimal import Decimal

from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.http import http_date, quote_etag
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.generic import TemplateView

from api import open_data, versions
from bromley_portal.core.exports import neutralise_formula
from bromley_portal.core.financial_year import FinancialYear
from plans.models import PortfolioPlan

MAX_AGE = 300  # seconds a shared cache may keep a feed before asking again
BOM = "\ufeff"


def published_years() -> list[FinancialYear]:
    """The years with plans, and this one, newest first."""
    years = set(PortfolioPlan.objects.values_list("year", flat=True).distinct())
    years.add(FinancialYear.of(timezone.localdate()).start_year)
    return [FinancialYear(year) for year in sorted(years, reverse=True)]


def _year(text: str) -> FinancialYear:
    try:
        return FinancialYear.parse(text)
    except ValueError:
        raise Http404("No such financial year: write it as 2023-24.") from None


def _dataset(name: str) -> open_data.Dataset:
    if name not in open_data.DATASETS:
        raise Http404("No such dataset.")
    return open_data.DATASETS[name]


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return neutralise_formula(str(value))


def json_value(value):
    if isinstance(value, Decimal):
        return float(value)  # two places at most: the shortest float prints them back exactly
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Echo:
    def write(self, value):
        return value


def csv_body(dataset, year):
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield BOM + writer.writerow(dataset.columns)
    for row in dataset.rows(year):
        yield writer.writerow([csv_cell(row[column]) for column in dataset.columns])


def json_body(dataset, year, request):
    head = {
        "dataset": dataset.name,
        "title": dataset.title,
        "financial_year": year.label,
        "publisher": open_data.PUBLISHER,
        "licence": open_data.LICENCE,
        "attribution": open_data.ATTRIBUTION,
        "schema": request.build_absolute_uri(reverse("open_data:schema", args=[dataset.name])),
    }
    yield json.dumps(head)[:-1] + ', "rows": ['
    for index, row in enumerate(dataset.rows(year)):
        values = {column: json_value(row[column]) for column in dataset.columns}
        yield ("," if index else "") + json.dumps(values, ensure_ascii=False)
    yield "]}"


class Cached:
    """The validators first (one query), then the body only for a client without it."""

    def cached(self, request, models, parts, respond):
        version = versions.version(models, *parts)
        etag = quote_etag(version.etag)
        modified = int(version.last_modified.timestamp()) if version.last_modified else None
        response = get_conditional_response(request, etag=etag, last_modified=modified) or respond()
        response["ETag"] = etag
        if modified is not None:
            response["Last-Modified"] = http_date(modified)
        response["Access-Control-Allow-Origin"] = "*"
        response["Link"] = f'<{open_data.LICENCE["path"]}>; rel="license"'
        patch_cache_control(response, public=True, max_age=MAX_AGE)
        return response


class FeedView(Cached, View):
    """One dataset of one financial year, as CSV or JSON."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, year, name, extension):
        dataset, year = _dataset(name), _year(year)
        parts = (dataset.name, year.start_year, extension, timezone.localdate())

        def respond():
            if extension == "csv":
                response = StreamingHttpResponse(
                    csv_body(dataset, year), content_type="text/csv; charset=utf-8"
                )
                response["Content-Disposition"] = f'inline; filename="bromley-{name}-{year.label}.csv"'
            else:
                response = StreamingHttpResponse(
                    json_body(dataset, year, request), content_type="application/json; charset=utf-8"
                )
            return response

        response = self.cached(request, dataset.models, parts, respond)
        schema = request.build_absolute_uri(reverse("open_data:schema", args=[name]))
        response["Link"] = f'{response["Link"]}, <{schema}>; rel="describedby"'
        return response


class SchemaView(Cached, View):
    """A dataset's data dictionary: a Frictionless Table Schema."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, name):
        dataset = _dataset(name)

        def respond():
            body = {"title": dataset.title, "description": dataset.description, **dataset.schema()}
            return JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 2})

        return self.cached(request, [], ("schema", name), respond)


def datapackage(request, year: FinancialYear) -> dict:
    """A year's feeds as a Frictionless Data Package: each resource's address, schema and licence."""
    return {
        "name": f"bromley-portal-{year.label}",
        "title": f"London Borough of Bromley: strategy, plans, contracts and complaints, {year.label}",
        "licenses": [open_data.LICENCE],
        "publisher": open_data.PUBLISHER,
        "resources": [
            {
                "name": dataset.name,
                "title": dataset.title,
                "description": dataset.description,
                "path": request.build_absolute_uri(
                    reverse("open_data:feed", args=[year.label, dataset.name, "csv"])
                ),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "dialect": {"delimiter": ",", "header": True},
                "licenses": [open_data.LICENCE],
                "schema": dataset.schema(),
            }
            for dataset in open_data.DATASETS.values()
        ],
    }


class DataPackageView(Cached, View):
    http_method_names = ["get", "head", "options"]

    def get(self, request, year):
        year = _year(year)

        def respond():
            return JsonResponse(
                datapackage(request, year), json_dumps_params={"ensure_ascii": False, "indent": 2}
            )

        return self.cached(request, [], ("datapackage", year.start_year, request.get_host()), respond)


@method_decorator(cache_control(public=True, max_age=MAX_AGE), name="dispatch")
class OpenDataIndexView(TemplateView):
    """What is published, by year, with the licence and the data dictionaries."""

    template_name = "api/open_data.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            years=published_years(), datasets=open_data.DATASETS.values(), licence=open_data.LICENCE, **kwargs
        )


@method_decorator(cache_control(public=True, max_age=MAX_AGE), name="dispatch")
class ConnectView(TemplateView):
    """How to read the feeds from Power BI and Excel."""

    template_name = "api/connect.html"

    def get_context_data(self, **kwargs):
        year = published_years()[0]
        example = self.request.build_absolute_uri(
            reverse("open_data:feed", args=[year.label, "actions", "csv"])
        )
        return super().get_context_data(example=example, year=year, **kwargs)
