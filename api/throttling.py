"""Each client is throttled to ``settings.API_THROTTLE_RATE``: counted per token when it uses one, else
per person (a signed-in session). Over the rate: 429 with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class PerClientThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def allow_request(self, request, view):
        # The rate is read on every request, so a changed setting applies at once.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None  # refused before this, with 401
        token = request.auth
        ident = f"token-{token.prefix}" if token is not None else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
