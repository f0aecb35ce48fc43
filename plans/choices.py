from django.db import models


class SectionKind(models.TextChoices):
    """How a plan is organised: by the strategy's ambitions (2023-24) or by priorities (earlier plans)."""

    AMBITION = "ambition", "Ambitions"
    PRIORITY = "priority", "Priorities"


class TargetStatus(models.TextChoices):
    """Where an action's target date stands today (for filtering)."""

    OVERDUE = "overdue", "Overdue"
    DUE_THIS_QUARTER = "due_this_quarter", "Due this quarter"
    LATER = "later", "Due later"
    NO_DATE = "no_date", "No target date"
