"""The portal's own middleware: addresses it refuses before any view sees them, and the response
headers every page gets.

A control character in the path or the query string (a NUL byte above all, which PostgreSQL
cannot store or compare) is never a real address: such a request gets the portal's "bad
request" page (400) and reaches no view, query or form. Each view still validates what it
reads (page sizes in ``PortalListView``, years in ``FinancialYear.parse``, filters in their
forms); this catches what no field was written to expect.
"""

import re

from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme

from bromley_portal.core.views import bad_request

# C0 controls and DEL. Tab, line feed and carriage return are allowed in query values (a search
# pasted from a document may carry them) but never in the path.
_PATH_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_QUERY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(request) -> bool:
    if _PATH_CONTROLS.search(request.path_info):
        return True
    return any(
        _QUERY_CONTROLS.search(key) or any(_QUERY_CONTROLS.search(value) for value in values)
        for key, values in request.GET.lists()
    )


class RejectControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_control_characters(request):
            return bad_request(request)
        return self.get_response(request)


# Pages no one needs to be signed in for, whose responses may be cached as usual.
NOT_PERSONAL = ("/health/", "/contracts/open-data/", "/meetings/public/", "/open-data/")


class PrivateNoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in person, so no shared cache
    (a proxy) keeps a page, export or report meant for one person, and the browser keeps no copy once it
    is closed or someone else uses it. Static files never reach here (WhiteNoise answers them first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(NOT_PERSONAL):
            patch_cache_control(response, private=True, no_store=True)
        return response


class MethodNotAllowedPageMiddleware:
    """A blank 405 becomes a page that says what happened: an address that only takes a form's answer
    was opened (most often by refreshing the page a form's answer led to, or by a bookmark). It keeps
    the 405 status and the Allow header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or request.method not in ("GET", "HEAD") or response.content:
            return response
        referer = request.headers.get("Referer", "")
        back = referer if url_has_allowed_host_and_scheme(referer, {request.get_host()}) else ""
        page = render(
            request, "405.html", {"back": back if back != request.build_absolute_uri() else ""}, status=405
        )
        if "Allow" in response:
            page["Allow"] = response["Allow"]
        return page
