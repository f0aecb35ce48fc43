from django.contrib.auth.models import Group

from bromley_portal.accounts.roles import Role


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
