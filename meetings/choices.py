"""Meeting statuses and agenda item choices, written once."""

from django.db import models

from bromley_portal.core.choices import StatusChoices, register_status_set, status


class MeetingStatus(StatusChoices):
    DRAFT = status("draft", "Draft: the agenda is being prepared", short="Draft", colour="grey")
    PUBLISHED = status("published", "Published: the agenda pack is out", short="Published", colour="green")
    HELD = status("held", "Held", colour="blue")


register_status_set("meeting_status", MeetingStatus)

# The only moves services.py makes. Publishing again (a new pack version) stays published.
MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingStatus.DRAFT: {MeetingStatus.PUBLISHED},
    MeetingStatus.PUBLISHED: {MeetingStatus.PUBLISHED, MeetingStatus.HELD},
    MeetingStatus.HELD: set(),
}


class Part(models.TextChoices):
    """Part 1 is public; Part 2 is exempt under a paragraph of Schedule 12A."""

    PART_1 = "part_1", "Part 1 (public)"
    PART_2 = "part_2", "Part 2 (exempt)"


class DecisionType(models.TextChoices):
    """The "Decision Type" line of a report's header block (seed 004)."""

    NON_EXECUTIVE = "non_executive", "Non-Urgent, Non-Executive, Non-Key"
    EXECUTIVE_NON_KEY = "executive_non_key", "Non-Urgent, Executive, Non-Key"
    EXECUTIVE_KEY = "executive_key", "Non-Urgent, Executive, Key"
    URGENT = "urgent", "Urgent"
    INFORMATION = "information", "Information only"


# Scrutiny actions -------------------------------------------------------------------------------


class ActionStatus(StatusChoices):
    """A scrutiny action's status. Open, in progress and done are recorded (the officer's answer moves
    them); overdue is never typed: an action not done whose due date has passed is overdue
    (``action_status``, and ``ScrutinyActionQuerySet.with_status`` in SQL, are the one rule)."""

    OVERDUE = status(
        "overdue",
        "Overdue: past its due date and not done",
        short="Overdue",
        colour="red",
        description="its due date has passed and it is not done",
    )
    OPEN = status(
        "open", "Open: not started", short="Open", colour="blue", description="asked for, not started yet"
    )
    IN_PROGRESS = status(
        "in_progress",
        "In progress",
        colour="yellow",
        description="the officer has started on it and it is not yet due",
    )
    DONE = status("done", "Done", colour="green", description="the officer has done what was asked")


register_status_set("action_status", ActionStatus)

# What an action can be recorded as; OVERDUE is worked out from the due date.
RECORDED_ACTION_STATUSES = [ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE]
# The order members read them in: overdue first, done last.
ACTION_STATUS_ORDER = [ActionStatus.OVERDUE, ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE]


def action_status(recorded: str, due_on, today) -> ActionStatus:
    """The one rule: an action not done whose due date is before ``today`` is overdue; otherwise it is
    what was recorded."""
    if recorded != ActionStatus.DONE and due_on < today:
        return ActionStatus.OVERDUE
    return ActionStatus(recorded)
