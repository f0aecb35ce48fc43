"""Report job statuses, with their moves written down once, and committee classifications."""

from django.db import models

from bromley_portal.core.choices import StatusChoices, register_status_set, status


class JobStatus(StatusChoices):
    PENDING = status("pending", "Waiting for a worker", short="Waiting", colour="blue")
    RUNNING = status("running", "Being produced", short="Running", colour="blue")
    DONE = status("done", "Ready", colour="green")
    FAILED = status("failed", "Failed", colour="red")


register_status_set("job_status", JobStatus)


# The report job's life, written down once. Every move goes through
# ReportJob.objects.move(), a compare-and-set on these, so two workers (or a
# worker and the stuck-job sweeper) can never both win.
JOB_TRANSITIONS: dict[str, set[str]] = {
    JobStatus.PENDING: {JobStatus.RUNNING, JobStatus.FAILED},
    JobStatus.RUNNING: {JobStatus.DONE, JobStatus.FAILED},
    JobStatus.DONE: set(),
    JobStatus.FAILED: {JobStatus.PENDING},  # retry
}

ACTIVE_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)


def statuses_that_may_become(status: str) -> list[str]:
    return [source for source, targets in JOB_TRANSITIONS.items() if status in targets]


class Classification(models.TextChoices):
    PART_1 = "part_1", "Part 1 (public)"
    PART_2 = "part_2", "Part 2 (exempt)"


# Local Government Act 1972, Schedule 12A, Part 1: the descriptions of exempt information.
SCHEDULE_12A = {
    1: "Information relating to any individual.",
    2: "Information which is likely to reveal the identity of an individual.",
    3: "Information relating to the financial or business affairs of any particular person "
    "(including the authority holding that information).",
    4: "Information relating to any consultations or negotiations, or contemplated consultations or "
    "negotiations, in connection with any labour relations matter arising between the authority or a "
    "Minister of the Crown and employees of, or office holders under, the authority.",
    5: "Information in respect of which a claim to legal professional privilege could be maintained in "
    "legal proceedings.",
    6: "Information which reveals that the authority proposes (a) to give under any enactment a notice "
    "under or by virtue of which requirements are imposed on a person; or (b) to make an order or "
    "direction under any enactment.",
    7: "Information relating to any action taken or to be taken in connection with the prevention, "
    "investigation or prosecution of crime.",
}
