"""Small template tags every page shares."""

from django import template

register = template.Library()


@register.inclusion_tag("includes/breadcrumbs.html")
def breadcrumbs(*labels_and_urls):
    """The GOV.UK breadcrumbs, Home first: ``{% breadcrumbs "Plans" plans_url plan_label plan_url %}``
    (a label and its address, as many as the page is deep; take addresses with ``{% url ... as name %}``)."""
    if len(labels_and_urls) % 2:
        raise template.TemplateSyntaxError("breadcrumbs takes a label and an address for each step")
    return {"crumbs": list(zip(labels_and_urls[::2], labels_and_urls[1::2], strict=True))}


@register.filter
def listed(value) -> list:
    """``{% include "x.html" with actions=action|listed %}``: one thing where a list is wanted."""
    return [value]
