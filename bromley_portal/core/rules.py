import rules

from bromley_portal.accounts.rules import is_admin

rules.add_perm("core", is_admin)
rules.add_perm("core.view_workerheartbeat", is_admin)
