"""Meetings and agenda packs (issue 14): report numbers in the council's form, uploaded PDFs checked
as hostile input, and packs whose front sheet gives the page where each item starts (read back)."""

import io
import re
import threading

import pdfplumber
import pikepdf
import pytest
from django.core.files.storage import default_storage
from django.db import connections
from pypdf import PdfReader
from weasyprint import HTML

from bromley_portal.accounts.roles import Role
from meetings import packs, services
from meetings.choices import MeetingStatus, Part
from meetings.models import AgendaItem, AgendaPack
from meetings.pdfs import PdfRefused, check_upload
from meetings.services import MeetingError
from tests.conftest import skip_or_fail
from tests.factories import make_user
from tests.meeting_factories import PAPER_CSS, make_meeting, make_paper, pdf_with, upload
from tests.test_pdf_tags import TaggedPDF

SECRET = "Bidder B offered 1.2 million"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clerk(db):
    return make_user(Role.CLERK)


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# Report numbers ---------------------------------------------------------------------


def test_report_numbers_are_the_portfolio_code_two_digit_year_and_sequence(clerk):
    meeting = make_meeting()
    first = services.add_item(clerk, meeting, number="4", title="Placement sufficiency")
    second = services.add_item(clerk, meeting, number="5", title="Early help strategy")
    assert (first.report_number, second.report_number) == ("CEF22001", "CEF22002")
    assert [first.order, second.order] == [0, 1]


def test_a_number_typed_in_from_the_council_s_papers_is_never_given_again(clerk):
    meeting = make_meeting()
    services.add_item(clerk, meeting, number="4", title="Typed", report_number="CEF22001")
    item = services.add_item(clerk, meeting, number="5", title="Allocated")
    assert item.report_number == "CEF22002"


@pytest.mark.django_db(transaction=True)
def test_report_numbers_are_unique_when_asked_for_at_the_same_moment():
    # The race is decided by PostgreSQL's row lock (INSERT ... ON CONFLICT); SQLite's in-memory test database
    # (shared cache) refuses a second writer at once ("database table is locked") rather than making it wait.
    if connections["default"].vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL")
    numbers, errors = [], []

    def allocate():
        try:
            for _ in range(5):
                numbers.append(services.allocate_report_number("CEF", 2022))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(numbers) == [f"CEF22{n:03d}" for n in range(1, 31)]


def test_an_attached_report_prints_the_item_s_number_and_the_meeting_date_in_its_header(clerk, media):
    from bromley_portal.reports.models import ReportJob
    from plans.models import ReportingPeriod
    from tests.factories import make_plan

    plan = make_plan()
    from plans.choices import PeriodStatus

    period = ReportingPeriod.objects.create(
        year=2023, quarter=4, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(2023, 4)
    )
    source = ReportJob.objects.create(
        report_type="plan_progress", parameters={"plan": plan.pk, "period": period.pk}, dedupe_key="x"
    )
    meeting = make_meeting()
    item = services.add_item(clerk, meeting, number="4", title="Progress")
    job = services.attach_report(clerk, item, source)
    assert job.parameters["report_number"] == item.report_number == "CEF22001"
    assert job.parameters["meeting_date"] == "2022-11-17"
    item.refresh_from_db()
    assert item.report_id == job.pk

    unnumbered = services.add_item(clerk, meeting, number="5", title="Appendix", with_report_number=False)
    assert unnumbered.report_number == ""
    job = services.attach_report(clerk, unnumbered, source)
    assert job.parameters["report_number"] == "CEF22002"
    unnumbered.refresh_from_db()
    assert unnumbered.report_number == "CEF22002"


# Uploaded PDFs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"0" * 200, "is not a PDF"),
        (b"", "is empty"),
        (make_paper("Truncated", 2)[:700], "is damaged"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", "is damaged"),
    ],
    ids=["png", "empty", "truncated", "no-pages-no-xref"],
)
def test_what_is_not_a_readable_pdf_is_refused_with_a_clear_message(data, message):
    with pytest.raises(PdfRefused, match=message):
        check_upload(data, "“paper.pdf”")


def test_an_encrypted_pdf_is_refused():
    pdf = pikepdf.open(io.BytesIO(make_paper("Locked", 1)))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user="", R=6))
    with pytest.raises(PdfRefused, match="encrypted"):
        check_upload(out.getvalue())
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user="secret", R=6))
    with pytest.raises(PdfRefused, match="encrypted"):
        check_upload(out.getvalue())


