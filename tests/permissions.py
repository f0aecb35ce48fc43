"""The permissions matrix: every role against every page.

Each app adds its pages to ``PAGES``. A page lists the roles that may open it;
every other role (and a signed-in person with no role) must be refused, and an
anonymous visitor is sent to sign in. A page's ``url`` is a string, or a function
of the small made-up council that ``tests/test_permissions_matrix.py`` builds.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from bromley_portal.accounts.roles import Role

EVERY_ROLE = frozenset(Role)


@dataclass(frozen=True)
class Page:
    name: str
    url: str | Callable
    allowed: frozenset = field(default_factory=frozenset)
    no_role_allowed: bool = False  # a signed-in person with no role may open it

    def __str__(self):
        return self.name

    def resolve(self, council) -> str:
        return self.url(council) if callable(self.url) else self.url


PAGES = [
    Page("home", "/", EVERY_ROLE, no_role_allowed=True),
    Page("password change", "/accounts/password-change/", EVERY_ROLE, no_role_allowed=True),
    Page("admin index", "/admin/", frozenset({Role.ADMIN})),
    Page("admin people", "/admin/accounts/user/", frozenset({Role.ADMIN})),
    # Ambitions and plans: every role reads; admins edit and import.
    Page("strategy", "/strategy/", EVERY_ROLE),
    Page("ambition", "/strategy/ambitions/1/", EVERY_ROLE),
    Page("plans", "/plans/", EVERY_ROLE),
    Page("plan", lambda council: council["plan"].get_absolute_url(), EVERY_ROLE),
    Page("actions", "/plans/actions/", EVERY_ROLE),
    Page("actions export", "/plans/actions/?_export=xlsx", EVERY_ROLE),
    Page("action", lambda council: council["action"].get_absolute_url(), EVERY_ROLE),
    Page("admin actions", "/admin/plans/action/", frozenset({Role.ADMIN})),
    Page("plan import", "/plans/import/", frozenset({Role.ADMIN})),
    Page(
        "admin action",
        lambda council: f"/admin/plans/action/{council['action'].pk}/change/",
        frozenset({Role.ADMIN}),
    ),
    # Quarterly updates: officers write, approvers approve, clerks run the periods; every role reads
    # an update (members only approved and locked ones, which visible_to decides).
    Page("my actions", "/plans/my-actions/", frozenset({Role.OFFICER})),
    Page(
        "update, open quarter",
        lambda council: f"/plans/actions/{council['action'].pk}/updates/{council['open_period'].pk}/",
        EVERY_ROLE,
    ),
    Page(
        "update, locked quarter",
        lambda council: f"/plans/actions/{council['action'].pk}/updates/{council['locked_period'].pk}/",
        EVERY_ROLE,
    ),
    Page("approvals", "/plans/approvals/", frozenset({Role.APPROVER})),
    Page("periods", "/plans/periods/", frozenset({Role.CLERK, Role.ADMIN})),
    Page(
        "period overview",
        lambda council: f"/plans/periods/{council['open_period'].pk}/",
        frozenset({Role.CLERK, Role.ADMIN}),
    ),
    Page(
        "lock period",
        lambda council: f"/plans/periods/{council['open_period'].pk}/lock/",
        frozenset({Role.CLERK}),
    ),
    Page(
        "open period",
        lambda council: f"/plans/periods/{council['locked_period'].pk}/open/",
        frozenset({Role.CLERK}),
    ),
    # The clerk, or the approver of the update's portfolio (the matrix's approver holds its post).
    Page(
        "amend update",
        lambda council: f"/plans/updates/{council['locked_update'].pk}/amend/",
        frozenset({Role.CLERK, Role.APPROVER}),
    ),
    # Dashboards: every role reads them.
    Page("corporate overview", "/plans/dashboards/", EVERY_ROLE),
    Page("ambition dashboard", "/plans/dashboards/ambitions/1/", EVERY_ROLE),
    Page("portfolio dashboard", "/plans/dashboards/portfolios/CEF/", EVERY_ROLE),
    Page("measure", lambda council: council["measure"].get_absolute_url(), EVERY_ROLE),
    Page("admin measures", "/admin/plans/measure/", frozenset({Role.ADMIN})),
    # Committee reports: Part 1 readers see the list; clerks and admins ask for reports.
    Page(
        "reports",
        "/reports/",
        frozenset({Role.MEMBER, Role.OFFICER, Role.APPROVER, Role.CLERK, Role.ADMIN}),
    ),
    Page("request plan progress report", "/reports/new/plan_progress/", frozenset({Role.CLERK, Role.ADMIN})),
    Page("request corporate summary", "/reports/new/corporate_summary/", frozenset({Role.CLERK, Role.ADMIN})),
]
