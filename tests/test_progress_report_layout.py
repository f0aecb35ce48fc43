"""The CEF 2023-24 progress reports as a clerk would send them, read back by more than one reader.

pypdf and pdfplumber read the text (pdfplumber line by line straight across the page, as screen
readers that ignore tags do), and pdfplumber reads the tables from their ruled cells: every seed 001
action and lettered detail is found, each detail's target date and lead sit on its own row, every
table page starts with its header row, a row carried over to a new page says which action
continues, no heading is left at the foot of a page, and the footer keeps clear of the edge.
"""

import io
import re
from dataclasses import dataclass

import pdfplumber
import pytest
from django.template.loader import render_to_string
from pypdf import PdfReader

from ambitions.models import Post
from ambitions.services import load_seed_strategy
from bromley_portal.reports import rendering
from plans.choices import PeriodStatus
from plans.models import Action, PortfolioPlan, QuarterlyUpdate, ReportingPeriod
from plans.seeds import load_seed_plans
from tests.conftest import data_shared_by_a_module
from tests.factories import make_user
from tests.test_pdf_tags import TaggedPDF, assert_well_tagged
from tests.test_reports import outline_titles, pdf_text
from tests.test_reports import squash as collapse

HEADER = ["Measures of success", "Target date", "Lead"]
MM = 72 / 25.4  # points in a millimetre


def squash(text: str) -> str:
    """Text without its line breaks and spacing, for comparing what wraps differently."""
    return re.sub(r"\s+", "", text or "")


def opening(text: str, words: int = 8) -> str:
    return squash(" ".join(text.split()[:words]))


@dataclass
class Rendered:
    plan: PortfolioPlan
    period: ReportingPeriod
    report: rendering.RenderedReport
    html: str  # what WeasyPrint laid out

    @property
    def pdf(self) -> bytes:
        return self.report.pdf


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    """The seeds loaded and the CEF 2023-24 quarter 3 report rendered once, for the module's readers."""
    with data_shared_by_a_module(django_db_blocker):
        load_seed_strategy()
        load_seed_plans()
        plan = PortfolioPlan.objects.get(portfolio__code="CEF", year=2023)
        chief = Post.objects.get(title="Director Children, Education and Families")
        chief.holders.add(
            make_user(
                None,
                username="rb",
                first_name="Rosa",
                last_name="Baird",
                email="rosa.baird@bromley.gov.uk",
                phone="020 8461 7000",
            )
        )
        plan.portfolio.chief_officer = chief
        plan.portfolio.save()
        period = ReportingPeriod.objects.get(year=2023, quarter=3)
        parameters = {
            "plan": plan.pk,
            "period": period.pk,
            "report_number": "CEF24015",
            "meeting_date": "2024-06-27",
        }
        report_type, built = rendering.build_report("plan_progress", parameters)
        html = render_to_string(
            report_type.template_name, rendering.template_context(report_type, built, for_pdf=True)
        )
        yield Rendered(plan, period, rendering.render_report_to_pdf("plan_progress", parameters), html)


@pytest.fixture
def cef(shared, db):
    return shared.plan


@pytest.fixture
def q3(shared, db) -> Rendered:
    return shared


def render(plan, period) -> bytes:
    return rendering.render_report_to_pdf("plan_progress", {"plan": plan.pk, "period": period.pk}).pdf


def expected_rows(plan):
    """Every action and detail of the plan in order: ("action", ref, title) and ("detail", text, date, leads)."""
    rows = []
    actions = (
        Action.objects.filter(section__plan=plan)
        .with_plan_text()
        .select_related("section")
        .order_by("section__number", "number")
    )
    for action in actions:
        rows.append(("action", action.reference, action.title))
        for detail in action.details.all():
            rows.append(
                (
                    "detail",
                    str(detail) if (detail.letter or detail.text) else "",
                    detail.target_text,
                    [lead.title for lead in detail.leads.all()],
                )
            )
    return rows


