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
