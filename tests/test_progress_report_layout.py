"""The CEF 2023-24 progress reports as a clerk would send them, read back by more than one reader.

pypdf and pdfplumber read the text (pdfplumber line by line straight across the page, as screen
readers that ignore tags do), and pdfplumber reads the tables from their ruled cells: every seed 001
action and lettered detail is found, each detail's target date and lead sit on its own row, every
table page starts with its header row, a row carried over to a new page says which action
continues, no heading is left at the foot of a page, and the footer keeps clear of the edge.
"""

import io
import re

import pdfplumber
import pytest
from pypdf import PdfReader

from ambitions.models import Post
from ambitions.services import load_seed_strategy
from bromley_portal.reports import rendering
from plans.choices import PeriodStatus
from plans.models import Action, PortfolioPlan, QuarterlyUpdate, ReportingPeriod
from plans.seeds import load_seed_plans
from tests.factories import make_user

HEADER = ["Measures of success", "Target date", "Lead"]
MM = 72 / 25.4  # points in a millimetre


def squash(text: str) -> str:
    """Text without its line breaks and spacing, for comparing what wraps differently."""
    return re.sub(r"\s+", "", text or "")


def opening(text: str, words: int = 8) -> str:
    return squash(" ".join(text.split()[:words]))


@pytest.fixture
def cef(db):
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
    return plan


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


def plan_tables(pdf):
    """(page number, rows) of every table slice on the landscape (plan table) pages."""
    slices = []
    for number, page in enumerate(pdf.pages, start=1):
        if page.width < page.height:
            continue
        for table in page.extract_tables():
            if table and table[0] == HEADER:
                slices.append((number, [[cell or "" for cell in row] for row in table]))
    return slices


def test_the_quarter_3_report_reads_the_same_in_every_reader(cef):
    period = ReportingPeriod.objects.get(year=2023, quarter=3)
    pdf_bytes = render(cef, period)
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
        for number, page in enumerate(pdf.pages, start=1):
            if page.width > page.height:
                for table in page.extract_tables():
                    closing = (table[0][0] or "").startswith(("Non-Applicable", "Background"))
                    assert table[0] == HEADER or closing, (
                        f"page {number}: a table slice without its header row"
                    )
        slices = plan_tables(pdf)
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


def test_a_two_digit_action_number_never_wraps(db):
    from plans.choices import Rag
    from tests.factories import make_plan
    from tests.test_reports import locked_period, report_on

    plan = make_plan(actions=15)
    period = locked_period()
    report_on(plan, period, rags=[Rag.RED] * 15)
    with pdfplumber.open(io.BytesIO(render(plan, period))) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "1.14" in text and "1.15" in text
    assert not re.search(r"\b1\.1\n4\b", text)


def test_the_tagged_pdf_keeps_headings_out_of_tables_and_each_table_whole(cef):
    period = ReportingPeriod.objects.get(year=2023, quarter=3)
    with pdfplumber.open(io.BytesIO(render(cef, period))) as pdf:
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
    # counts, the key, one plan table for each of the plan's two ambitions, and the closing block.
    assert len(tables) == 7
    plan_tables = [
        table for table in tables if sum(kid.get("type") == "TBody" for kid in table["children"]) > 1
    ]
    assert len(plan_tables) == 2
    for table in plan_tables:
        assert [kid.get("type") for kid in table["children"]][:2] == ["Caption", "THead"]
