"""A long report rendered in parts and merged (bromley_portal/reports/merging.py): the worker lays out one
part at a time so its memory stays bounded (bench/contract_extract.py), and the reader gets the same
report as if it had been laid out in one pass: the same rows in the same order, one tagged table with
its headers, the running header and "Page X of Y" on every page, the bookmarks. Shown with the CEF
register of September 2022 (seed 004) split into parts of a few rows, read back with pikepdf, pypdf and
pdfplumber, and looked at as page images."""

import io
import itertools
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from django.template.loader import render_to_string
from pypdf import PdfReader

from bromley_portal.reports import merging, registry, rendering
from contracts import reports as contract_reports
from contracts.models import RegisterCycle
from contracts.seeds import load_seed_register
from tests.conftest import data_shared_by_a_module
from tests.test_contract_reports import extract_ids, parameters, register_order
from tests.test_pdf_tags import TaggedPDF, assert_well_tagged

ROWS_PER_PART = 12  # the 41 contracts in four parts


@pytest.fixture(scope="module")
def papers(django_db_setup, django_db_blocker):
    """The Part 1 extract rendered whole, and in parts of a dozen rows."""
    with data_shared_by_a_module(django_db_blocker):
        load_seed_register()
        cycle = RegisterCycle.objects.get(name="September 2022")
        whole = rendering.render_report_to_pdf("contracts_part_1", parameters(cycle))
        saved = contract_reports.ROWS_PER_PART
        contract_reports.ROWS_PER_PART = ROWS_PER_PART
        try:
            parts = rendering.render_report_to_pdf("contracts_part_1", parameters(cycle))
        finally:
            contract_reports.ROWS_PER_PART = saved
        yield {"cycle": cycle, "whole": whole, "parts": parts}


def structure(pdf: bytes) -> Counter:
    """How many structure elements of each type the PDF's tree holds."""
    counts = Counter()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root.StructTreeRoot
        stack = list(root.K) if isinstance(root.K, pikepdf.Array) else [root.K]
        while stack:
            element = stack.pop()
            if isinstance(element, pikepdf.Dictionary) and "/S" in element:
                counts[str(element.S)] += 1
                kids = element.get("/K")
                stack.extend(kids if isinstance(kids, pikepdf.Array) else [kids])
    return counts


def test_the_extract_splits_in_register_order_with_the_capital_heading_once(papers, db):
    section = (
        registry.get("contracts_part_1")
        .build(registry.get("contracts_part_1").clean(parameters(papers["cycle"]))[0])
        .sections[-1]
    )
    parts = contract_reports.extract_parts(section.context, rows_per_part=ROWS_PER_PART)
    assert len(parts) == 4
    assert [part["continued"] for part in parts] == [False, True, True, True]
    in_parts = [row.entry.council_id for part in parts for row in [*part["revenue"], *part["capital"]]]
    whole = [row.entry.council_id for row in [*section.context["revenue"], *section.context["capital"]]]
    assert in_parts == whole
    assert sum(part["capital_heading"] for part in parts) == (1 if section.context["capital"] else 0)


def test_the_parts_make_the_same_report_as_one_pass(papers, db):
    whole, parts = papers["whole"], papers["parts"]
    assert parts.page_count > whole.page_count, "four parts each begin on a new page"
    assert structure(parts.pdf) == structure(whole.pdf), "the same structure elements, one table"
    assert extract_ids(parts.pdf) == extract_ids(whole.pdf) == register_order()
    assert parts.html == whole.html, "the web version is the report's, whatever the PDF's parts"


def test_the_merged_report_is_one_well_tagged_document(papers, db):
    report_type = registry.get("contracts_part_1")
    cleaned, _ = report_type.clean(parameters(papers["cycle"]))
    context = rendering.template_context(report_type, report_type.build(cleaned), for_pdf=True)
    tagged = TaggedPDF(papers["parts"].pdf)
    # The whole report's HTML: one Table per HTML table, every row in it, every TH once, Headers and
    # ParentTree right, no unmarked text (the stamped page numbers are artifacts).
    assert_well_tagged(tagged, render_to_string(report_type.template_name, context))
    with pikepdf.open(io.BytesIO(papers["parts"].pdf)) as document:
        pages = {page.objgen for page in document.pages}
        assert len(pages) == papers["parts"].page_count
        for element in _elements(document):
            if "/Pg" in element:
                assert element.Pg.objgen in pages, "every element's page is a page of the report"
        assert document.check_pdf_syntax() == [], "qpdf finds nothing wrong in the file the Merger wrote"
        assert document.Root.MarkInfo.Marked
        assert str(document.Root.Lang) == "en-GB"
        assert b"pdfuaid" in document.Root.Metadata.read_bytes()


def _elements(document):
    root = document.Root.StructTreeRoot
    stack = list(root.K) if isinstance(root.K, pikepdf.Array) else [root.K]
    while stack:
        element = stack.pop()
        if isinstance(element, pikepdf.Dictionary) and "/S" in element:
            yield element
            kids = element.get("/K")
            stack.extend(kids if isinstance(kids, pikepdf.Array) else [kids])


