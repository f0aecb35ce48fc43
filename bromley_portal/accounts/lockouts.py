"""How failed sign-ins lock an account (django-axes, with this handler as AXES_HANDLER).

Two counts, never the address alone (behind the council's proxy many people share one):
- one account from one address: locked after AXES_FAILURE_LIMIT failures (a person mistyping,
  or someone guessing one person's password from one place);
- one account from every address together: locked after AXES_ACCOUNT_FAILURE_LIMIT failures
  (someone guessing from many places).
Failures with made-up names lock only those names. A lockout ends after AXES_COOLOFF_MINUTES,
when the person resets their password, or when an admin clears it (the Sign-in lockouts page).
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _total(attempts) -> int:
    return attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0


class PortalLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit for each count. Axes compares one number with
    AXES_FAILURE_LIMIT; the account-wide count is shifted so that it reaches that limit exactly
    when the account has AXES_ACCOUNT_FAILURE_LIMIT failures."""

    def get_failures(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        recent = AccessAttempt.objects.filter(username=username)
        if settings.AXES_COOLOFF_TIME is not None:
            recent = recent.filter(attempt_time__gte=get_cool_off_threshold(request))
        at_this_address = _total(recent.filter(ip_address=request.axes_ip_address))
        from_anywhere = _total(recent)
        shift = settings.AXES_ACCOUNT_FAILURE_LIMIT - settings.AXES_FAILURE_LIMIT
        return max(at_this_address, from_anywhere - shift)
