"""Response headers every page of the portal gets."""

from django.utils.cache import patch_cache_control

# Pages no one needs to be signed in for, whose responses may be cached as usual.
NOT_PERSONAL = ("/health/",)


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
