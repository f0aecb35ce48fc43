"""``{% pagecache_mark "content" "start" %}`` in base.html: where a cacheable page's own parts begin
and end (bromley_portal.core.pagecache). Nothing at all unless the view asked for the marks."""

from django import template
from django.utils.safestring import mark_safe

from bromley_portal.core.pagecache import MARK

register = template.Library()


@register.simple_tag(takes_context=True)
def pagecache_mark(context, part: str, edge: str) -> str:
    request = context.get("request")
    if request is None or not getattr(request, "pagecache_marks", False):
        return ""
    return mark_safe(MARK.format(part, edge))  # noqa: S308 (a fixed comment, no input)
