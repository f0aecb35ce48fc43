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


class Rag(models.TextChoices):
    """How an action is going, as its lead reports it each quarter."""

    RED = "red", "Red: off track"
    AMBER = "amber", "Amber: at risk"
    GREEN = "green", "Green: on track"
    COMPLETE = "complete", "Complete"
    NOT_STARTED = "not_started", "Not started"

    @property
    def short_label(self) -> str:
        return {
            "red": "Red",
            "amber": "Amber",
            "green": "Green",
            "complete": "Complete",
            "not_started": "Not started",
        }[self.value]


class UpdateStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    APPROVED = "approved", "Approved"
    LOCKED = "locked", "Locked"


# Updates that have been reported: what members, dashboards, lists and reports count.
REPORTED = [UpdateStatus.APPROVED, UpdateStatus.LOCKED]
# Beside the RAG values, what dashboards and reports count: a reported update with no RAG
# (published before RAGs were kept), and an action with no reported update in the period.
NOT_RATED = "not_rated"
NO_UPDATE = "no_update"

# The quarterly update workflow, written down once. Every view, command and task
# moves an update through plans.services, which refuses any other move.
UPDATE_TRANSITIONS: dict[str, set[str]] = {
    UpdateStatus.DRAFT: {UpdateStatus.DRAFT, UpdateStatus.SUBMITTED},
    UpdateStatus.RETURNED: {UpdateStatus.RETURNED, UpdateStatus.SUBMITTED},
    UpdateStatus.SUBMITTED: {UpdateStatus.APPROVED, UpdateStatus.RETURNED},
    UpdateStatus.APPROVED: {UpdateStatus.LOCKED, UpdateStatus.RETURNED},
    UpdateStatus.LOCKED: set(),
}


class PeriodStatus(models.TextChoices):
    PLANNED = "planned", "Not open yet"
    OPEN = "open", "Open for updates"
    LOCKED = "locked", "Locked for committee"


PERIOD_TRANSITIONS: dict[str, set[str]] = {
    PeriodStatus.PLANNED: {PeriodStatus.OPEN},
    PeriodStatus.OPEN: {PeriodStatus.LOCKED},
    PeriodStatus.LOCKED: set(),
}


class ReminderKind(models.TextChoices):
    """Each person gets each kind of reminder at most once per period."""

    OPENED = "opened", "Period opened"
    DUE_SOON = "due_soon", "Due in a week"
    OVERDUE = "overdue", "Overdue"
    APPROVALS_DUE_SOON = "approvals_due_soon", "Updates waiting for approval, due in a week"
    APPROVALS_OVERDUE = "approvals_overdue", "Updates waiting for approval, overdue"


class MeasureUnit(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage"
    NUMBER = "number", "Number"
    RATE_PER_10K = "rate_per_10k", "Rate per 10,000"
    MONEY = "money", "Money (£)"


class Polarity(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", "Higher is better"
    LOWER_IS_BETTER = "lower_is_better", "Lower is better"
    NEITHER = "neither", "Neither (for context)"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class Direction(models.TextChoices):
    IMPROVING = "improving", "Improving"
    WORSENING = "worsening", "Worsening"
    NO_CHANGE = "no_change", "No change"
    CHANGED = "changed", "Changed"  # for a measure where neither direction is better
    NOT_KNOWN = "not_known", "Not known: no previous reading"


class DataQuality(models.TextChoices):
    NO_READING = "no_reading", "No reading this period"
    NO_TARGET = "no_target", "No target"
    DEFINITION_CHANGED = "definition_changed", "Definition changed"