def test_size_and_page_limits_are_settings(settings):
    paper = make_paper("Long", 3)
    settings.MEETINGS_UPLOAD_MAX_PAGES = 2
    with pytest.raises(PdfRefused, match="has 3 pages; an agenda paper may have at most 2"):
        check_upload(paper)
    settings.MEETINGS_UPLOAD_MAX_PAGES = 10
    settings.MEETINGS_UPLOAD_MAX_BYTES = len(paper) - 1
    with pytest.raises(PdfRefused, match="larger than"):
        check_upload(paper)


def test_javascript_embedded_files_and_actions_are_removed_from_what_is_kept():
    hostile = pdf_with(javascript=True, attachment=True, open_action=True, link_js=True)
    assert b"JavaScript" in hostile and b"payload" in hostile
    checked = check_upload(hostile)
    with pikepdf.open(io.BytesIO(checked.content)) as pdf:
        assert "/OpenAction" not in pdf.Root
        assert "/JavaScript" not in pdf.Root.get("/Names", {})
        assert len(pdf.attachments) == 0
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert "/JS" not in obj and "/AA" not in obj and "/EF" not in obj
                assert obj.get("/S") not in ("/JavaScript", "/Launch")
    assert b"app.alert" not in checked.content and b"MZ payload" not in checked.content
    assert checked.page_count == 1


def test_a_refused_upload_saves_nothing_and_names_the_file(clerk, media):
    item = services.add_item(clerk, make_meeting(), number="4", title="Appendix")
    with pytest.raises(MeetingError, match=r"“fake\.pdf” is not a PDF"):
        services.upload_paper(clerk, item, upload(b"<html>not a pdf</html>", "fake.pdf"))
    item.refresh_from_db()
    assert not item.document and item.document_checksum == ""
    assert stored_files(media) == []


def test_an_accepted_upload_keeps_the_cleaned_copy(clerk, media):
    item = services.add_item(clerk, make_meeting(), number="4", title="Appendix")
    services.upload_paper(clerk, item, upload(pdf_with(javascript=True), "appendix.pdf"))
    item.refresh_from_db()
    with item.document.open("rb") as handle:
        kept = handle.read()
    assert b"app.alert" not in kept and item.document_pages == 1 and len(item.document_checksum) == 64


# The pack ---------------------------------------------------------------------------


def seed_meeting(clerk, *, part_2=True):
    """The CEF PDS of 17 November 2022, in small: three Part 1 papers and a Part 2 one."""
    meeting = make_meeting()
    papers = [
        ("4", "Placement sufficiency and commissioning strategy", 3, Part.PART_1),
        ("5", "Early help strategy", 2, Part.PART_1),
        ("6", "Annual complaints report", 4, Part.PART_1),
    ]
    if part_2:
        papers.append(("10", "Contract register Part 2", 2, Part.PART_2))
    for number, title, pages, part in papers:
        item = services.add_item(
            clerk,
            meeting,
            number=number,
            title=title,
            part=part,
            exempt_paragraph=3 if part == Part.PART_2 else None,
        )
        text = SECRET if part == Part.PART_2 else "Public"
        services.upload_paper(clerk, item, upload(make_paper(f"{item.report_number} {title}", pages, text)))
    return meeting


def page_texts(data: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]


def test_the_front_sheet_gives_the_page_where_each_item_starts(clerk, media):
    meeting = seed_meeting(clerk)
    built = packs.build(meeting, services.agenda(meeting))
    texts = page_texts(built.part_1)
    front = texts[0]
    public = [entry for entry in built.contents if entry["part"] == Part.PART_1]
    assert [entry["start"] for entry in public] == [2, 5, 7]
    for entry in public:
        # The front sheet's row: item number, title, report number, then the page it starts on.
        assert re.search(rf"{re.escape(entry['report_number'])} {entry['start']}\b", front), front
        start = texts[entry["start"] - 1]
        assert entry["report_number"] in start and "Sheet 1." in start
        assert f"Page {entry['start']}" in start
    assert len(texts) == built.part_1_pages == 10