def landscape_tables(pdf):
    """(page number, rows) of every table slice on the landscape (plan table) pages, as pdfplumber
    reads them from their ruled cells; not the measures table that closes the report on a landscape page
    of its own (tests/test_measures_in_progress_report.py reads that)."""
    return [
        (number, [[cell or "" for cell in row] for row in table])
        for number, page in enumerate(pdf.pages, start=1)
        if page.width > page.height
        for table in page.extract_tables()
        if table and (table[0] or [""])[0] != "Measure"
    ]


def test_the_quarter_3_report_reads_the_same_in_every_reader(q3):
    cef, pdf_bytes = q3.plan, q3.pdf
    reader = PdfReader(io.BytesIO(pdf_bytes))
    pypdf_text = squash(" ".join(page.extract_text() for page in reader.pages))
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        lines = squash(" ".join(page.extract_text() for page in pdf.pages))
        expected = expected_rows(cef)
        # Every action and lettered detail of seed 001 is found by both readers, its words in order.
        actions = [row for row in expected if row[0] == "action"]
        details = [row for row in expected if row[0] == "detail" and row[1]]
        assert len(actions) == 21 and len(details) >= 48
        for _, reference, title in actions:
            assert squash(reference) + opening(title, 6)[:20] in lines.replace("Notrated", ""), reference
            assert opening(title) in pypdf_text and opening(title) in lines, reference
        for _, text, _, _ in details:
            assert opening(text) in pypdf_text, text
            assert opening(text) in lines, f"pdfplumber reads the detail across the page: {text[:60]}"

        # The plan tables, page by page: a header row on every page, then each detail's own row of
        # measures, target date and lead, in the plan's order.
        tables = landscape_tables(pdf)
        for number, rows in tables:
            closing = rows[0][0].startswith(("Non-Applicable", "Background"))
            assert rows[0] == HEADER or closing, f"page {number}: a table slice without its header row"
        slices = [(number, rows) for number, rows in tables if rows[0] == HEADER]
        table_pages = {page for page, _ in slices}
        assert len(table_pages) >= 10
        body = [row for _, rows in slices for row in rows[1:]]
        wanted = iter(expected)
        current = next(wanted)
        checked = 0
        for index, row in enumerate(body):
            if current[0] == "action" and re.match(rf"{re.escape(current[1])}\s", row[0]):
                current = next(wanted, None)
            elif (
                current
                and current[0] == "detail"
                and current[1]
                and squash(row[0]).startswith(opening(current[1], 5))
            ):
                measures_row = body[index + 1]
                assert measures_row[1] == (current[2] or "—"), f"{current[1][:40]}: date {measures_row[1]!r}"
                assert squash(measures_row[2]) == squash(" ".join(current[3]) or "—"), (
                    f"{current[1][:40]}: lead"
                )
                checked += 1
                current = next(wanted, None)
            elif (
                current
                and current[0] == "detail"
                and not current[1]
                and row[1] == current[2]
                and squash(row[2]) == squash(" ".join(current[3]))
            ):
                checked += 1  # a plan-table row without a detail (1.7): its measures, date and lead
                current = next(wanted, None)
            if current is None:
                break
        assert current is None, f"not found in order: {current}"
        assert checked == len([row for row in expected if row[0] == "detail"])

        # Lead order is the plan's: action 1.6's a) to c) are the safeguarding partnership's.
        text_16 = lines.split("1.6Notrated", 1)[1].split("1.7Notrated", 1)[0]
        assert text_16.index("IndependentChair") < text_16.index("AssistantDirector")

        # A page that opens inside an action says which action continues.
        last_action, seen_pages = None, set()
        for page_number, rows in slices:
            page_opens = page_number not in seen_pages and len(rows) > 1
            seen_pages.add(page_number)
            starts_action = re.match(r"(\d+\.\d+)\s", rows[1][0]) if page_opens else None
            top = (
                pdf.pages[page_number - 1]
                .crop((0, 0, pdf.pages[page_number - 1].width, 25 * MM))
                .extract_text()
                or ""
            )
            if starts_action:
                assert "(continued)" not in top, f"page {page_number} starts a new action"
            elif page_opens and last_action:
                assert f"{last_action} (continued)" in top, (
                    f"page {page_number} continues {last_action}: {top!r}"
                )
            for row in rows[1:]:
                found = re.match(r"(\d+\.\d+)\s", row[0])
                if found:
                    last_action = found[1]

        for number, page in enumerate(pdf.pages, start=1):
            words = page.extract_words()
            # The footer keeps at least 10 mm clear of the paper's edge.
            footer = [word for word in words if word["text"] == "Page"][-1]
            assert page.height - footer["bottom"] >= 10 * MM, f"page {number} footer"
            # No section heading is left at the foot of a page: its table starts on the same page.
            text = page.extract_text()
            for heading in re.findall(r"^(\d+)\. Ambition \d", text, re.M):
                assert f"Table {heading}.1" in text, (
                    f"section {heading}'s heading is stranded on page {number}"
                )

    text = " ".join(page.extract_text() for page in reader.pages)
    # The key explains (AP) and the RAG words; the tables are numbered in order within each section.
    assert "Annual Programme" in text and "Not rated" in text and "No update received" in text
    captions = re.findall(r"Table (\d+)\.(\d+)", text)
    by_section = {}
    for section, table in captions:
        by_section.setdefault(section, []).append(int(table))
    for section, numbers in by_section.items():
        distinct = sorted(set(numbers))
        assert distinct == list(range(1, len(distinct) + 1)), f"section {section} tables {distinct}"
    # The contact and chief officers are people, with a telephone number and e-mail address.
    front = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "Rosa Baird, Director Children, Education and Families" in front
    assert "Tel: 020 8461 7000" in front and "rosa.baird@bromley.gov.uk" in front


