from functools import cached_property

from django.contrib.auth.models import AbstractUser

from bromley_portal.accounts.roles import Role


class User(AbstractUser):
    """A person who signs in. Roles are groups; see ``roles.py``."""

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, role: Role) -> bool:
        return (self.is_superuser and role == Role.ADMIN) or role in self.role_names
