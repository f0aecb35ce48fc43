"""Building an agenda pack (the worker's side): a front sheet rendered with WeasyPrint, then each
item's paper merged with pikepdf, the pack page number stamped on every page ("Page 176") and a
bookmark for every item. Part 2 items go in a separate pack whose page numbers continue the
Part 1 pack's, so "page 212" names one page whichever pack it is in.
"""

import hashlib
import io
import logging
import uuid
from dataclasses import dataclass

import pikepdf
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from bromley_portal.reports import merging, rendering, tagging
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.fetcher import PortalStaticFetcher, base_url, static_url
from meetings.models import AgendaItem, AgendaPack, Meeting

logger = logging.getLogger(__name__)

STYLESHEET = "meetings/front_sheet.css"
FAILED_MESSAGE = (
    "The pack could not be built because of an unexpected error in the portal (reference: agenda pack {pk}). "
    "Build it again; if it fails again, tell the portal team the reference."
)


class PackError(Exception):
    """The pack cannot be built as it is; the message says why."""


@dataclass
class Entry:
    """An item in a pack: where it starts, and its pages."""

    item: AgendaItem
    pdf: bytes
    pages: int
    start: int = 0


def paper_bytes(item: AgendaItem) -> bytes:
    field = item.document if item.document else (item.report.file if item.report else None)
    if not field:
        raise PackError(item.paper_problem() or f"Item {item.number} has no paper.")
    with field.open("rb") as handle:
        return handle.read()


def load_entries(items: list[AgendaItem]) -> list[Entry]:
    entries = []
    for item in items:
        data = paper_bytes(item)
        with pikepdf.open(io.BytesIO(data)) as pdf:
            entries.append(Entry(item=item, pdf=data, pages=len(pdf.pages)))
    return entries


def render_front_sheet(
    meeting: Meeting, entries: list[Entry], *, part_2: bool, first_page: int, supplement: bool = False
) -> bytes:
    """The front sheet, with each item's starting pack page. Its own length decides where the items
    start, so it is laid out until the numbers it prints are where the items are."""
    front_pages = 1
    for _ in range(5):
        page = first_page + front_pages
        for entry in entries:
            entry.start, page = page, page + entry.pages
        html = render_to_string(
            "meetings/front_sheet.html",
            {
                "meeting": meeting,
                "entries": entries,
                "part_2": part_2,
                "supplement": supplement,
                "agenda_name": ("Part 2 " if part_2 else "")
                + ("supplementary agenda" if supplement else "agenda"),
                "stylesheet_url": static_url(STYLESHEET),
                "generated_at": timezone.now(),
            },
        )
        document = HTML(string=html, base_url=base_url(), url_fetcher=PortalStaticFetcher()).render(
            **rendering.PDF_OPTIONS
        )
        if len(document.pages) == front_pages:
            return tagging.write_pdf(document, **rendering.PDF_OPTIONS)
        front_pages = len(document.pages)
    raise PackError("The front sheet's length kept changing. Tell the portal team.")


def page_number_sheets(sizes: list[tuple[float, float]], first_page: int) -> bytes:
    """ "Page N" alone at the foot of each page, centred, on pages of the pack's sizes (as the reader
    sees them), for merging.number_pages to stamp: drawn by WeasyPrint, so in an embedded font."""
    shapes = sorted(set(sizes))
    shape_of = {shape: index for index, shape in enumerate(shapes)}
    pages = [
        {"number": number, "shape": shape_of[size], "height": f"{max(size[1] - 1, 1):.2f}"}
        for number, size in enumerate(sizes, start=first_page)
    ]
    html = render_to_string(
        "meetings/page_numbers.html",
        {"shapes": [(f"{w:.2f}", f"{h:.2f}") for w, h in shapes], "pages": pages},
    )
    document = HTML(string=html, base_url=base_url(), url_fetcher=PortalStaticFetcher()).render()
    if len(document.pages) != len(sizes):
        raise PackError("The pack's page numbers could not be laid out. Tell the portal team.")
    return document.write_pdf()


def assemble(front: bytes, entries: list[Entry], first_page: int, agenda_title: str) -> bytes:
    """The front sheet and the papers, in order, in one tagged PDF (each portal report's structure in a
    section of its own: merging.Merger, which writes each paper as it adds it), "Page N" stamped on every
    page, and bookmarked: the agenda, then each item with the paper's own bookmarks under it."""
    sizes = []
    for data in [front, *(entry.pdf for entry in entries)]:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            sizes += [merging.display_size(page) for page in pdf.pages]
    with merging.Merger(
        front,
        page_numbers=page_number_sheets(sizes, first_page),
        bookmark=agenda_title,  # the front sheet's own headings: the agenda's bookmark stands for them
        title=agenda_title,
        creator="London Borough of Bromley portal",
    ) as merger:
        for entry in entries:
            merger.add_section(entry.pdf, _label(entry), bookmark=_label(entry))
        return merger.finish()


def _label(entry: Entry) -> str:
    label = f"{entry.item.number}. {entry.item.title}"
    if entry.item.report_number:
        label += f" ({entry.item.report_number})"
    return label


@dataclass
class BuiltPack:
    part_1: bytes
    part_1_pages: int
    part_2: bytes | None
    part_2_pages: int
    contents: list[dict]


