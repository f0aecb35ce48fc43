from django.db import models

from bromley_portal.core.choices import StatusChoices, register_status_set, status


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


class Rag(StatusChoices):
    """How an action is going in a quarter: the RAG its lead reports, and the two gaps a
    committee counts beside them (a reported update without a RAG; no update at all)."""

    RED = status("red", "Red: off track", short="Red", colour="red", description="off track")
    AMBER = status("amber", "Amber: at risk", short="Amber", colour="orange", description="at risk")
    GREEN = status("green", "Green: on track", short="Green", colour="green", description="on track")
    COMPLETE = status("complete", "Complete", colour="blue", description="delivered")
    NOT_STARTED = status("not_started", "Not started", colour="grey", description="not begun yet")
    NOT_RATED = status(
        "not_rated",
        "Reported without a RAG",
        short="Not rated",
        colour="purple",
        description="an update published without a RAG status",
    )
    NO_UPDATE = status(
        "no_update",
        "No update received",
        short="No update",
        colour="yellow",
        description="no approved update for the quarter",
    )

    @classmethod
    def chosen(cls) -> list["Rag"]:
        """The statuses a lead chooses from; the other two are what a committee counts."""
        return [cls.RED, cls.AMBER, cls.GREEN, cls.COMPLETE, cls.NOT_STARTED]


# Red and amber: what a committee asks about first.
EXCEPTIONS = [Rag.RED, Rag.AMBER]


class UpdateStatus(StatusChoices):
    """Where a quarterly update stands. NOT_STARTED is an action with no update yet (never stored)."""

    NOT_STARTED = status("not_started", "Not started", colour="grey")
    DRAFT = status("draft", "Draft", colour="light-blue")
    SUBMITTED = status("submitted", "Submitted", colour="blue", description="waiting for approval")
    RETURNED = status("returned", "Returned", colour="yellow", description="sent back to its lead")
    APPROVED = status("approved", "Approved", colour="turquoise")
    LOCKED = status("locked", "Locked", colour="purple", description="reported to committee")
    NOT_RECEIVED = status(
        "not_received",
        "No update received",
        short="Not received",
        colour="red",
        description="no approved update when the period was locked; closed, with who was chased",
    )

    @classmethod
    def stored(cls) -> list["UpdateStatus"]:
        return [cls.DRAFT, cls.SUBMITTED, cls.RETURNED, cls.APPROVED, cls.LOCKED, cls.NOT_RECEIVED]


# Updates that have been reported: what members, dashboards, lists and reports count. An update
# closed as not received is reported too, as "no update received" (Rag.NO_UPDATE), with who was chased.
REPORTED = [UpdateStatus.APPROVED, UpdateStatus.LOCKED, UpdateStatus.NOT_RECEIVED]
# Updates locking a period closes as not received: everything that was not approved in time.
UNFINISHED = [UpdateStatus.DRAFT, UpdateStatus.SUBMITTED, UpdateStatus.RETURNED]
# Updates its lead still has to write (or finish) in an open period: the one definition of
# "outstanding" that the to-do lists, the chasing list and the reminders share.
OUTSTANDING = [UpdateStatus.NOT_STARTED, UpdateStatus.DRAFT, UpdateStatus.RETURNED]
# Updates its lead may still change.
EDITABLE = [UpdateStatus.DRAFT, UpdateStatus.RETURNED]

# The quarterly update workflow, written down once. Every view, command and task
# moves an update through plans.services, which refuses any other move.
# Locking a period closes whatever was not approved as NOT_RECEIVED (plans.services.lock_period).
UPDATE_TRANSITIONS: dict[str, set[str]] = {
    UpdateStatus.NOT_STARTED: {UpdateStatus.DRAFT, UpdateStatus.SUBMITTED, UpdateStatus.NOT_RECEIVED},
    UpdateStatus.DRAFT: {UpdateStatus.DRAFT, UpdateStatus.SUBMITTED, UpdateStatus.NOT_RECEIVED},
    UpdateStatus.RETURNED: {UpdateStatus.RETURNED, UpdateStatus.SUBMITTED, UpdateStatus.NOT_RECEIVED},
    UpdateStatus.SUBMITTED: {UpdateStatus.APPROVED, UpdateStatus.RETURNED, UpdateStatus.NOT_RECEIVED},
    UpdateStatus.APPROVED: {UpdateStatus.LOCKED, UpdateStatus.RETURNED},
    UpdateStatus.LOCKED: set(),
    UpdateStatus.NOT_RECEIVED: set(),
}

# How long free text may be. The longest narrative in the council's plans (fixtures/data) is far
# shorter; a committee paper prints every word, so a narrative has a page or two at most.
NARRATIVE_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 2000
# A red or amber update's reason for the slippage and what is being done about it.
EXCEPTION_MAX_LENGTH = 2000


class PeriodStatus(StatusChoices):
    PLANNED = status("planned", "Not open yet", colour="grey")
    OPEN = status("open", "Open for updates", short="Open", colour="green")
    LOCKED = status("locked", "Locked for committee", short="Locked", colour="purple")


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


class NoticeEvent(models.TextChoices):
    """What an update e-mail tells: submitted (to its approvers), returned or approved (to its writer)."""

    SUBMITTED = "submitted", "Submitted for approval"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"


class MeasureUnit(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage"
    NUMBER = "number", "Number"
    RATE_PER_10K = "rate_per_10k", "Rate per 10,000"
    MONEY = "money", "Money (£)"


class FigureUnit(models.TextChoices):
    """What a measure of success is counted in, so an update's figure for it is checked and kept
    as a number where it is one (plans.figures.parse_figure)."""

    NUMBER = "number", "Number"
    PERCENTAGE = "percentage", "Percentage"
    COUNT = "count", "Count (a whole number, 0 or more)"
    MONEY = "money", "Money (£)"
    TEXT = "text", "Words (a qualitative measure)"


class Polarity(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", "Higher is better"
    LOWER_IS_BETTER = "lower_is_better", "Lower is better"
    NEITHER = "neither", "Neither (for context)"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


# How many quarters a reading may lag the period shown before it is out of date (Measure.is_stale):
# a monthly or quarterly figure is published within the next quarter; an annual one within a year.
STALE_AFTER_QUARTERS = {"monthly": 1, "quarterly": 1, "annual": 4}


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
    STALE = "stale", "Out of date: older than the measure is reported"
    ESTIMATED = "estimated", "Estimated or provisional figure"


register_status_set("rag", Rag)
register_status_set("update_status", UpdateStatus)
register_status_set("period_status", PeriodStatus)


class ImportStatus(StatusChoices):
    """Where a plan import a worker runs stands (plans.models.PlanImportJob)."""

    PENDING = status("pending", "Waiting for a worker", short="Waiting", colour="blue")
    RUNNING = status("running", "Being imported", short="Running", colour="light-blue")
    DONE = status("done", "Imported", colour="green")
    FAILED = status(
        "failed", "Not imported", colour="red", description="the file has problems, or the import failed"
    )


IMPORT_ACTIVE = [ImportStatus.PENDING, ImportStatus.RUNNING]

register_status_set("import_status", ImportStatus)


# What the approvals queue sorts by (?sort=): oldest submitted first unless asked otherwise.
QUEUE_ORDERS = {
    "oldest": ("submitted_at", "pk"),
    "newest": ("-submitted_at", "-pk"),
    "portfolio": ("action__section__plan__portfolio__order", "action__section__number", "action__number"),
    "rag": ("rag_rank", "submitted_at", "pk"),
}