def test_every_page_says_page_x_of_y_and_carries_the_running_header(papers, db):
    pdf, count = papers["parts"].pdf, papers["parts"].page_count
    pypdf_pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        plumber_pages = [page.extract_text() for page in document.pages]
        landscape = [page.width > page.height for page in document.pages]
    title = "Contract Register Part 1 (Public): Children, Education and Families, September 2022"
    for number, (one, two) in enumerate(zip(pypdf_pages, plumber_pages, strict=True), start=1):
        for text in (one, two):
            assert re.search(rf"Page {number} of {count}\s*$", text), f"page {number}: {text[-60:]!r}"
            assert text.count(f"of {count}") == 1, "no part printed a page number of its own"
            if number > 1:
                assert title in re.sub(r"\s+", " ", text), f"page {number} has the running header"
                assert "PART 1 - PUBLIC" in text
    assert landscape[0] is False and all(landscape[1:]), "the extract's pages, every part's, are landscape"


def _open_files(paths) -> list[str]:
    """Which of ``paths`` this process holds open (a pikepdf.Pdf opened on a file holds it until closed)."""
    wanted, found = {str(path) for path in paths}, []
    for descriptor in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target in wanted:
            found.append(target)
    return found


def test_the_parts_are_written_to_files_and_merged_from_them_one_at_a_time(papers, db, monkeypatch):
    """What bounds a long report's memory: no part is kept as bytes, and the merger opens each part's
    file, writes the part into the merged file and lets it go before the next (issue 17)."""
    seen = []

    def merge_watching(parts, page_numbers):
        assert all(Path(part).is_file() for part in parts), "the parts are files, not bytes in memory"
        written = []
        with merging.Merger(parts[0], page_numbers=page_numbers) as merger:
            written.append(merger.file.tell())
            for part in parts[1:]:
                merger.continue_table(part)
                assert _open_files(parts) == [], "a part merged is a part let go"
                written.append(merger.file.tell())
            pdf = merger.finish()
        seen.append(written)
        return pdf

    monkeypatch.setattr(merging, "merge", merge_watching)
    monkeypatch.setattr(contract_reports, "ROWS_PER_PART", ROWS_PER_PART)
    rendered = rendering.render_report_to_pdf("contracts_part_1", parameters(papers["cycle"]))
    [written] = seen
    assert len(written) == 4 and all(a < b for a, b in itertools.pairwise(written)), (
        f"each part is in the merged file once it is added: {written}"
    )
    assert extract_ids(rendered.pdf) == register_order()
    assert rendered.page_count == papers["parts"].page_count


def test_references_are_renumbered_but_never_inside_strings():
    """The merged file is written from qpdf's text of each object, its references renumbered: a title or
    an ID that reads like a reference, in brackets or not, is left as it is."""
    part = merging._Part.__new__(merging._Part)
    part.mapping, part.queue, part.references = {(12, 0): 7}, [], {}
    value = pikepdf.Dictionary(
        T=pikepdf.String("Lot (12 0 R) \\ 12 0 R"), K=pikepdf.Array([pikepdf.Integer(12), 12, 0])
    )
    text = value.unparse(resolved=True)
    assert merging._REFERENCE.sub(part._replace, text) == text
    assert merging._REFERENCE.sub(part._replace, b"<< /K [ 12 0 R (12 0 R) <0C> ] /F12 12 0 R >>") == (
        b"<< /K [ 7 0 R (12 0 R) <0C> ] /F12 7 0 R >>"
    )


def test_the_bookmarks_survive_the_merge(papers, db):
    def outline(pdf):
        with pikepdf.open(io.BytesIO(pdf)) as document, document.open_outline() as tree:
            pages = {page.objgen: index for index, page in enumerate(document.pages)}
            return [(item.title, pages[item.destination[0].objgen]) for item in tree.root[0].children]

    assert [title for title, _ in outline(papers["parts"].pdf)] == [
        title for title, _ in outline(papers["whole"].pdf)
    ]


def test_a_continued_parts_first_page_looks_like_the_others(papers, db, tmp_path):
    """Page images of the first continuation page and the page before it: not blank, same size."""
    pdf = tmp_path / "parts.pdf"
    pdf.write_bytes(papers["parts"].pdf)
    with pdfplumber.open(pdf) as document:
        starts = [i for i, page in enumerate(document.pages) if "Risk Index" in (page.extract_text() or "")]
    assert len(starts) == papers["parts"].page_count - 1, "the column headings on every landscape page"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page*.png"))
    assert len(images) == papers["parts"].page_count
    assert all(image.stat().st_size > 8_000 for image in images[1:])


def test_css_strings_cannot_escape_their_style_element():
    hostile = 'Pension "Fund" \\ </style><script>alert(1)</script>\nnext'
    quoted = rendering.css_string(hostile)
    assert quoted.startswith('"') and quoted.endswith('"')
    assert "<" not in quoted and ">" not in quoted and "\n" not in quoted
    assert '"' not in quoted[1:-1]


def test_page_numbers_must_match_the_pages():
    one_page = rendering._page_numbers([False])
    with pikepdf.new() as document:
        document.add_blank_page()
        document.add_blank_page()
        with pytest.raises(ValueError, match="1 page numbers for 2 pages"):
            merging.number_pages(document, one_page)
