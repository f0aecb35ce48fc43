import rules

from bromley_portal.accounts.rules import is_admin, is_any_role

for model in [
    "strategy",
    "ambition",
    "commitment",
    "outcometheme",
    "keystrategy",
    "committee",
    "portfolio",
    "post",
]:
    rules.add_perm(f"ambitions.view_{model}", is_any_role)
    for action in ["add", "change", "delete"]:
        rules.add_perm(f"ambitions.{action}_{model}", is_admin)
rules.add_perm("ambitions", is_admin)
