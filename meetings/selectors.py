"""The read queries the meetings pages need, each a fixed number of queries."""

from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from meetings.models import AgendaItem, AgendaPack, Meeting


def agenda(meeting: Meeting) -> list[AgendaItem]:
    """The meeting's items in order, with their reports, in one query."""
    return list(meeting.items.select_related("report", "lead_officer", "portfolio").order_by("order", "pk"))


def agenda_problems(items: list[AgendaItem]) -> list[str]:
    """Why the pack cannot be built or published yet: one message per item, naming it."""
    problems = [problem for item in items if (problem := item.paper_problem())]
    if not items:
        problems.append("The agenda has no items yet.")
    return problems


def meeting_page(meeting: Meeting, user) -> dict:
    """The agenda (Part 2 titles only for those who may read Part 2) and the packs this person may see."""
    items = agenda(meeting)
    packs = list(meeting.packs.select_related("published_by").order_by("-version"))
    editor = user.has_perm("meetings.change_meeting", meeting)
    if not editor:
        packs = [pack for pack in packs if pack.is_published]
    return {
        "items": items,
        "late_items": [item for item in items if item.supplementary],
        "problems": agenda_problems(items) if editor else [],
        "packs": packs,
        "editor": editor,
        "reads_part_2": user.has_perm("meetings.read_part_2", meeting),
    }


def attachable_reports(user, limit: int = 50) -> list[ReportJob]:
    """Finished reports this person may read, newest first: the ones a clerk can put on an agenda."""
    return list(
        ReportJob.objects.downloadable_by(user).filter(status=JobStatus.DONE).order_by("-created_at")[:limit]
    )


def pack_for(meeting_id: int, pack_id: int) -> AgendaPack:
    return AgendaPack.objects.select_related("meeting__committee").get(meeting_id=meeting_id, pk=pack_id)
