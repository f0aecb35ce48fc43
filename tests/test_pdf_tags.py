"""The PDF structure tree of our reports (bromley_portal.reports.tagging), read back.

A synthetic report made to cross page breaks (a 150-row table with a repeated header, a
paragraph and a list longer than a page, running headers and footers), then a real
committee report, are rendered through the same path as the worker and read back with
pikepdf (structure tree, ParentTree, content streams), pdfplumber (its structure tree, and
which text is in which marked content) and pypdf (text, outline).
"""

import io
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pdfplumber
import pikepdf
import pytest
import weasyprint
import weasyprint.pdf as weasyprint_pdf
from pypdf import PdfReader
from weasyprint import HTML

from bromley_portal.reports import rendering, tagging

ROWS = 150
COLUMN_HEADERS = ["Reference", "Alphacolumn", "Betacolumn", "Gammacolumn"]
RUNNING_HEADER = "Runningheader Bromley synthetic"


def synthetic_html(rows: int = ROWS, *, footer: bool = False, fixed: bool = False) -> str:
    body = "\n".join(
        f'<tr><th scope="row">R{i}</th><td>Alpha {i}</td><td>Beta {i}</td><td>Gamma {i}</td></tr>'
        for i in range(1, rows + 1)
    )
    head = "".join(f'<th scope="col">{label}</th>' for label in COLUMN_HEADERS)
    foot = '<tfoot><tr><th scope="row">Footsum</th><td colspan="3">Footnotecell</td></tr></tfoot>'
    paragraph = " ".join(f"Sentence {i} of the long paragraph runs on over a page break." for i in range(130))
    items = "".join(f"<li>Bullet {i} of the list that runs on over a page break.</li>" for i in range(90))
    chart = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" viewBox="0 0 200 40">'
        '<title>Chart of the things</title><rect width="120" height="30" fill="#1d70b8"/></svg>'
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Synthetic report</title>
<style>
@page {{
  size: A4; margin: 20mm 17mm 18mm;
  @top-left {{ content: "{RUNNING_HEADER}"; font-size: 8pt; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font-size: 8pt; }}
}}
html {{ font-family: "Liberation Sans", "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.35; }}
h1 {{ bookmark-level: 1; }} h2 {{ bookmark-level: 2; }}
table {{ width: 100%; border-collapse: collapse; }}
thead {{ display: table-header-group; }}
tfoot {{ display: table-footer-group; }}
tr {{ break-inside: avoid; }}
th, td {{ border: 0.5pt solid #505a5f; padding: 3pt 4pt; text-align: left; }}
thead th {{ background: #dbe7ea; }}
.fixed {{ position: fixed; bottom: -12mm; left: 0; font-size: 7pt; }}
</style></head>
<body>
<h1>Synthetic report</h1>
{'<p class="fixed">Fixedbox on every page</p>' if fixed else ""}
<section aria-labelledby="s1">
<h2 id="s1">1. The long section</h2>
<p>An opening paragraph with <a href="https://www.bromley.gov.uk/">a link to the council</a>.</p>
<figure>{chart}<figcaption>Figure 1.1: a chart</figcaption></figure>
<table>
<caption>Table 1.1: a long table</caption>
<thead><tr>{head}</tr></thead>
{foot if footer else ""}
<tbody>
{body}
</tbody>
</table>
<p>{paragraph}</p>
<ul>{items}</ul>
</section>
<h2>2. After the section</h2>
<p>The end.</p>
</body></html>"""


def render(html: str) -> tuple[bytes, int]:
    """As rendering.render_report_to_pdf does it."""
    document = HTML(string=html).render(**rendering.PDF_OPTIONS)
    return tagging.write_pdf(document, **rendering.PDF_OPTIONS), len(document.pages)


# Reading a tagged PDF back ---------------------------------------------------------------


@dataclass
class Node:
    type: str
    obj: pikepdf.Dictionary
    parent: "Node | None"
    page: int | None
    kids: list["Node"] = field(default_factory=list)
    mcids: list[tuple[int, int]] = field(default_factory=list)  # (page index, MCID)

    def walk(self):
        yield self
        for kid in self.kids:
            yield from kid.walk()

    def find(self, type_):
        return [node for node in self.walk() if node.type == type_]

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def all_mcids(self):
        return [mcid for node in self.walk() for mcid in node.mcids]

    def attribute(self, name):
        attributes = self.obj.get("/A")
        if attributes is None:
            return None
        for dictionary in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
            if name in dictionary:
                return str(dictionary[name])
        return None


class TaggedPDF:
    """A PDF's structure tree, ParentTree and marked content, as read by pikepdf and pdfplumber."""

    def __init__(self, data: bytes):
        self.data = data
        self.pdf = pikepdf.open(io.BytesIO(data))
        self.pages = list(self.pdf.pages)
        self.page_index = {page.obj.objgen: index for index, page in enumerate(self.pages)}
        root = self.pdf.Root.StructTreeRoot
        kids = root.K if isinstance(root.K, pikepdf.Array) else [root.K]
        self.roots = [self._node(kid, None, None) for kid in kids]
        self.document = self.roots[0]
        self.parent_tree = dict(pikepdf.NumberTree(root.ParentTree).items())
        self.ids = dict(pikepdf.NameTree(root.IDTree).items()) if "/IDTree" in root else {}
        self._read_content()

    def _page_of(self, dictionary, inherited):
        if "/Pg" in dictionary:
            return self.page_index[dictionary.Pg.objgen]
        return inherited

    def _node(self, obj, parent, inherited_page):
        page = self._page_of(obj, inherited_page)
        node = Node(str(obj.S)[1:], obj, parent, page)
        kids = obj.get("/K")
        kids = [] if kids is None else (list(kids) if isinstance(kids, pikepdf.Array) else [kids])
        for kid in kids:
            if isinstance(kid, int):
                node.mcids.append((page, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                node.mcids.append((self._page_of(kid, page), int(kid.MCID)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                continue
            else:
                node.kids.append(self._node(kid, node, page))
        return node

    def _read_content(self):
        """Marked content of each page: MCIDs, text outside any marked content, artifact text."""
        self.content_mcids = []  # per page: MCIDs of BDC operators
        self.unmarked_text = []  # per page: text operators outside any marked content
        self.artifact_text_ops = []  # per page: Counter of text operators in artifacts, by (Type, Subtype)
        self.mcid_owner = {}  # (page, MCID) -> the structure element the tree gives it
        for node in self.document.walk():
            for mcid in node.mcids:
                assert mcid not in self.mcid_owner, f"MCID {mcid} is in the tree twice"
                self.mcid_owner[mcid] = node
        for page in self.pages:
            stack, mcids, unmarked, artifacts = [], [], 0, Counter()
            for operands, operator in pikepdf.parse_content_stream(page):
                name = str(operator)
                if name == "BDC":
                    tag, properties = str(operands[0]), operands[1]
                    if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                        mcids.append(int(properties.MCID))
                    if tag == "/Artifact" and isinstance(properties, pikepdf.Dictionary):
                        kind = tuple(
                            str(properties[key])[1:] if key in properties else None
                            for key in ("/Type", "/Subtype")
                        )
                        stack.append((tag, kind))
                    else:
                        stack.append((tag, None))
                elif name == "BMC":
                    stack.append((str(operands[0]), None))
                elif name == "EMC":
                    stack.pop()
                elif name in ("Tj", "TJ", "'", '"'):
                    if not stack:
                        unmarked += 1
                    elif stack[-1][0] == "/Artifact":
                        artifacts[stack[-1][1]] += 1
            assert not stack, "unbalanced marked content"
            self.content_mcids.append(mcids)
            self.unmarked_text.append(unmarked)
            self.artifact_text_ops.append(artifacts)
        # Text by (page, MCID), and the text painted as artifacts, from pdfplumber.
        self.mcid_text = defaultdict(str)
        self.artifact_text, self.page_text = [], []
        with pdfplumber.open(io.BytesIO(self.data)) as plumber:
            for index, page in enumerate(plumber.pages):
                artifact = []
                for char in page.chars:
                    if char.get("mcid") is not None:
                        self.mcid_text[index, char["mcid"]] += char["text"]
                    elif char.get("tag") == "Artifact":
                        artifact.append(char["text"])
                self.artifact_text.append("".join(artifact))
                self.page_text.append(page.extract_text() or "")

    def text(self, node: Node) -> str:
        return " ".join(self.mcid_text[mcid] for mcid in node.all_mcids())

    def tree_text(self) -> str:
        return self.text(self.document)

    def parent_tree_problems(self) -> list[str]:
        """Every MCID in every page's content must be reached from the ParentTree and the tree."""
        problems = []
        for index, page in enumerate(self.pages):
            mcids = self.content_mcids[index]
            if len(set(mcids)) != len(mcids):
                problems.append(f"page {index + 1}: an MCID is used twice")
            if not mcids:
                continue
            parents = self.parent_tree.get(int(page.obj.StructParents))
            if parents is None:
                problems.append(f"page {index + 1}: no ParentTree entry")
                continue
            for mcid in mcids:
                if mcid >= len(parents) or not isinstance(parents[mcid], pikepdf.Dictionary):
                    problems.append(f"page {index + 1}: MCID {mcid} is not in the ParentTree")
                    continue
                owner = self.mcid_owner.get((index, mcid))
                if owner is None:
                    problems.append(f"page {index + 1}: MCID {mcid} is not in the structure tree")
                elif parents[mcid].objgen != owner.obj.objgen:
                    problems.append(f"page {index + 1}: MCID {mcid}: ParentTree and tree disagree")
        for page, mcid in self.mcid_owner:
            if mcid not in self.content_mcids[page]:
                problems.append(f"page {page + 1}: the tree refers to MCID {mcid}, not on the page")
        return problems


class TableCounter(HTMLParser):
    """For each <table> of some HTML: its row groups, its rows in thead, tbody and tfoot, and its th."""

    def __init__(self, html: str):
        super().__init__()
        self.tables, self.group = [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"thead": 0, "tbody": 0, "tfoot": 0, "th": 0, "groups": Counter()})
        elif tag in ("thead", "tbody", "tfoot"):
            self.group = tag
            self.tables[-1]["groups"][tag] += 1
        elif tag == "tr":
            self.tables[-1][self.group or "tbody"] += 1
        elif tag == "th":
            self.tables[-1]["th"] += 1

    def handle_endtag(self, tag):
        if tag in ("thead", "tbody", "tfoot"):
            self.group = None


def assert_well_tagged(tagged: TaggedPDF, html: str) -> None:
    """What must hold for any report: one Table per HTML table, with all its rows, TH scopes, no orphans."""
    expected = TableCounter(html).tables
    tables = tagged.document.find("Table")
    assert len(tables) == len(expected), "one Table element for each HTML table"
    for table, counts in zip(tables, expected, strict=True):
        groups = Counter(kid.type for kid in table.kids)
        for group, type_ in (("thead", "THead"), ("tbody", "TBody"), ("tfoot", "TFoot")):
            # A table may group its body rows (each action of a plan table is a row group).
            assert groups[type_] == (counts["groups"][group] or (1 if counts[group] else 0)), (
                f"{type_}: {groups}"
            )
            rows = [row for kid in table.kids if kid.type == type_ for row in kid.kids]
            assert [row.type for row in rows] == ["TR"] * counts[group], f"every row of the {group}"
        headers = table.find("TH")
        assert len(headers) == counts["th"], "each th once: repeated header rows are artifacts"
        for th in headers:
            assert th.attribute("/Scope") in ("/Column", "/Row"), "every TH says what it heads"
            assert tagged.ids[str(th.obj.ID)].objgen == th.obj.objgen, "the IDTree finds the TH"
        table_headers = {th.obj.objgen for th in headers}
        for td in table.find("TD"):
            for header in td.obj.A.get("/Headers", []):
                assert tagged.ids[str(header)].objgen in table_headers, "Headers name THs of the table"
        assert not any(node.type == "Table" for node in table.ancestors())
    assert tagged.parent_tree_problems() == []
    assert tagged.unmarked_text == [0] * len(tagged.pages), "text is either tagged or an artifact"
    for node in tagged.document.walk():
        assert node.type != "NonStruct" or node.kids or node.mcids


# The synthetic report -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic():
    html = synthetic_html()
    data, page_count = render(html)
    return html, data, page_count, TaggedPDF(data)


def test_a_table_over_many_pages_is_one_table_with_one_header_and_every_row(synthetic):
    html, _, page_count, tagged = synthetic
    assert page_count >= 4
    table_pages = [index for index, text in enumerate(tagged.page_text) if re.search(r"\bR\d+\b", text)]
    assert len(table_pages) >= 3, "the table spans at least three pages"

    (table,) = tagged.document.find("Table")
    assert [kid.type for kid in table.kids] == ["Caption", "THead", "TBody"]
    _, thead, tbody = table.kids
    (header_row,) = thead.kids
    assert header_row.type == "TR"
    assert [tagged.text(th) for th in header_row.kids] == COLUMN_HEADERS
    assert [th.attribute("/Scope") for th in header_row.kids] == ["/Column"] * 4
    assert len(tbody.kids) == ROWS
    for number, row in enumerate(tbody.kids, start=1):
        assert [cell.type for cell in row.kids] == ["TH", "TD", "TD", "TD"]
        assert tagged.text(row.kids[0]) == f"R{number}"
        assert row.kids[0].attribute("/Scope") == "/Row"
    # The rows come from every page the table is on.
    assert {row.page for row in tbody.kids} == set(table_pages)
    # Headers: a cell points at its row header and its column header.
    row_header_id = str(tbody.kids[99].kids[0].obj.ID)
    column_header_id = str(header_row.kids[2].obj.ID)
    assert [str(header) for header in tbody.kids[99].kids[2].obj.A.Headers] == [
        row_header_id,
        column_header_id,
    ]
    assert_well_tagged(tagged, html)


def test_the_repeated_header_is_an_artifact_read_once_but_seen_on_every_page(synthetic):
    _, _, _, tagged = synthetic
    table_pages = [index for index, text in enumerate(tagged.page_text) if re.search(r"\bR\d+\b", text)]
    tree_text = tagged.tree_text()
    for label in COLUMN_HEADERS:
        assert tree_text.count(label) == 1, f"{label} is read once"
        for index in table_pages:
            assert label in tagged.page_text[index], f"{label} is seen on page {index + 1}"
            if index != table_pages[0]:
                assert label in tagged.artifact_text[index], f"{label} on page {index + 1} is an artifact"
    assert not any(label in tagged.artifact_text[table_pages[0]] for label in COLUMN_HEADERS)
    # In the content streams: /Artifact <</Type /Pagination>> BDC around the repeated header's text.
    for index in table_pages:
        repeated = tagged.artifact_text_ops[index][("Pagination", None)]
        assert repeated == (0 if index == table_pages[0] else len(COLUMN_HEADERS)), f"page {index + 1}"


def test_running_headers_and_footers_are_artifacts(synthetic):
    _, _, page_count, tagged = synthetic
    assert RUNNING_HEADER not in tagged.tree_text()
    assert "Page" not in tagged.tree_text()
    for index in range(page_count):
        # /Artifact <</Type /Pagination /Subtype /Header>> BDC (and /Footer) around the margin text.
        assert tagged.artifact_text_ops[index][("Pagination", "Header")] >= 1
        assert tagged.artifact_text_ops[index][("Pagination", "Footer")] >= 1
        assert RUNNING_HEADER in tagged.artifact_text[index]
        assert f"Page {index + 1} of {page_count}" in tagged.artifact_text[index]
        assert f"Page {index + 1} of {page_count}" in tagged.page_text[index]


def test_every_mcid_is_in_the_parent_tree_and_all_text_is_tagged_or_artifact(synthetic):
    _, _, _, tagged = synthetic
    assert sum(len(mcids) for mcids in tagged.content_mcids) > ROWS * 4
    assert tagged.parent_tree_problems() == []
    assert tagged.unmarked_text == [0] * len(tagged.pages)


def test_sections_paragraphs_and_lists_over_a_page_break_are_one_element_each(synthetic):
    _, _, _, tagged = synthetic
    document = tagged.document
    assert [kid.type for kid in document.kids] == ["H1", "Sect", "H2", "P"]
    (section,) = document.find("Sect")
    # WeasyPrint has no PDF tag for <figure>: NonStruct, around the Figure (the SVG) and its Caption.
    assert [kid.type for kid in section.kids] == ["H2", "P", "NonStruct", "Table", "P", "L"]
    assert [kid.type for kid in section.kids[2].kids] == ["Figure", "Caption"]
    heading = section.kids[0]
    assert tagged.text(heading) == "1. The long section"
    assert not any(node.type == "Table" for node in heading.ancestors())
    for h2 in document.find("H2"):
        assert not any(node.type == "Table" for node in h2.ancestors())

    long_paragraph, bullets = section.kids[4], section.kids[5]
    paragraph_pages = {page for page, _ in long_paragraph.all_mcids()}
    assert len(paragraph_pages) >= 2, "the paragraph crosses a page break"
    assert tagged.text(long_paragraph).count("Sentence") == 130
    list_pages = {page for page, _ in bullets.all_mcids()}
    assert len(list_pages) >= 2, "the list crosses a page break"
    assert [item.type for item in bullets.kids] == ["LI"] * 90
    for item in bullets.kids:
        assert [kid.type for kid in item.kids] == ["Lbl", "LBody"]
    section_pages = {page for page, _ in section.all_mcids()}
    assert len(section_pages) >= 4, "the section crosses several page breaks"


def test_pdfplumber_reads_the_same_tree(synthetic):
    _, data, _, _ = synthetic
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        tree = pdf.structure_tree

    def walk(elements):
        for element in elements:
            yield element
            yield from walk(element.get("children", []))

    elements = list(walk(tree))
    types = Counter(element["type"] for element in elements)
    assert types["Table"] == 1 and types["THead"] == 1 and types["TBody"] == 1 and types["Sect"] == 1
    assert types["TR"] == ROWS + 1
    scopes = Counter(element["attributes"].get("Scope") for element in elements if element["type"] == "TH")
    assert scopes == {"Column": len(COLUMN_HEADERS), "Row": ROWS}


def test_links_figures_bookmarks_language_and_text_are_kept(synthetic):
    _, data, page_count, tagged = synthetic
    (link,) = tagged.document.find("Link")
    objr = [kid for kid in link.obj.K if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"]
    assert len(objr) == 1
    annotation = objr[0].Obj
    assert annotation.Subtype == "/Link"
    assert tagged.parent_tree[int(annotation.StructParent)].objgen == link.obj.objgen
    assert tagged.text(link) == "a link to the council"

    (figure,) = tagged.document.find("Figure")
    assert str(figure.obj.Alt) == "Chart of the things"
    assert figure.attribute("/BBox") is not None

    root = tagged.pdf.Root
    assert str(root.Lang) == "en-GB"
    assert bool(root.MarkInfo.Marked)

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == page_count
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "R150" in text and "Bullet 89" in text and "Alphacolumn" in text
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    nested = [item.title for group in reader.outline if isinstance(group, list) for item in group]
    assert titles == ["Synthetic report"]
    assert nested == ["1. The long section", "2. After the section"]


def test_a_repeated_table_footer_and_a_fixed_box_are_tagged_once():
    html = synthetic_html(footer=True, fixed=True)
    data, page_count = render(html)
    tagged = TaggedPDF(data)
    assert_well_tagged(tagged, html)
    (table,) = tagged.document.find("Table")
    assert [kid.type for kid in table.kids] == ["Caption", "THead", "TBody", "TFoot"]
    (footer_row,) = table.kids[3].kids
    footer_th, footer_td = footer_row.kids
    assert footer_th.attribute("/Scope") == "/Row"
    # ColSpan, and Headers: the row header, then the headers of the three columns it spans.
    assert int(footer_td.obj.A.ColSpan) == 3
    column_ids = [str(th.obj.ID) for th in table.kids[1].find("TH")][1:]
    assert [str(header) for header in footer_td.obj.A.Headers] == [str(footer_th.obj.ID), *column_ids]
    tree_text = tagged.tree_text()
    assert tree_text.count("Footnotecell") == 1
    assert tree_text.count("Fixedbox") == 1
    footer_pages = [index for index, text in enumerate(tagged.page_text) if "Footnotecell" in text]
    assert len(footer_pages) >= 3
    assert sum("Footnotecell" in text for text in tagged.artifact_text) == len(footer_pages) - 1
    assert sum("Fixedbox" in text for text in tagged.page_text) == page_count
    assert sum("Fixedbox" in text for text in tagged.artifact_text) == page_count - 1


# The real report pipeline -----------------------------------------------------------------


# Guarding against WeasyPrint changing under us ------------------------------------------------


def test_the_weasyprint_sources_we_copy_and_patch_have_not_changed():
    """If this fails, WeasyPrint changed: re-read tagging.py's docstring, adapt it, then update the hashes."""
    assert weasyprint.__version__ == tagging.WEASYPRINT_VERSION
    assert tagging.source_hashes() == tagging.WEASYPRINT_SOURCES


def test_the_patch_is_gone_after_the_render_and_other_threads_get_weasyprints_own_tagger():
    original = (weasyprint_pdf.add_tags, weasyprint_pdf.Stream)
    html = synthetic_html(rows=60)
    ours, theirs = (HTML(string=html).render(**rendering.PDF_OPTIONS) for _ in range(2))
    results = {}
    with tagging.tagging(ours):
        assert weasyprint_pdf.add_tags is not original[0], "installed while our render runs"
        # Another thread rendering meanwhile gets WeasyPrint's own tagger, untouched.
        other = threading.Thread(
            target=lambda: results.update(theirs=theirs.write_pdf(**rendering.PDF_OPTIONS))
        )
        other.start()
        other.join()
        results["ours"] = ours.write_pdf(**rendering.PDF_OPTIONS)
    assert (weasyprint_pdf.add_tags, weasyprint_pdf.Stream) == original, "and gone after it"
    assert len(TaggedPDF(results["ours"]).document.find("Table")) == 1
    assert len(TaggedPDF(results["theirs"]).document.find("Table")) == 2, "WeasyPrint's: one per page"
    # And without the context, WeasyPrint's own again.
    assert len(TaggedPDF(ours.write_pdf(**rendering.PDF_OPTIONS)).document.find("Table")) == 2