def test_the_quarter_4_report_says_no_update_was_received_and_prints_no_quarter_3_words(cef):
    quarter_4 = ReportingPeriod.objects.create(
        year=2023, quarter=4, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(2023, 4)
    )
    text = re.sub(
        r"\s+",
        " ",
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render(cef, quarter_4))).pages),
    )
    assert "Of the 21 actions at quarter 4 (January to March 2024): 21 no update." in text
    assert text.count("no update received") == 21
    for update in QuarterlyUpdate.objects.filter(period__quarter=3, action__section__plan=cef):
        words = (update.narrative or update.notes.first().narrative).lstrip("- ").split()[:8]
        assert " ".join(words) not in text


def test_the_tagged_pdf_keeps_headings_out_of_tables_and_each_table_whole(q3):
    with pdfplumber.open(io.BytesIO(q3.pdf)) as pdf:
        tree = pdf.structure_tree
    headings_in_tables, tables, headings = [], [], []

    def walk(node, ancestors):
        kind = node.get("type")
        if kind in ("H1", "H2", "H3"):
            headings.append(kind)
            if "Table" in ancestors:
                headings_in_tables.append(kind)
        if kind == "Table":
            tables.append(node)
        for child in node.get("children", []):
            walk(child, (*ancestors, kind))

    for node in tree:
        walk(node, ())
    assert headings.count("H1") == 1 and headings_in_tables == []
    # One Table element per table however many pages it runs over: the header block's two, the
    # counts, the key, one plan table for each of the plan's two ambitions, the portfolio's measures
    # and the closing block.
    assert len(tables) == 8
    plan_tables = [
        table for table in tables if sum(kid.get("type") == "TBody" for kid in table["children"]) > 1
    ]
    assert len(plan_tables) == 2
    for table in plan_tables:
        assert [kid.get("type") for kid in table["children"]][:2] == ["Caption", "THead"]


