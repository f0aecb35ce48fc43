"""Cursor pagination: a page of ``API_PAGE_SIZE`` rows unless ``page_size`` asks for 1 to
``API_MAX_PAGE_SIZE``; ``next`` and ``previous`` are opaque links. Each endpoint orders by a unique
column, so a row never appears twice or goes missing as others are added."""

from django.conf import settings
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class PortalCursorPagination(CursorPagination):
    ordering = "pk"
    page_size_query_param = "page_size"

    def __init__(self):
        self.page_size, self.max_page_size = settings.API_PAGE_SIZE, settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request):
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        if not text.isdigit() or not 1 <= int(text) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return int(text)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {self.cursor_query_param: ["Not a cursor the API gave: follow the next and previous links."]}
            ) from None
