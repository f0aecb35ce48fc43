"""The contract register's committee reports (issue 12, item 6), rendered as a clerk gets them and read back
with pypdf and pdfplumber: the "Contracts Register" cover report with the published key data (seed 004,
paragraph 3.8 and Appendix 1), the Part 1 extract of the 41 CEF contracts of September 2022 in register
order (Appendix 3) with no commentary, and the Part 2 extract with it, marked exempt."""

import io
import json
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pdfplumber
import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from ambitions.models import Portfolio
from bromley_portal.accounts.roles import Role
from bromley_portal.reports import registry, rendering
from bromley_portal.reports.choices import Classification
from bromley_portal.reports.models import ReportJob
from contracts import services
from contracts.models import Contract, RegisterCycle, RegisterEntry, RegisterEntryCommentary
from contracts.seeds import load_seed_register
from tests.conftest import data_shared_by_a_module
from tests.seed_documents import DATA
from tests.test_pdf_tags import TaggedPDF, assert_well_tagged

SEPTEMBER = "September 2022"
# Commentary written into the frozen September entries: Part 2 text that must never reach Part 1.
SECRET = "Supplier has asked for a 9% uplift"
INFLATION = "CPI each April, capped at 4%"


STATUS_RANK = {"red": 0, "amber": 1, "green": 2, "awaiting": 3, "neutral": 4}


def published_rows() -> list[dict]:
    """Appendix 3's rows as the council published them (fixtures built from seed 004), in its order."""
    rows = json.loads((DATA / "contracts_cef_2022.json").read_text())["contracts"]
    return sorted(rows, key=lambda row: row["order"])


def register_order() -> list[str]:
    """Appendix 2's order, worked out here from the published rows: capital at the foot; above them,
    concern first, then procurement status (worst first) and value (largest first; one portfolio)."""
    rows = sorted(
        published_rows(),
        key=lambda r: (
            r["capital"],
            not r["concern"],
            STATUS_RANK[r["procurement_status"]],
            -Decimal(r["total_value"]),
        ),
    )
    return [row["council_id"] for row in rows]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def parameters(cycle, **more) -> dict:
    return {"portfolio": "CEF", "cycle": cycle.pk, "report_number": "CEF22047", **more}


def add_commentary(cycle):
    """Commentary on each of the cycle's CEF contracts, as the cycle froze it (Part 2)."""
    RegisterEntryCommentary.objects.bulk_create(
        (
            RegisterEntryCommentary(
                entry=entry,
                owner_comment=f"{SECRET} on {entry.council_id}.",
                procurement_comment="Corporate Procurement is reviewing the options.",
                inflation_mechanism=INFLATION,
            )
            for entry in RegisterEntry.objects.filter(cycle=cycle, portfolio__code="CEF")
        ),
        ignore_conflicts=True,
    )


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker):
    """The September 2022 register loaded from seed 004, with commentary, and its three papers rendered once."""
    with data_shared_by_a_module(django_db_blocker):
        load_seed_register()
        cycle = RegisterCycle.objects.get(name=SEPTEMBER)
        add_commentary(cycle)
        reports = {
            name: rendering.render_report_to_pdf(name, parameters(cycle))
            for name in ["contracts_register", "contracts_part_1", "contracts_part_2"]
        }
        yield {"cycle": cycle, **reports}


def pages_of(pdf: bytes) -> tuple[list[str], list[str]]:
    """Each page's text as pypdf and as pdfplumber read it."""
    pypdf_pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        plumber_pages = [page.extract_text() or "" for page in document.pages]
    return pypdf_pages, plumber_pages


def extract_ids(pdf: bytes) -> list[str]:
    """The Contract ID column of the extract's ruled table, page by page, as pdfplumber reads the cells."""
    ids = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for table in page.extract_tables():
                for row in table:
                    if len(row) == 17 and row[1] and re.fullmatch(r"\d{3,5}", row[1].strip()):
                        ids.append(row[1].strip())
    return ids


# The cover report ------------------------------------------------------------------------------


def test_the_cover_report_has_the_committee_header_and_the_published_key_data(rendered, db):
    report = rendered["contracts_register"]
    for pages in pages_of(report.pdf):
        text = squash(" ".join(pages))
        assert "PART 1 - PUBLIC" in text and "CEF22047" in text
        assert "Children, Education and Families PDS Committee" in text
        assert "Contracts Register: Children, Education and Families Portfolio, September 2022" in text
        # Paragraph 3.7 and 3.8: all portfolios' total, then CEF's figures beside February and May.
        assert "The Council has 236 active contracts" in text
        assert "February 2022 May 2022 September 2022" in text
        for row in [
            "Total contracts £50k+ 37 34 41",
            "Flagged as a concern 2 1 0",
            "Higher Risk 8 5 7",
            "Lower Risk 29 29 34",
            "Red 2 1 0",
            "Amber 7 3 3",
            "Green 8 9 12",
            "Neutral 20 21 26",
        ]:
            assert row in text, row
        # Appendix 1: every portfolio, with the all-portfolio figures.
        for row in [
            "Total contracts £50k+ 206 214 236",
            "Higher Risk 69 71 73",
            "Green 65 60 72",
            "Neutral 117 135 141",
        ]:
            assert row in text, row
        # Appendix 2: the key.
        assert "Capital contracts appear at the foot of the Register" in text
        assert "The commentary only appears in the Part 2 Contracts Register" in text
    assert SECRET not in report.html and "Appendix 2: Contracts Register key" in report.html


