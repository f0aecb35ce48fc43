"""Operations on meetings, their agendas and packs. Each takes the person doing it, checks
``user.has_perm`` and raises ``MeetingError`` with a message a page can show as it is."""

import hashlib
import json
import logging
from datetime import UTC

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import get_valid_filename

from bromley_portal.reports import registry
from bromley_portal.reports import services as report_services
from bromley_portal.reports.choices import Classification, JobStatus
from bromley_portal.reports.models import ReportJob
from bromley_portal.reports.registry import CommitteeReportForm, ReportError
from meetings import tasks
from meetings.choices import MEETING_TRANSITIONS, MeetingStatus, Part
from meetings.models import AgendaItem, AgendaPack, Meeting, ReportNumberSequence
from meetings.pdfs import PdfRefused, check_upload
from meetings.selectors import agenda, agenda_problems

logger = logging.getLogger(__name__)


class MeetingError(Exception):
    """What was asked cannot be done; the message says why, in plain English."""


def _require(user, permission: str, obj=None) -> None:
    if not user.has_perm(permission, obj):
        raise PermissionDenied("You cannot do this.")


# Report numbers --------------------------------------------------------------------


def allocate_report_number(portfolio_code: str, year: int) -> str:
    """The next report number for a portfolio and year, in the council's form: "CEF22074".

    One INSERT ... ON CONFLICT DO UPDATE ... RETURNING: the row lock makes two clerks asking at
    the same moment get different numbers, and a number is never given twice.
    """
    code, yy = portfolio_code.upper(), year % 100
    table = ReportNumberSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (portfolio_code, year, last) VALUES (%s, %s, 1) "  # noqa: S608 (our table)
            "ON CONFLICT (portfolio_code, year) DO UPDATE SET last = "
            f"{table}.last + 1 RETURNING last",
            [code, yy],
        )
        (last,) = cursor.fetchone()
    return f"{code}{yy:02d}{last:03d}"


def give_report_number(item: AgendaItem) -> str:
    """Give an item the next free report number of its portfolio and its meeting's year (numbers
    typed in from the council's own papers are skipped)."""
    portfolio = item.portfolio or item.meeting.default_portfolio
    if portfolio is None:
        raise MeetingError(f"Item {item.number} has no portfolio, so it cannot have a report number.")
    year = timezone.localtime(item.meeting.starts_at).year
    for _ in range(1000):
        number = allocate_report_number(portfolio.code, year)
        if not AgendaItem.objects.filter(report_number=number).exists():
            return number
    raise MeetingError("No free report number was found. Tell the portal team.")


# The agenda ------------------------------------------------------------------------


def create_meeting(user, *, committee, starts_at, venue) -> Meeting:
    _require(user, "meetings.add_meeting")
    return Meeting.objects.create(committee=committee, starts_at=starts_at, venue=venue)