def build(
    meeting: Meeting,
    items: list[AgendaItem],
    progress=lambda stage, percent: None,
    *,
    first_page: int = 1,
    supplement: bool = False,
) -> BuiltPack:
    """Build the Part 1 pack and, when there are exempt items, the Part 2 pack; numbered from
    ``first_page`` (a supplementary pack's numbers continue the published pack's)."""
    progress("Reading the papers", 10)
    entries = load_entries(items)
    total = sum(entry.pages for entry in entries)
    if total > settings.MEETINGS_PACK_MAX_PAGES:
        raise PackError(
            f"The papers have {total} pages; a pack may have at most {settings.MEETINGS_PACK_MAX_PAGES}."
        )
    public = [entry for entry in entries if not entry.item.is_part_2]
    exempt = [entry for entry in entries if entry.item.is_part_2]
    progress("Laying out the front sheet", 30)
    agenda_name = "Supplementary agenda" if supplement else "Agenda"
    front = render_front_sheet(meeting, public, part_2=False, first_page=first_page, supplement=supplement)
    progress("Merging the papers and numbering the pages", 55)
    part_1 = assemble(front, public, first_page, f"{agenda_name}: {meeting}")
    part_1_pages = len(pikepdf.open(io.BytesIO(part_1)).pages)
    part_2, part_2_pages = None, 0
    if exempt:
        progress("Building the Part 2 pack", 75)
        after = first_page + part_1_pages
        front_2 = render_front_sheet(meeting, exempt, part_2=True, first_page=after, supplement=supplement)
        part_2 = assemble(front_2, exempt, after, f"Part 2 {agenda_name.lower()}: {meeting}")
        part_2_pages = len(pikepdf.open(io.BytesIO(part_2)).pages)
    contents = [
        {
            "item": entry.item.pk,
            "number": entry.item.number,
            "title": entry.item.title,
            "report_number": entry.item.report_number,
            "part": entry.item.part,
            "start": entry.start,
            "pages": entry.pages,
        }
        for entry in [*public, *exempt]
    ]
    return BuiltPack(part_1, part_1_pages, part_2, part_2_pages, contents)


# Running a pack job ------------------------------------------------------------------


def claim(pack_id: int) -> int | None:
    """Start an attempt at a waiting pack (or one whose worker died past the hard time limit)."""
    now = timezone.now()
    dead = now - timezone.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    claimed = AgendaPack.objects.filter(
        Q(status=JobStatus.PENDING) | Q(status=JobStatus.RUNNING, created_at__lt=dead), pk=pack_id
    ).update(status=JobStatus.RUNNING, stage="Starting", percent=2, error="", attempts=F("attempts") + 1)
    if not claimed:
        return None
    return AgendaPack.objects.filter(pk=pack_id).values_list("attempts", flat=True).first()


def run_pack(pack_id: int) -> str:
    """Build a pack version and save its files. Idempotent: a pack that is gone, finished, or being
    built by another worker is left alone; every write names the attempt."""
    attempt = claim(pack_id)
    if attempt is None:
        status = AgendaPack.objects.filter(pk=pack_id).values_list("status", flat=True).first()
        return "gone" if status is None else f"already {status}"
    pack = AgendaPack.objects.select_related("meeting__committee").get(pk=pack_id)
    mine = AgendaPack.objects.filter(pk=pack_id, status=JobStatus.RUNNING, attempts=attempt)

    def progress(stage, percent):
        mine.update(stage=stage, percent=percent)

    saved: list[str] = []
    try:
        items = list(
            pack.meeting.items.filter(supplementary=pack.supplement)
            .select_related("report")
            .order_by("order", "pk")
        )
        built = build(pack.meeting, items, progress, first_page=pack.first_page, supplement=pack.supplement)
        stem = f"meetings/packs/{uuid.uuid4().hex}/agenda-v{pack.version}"
        saved.append(default_storage.save(f"{stem}.pdf", ContentFile(built.part_1)))
        if built.part_2:
            saved.append(default_storage.save(f"{stem}-part-2.pdf", ContentFile(built.part_2)))
    except Exception as error:
        if not isinstance(error, PackError):
            logger.exception("Agenda pack %s failed", pack_id)
        for name in saved:
            default_storage.delete(name)
        message = str(error) if isinstance(error, PackError) else FAILED_MESSAGE.format(pk=pack_id)
        mine.update(status=JobStatus.FAILED, stage="Failed", error=message, finished_at=timezone.now())
        return "failed"
    finished = mine.update(
        status=JobStatus.DONE,
        stage="Ready",
        percent=100,
        file=saved[0],
        checksum=hashlib.sha256(built.part_1).hexdigest(),
        page_count=built.part_1_pages,
        part_2_file=saved[1] if built.part_2 else "",
        part_2_checksum=hashlib.sha256(built.part_2).hexdigest() if built.part_2 else "",
        part_2_page_count=built.part_2_pages or None,
        contents=built.contents,
        finished_at=timezone.now(),
    )
    if not finished:
        for name in saved:
            default_storage.delete(name)
        return "abandoned"
    return "done"


STUCK_MESSAGE = (
    "The worker building this pack stopped before it finished (it may have been restarted or run out of "
    "memory). Nothing was saved. Build the pack again."
)
NOT_STARTED_MESSAGE = (
    "No worker started this pack within {minutes} minutes, so it was cancelled. The PDF workers may be down: "
    "build it again, and if the same thing happens tell the portal team."
)


def fail_stuck_packs(now=None) -> int:
    """The beat's sweeper: packs no worker will finish (running past the hard time limit, or never
    started) are marked failed, so the clerk sees why and builds again instead of waiting for ever. The
    rule is the report jobs' (`rendering.fail_stuck`); a pack has no start time of its own, so both count
    from when it was asked for."""
    return rendering.fail_stuck(
        AgendaPack.objects.all(),
        started="created_at",
        queued="created_at",
        stuck_message=STUCK_MESSAGE,
        not_started_message=NOT_STARTED_MESSAGE,
        now=now,
    )
