"""Predicates for the roles, shared by every app's ``rules.py``."""

import rules

from bromley_portal.accounts.roles import Role

is_officer = rules.is_group_member(Role.OFFICER)
is_approver = rules.is_group_member(Role.APPROVER)
is_member = rules.is_group_member(Role.MEMBER)
is_clerk = rules.is_group_member(Role.CLERK)
is_complaints_officer = rules.is_group_member(Role.COMPLAINTS_OFFICER)
is_contracts_officer = rules.is_group_member(Role.CONTRACTS_OFFICER)
is_admin = rules.is_group_member(Role.ADMIN) | rules.is_superuser

is_staff_reader = (
    is_officer | is_approver | is_clerk | is_complaints_officer | is_contracts_officer | is_admin
)
is_any_role = is_staff_reader | is_member

# The Django admin site is for the Admin role (periods, portfolios, posts, people).
rules.add_perm("accounts.access_admin", is_admin)
rules.add_perm("accounts", is_admin)
rules.add_perm("auth", is_admin)
rules.add_perm("accounts.view_user", is_admin)
rules.add_perm("accounts.add_user", is_admin)
rules.add_perm("accounts.change_user", is_admin)
rules.add_perm("auth.view_group", is_admin)
# Sign-in lockouts: the Admin role sees them and clears them in the portal (accounts/lockouts/).
rules.add_perm("accounts.view_lockouts", is_admin)
rules.add_perm("accounts.clear_lockout", is_admin)
# Single sign-on: which of the identity provider's groups gives which role, and who is linked to whom.
for _action in ("view", "add", "change", "delete"):
    rules.add_perm(f"accounts.{_action}_identityprovidergroup", is_admin)
rules.add_perm("accounts.view_singlesignonidentity", is_admin)
rules.add_perm("accounts.delete_singlesignonidentity", is_admin)