def test_every_page_has_its_pack_number_and_keeps_its_own_page_x_of_y(clerk, media):
    meeting = seed_meeting(clerk, part_2=False)
    built = packs.build(meeting, services.agenda(meeting))
    with pdfplumber.open(io.BytesIO(built.part_1)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            foot = page.crop((0, page.height - 40, page.width, page.height)).extract_text() or ""
            assert f"Page {number}" in foot.split("\n")[-1] or f"Page {number}" in foot, (number, foot)
        assert "Page 1 of 3" in (pdf.pages[1].extract_text() or "")
        assert "Page 3 of 3" in (pdf.pages[3].extract_text() or "")


def test_the_pack_has_a_bookmark_for_the_agenda_and_every_item(clerk, media):
    meeting = seed_meeting(clerk)
    built = packs.build(meeting, services.agenda(meeting))
    reader = PdfReader(io.BytesIO(built.part_1))
    top = [item for item in reader.outline if not isinstance(item, list)]
    marks = [(item.title, reader.get_destination_page_number(item) + 1) for item in top]
    assert marks[0][1] == 1 and marks[0][0].startswith("Agenda")
    assert [page for _, page in marks[1:]] == [2, 5, 7]
    assert marks[1][0].startswith("4. Placement sufficiency") and "(CEF22001)" in marks[1][0]
    # Each paper's own headings are bookmarked under its item, at their pages in the pack.
    headings = reader.outline[2]
    assert isinstance(headings, list) and len(headings) == 3
    assert [reader.get_destination_page_number(h) + 1 for h in headings] == [2, 3, 4]
    assert headings[0].title == "CEF22001 Placement sufficiency and commissioning strategy"


def test_part_2_is_never_in_the_part_1_pack_and_its_pages_continue_the_numbering(clerk, media):
    meeting = seed_meeting(clerk)
    built = packs.build(meeting, services.agenda(meeting))
    part_1 = " ".join(page_texts(built.part_1))
    assert SECRET not in part_1 and "Contract register Part 2" not in part_1 and "CEF22004" not in part_1
    part_2 = page_texts(built.part_2)
    assert SECRET in " ".join(part_2) and "PART 2 - EXEMPT" in part_2[0]
    assert part_2[0].endswith("Page 11") and part_2[1].endswith("Page 12")
    exempt = [entry for entry in built.contents if entry["part"] == Part.PART_2]
    assert exempt[0]["start"] == 12 and "CEF22004 12" in part_2[0]


def test_an_item_without_a_paper_blocks_the_pack_naming_it(clerk, media):
    meeting = seed_meeting(clerk, part_2=False)
    services.add_item(clerk, meeting, number="7", title="Matters arising")
    with pytest.raises(MeetingError, match="Item 7, “Matters arising”, has no paper"):
        services.request_pack(clerk, meeting)
    assert not AgendaPack.objects.exists()


def test_publishing_freezes_the_pack_and_a_republished_pack_is_a_new_version(clerk, media):
    meeting = seed_meeting(clerk)
    first = services.request_pack(clerk, meeting)
    assert packs.run_pack(first.pk) == "done"  # the worker's side; a real worker: test_agenda_pack_worker.py
    first.refresh_from_db()
    assert first.is_done, first.error
    assert first.has_part_2 and first.page_count == 10
    services.publish_pack(clerk, first)
    meeting.refresh_from_db()
    first.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED and first.published_at is not None
    with default_storage.open(first.file.name, "rb") as handle:
        import hashlib

        assert hashlib.sha256(handle.read()).hexdigest() == first.checksum
    with pytest.raises(MeetingError, match="already published"):
        services.publish_pack(clerk, first)

    second = services.request_pack(clerk, meeting)
    packs.run_pack(second.pk)
    late = services.add_item(clerk, meeting, number="8", title="Late item")
    services.upload_paper(clerk, late, upload(make_paper("Late", 1)))
    with pytest.raises(MeetingError, match="agenda has changed since version 2"):
        services.publish_pack(clerk, second)
    third = services.request_pack(clerk, meeting)
    packs.run_pack(third.pk)
    third.refresh_from_db()
    services.publish_pack(clerk, third)
    assert third.version == 3
    assert list(AgendaPack.objects.published().order_by("version").values_list("version", flat=True)) == [
        1,
        3,
    ]
    second = third
    assert default_storage.exists(first.file.name) and default_storage.exists(second.file.name)


def test_running_the_pack_task_twice_builds_it_once(clerk, media):
    meeting = seed_meeting(clerk, part_2=False)
    pack = services.request_pack(clerk, meeting)
    assert packs.run_pack(pack.pk) == "done"
    assert packs.run_pack(pack.pk) == "already done"
    assert packs.run_pack(999_999) == "gone"
    assert len([path for path in stored_files(media) if "packs" in str(path)]) == 1


def test_only_clerks_and_admins_change_a_meeting(db, media):
    meeting = make_meeting()
    for role in [Role.MEMBER, Role.OFFICER, Role.APPROVER]:
        with pytest.raises(Exception, match="cannot"):
            services.add_item(make_user(role), meeting, number="1", title="x")
    assert not AgendaItem.objects.exists()


def test_a_summer_meeting_made_in_code_has_the_same_fingerprint_as_when_read_back(db):
    """Its date made in code carries British Summer Time; the database gives it back in UTC. The agenda is
    the same agenda either way, so a pack built from one can be published from the other."""
    import datetime
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    meeting = make_meeting(when=datetime.datetime(2022, 9, 20, 19, 0, tzinfo=london))
    made_in_code = services.fingerprint(meeting, [])
    meeting.refresh_from_db()
    assert meeting.starts_at.utcoffset() == datetime.timedelta(0)
    assert services.fingerprint(meeting, []) == made_in_code


# A tagged pack ---------------------------------------------------------------------------------


def tagged_paper(title: str) -> bytes:
    """A paper as the portal's pipeline makes them: tagged (PDF/UA), with a heading and a table."""
    from bromley_portal.reports import rendering, tagging

    html = (
        f"<html lang='en-GB'><head><title>{title}</title><style>{PAPER_CSS}</style></head><body>"
        f"<section><h1>{title}</h1><p>Public sheet 1.</p></section>"
        "<table><thead><tr><th scope='col'>Contract</th><th scope='col'>Value</th></tr></thead>"
        "<tbody><tr><th scope='row'>Fostering</th><td>120,000</td></tr></tbody></table></body></html>"
    )
    document = HTML(string=html).render(**rendering.PDF_OPTIONS)
    return tagging.write_pdf(document, **rendering.PDF_OPTIONS)


def turned(data: bytes) -> bytes:
    """The paper with its pages turned a quarter (/Rotate 90), as scanned appendices often are."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.obj.Rotate = 90
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def test_the_pack_is_one_tagged_pdf_with_each_tagged_paper_in_a_section_of_its_own(clerk, media):
    meeting = make_meeting()
    papers = [
        ("4", "Placement sufficiency strategy", tagged_paper("Placement sufficiency strategy")),
        ("5", "Early help appendix", make_paper("Early help appendix", 2, "Public")),  # untagged upload
        ("6", "Scanned map", turned(make_paper("Scanned map", 1, "Public"))),
    ]
    for number, title, data in papers:
        item = services.add_item(clerk, meeting, number=number, title=title, part=Part.PART_1)
        services.upload_paper(clerk, item, upload(data))
    built = packs.build(meeting, services.agenda(meeting))
    tagged = TaggedPDF(built.part_1)
    assert tagged.parent_tree_problems() == []
    sections = [node for node in tagged.document.kids if node.type == "Sect" and "/T" in node.obj]
    assert [str(node.obj.T) for node in sections] == ["4. Placement sufficiency strategy (CEF22001)"]
    assert sections[0].find("Table") and sections[0].find("H1"), "the paper's own structure, whole"
    # The front sheet and the tagged paper: every text tagged or an artifact; "Page N" an artifact.
    assert tagged.unmarked_text[0] == tagged.unmarked_text[1] == 0
    for index in range(len(tagged.pages)):
        assert f"Page {index + 1}" in "".join(tagged.artifact_text[index]).replace(" ", " "), index
    with pikepdf.open(io.BytesIO(built.part_1)) as pdf:
        assert pdf.check_pdf_syntax() == [], "qpdf finds nothing wrong in the file the Merger wrote"
        assert pdf.Root.MarkInfo.Marked and str(pdf.Root.Lang) == "en-GB"
        for page in pdf.pages:
            for font in _fonts(page):
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    with pdfplumber.open(io.BytesIO(built.part_1)) as pdf:
        turned_page, upright_page = pdf.pages[-1], pdf.pages[1]
        # pdfplumber reads a turned page as the reader sees it: the paper's own text runs sideways, and
        # the pack's number is upright at the foot.
        assert turned_page.rotation == 90 and not any(
            c["upright"] for c in turned_page.chars if not c.get("tag")
        )
        number = [c for c in turned_page.chars if c.get("tag") == "Artifact"]
        assert "".join(c["text"] for c in number) == f"Page {len(pdf.pages)}"
        assert all(c["upright"] and c["top"] > turned_page.height - 40 for c in number)
        assert all(c["upright"] for c in upright_page.chars if c.get("tag") == "Artifact")


def _fonts(page):
    """Every font a page uses, in its resources and its form XObjects' (the stamped page number's)."""
    seen, stack = [], [page.obj.get("/Resources")]
    while stack:
        resources = stack.pop()
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        seen.extend(resources.get("/Font", pikepdf.Dictionary()).values())
        for xobject in resources.get("/XObject", pikepdf.Dictionary()).values():
            if xobject.get("/Subtype") == "/Form":
                stack.append(xobject.get("/Resources"))
    return seen


# The supplementary pack -----------------------------------------------------------------------


def test_a_supplementary_pack_of_late_items_continues_the_published_pack_s_numbering(clerk, media):
    meeting = seed_meeting(clerk)
    late = services.add_item(
        clerk, meeting, number="7", title="Late report on school places", supplementary=True
    )
    services.upload_paper(clerk, late, upload(make_paper(f"{late.report_number} Late report", 2, "Public")))
    with pytest.raises(MeetingError, match="Publish the agenda pack first"):
        services.request_pack(clerk, meeting, supplement=True)
    main = services.request_pack(clerk, meeting)
    assert packs.run_pack(main.pk) == "done"
    main.refresh_from_db()
    assert [entry["number"] for entry in main.contents] == ["4", "5", "6", "10"], "no late item in it"
    services.publish_pack(clerk, main)
    last_page = main.page_count + main.part_2_page_count

    supplement = services.request_pack(clerk, meeting, supplement=True)
    assert supplement.first_page == last_page + 1
    assert packs.run_pack(supplement.pk) == "done"
    supplement.refresh_from_db()
    assert [entry["number"] for entry in supplement.contents] == ["7"]
    assert supplement.contents[0]["start"] == last_page + 2, "after its own front sheet"
    with default_storage.open(supplement.file.name, "rb") as handle:
        data = handle.read()
    texts = page_texts(data)
    assert "Supplementary agenda" in texts[0]
    assert re.search(rf"{late.report_number} {last_page + 2}\b", texts[0]), texts[0]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=last_page + 1):
            foot = page.crop((0, page.height - 40, page.width, page.height)).extract_text() or ""
            assert f"Page {number}" in foot, (number, foot)
    services.publish_pack(clerk, supplement)
    main.refresh_from_db()
    assert main.is_published, "the published pack stays as it was"

    # Republishing the main pack with other page numbers leaves the supplement's out of step.
    third = services.request_pack(clerk, meeting, supplement=True)
    packs.run_pack(third.pk)
    AgendaPack.objects.filter(pk=main.pk).update(page_count=main.page_count + 1)
    third.refresh_from_db()
    with pytest.raises(MeetingError, match="page numbers no longer follow on"):
        services.publish_pack(clerk, third)


def test_a_supplementary_pack_needs_late_items(clerk, media):
    meeting = seed_meeting(clerk, part_2=False)
    main = services.request_pack(clerk, meeting)
    packs.run_pack(main.pk)
    main.refresh_from_db()
    services.publish_pack(clerk, main)
    with pytest.raises(MeetingError, match="no late items"):
        services.request_pack(clerk, meeting, supplement=True)


def test_the_public_page_offers_the_supplementary_pack(clerk, media, client):
    from django.urls import reverse

    meeting = seed_meeting(clerk, part_2=False)
    late = services.add_item(clerk, meeting, number="7", title="Late report", supplementary=True)
    services.upload_paper(clerk, late, upload(make_paper("Late report", 1)))
    for supplement in (False, True):
        pack = services.request_pack(clerk, meeting, supplement=supplement)
        packs.run_pack(pack.pk)
        pack.refresh_from_db()
        services.publish_pack(clerk, pack)
    page = client.get(reverse("meetings:public_meeting", args=[meeting.pk])).content.decode()
    assert "Download the agenda pack" in page
    assert f"Download the supplementary agenda pack: late items, pages {pack.first_page} on" in page
    download = reverse("meetings:public_pack_download", args=[meeting.pk, pack.pk])
    assert download in page and client.get(download).status_code == 200


def test_the_sweeper_fails_packs_a_killed_worker_will_never_finish(clerk, media, settings):
    from datetime import timedelta

    from django.utils import timezone

    from bromley_portal.reports.choices import JobStatus

    meeting = seed_meeting(clerk, part_2=False)
    now = timezone.now()
    long_ago = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    running = AgendaPack.objects.create(
        meeting=meeting, version=1, status=JobStatus.RUNNING, created_at=long_ago, agenda_fingerprint="x"
    )
    waiting = AgendaPack.objects.create(
        meeting=meeting, version=2, created_at=now - timedelta(minutes=settings.REPORTS_PENDING_MINUTES + 1)
    )
    busy = AgendaPack.objects.create(meeting=meeting, version=3, status=JobStatus.RUNNING, created_at=now)
    assert packs.fail_stuck_packs(now) == 2
    for pack in (running, waiting, busy):
        pack.refresh_from_db()
    assert running.is_failed and "stopped before it finished" in running.error
    assert waiting.is_failed and "No worker started this pack" in waiting.error
    assert busy.status == JobStatus.RUNNING, "a pack still within its time is left alone"
    assert packs.fail_stuck_packs(now) == 0