def test_the_cover_reports_key_data_tables_are_ruled_tables_pdfplumber_reads(rendered, db):
    with pdfplumber.open(io.BytesIO(rendered["contracts_register"].pdf)) as document:
        rows = [row for page in document.pages for table in page.extract_tables() for row in table]
    cells = [[squash(cell) for cell in row if cell is not None] for row in rows]
    assert ["Total contracts £50k+", "37", "34", "41"] in [row[-4:] for row in cells]
    assert ["Amber", "7", "3", "3"] in [row[-4:] for row in cells]
    # Appendix 1's portfolio totals, each portfolio's row as published.
    for portfolio, figures in [
        ("Executive, Resources and Contracts", ["60", "63", "79"]),
        ("Children, Education and Families", ["37", "34", "41"]),
        ("Public Protection and Enforcement", ["5", "7", "6"]),
    ]:
        assert [portfolio, *figures] in [row[-4:] for row in cells], portfolio


# The Part 1 extract -----------------------------------------------------------------------------


def test_the_part_1_extract_has_the_41_contracts_in_register_order(rendered, db):
    report = rendered["contracts_part_1"]
    assert extract_ids(report.pdf) == register_order()
    pypdf_pages, plumber_pages = pages_of(report.pdf)
    for pages in (pypdf_pages, plumber_pages):
        assert all("PART 1 - PUBLIC" in page for page in pages)
        text = squash(" ".join(pages))
        assert "41 contracts as at 31st August 2022" in text
        assert "Idox UK" in text and "01/08/2018" in text and "20/10/2022" in text
        for contract_id in register_order():
            assert contract_id in text, contract_id


def test_the_part_1_extract_is_on_landscape_pages(rendered, db):
    reader = PdfReader(io.BytesIO(rendered["contracts_part_1"].pdf))
    wide = [page for page in reader.pages[1:] if page.mediabox.width > page.mediabox.height]
    assert wide, "the extract's table is on landscape pages"
    assert len(reader.pages) == rendered["contracts_part_1"].page_count


def test_the_part_1_extract_has_no_commentary(rendered, db):
    """The frozen entries have commentary (Part 2): none of it is in the Part 1 PDF or its web version."""
    report = rendered["contracts_part_1"]
    assert RegisterEntryCommentary.objects.filter(owner_comment__contains=SECRET).count() == 41
    for pages in pages_of(report.pdf):
        text = squash(" ".join(pages))
        for words in [
            SECRET,
            INFLATION,
            "Corporate Procurement is reviewing",
            "Inflation mechanism",
            "PART 2",
        ]:
            assert words not in text, words
    assert SECRET not in report.html and INFLATION not in report.html and "PART 2" not in report.html


def test_the_revenue_contracts_are_in_the_published_order_and_capital_ones_at_the_foot(rendered, db):
    """The register order reproduces Appendix 3's revenue rows exactly; its four capital contracts come
    last, under their own heading (the published extract lists them neutral before green, the key's
    order puts green first)."""
    ids = extract_ids(rendered["contracts_part_1"].pdf)
    published = published_rows()
    capital = {row["council_id"] for row in published if row["capital"]}
    assert len(capital) == 4 and set(ids[-4:]) == capital
    assert ids[:-4] == [row["council_id"] for row in published if not row["capital"]]
    text = squash(" ".join(pages_of(rendered["contracts_part_1"].pdf)[1]))
    assert "Capital contracts (at the foot of the register)" in text


# The Part 2 extract -----------------------------------------------------------------------------


def test_the_part_2_extract_has_the_same_rows_with_commentary_and_is_marked_exempt(rendered, db):
    report = rendered["contracts_part_2"]
    assert extract_ids(report.pdf) == register_order()
    pypdf_pages, plumber_pages = pages_of(report.pdf)
    for pages in (pypdf_pages, plumber_pages):
        assert all("PART 2 - EXEMPT" in page for page in pages)
        text = squash(" ".join(pages))
        assert "PART 1 - PUBLIC" not in text
        assert "paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972" in text
        for contract_id in register_order():
            assert f"{SECRET} on {contract_id}." in text
        assert INFLATION in text
    assert f"{SECRET} on 6253." in report.html and "PART 2 - EXEMPT" in report.html
    assert registry.get("contracts_part_2").exempt_paragraph == 3


# Frozen, and a fixed number of queries ------------------------------------------------------------


