"""The permissions matrix: every role against every page.

Each app adds its pages to ``PAGES``. A page lists the roles that may open it;
every other role (and a signed-in person with no role) must be refused, and an
anonymous visitor is sent to sign in.
"""

from dataclasses import dataclass, field

from bromley_portal.accounts.roles import Role

EVERY_ROLE = frozenset(Role)


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    allowed: frozenset = field(default_factory=frozenset)
    no_role_allowed: bool = False  # a signed-in person with no role may open it

    def __str__(self):
        return self.name


PAGES = [
    Page("home", "/", EVERY_ROLE, no_role_allowed=True),
    Page("password change", "/accounts/password-change/", EVERY_ROLE, no_role_allowed=True),
    Page("admin index", "/admin/", frozenset({Role.ADMIN})),
    Page("admin people", "/admin/accounts/user/", frozenset({Role.ADMIN})),
]
