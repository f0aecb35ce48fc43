"""The portal's roles.

A role is a Django group of the same name. What a role may do is written once,
as predicates in each app's ``rules.py`` (the ``rules`` package), so views,
commands and tasks ask the same question: ``user.has_perm("plans.change_action", action)``.
"""

from django.db import models


class Role(models.TextChoices):
    OFFICER = "Officer", "Officer"
    APPROVER = "Approver", "Approver"
    MEMBER = "Member", "Member (councillor)"
    CLERK = "Clerk", "Clerk"
    COMPLAINTS_OFFICER = "Complaints officer", "Complaints officer"
    CONTRACTS_OFFICER = "Contracts officer", "Contracts officer"
    ADMIN = "Admin", "Admin"


ROLE_DESCRIPTIONS = {
    Role.OFFICER: "Action leads who write quarterly updates for the actions their post leads.",
    Role.APPROVER: "Directors and Assistant Directors who check and sign off their officers' updates.",
    Role.MEMBER: "Councillors on the PDS committees, who read dashboards and reports.",
    Role.CLERK: "Democratic services, who open and lock periods and produce committee papers.",
    Role.COMPLAINTS_OFFICER: "Officers who record and handle complaints.",
    Role.CONTRACTS_OFFICER: "Contract owners and approvers who keep the contract register.",
    Role.ADMIN: "Set up periods, portfolios, posts and people.",
}