def test_the_extract_reads_the_frozen_cycle_whatever_changed_since(db):
    load_seed_register()
    cycle = RegisterCycle.objects.get(name=SEPTEMBER)
    before = rendering.render_report_to_pdf("contracts_part_1", parameters(cycle))
    first = register_order()[0]
    contract = Contract.objects.get(council_id=first)
    contract.title, contract.supplier, contract.concern = "Renamed since", "A new supplier", True
    contract.save()
    after = rendering.render_report_to_pdf("contracts_part_1", parameters(cycle))
    assert (
        "Renamed since" not in squash(" ".join(pages_of(after.pdf)[0])) and "Renamed since" not in after.html
    )
    assert extract_ids(after.pdf) == extract_ids(before.pdf) == register_order()


def _queries(name, cycle) -> int:
    report_type = registry.get(name)
    cleaned, _ = report_type.clean(parameters(cycle))
    with CaptureQueriesContext(connection) as captured:
        report_type.build(cleaned)
    return len(captured)


@pytest.mark.parametrize("name", ["contracts_register", "contracts_part_1", "contracts_part_2"])
def test_each_report_costs_the_same_queries_whatever_the_number_of_contracts(db, name):
    load_seed_register()
    september = RegisterCycle.objects.get(name=SEPTEMBER)
    # A later cycle: the contracts that ended in the autumn of 2022 have left the register.
    december = RegisterCycle.objects.create(name="December 2022", as_at=date(2022, 12, 31))
    services.freeze_cycle(december)
    add_commentary(december)
    few = december.entries.filter(portfolio__code="CEF").count()
    before = _queries(name, december)
    # The same cycle with every September contract in it.
    gone = list(RegisterEntry.objects.filter(cycle=september).exclude(contract__entries__cycle=december))
    for entry in gone:
        entry.pk, entry.cycle = None, december
    RegisterEntry.objects.bulk_create(gone)
    add_commentary(december)
    assert 0 < few < december.entries.filter(portfolio__code="CEF").count() == 41
    assert _queries(name, december) == before


# Asking for them --------------------------------------------------------------------------------


def test_bad_parameters_get_a_clear_message(db):
    load_seed_register()
    report_type = registry.get("contracts_part_1")
    unfrozen = RegisterCycle.objects.create(name="March 2023", as_at=date(2023, 2, 28))
    for bad, message in [
        ({"portfolio": "XYZ", "cycle": "September 2022"}, "There is no portfolio “XYZ”."),
        ({"portfolio": "CEF", "cycle": "June 1999"}, "There is no frozen register cycle “June 1999”."),
        ({"portfolio": "CEF", "cycle": unfrozen.pk}, "Choose a frozen register cycle from the list"),
        ({"portfolio": "CEF"}, "Choose the register cycle"),
    ]:
        with pytest.raises(registry.ReportError, match=re.escape(message)):
            report_type.clean(bad)
    cleaned, stored = report_type.clean({"portfolio": "cef", "cycle": "September 2022"})
    assert cleaned["portfolio"] == Portfolio.objects.get(code="CEF")
    assert stored["cycle"] == RegisterCycle.objects.get(name=SEPTEMBER).pk


def test_only_clerks_and_admins_may_ask_for_the_part_2_extract(people):
    part_2 = registry.get("contracts_part_2")
    allowed = {role for role, person in people.items() if person.has_perm(part_2.permission)}
    assert allowed == {Role.CLERK, Role.ADMIN}


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler's pdftoppm")
def test_a_page_image_of_the_landscape_extract(rendered, db, tmp_path):
    """Writes the extract's first landscape page as a PNG (looked at by eye when the layout changed)."""
    pdf = tmp_path / "extract.pdf"
    pdf.write_bytes(rendered["contracts_part_2"].pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "2", "-l", "2", str(pdf), str(tmp_path / "page")], check=True
    )
    (image,) = tmp_path.glob("page*.png")
    assert image.stat().st_size > 10_000


@pytest.mark.parametrize("name", ["contracts_register", "contracts_part_1", "contracts_part_2"])
def test_each_report_is_a_well_tagged_pdf(rendered, db, name):
    """One tagged Table per HTML table with all its rows and header scopes, so screen readers read them."""
    report_type = registry.get(name)
    cleaned, _ = report_type.clean(parameters(rendered["cycle"]))
    context = rendering.template_context(report_type, report_type.build(cleaned), for_pdf=True)
    assert_well_tagged(TaggedPDF(rendered[name].pdf), render_to_string(report_type.template_name, context))


def test_a_clerk_asks_through_the_form_and_bad_input_changes_nothing(rendered, client, people):
    client.force_login(people[Role.CLERK])
    url = "/reports/new/contracts_part_2/"
    page = client.get(url).content.decode()
    assert "Register cycle" in page and "September 2022 (as at 31 August 2022)" in page
    response = client.post(url, {"portfolio": "999999", "cycle": "nonsense"})
    assert response.status_code == 200
    assert "Choose a portfolio from the list" in response.content.decode()
    assert not ReportJob.objects.filter(report_type="contracts_part_2").exists()
    cef = Portfolio.objects.get(code="CEF")
    response = client.post(url, {"portfolio": cef.pk, "cycle": rendered["cycle"].pk})
    job = ReportJob.objects.get(report_type="contracts_part_2")
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job.classification == Classification.PART_2 and job.parameters["portfolio"] == cef.pk
