from django.utils.functional import SimpleLazyObject

from bromley_portal.core.navigation import nav_items


def portal(request):
    return {"portal_nav": SimpleLazyObject(lambda: nav_items(request))}
