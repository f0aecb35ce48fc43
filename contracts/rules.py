"""Who may do what with the contract register.

Every role reads the Part 1 register. Part 2 commentary (exempt under Schedule 12A, paragraph 3) is for
those allowed to see exempt information: contracts officers, the contract's own approver, clerks and
admins; members see it only through a Part 2 paper. The Governance & Contracts lead (a contracts
officer) sets procurement ratings and flags concerns; admins edit the risk criteria and flagging rules.
"""

import rules

from bromley_portal.accounts.rules import (
    is_admin,
    is_any_role,
    is_approver,
    is_clerk,
    is_contracts_officer,
    is_staff_reader,
)


@rules.predicate
def approves_contract(user, contract):
    """The contract's own approver (for a frozen register entry, its contract's)."""
    if contract is None or not user.is_authenticated:
        return False
    contract = getattr(contract, "contract", contract)
    return contract.approver_id == user.pk


@rules.predicate
def owns_contract(user, contract):
    """The contract's own owner, who writes the owner's comment."""
    if contract is None or not user.is_authenticated:
        return False
    return contract.owner_id == user.pk


rules.add_perm("contracts.view_contract", is_any_role)
rules.add_perm("contracts.view_registercycle", is_any_role)
rules.add_perm(
    "contracts.view_part_2", is_contracts_officer | is_clerk | is_admin | (is_approver & approves_contract)
)
rules.add_perm("contracts.rate_procurement", is_contracts_officer)
rules.add_perm("contracts.flag_concern", is_contracts_officer)
rules.add_perm("contracts.comment_procurement", is_contracts_officer)
# "My contracts": any member of staff may own a contract. The owner writes the owner's comment (the
# owner's part of Part 2) whatever their role; with no contract the check is "may own one".
rules.add_perm("contracts.view_my_contracts", is_staff_reader)
rules.add_perm("contracts.write_owner_comment", is_staff_reader & owns_contract)
rules.add_perm("contracts.view_approver_queue", is_approver)
# Separation of duties: an approver does not vouch for a contract they own.
rules.add_perm("contracts.vouch_contract", is_approver & approves_contract & ~owns_contract)
rules.add_perm("contracts.view_procurement_screen", is_contracts_officer)
rules.add_perm("contracts.freeze_cycle", is_contracts_officer | is_admin)
rules.add_perm("contracts.import_contracts", is_contracts_officer | is_admin)

# The Django admin: admins keep the register's reference data and may correct contracts.
rules.add_perm("contracts", is_admin)
for model in [
    "contract",
    "riskcriterion",
    "riskindexsettings",
    "flaggingrule",
    "riskscore",
    "procurementrating",
    "contractcommentary",
    "registercycle",
    "registerentry",
    "registerentrycommentary",
    "publishedkeydata",
    "contractaction",
    "contractreminder",
    "contractkpi",
    "kpiassessment",
]:
    if model not in {"contract", "registercycle"}:
        rules.add_perm(f"contracts.view_{model}", is_admin)
    for verb in ["add", "change", "delete"]:
        rules.add_perm(f"contracts.{verb}_{model}", is_admin)
