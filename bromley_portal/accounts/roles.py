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
