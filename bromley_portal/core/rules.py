import rules

from bromley_portal.accounts.rules import is_admin

rules.add_perm("core", is_admin)
rules.add_perm("core.view_workerheartbeat", is_admin)
# Council closure days (working days): admins keep them.
for verb in ["view", "add", "change", "delete"]:
    rules.add_perm(f"core.{verb}_closureday", is_admin)