def _editable(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.HELD:
        raise MeetingError("The meeting has been held: its agenda can no longer change.")


@transaction.atomic
def add_item(user, meeting: Meeting, *, with_report_number: bool = True, **fields) -> AgendaItem:
    """Add an item at the end of the agenda, with the next report number when it is a report."""
    _require(user, "meetings.change_meeting", meeting)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _editable(meeting)
    last = meeting.items.aggregate(last=Max("order"))["last"]
    item = AgendaItem(meeting=meeting, order=0 if last is None else last + 1, **fields)
    if item.part == Part.PART_1:
        item.exempt_paragraph = None
    elif item.exempt_paragraph is None:
        raise MeetingError("A Part 2 item names its paragraph of Schedule 12A.")
    if with_report_number and not item.report_number:
        item.report_number = give_report_number(item)
    item.save()
    return item


@transaction.atomic
def move_item(user, item: AgendaItem, step: int) -> None:
    """Move an item up (step -1) or down (+1) the agenda; the order is rewritten 0, 1, 2..."""
    _require(user, "meetings.change_meeting", item.meeting)
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    _editable(meeting)
    items = list(meeting.items.order_by("order", "pk"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = index + step
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for order, other in enumerate(items):
        other.order = order
    AgendaItem.objects.bulk_update(items, ["order"])


def upload_paper(user, item: AgendaItem, uploaded) -> AgendaItem:
    """Check an uploaded PDF and keep its cleaned copy as the item's paper (replacing any other).
    Raises MeetingError, saving nothing, when it is refused."""
    _require(user, "meetings.change_meeting", item.meeting)
    _editable(item.meeting)
    name = get_valid_filename(uploaded.name or "paper.pdf")[:100] or "paper.pdf"
    try:
        # Never more than the limit and a byte is read: a larger file is refused for its size.
        checked = check_upload(uploaded.read(settings.MEETINGS_UPLOAD_MAX_BYTES + 1), f"“{name}”")
    except PdfRefused as refused:
        raise MeetingError(str(refused)) from None
    stored = default_storage.save(
        item.document.field.generate_filename(item, name), ContentFile(checked.content)
    )
    old = item.document.name
    try:
        with transaction.atomic():
            AgendaItem.objects.filter(pk=item.pk).update(
                document=stored,
                document_name=name,
                document_pages=checked.page_count,
                document_checksum=checked.checksum,
                report=None,
            )
    except Exception:
        default_storage.delete(stored)
        raise
    if old:
        default_storage.delete(old)  # packs keep their own merged copies
    item.refresh_from_db()
    return item


def attach_report(user, item: AgendaItem, source: ReportJob) -> ReportJob:
    """Make a portal report the item's paper: the same report is asked for again with the item's
    report number and the meeting's date, so its header block prints them. Returns the job."""
    _require(user, "meetings.change_meeting", item.meeting)
    _editable(item.meeting)
    if not user.has_perm("reports.download_report", source):
        raise PermissionDenied("You cannot use this report.")
    report_type = registry.get(source.report_type)
    if not issubclass(report_type.form_class, CommitteeReportForm):
        raise MeetingError(
            f"The {report_type.title} report has no header block, so it cannot be an agenda paper."
        )
    if report_type.classification == Classification.PART_2 and not item.is_part_2:
        raise MeetingError(
            f"The {report_type.title} report is exempt (Part 2): it can only be the paper of a Part 2 item."
        )
    if not item.report_number:  # a report's header block always has its number
        item.report_number = give_report_number(item)
        AgendaItem.objects.filter(pk=item.pk).update(report_number=item.report_number)
    local = timezone.localtime(item.meeting.starts_at)
    parameters = {
        **source.parameters,
        "report_number": item.report_number,
        "meeting_date": local.date().isoformat(),
    }
    try:
        job, _ = report_services.request_report(user, report_type, parameters)
    except ReportError as error:
        raise MeetingError(str(error)) from None
    old = item.document.name
    AgendaItem.objects.filter(pk=item.pk).update(
        report=job, document="", document_name="", document_pages=None
    )
    if old:
        default_storage.delete(old)  # packs keep their own merged copies
    item.refresh_from_db()
    return job


# The pack --------------------------------------------------------------------------


def fingerprint(meeting: Meeting, items: list[AgendaItem]) -> str:
    """The agenda and its papers: a pack built from another agenda is out of date."""
    identity = [
        # The moment in UTC: a date made in code carries its local offset, the database gives UTC back.
        [meeting.starts_at.astimezone(UTC).isoformat(), meeting.venue, meeting.committee_id],
        *[
            [
                item.pk,
                item.number,
                item.title,
                item.report_number,
                item.part,
                item.exempt_paragraph,
                item.report_id,
                item.report.checksum if item.report else "",
                item.document_checksum,
            ]
            for item in items
        ],
    ]
    return hashlib.sha256(json.dumps(identity, default=str).encode()).hexdigest()


def pack_items(meeting: Meeting, *, supplement: bool) -> list[AgendaItem]:
    """The items of the pack, or of the supplementary pack (the late items), in order."""
    return [item for item in agenda(meeting) if item.supplementary == supplement]


def supplement_first_page(meeting: Meeting) -> int:
    """Where a supplementary pack's numbering starts: after the last page of the published pack (its
    Part 2 pack's, if it has one). Refused while no pack is published."""
    published = meeting.packs.published().filter(supplement=False).order_by("-version").first()
    if published is None:
        raise MeetingError(
            "Publish the agenda pack first: a supplementary pack's page numbers continue the published pack's."
        )
    return (published.page_count or 0) + (published.part_2_page_count or 0) + 1


def request_pack(user, meeting: Meeting, *, supplement: bool = False) -> AgendaPack:
    """Ask a worker to build a new version of the pack, or of the supplementary pack of late items.
    Refused, naming them, while items lack papers."""
    _require(user, "meetings.change_meeting", meeting)
    _editable(meeting)
    items = pack_items(meeting, supplement=supplement)
    first_page = supplement_first_page(meeting) if supplement else 1
    if supplement and not items:
        raise MeetingError("There are no late items for a supplementary pack.")
    if problems := agenda_problems(items):
        raise MeetingError(" ".join(problems))
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        active = meeting.packs.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING]).first()
        if active:
            return active
        last = meeting.packs.aggregate(last=Max("version"))["last"] or 0
        pack = AgendaPack.objects.create(
            meeting=meeting,
            version=last + 1,
            requested_by=user,
            agenda_fingerprint=fingerprint(meeting, items),
            stage="Waiting for a worker",
            supplement=supplement,
            first_page=first_page,
        )
        tasks.build_pack.delay_on_commit(pack.pk)
    return pack


@transaction.atomic
def publish_pack(user, pack: AgendaPack) -> AgendaPack:
    """Publish a finished pack: its files, checksums and date are kept for good, and the meeting is
    published. The pack must be of the agenda as it is now, with every item's paper."""
    _require(user, "meetings.publish_meeting", pack.meeting)
    meeting = Meeting.objects.select_for_update().get(pk=pack.meeting_id)
    pack = AgendaPack.objects.select_for_update().get(pk=pack.pk)
    if MeetingStatus.PUBLISHED not in MEETING_TRANSITIONS[meeting.status]:
        raise MeetingError("The meeting has been held: its pack can no longer be published.")
    if pack.is_published:
        raise MeetingError(f"Version {pack.version} of the pack is already published.")
    if not pack.is_done:
        raise MeetingError("Only a finished pack can be published. Wait for it, or build it again.")
    items = pack_items(meeting, supplement=pack.supplement)
    if problems := agenda_problems(items):
        raise MeetingError(" ".join(problems))
    if pack.supplement and pack.first_page != supplement_first_page(meeting):
        raise MeetingError(
            "The published agenda pack has changed since this supplementary pack was built, so its page "
            "numbers no longer follow on. Build the supplementary pack again."
        )
    if pack.agenda_fingerprint != fingerprint(meeting, items):
        raise MeetingError(
            f"The agenda has changed since version {pack.version} of the pack was built. Build the pack again."
        )
    now = timezone.now()
    AgendaPack.objects.filter(pk=pack.pk).update(published_at=now, published_by=user)
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.PUBLISHED)
    # The reports in it are committee papers now: kept when old reports are cleaned up.
    ReportJob.objects.filter(
        pk__in=[item.report_id for item in items if item.report_id], published=False
    ).update(published=True, published_at=now)
    pack.refresh_from_db()
    return pack
