"""The accounts pages' read queries."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Sum
from django.utils import timezone

from bromley_portal.accounts.models import ApiToken

# The lockouts page lists at most this many (someone trying thousands of made-up names makes thousands).
LOCKOUTS_SHOWN = 200


@dataclass
class Lockout:
    """One account that cannot sign in now: from some addresses, or from everywhere."""

    username: str
    person: object = None  # the User, or None when no account has this name (a made-up name)
    failures: int = 0
    addresses: list[str] = field(default_factory=list)  # the addresses it is locked at
    everywhere: bool = False  # locked from every address (AXES_ACCOUNT_FAILURE_LIMIT reached)
    last_failure: datetime | None = None

    @property
    def locked_until(self) -> datetime | None:
        return self.last_failure + timedelta(hours=settings.AXES_COOLOFF_TIME) if self.last_failure else None


def _recent_attempts():
    threshold = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    return AccessAttempt.objects.filter(attempt_time__gte=threshold, username__isnull=False)


def current_lockouts() -> tuple[list[Lockout], int]:
    """The accounts locked out now, people with an account first, then the latest first; and how many
    there are in all (the list stops at LOCKOUTS_SHOWN)."""
    lockouts: dict[str, Lockout] = {}
    rows = (
        _recent_attempts()
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .order_by()
    )
    for row in rows:
        lockout = lockouts.setdefault(row["username"], Lockout(row["username"]))
        lockout.failures += row["failures"]
        lockout.last_failure = max(filter(None, [lockout.last_failure, row["last"]]))
        if row["failures"] >= settings.AXES_FAILURE_LIMIT:
            lockout.addresses.append(row["ip_address"] or "unknown address")
    locked = []
    for lockout in lockouts.values():
        lockout.everywhere = lockout.failures >= settings.AXES_ACCOUNT_FAILURE_LIMIT
        if lockout.everywhere or lockout.addresses:
            locked.append(lockout)
    people = get_user_model().objects.in_bulk([lockout.username for lockout in locked], field_name="username")
    for lockout in locked:
        lockout.person = people.get(lockout.username)
        lockout.addresses.sort()
    locked.sort(key=lambda lockout: lockout.last_failure, reverse=True)
    locked.sort(key=lambda lockout: lockout.person is None)
    return locked[:LOCKOUTS_SHOWN], len(locked)


def api_tokens(user):
    """A person's API tokens, newest first (revoked and expired ones too, so they see what stopped)."""
    return list(ApiToken.objects.filter(user=user))
