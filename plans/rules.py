import rules

from bromley_portal.accounts.rules import is_admin, is_any_role

# Members and officers (every role) read plans; admins edit and import them.
for model in [
    "portfolioplan",
    "plansection",
    "action",
    "actiondetail",
    "measureofsuccess",
    "reportingperiod",
]:
    rules.add_perm(f"plans.view_{model}", is_any_role)
    for action in ["add", "change", "delete"]:
        rules.add_perm(f"plans.{action}_{model}", is_admin)
rules.add_perm("plans.import_plan", is_admin)
rules.add_perm("plans", is_admin)