def test_the_quarter_3_report_reads_back_as_a_committee_paper(q3):
    plan, period, rendered = q3.plan, q3.period, q3.report
    reader, pages = pdf_text(rendered.pdf)
    text = collapse(" ".join(pages))
    title = "Children, Education and Families Portfolio Plan 2023-24: Progress at Quarter 3"

    assert rendered.title == title
    assert reader.metadata.title == title
    assert rendered.page_count == len(reader.pages) > 5
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        if number > 1:
            assert "PART 1 - PUBLIC" in page, "the marking runs at the head of every page"
    # The header block, as the council's template has it.
    first = collapse(pages[0])
    for label in [
        "Report No.",
        "CEF24015",
        "London Borough of Bromley",
        "PART 1 - PUBLIC",
        "Decision Maker:",
    ]:
        assert label in first
    for label in ["Date: 27th June 2024", "Decision Type:", "Title:", "Contact Officer:", "Chief Officer:"]:
        assert label in first
    assert "Ward: All Wards" in first
    assert "CHILDREN, EDUCATION AND FAMILIES PDS COMMITTEE" in first
    assert "1. Reason for report" in text and "2. Recommendation" in text
    # Every action is there by its number, with its update (seed updates have no RAG).
    actions = Action.objects.filter(section__plan=plan).select_related("section")
    assert actions.count() == 21
    for action in actions:
        assert re.search(rf"(^|\s){re.escape(action.reference)}\s", text), (
            f"action {action.reference} is missing"
        )
    # Lines wrap anywhere (at "first-|time", say), so compare without whitespace.
    compact = re.sub(r"\s+", "", text)
    for update in QuarterlyUpdate.objects.filter(period=period, action__section__plan=plan).prefetch_related(
        "notes"
    ):
        for line in [
            *update.narrative.splitlines()[:3],
            *(n.narrative.splitlines()[0] for n in update.notes.all()),
        ]:
            words = line.lstrip("-• ").split()[:8]
            assert "".join(words) in compact, f"update text missing: {' '.join(words)}"
    assert text.count("Not rated") >= 21
    assert "No action is rated red or amber" in text
    # Wide tables on landscape pages; the front in portrait.
    first_box = reader.pages[0].mediabox
    assert first_box.width < first_box.height
    assert any(page.mediabox.width > page.mediabox.height for page in reader.pages)
    # Bookmarks from the headings, and a tagged PDF in British English.
    titles = outline_titles(reader.outline)
    assert title in titles
    assert "1. Reason for report" in titles
    assert any(entry.startswith("5. Ambition 1") for entry in titles)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root


def test_the_quarter_3_report_is_well_tagged(q3):
    rendered, html = q3.report, q3.html
    tagged = TaggedPDF(rendered.pdf)
    assert_well_tagged(tagged, html)
    assert len(tagged.document.find("Table")) >= 3
    # Where a table's header repeats on a later page, it is an artifact there. (WeasyPrint leaves
    # the header off a page whose only row does not fit under it: such pages have no header.)
    repeats = 0
    for table in tagged.document.find("Table"):
        pages = sorted({page for page, _ in table.all_mcids()})
        thead = [kid for kid in table.kids if kid.type == "THead"]
        if len(pages) > 1 and thead:
            words = {word for th in thead[0].find("TH") for word in tagged.text(th).split()}
            for page in pages[1:]:
                if words <= set(tagged.page_text[page].split()):
                    assert all(word in tagged.artifact_text[page] for word in words), f"page {page + 1}"
                    repeats += 1
    assert repeats, "the CEF report has a table whose header repeats on a later page"
    # The page numbers, and the marking at the head of every page after the first, are artifacts.
    for index in range(rendered.page_count):
        assert f"Page {index + 1} of {rendered.page_count}" in tagged.artifact_text[index]
        if index:
            assert "PART 1 - PUBLIC" in tagged.artifact_text[index]
    assert "Page 1 of" not in tagged.tree_text()
