import logging

from axes.utils import reset
from django.contrib.auth.models import Group

from bromley_portal.accounts.roles import Role

logger = logging.getLogger(__name__)


def ensure_role_groups(**kwargs):
    """Create one group per role (bookkeeping after migrate; safe to repeat)."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def assign_roles(user, roles):
    """Give ``user`` exactly these roles."""
    ensure_role_groups()
    user.groups.set(Group.objects.filter(name__in=[Role(role).value for role in roles]))
    user.__dict__.pop("role_names", None)
    if hasattr(user, "_group_names_cache"):
        del user._group_names_cache


def clear_lockout(username: str, by=None) -> int:
    """Let ``username`` sign in again from every address: forget its recent failed sign-ins.
    Returns how many records went (0: it was not locked out, and nothing changed)."""
    cleared = reset(username=username)
    if cleared:
        logger.warning(
            "Sign-in lockout of %r cleared by %s", username, by.get_username() if by else "a password reset"
        )
    return cleared
