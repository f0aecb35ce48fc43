"""Addresses the portal refuses before any view sees them.

A control character in the path or the query string (a NUL byte above all, which PostgreSQL
cannot store or compare) is never a real address: such a request gets the portal's "bad
request" page (400) and reaches no view, query or form. Each view still validates what it
reads (page sizes in ``PortalListView``, years in ``FinancialYear.parse``, filters in their
forms); this catches what no field was written to expect.
"""

import re

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
