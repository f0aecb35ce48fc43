"""The PDF structure tree of our committee reports, built right for WeasyPrint 70.

WeasyPrint 70's own tagger (``weasyprint.pdf.tags.add_tags``) builds the structure tree
page by page, so a table, section, paragraph or list that crosses a page break becomes
one structure element per page; the header rows it repeats on every page of a long table
are tagged again as real content each time; no TH says what it heads (``/Scope``); and
the text of the page margins (running title, marking, "Page X of Y") gets marked-content
ids that the tree never refers to. A screen reader then reads the column headings on
every page and announces a new table at every page break.

What this module does instead, for the length of one ``write_pdf`` call:

* ``weasyprint.pdf.Stream`` (the page content stream) is replaced by a subclass whose
  ``marked`` writes ``/Artifact <</Type /Pagination ...>> BDC`` instead of
  ``/Span <</MCID n>> BDC`` for page furniture: everything in the margin boxes, the copies
  of a table's header (and footer) rows that layout repeats on continuation pages, and
  the copies of ``position: fixed`` boxes on pages after the first. These get no MCID at
  all, so nothing can be left unreferenced. Which boxes those are is worked out before
  painting, from the laid-out pages (``_find_artifacts``): a table's header group
  (``is_header``, set for ``display: table-header-group``) is real content the first
  time that table's header is laid out and furniture every time after.
* ``weasyprint.pdf.add_tags`` is replaced by ``_add_tags``, a modified copy of WeasyPrint's
  (same PDF tags, Figure Alt from the SVG <title> or alt, links and widgets with their
  OBJR and StructParent, ColSpan/RowSpan, Headers, Lang, MarkInfo) that keys structure
  elements by HTML element, so a table, section, paragraph or list that spans pages is
  ONE structure element whose kids come from several pages. Text keeps WeasyPrint's leaf
  element per text box, which carries its own /Pg; an MCID put straight into an element
  (links, images) from another page than the element's /Pg is written as an MCR with its
  own /Pg. Anonymous boxes (the ones layout makes around runs of text) add no element of
  their own (WeasyPrint made them NonStruct, or a Sect inside the Sect) except the LBody
  of a list item; nor does a div directly in a list (<dl><div><dt>…), so that an L holds
  LIs; empty NonStruct/Span/Div elements (a <br>) are left out. Every TH gets ``/Scope``:
  from the HTML ``scope`` attribute, else Column in thead/tfoot or in a row of only th,
  Row otherwise; Headers (row headers, then column headers) are worked out once per
  table, across all its pages, and the TH IDs they name are in the StructTreeRoot's
  IDTree (WeasyPrint wrote IDs without one); a repeated tfoot is tagged once, as the
  table's last kid.

Why patch rather than post-process the finished PDF with pikepdf: once the PDF is written
nothing says which MCID came from which HTML element or which rows are repeats; we would
have to guess from text and geometry. WeasyPrint knows it exactly at the two points we
hook, and hooking costs nothing extra (the PDF is still written once). The price is that
we depend on WeasyPrint internals: the names ``Stream`` and ``add_tags`` in
``weasyprint.pdf``, ``Stream.marked``/``clone``, the box classes, and the shape of
``generate_pdf``. ``WEASYPRINT_SOURCES`` holds hashes of the sources we copied from or rely
on; tests/test_pdf_tags.py fails when any of them changes (say on a WeasyPrint upgrade),
and the structure tests fail if the behaviour does. Re-read them, adapt, update the hashes.

The swap is installed only while one of our renders runs (reference-counted under a
lock), and the replacements act only in a thread inside ``write_pdf`` below
(thread-local state): any other thread rendering at the same moment gets WeasyPrint's
own behaviour. Use it as ``pdf = tagging.write_pdf(document, **PDF_OPTIONS)``.

Left as WeasyPrint does it: text drawn inside a transparency group (``opacity`` below 1)
is marked in a Form XObject but numbered as page content; <figure> has no PDF tag
(NonStruct around the SVG's Figure and the figcaption's Caption); <strong>, <em> and the
like are NonStruct (PDF 1.7 has no tags for them).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import logging
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

import pydyf
import weasyprint
import weasyprint.pdf as weasyprint_pdf
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf import stream as weasyprint_stream
from weasyprint.pdf import tags as weasyprint_tags
from weasyprint.pdf.tags import _get_pdf_tag

logger = logging.getLogger(__name__)

WEASYPRINT_VERSION = "70.0"
# sha256 of the WeasyPrint sources this module copies from or depends on (see the docstring).
WEASYPRINT_SOURCES = {
    # What _add_tags is a modified copy of, and the tag names it reuses.
    "weasyprint.pdf.tags.add_tags": "f0e74575b0bafaf36458eaac27874e3b80457fba3694058153da514a68933f22",
    "weasyprint.pdf.tags._build_box_tree": "f716251a83e7096e9cae972b63e633aab21c664d200582166dd0d5096780f9c4",
    "weasyprint.pdf.tags._get_pdf_tag": "882707358f7c439269e92dd4184a2e1eb4c5df6e9783cfc9015914fe3a909294",
    # Where marked content is written, and by whom.
    "weasyprint.pdf.stream.Stream.marked": "3fa3acacbbf66422e7b0de4346b6eaf638657280a0f62c73172e3c445b888692",
    "weasyprint.pdf.stream.Stream.clone": "a4f89c7ab7de235c0f1ef8fbd6108fb5db26ec9d4cce7e1758171e9e4e7a26ff",
    "weasyprint.draw.draw_inline_level": "068162a401d00efd3bc23a37df12a1c743cd8958cdbf4f03960a777760b1e01c",
    "weasyprint.draw.draw_block_level": "3de9ec3ad4aaad3c11a93368dc0b5767740a425c5b46195b3e6f7cf3f8ce648d",
    # Where Stream and add_tags are called (one Stream per page, in page order).
    "weasyprint.pdf.generate_pdf": "626343ef25c396e8521948cadbe2b7544331c161040da80ed4e338fadac3efa9",
    # How table headers are marked and repeated, and fixed boxes copied onto every page.
    "weasyprint.formatting_structure.build.wrap_table": "553a9b0e8a111fe0af4b0aeca4e681ebd329b9f61222725a430190e940e7e252",
    "weasyprint.layout.table.table_layout": "6594fa40743fbc0bd49b2ba12682897bfa86b75b7f6f1e395d8ba947b0641376",
    "weasyprint.layout.layout_fixed_boxes": "5c62b9c0838af971067953b7c6b2d32c1556d2f020f57ff867738064534d7b33",
    "weasyprint.layout.absolute.AbsolutePlaceholder": "336e26c56311f1051105da84865f88b49213503068d3f8133810805a3597a6f8",
}

# Property lists of the artifacts we write instead of marked content.
PAGE_HEADER = pydyf.Dictionary({"Type": "/Pagination", "Subtype": "/Header"})
PAGE_FOOTER = pydyf.Dictionary({"Type": "/Pagination", "Subtype": "/Footer"})
PAGINATION = pydyf.Dictionary({"Type": "/Pagination"})

# Structure types that say nothing without content, left out of the tree when empty.
PRUNABLE = frozenset({"NonStruct", "Span", "Div"})

_ORIGINAL_ADD_TAGS = weasyprint_pdf.add_tags
_ORIGINAL_STREAM = weasyprint_pdf.Stream


def source_hashes() -> dict[str, str]:
    """The current sha256 of each source named in WEASYPRINT_SOURCES."""
    hashes = {}
    for name in WEASYPRINT_SOURCES:
        parts = name.split(".")
        for split in range(len(parts) - 1, 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            break
        for attribute in parts[split:]:
            obj = getattr(obj, attribute)
        hashes[name] = hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()
    return hashes


# Using it ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Continuation:
    """A document that continues a table begun in an earlier document (a long report rendered in parts,
    see rendering.py). Its first table's repeated header is page furniture from its first page on; that
    table's cells name the earlier document's column headers (``column_headers``: the IDs of the THs
    heading each column, by column); and the IDs it gives its own THs start with ``id_prefix``, so that
    they stay unique when the parts are merged (merging.py)."""

    column_headers: dict[int, list[str]] = field(default_factory=dict)
    id_prefix: str = ""


def write_pdf(document, target=None, *, continuation: Continuation | None = None, **options):
    """``document.write_pdf(target, **options)``, with our structure tree and artifacts.

    ``continuation``: the document continues a table from an earlier part (see ``Continuation``)."""
    if weasyprint.__version__ != WEASYPRINT_VERSION:
        logger.warning(
            "bromley_portal.reports.tagging was written for WeasyPrint %s, not %s: check it",
            WEASYPRINT_VERSION,
            weasyprint.__version__,
        )
    with tagging(document, continuation):
        return document.write_pdf(target, **options)


_local = threading.local()
_install_lock = threading.Lock()
_install_count = 0


@dataclass
class _State:
    page_artifacts: list[dict]
    continuation: Continuation | None = None
    next_page: int = 0


@contextmanager
def tagging(document, continuation: Continuation | None = None):
    """Within this block, this thread's ``document.write_pdf`` uses our tagger."""
    global _install_count
    if getattr(_local, "state", None) is not None:
        raise RuntimeError("tagging() is already active in this thread")
    state = _State(
        page_artifacts=_find_artifacts(document.pages, continued=continuation is not None),
        continuation=continuation,
    )
    with _install_lock:
        if _install_count == 0:
            weasyprint_pdf.add_tags = _add_tags_dispatch
            weasyprint_pdf.Stream = _stream_dispatch
        _install_count += 1
    _local.state = state
    try:
        yield
    finally:
        _local.state = None
        with _install_lock:
            _install_count -= 1
            if _install_count == 0:
                weasyprint_pdf.add_tags = _ORIGINAL_ADD_TAGS
                weasyprint_pdf.Stream = _ORIGINAL_STREAM


def _stream_dispatch(*args, **kwargs):
    """Stands for weasyprint.pdf.Stream: generate_pdf makes one per page, in page order."""
    state = getattr(_local, "state", None)
    if state is None:
        return _ORIGINAL_STREAM(*args, **kwargs)
    stream = TaggingStream(*args, **kwargs)
    stream._artifacts = state.page_artifacts[state.next_page]
    state.next_page += 1
    return stream


def _add_tags_dispatch(pdf, document, pdf_version, page_streams):
    state = getattr(_local, "state", None)
    if state is None:
        return _ORIGINAL_ADD_TAGS(pdf, document, pdf_version, page_streams)
    if state.next_page != len(page_streams) or len(page_streams) != len(state.page_artifacts):
        raise RuntimeError("WeasyPrint painted other pages than the tagger expected")
    return _add_tags(pdf, document, pdf_version, page_streams, state.page_artifacts, state.continuation)


class TaggingStream(weasyprint_stream.Stream):
    """A page's content stream that writes page furniture as artifacts."""

    _artifacts: dict = {}

    @contextmanager
    def marked(self, box, tag):
        artifact = self._artifacts.get(box) if self._tags is not None else None
        if artifact is None:
            with super().marked(box, tag):
                yield
            return
        self.begin_marked_content("Artifact", artifact)
        try:
            yield
        finally:
            self.end_marked_content()

    def clone(self, **kwargs):
        # Groups and patterns (opacity, backgrounds) are drawn in clones: keep the artifacts.
        clone = super().clone(**kwargs)
        clone.__class__ = type(self)
        clone._artifacts = self._artifacts
        return clone


# Page furniture ------------------------------------------------------------------------


def _find_artifacts(pages, *, continued: bool = False) -> list[dict]:
    """For each page, the boxes to paint as artifacts, with their property list. ``continued``: the
    document's first table continues one from an earlier document, so its header is furniture throughout."""
    headers_seen, footers_seen, fixed_seen = set(), set(), set()
    first_table = [continued]
    page_artifacts = []
    for page in pages:
        artifacts = {}

        def furniture(box, properties, artifacts=artifacts):
            for descendant in _descendants(box):
                artifacts[descendant] = properties

        def walk(box, artifacts=artifacts):
            if isinstance(box, AbsolutePlaceholder):
                box = box._box
            if box.style["position"] == "fixed" and box.element is not None:
                key = (box.element, box.element_tag)
                if key in fixed_seen:
                    furniture(box, PAGINATION)
                    return
                fixed_seen.add(key)
            if isinstance(box, boxes.TableBox) and box.children:
                first, last = box.children[0], box.children[-1]
                if getattr(first, "is_header", False):
                    if first_table[0] and box.element not in headers_seen:
                        headers_seen.add(box.element)  # continued: seen in the earlier part
                    first_table[0] = False
                    if box.element in headers_seen:
                        furniture(first, PAGINATION)
                    headers_seen.add(box.element)
                if getattr(last, "is_footer", False):
                    if box.element in footers_seen:
                        furniture(last, PAGINATION)
                    footers_seen.add(box.element)
            if isinstance(box, boxes.ParentBox):
                for child in box.children:
                    if child not in artifacts:
                        walk(child)

        for child in page._page_box.children:
            if isinstance(child, boxes.MarginBox):
                furniture(child, PAGE_FOOTER if child.at_keyword.startswith("@bottom") else PAGE_HEADER)
            else:
                walk(child)
        page_artifacts.append(artifacts)
    return page_artifacts


def _descendants(box):
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    yield box
    if isinstance(box, boxes.ParentBox):
        for child in box.children:
            yield from _descendants(child)


# The structure tree --------------------------------------------------------------------


@dataclass
class _Cell:
    element: pydyf.Dictionary
    is_th: bool
    scope: str | None
    grid_x: int
    colspan: int
    rowspan: int


@dataclass
class _Group:
    kind: str  # thead, tbody or tfoot
    rows: list[list[_Cell]] = field(default_factory=list)


@dataclass
class _Table:
    element: pydyf.Dictionary
    groups: list[_Group] = field(default_factory=list)
    footers: list[pydyf.Dictionary] = field(default_factory=list)


@dataclass
class _Context:
    """Where a box sits in the table it belongs to, if any."""

    table: _Table | None = None
    group: _Group | None = None
    row: list[_Cell] | None = None


NO_TABLE = _Context()


def _add_tags(pdf, document, pdf_version, page_streams, page_artifacts, continuation=None):
    """Add tag tree to the document (weasyprint.pdf.tags.add_tags, element by element)."""

    # Add root structure.
    content_mapping = pydyf.Dictionary({})
    pdf.add_object(content_mapping)
    structure_root = pydyf.Dictionary(
        {
            "Type": "/StructTreeRoot",
            "ParentTree": content_mapping.reference,
        }
    )
    pdf.add_object(structure_root)
    structure_document = pydyf.Dictionary(
        {
            "Type": "/StructElem",
            "S": "/Document",
            "K": pydyf.Array(),
            "P": structure_root.reference,
        }
    )
    pdf.add_object(structure_document)
    structure_root["K"] = pydyf.Array([structure_document.reference])
    pdf.catalog["StructTreeRoot"] = structure_root.reference

    # Add namespace for PDF 2.
    if str(pdf_version) >= "2.0":  # Cast for bytes and None
        namespace = pydyf.Dictionary(
            {
                "Type": "/Namespace",
                "NS": pydyf.String("http://iso.org/pdf2/ssn"),
            }
        )
        pdf.add_object(namespace)
        structure_root["Namespaces"] = pydyf.Array([namespace.reference])
        structure_document["NS"] = namespace.reference

    # Map content.
    tagger = _Tagger(pdf)
    content_mapping["Nums"] = pydyf.Array()
    for page_number, (page, stream) in enumerate(zip(document.pages, page_streams, strict=True)):
        tags = stream._tags
        tagger.start_page(page_number, tags, page_artifacts[page_number])

        # Map page box content.
        for element in tagger.build(page._page_box, structure_document, None, NO_TABLE):
            structure_document["K"].append(element.reference)
        if tags:
            # Marked content the tree does not reach: should not happen, but never leave it orphaned.
            logger.error(
                "%d marked-content sequence(s) on page %d are not in the structure tree",
                len(tags),
                page_number + 1,
            )
            for kid in sorted(tags.values(), key=lambda kid: kid["mcid"]):
                element = tagger.new_element("NonStruct", structure_document)
                element["K"].append(kid["mcid"])
                tagger.nums[kid["mcid"]] = element.reference
                structure_document["K"].append(element.reference)
            tags.clear()

        # Prepare array for this page’s MCID-to-StructElem mapping (MCIDs count from 0
        # without gaps: artifacts take none).
        parents = [b"null"] * (max(tagger.nums, default=-1) + 1)
        for mcid, reference in tagger.nums.items():
            parents[mcid] = reference
        content_mapping["Nums"].append(page_number)
        content_mapping["Nums"].append(pydyf.Array(parents))

    ids = tagger.finish_tables(continuation)
    tagger.prune()
    if ids:
        # Headers name THs by ID: the IDs must be in the IDTree (WeasyPrint has none).
        names = pydyf.Array()
        for name, reference in sorted(ids):
            names.extend((pydyf.String(name), reference))
        structure_root["IDTree"] = pydyf.Dictionary({"Names": names})

    # Add annotations for links and widgets.
    start = len(document.pages)
    for i, (reference, annotation) in enumerate(tagger.annotations, start=start):
        content_mapping["Nums"].append(i)
        content_mapping["Nums"].append(reference)
        annotation["StructParent"] = i

    # Add required metadata.
    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
    pdf.catalog["MarkInfo"] = pydyf.Dictionary({"Marked": "true"})
    if "Lang" not in pdf.catalog:
        weasyprint_tags.LOGGER.error('Missing required "lang" attribute at the root of the document')
        pdf.catalog["Lang"] = pydyf.String()


class _Tagger:
    def __init__(self, pdf):
        self.pdf = pdf
        self.page_references = pdf.page_references  # a property that builds a tuple: once
        self.elements = {}  # (HTML element, element tag, role) -> structure element
        self.tables = []
        self.table_of = {}  # id(Table structure element) -> _Table
        self.group_of = {}  # id(THead/TBody/TFoot element) -> _Group
        self.row_of = {}  # id(TR element) -> its cells
        self.annotations = []
        self.prunable = []  # (element, parent) for elements that mean nothing when empty

    def start_page(self, page_number, tags, artifacts):
        self.page = self.page_references[page_number]
        self.tags = tags
        self.artifacts = artifacts
        self.nums = {}

    def new_element(self, tag, parent, key=None, *, leaf=False):
        element = pydyf.Dictionary(
            {
                "Type": "/StructElem",
                "S": f"/{tag}",
                "K": pydyf.Array([]),
                "Pg": self.page,
                "P": parent.reference,
            }
        )
        self.pdf.add_object(element)
        if key is not None:
            self.elements[key] = element
        if tag in PRUNABLE and not leaf:
            self.prunable.append((element, parent))
        return element

    def element_for(self, key, tag, parent):
        """The element for this HTML element (and role), and whether it is new.

        A box continues the element made for an earlier box of the same HTML element when
        that was on an earlier page (the element was split by a page break), or when it
        is still the parent's last kid (an inline split over lines). Otherwise, as in
        WeasyPrint, it gets a new element: an inline split around a block, say.
        """
        element = self.elements.get(key)
        if element is not None and (
            element["Pg"] != self.page or (parent["K"] and parent["K"][-1] == element.reference)
        ):
            return element, False
        return self.new_element(tag, parent, key), True

    def add_mcid(self, element, mcid):
        """An MCID as a kid of ``element``: an MCR when the element belongs to another page."""
        if element["Pg"] == self.page:
            element["K"].append(mcid)
        else:
            element["K"].append(pydyf.Dictionary({"Type": "/MCR", "Pg": self.page, "MCID": mcid}))
        assert mcid not in self.nums
        self.nums[mcid] = element.reference

    def build(self, box, parent, parent_box, context):
        """Build the tree for ``box`` under ``parent``; yield the elements made for it, new ones only."""

        # Special case for absolute elements.
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if box in self.artifacts:
            return

        element_tag = None if box.element is None else box.element_tag
        tag = _get_pdf_tag(element_tag)
        key = (box.element, element_tag, tag)
        # Anonymous boxes share their parent's element: they get no element of their own.
        # Nor does a div in a list (<dl><div><dt>...): a list holds list items.
        anonymous = (
            box.element is None
            or (
                parent_box is not None
                and box.element is parent_box.element
                and box.element_tag == parent_box.element_tag
            )
            or (tag == "Div" and parent["S"] == "/L")
        )

        # Handle special cases.
        if element_tag in ("html", "body") or isinstance(box, boxes.PageBox):
            # Avoid generate page, html and body boxes as a semantic node, yield children.
            if isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.LineBox):
                for child in box.children:
                    yield from self.build(child, parent, box, context)
                return
        elif isinstance(box, boxes.MarginBox):
            # Page furniture: painted as artifacts, see _find_artifacts.
            return
        elif tag == "LI":
            # Ignore anonymous blocks created for lists and bullets.
            anonymous_list_element = parent["S"] == "/LI"
            anonymous_li_child = parent["S"] == "/LBody"
            dl_item = box.element_tag in ("dt", "dd")
            no_bullet_li = box.element_tag == "li" and (
                "list-item" not in box.style["display"] or box.style["list_style_type"] == "none"
            )
            if anonymous_list_element:
                # Store as list item body.
                tag, key, anonymous = "LBody", (box.element, element_tag, "LBody"), False
            elif anonymous_li_child:
                # Store as non struct list item body child.
                anonymous = True
            elif dl_item or no_bullet_li:
                # Wrap in list item.
                item, new = self.element_for((box.element, element_tag, "LI"), "LI", parent)
                child_index = len(item["K"])
                children = [element.reference for element in self.build(box, item, parent_box, context)]
                item["K"][child_index:child_index] = children
                if new:
                    yield item
                return

        if anonymous:
            # No element of its own: its children go into the parent.
            self.build_children(box, box, parent, parent, context)
            return

        # Create box element.
        element, new = self.element_for(key, tag, parent)

        # Handle special cases.
        children_of = box
        if tag == "Figure" and new:
            # Add extra data for images.
            x1, y1 = box.content_box_x(), box.content_box_y()
            x2, y2 = x1 + box.width, y1 + box.height
            element["A"] = pydyf.Dictionary(
                {
                    "O": "/Layout",
                    "BBox": pydyf.Array((x1, y1, x2, y2)),
                }
            )
            # Add alternate text for images/figures.
            # If it's an SVG element, we look for the <title> element inside.
            # Otherwise, we revert to the "alt" attribute if its not an SVG.
            if box.element.tag == "{http://www.w3.org/2000/svg}svg":
                title_elem = box.element.find("{http://www.w3.org/2000/svg}title")
                if title_elem is not None and title_elem.text:
                    element["Alt"] = pydyf.String(title_elem.text)
            elif alt := box.element.attrib.get("alt"):
                element["Alt"] = pydyf.String(alt)
            else:
                source = box.element.attrib.get("src", "unknown")
                weasyprint_tags.LOGGER.error('Image "%s" has no required alt description', source)
        elif tag == "Table":
            # Use wrapped table as tagged box, and put captions in it.
            if new:
                table = _Table(element)
                self.tables.append(table)
                self.table_of[id(element)] = table
            context = _Context(self.table_of.get(id(element)))
            if box.is_table_wrapper:
                # Can be false if table has another display type.
                wrapped = box.get_wrapped_table()
                if wrapped:
                    children_of = _TableChildren(box, wrapped)
        elif tag in ("THead", "TBody", "TFoot"):
            if new and context.table is not None:
                group = _Group(element_tag)
                context.table.groups.append(group)
                self.group_of[id(element)] = group
                if tag == "TFoot":
                    context.table.footers.append(element)
            context = _Context(context.table, self.group_of.get(id(element)))
        elif tag == "TR":
            if new and context.group is not None:
                row = []
                context.group.rows.append(row)
                self.row_of[id(element)] = row
            context = _Context(context.table, context.group, self.row_of.get(id(element)))
        elif tag in ("TH", "TD") and new:
            element["A"] = pydyf.Dictionary({"O": "/Table"})
            if box.colspan != 1:
                element["A"]["ColSpan"] = box.colspan
            if box.rowspan != 1:
                element["A"]["RowSpan"] = box.rowspan
            if context.row is not None:
                context.row.append(
                    _Cell(
                        element,
                        is_th=tag == "TH",
                        scope=box.element.get("scope"),
                        grid_x=getattr(box, "grid_x", 0),
                        colspan=box.colspan,
                        rowspan=box.rowspan,
                    )
                )

        # Include link annotations.
        if box.link_annotation:
            annotation = box.link_annotation
            object_reference = pydyf.Dictionary(
                {
                    "Type": "/OBJR",
                    "Obj": annotation.reference,
                    "Pg": self.page,
                }
            )
            self.pdf.add_object(object_reference)
            self.annotations.append((element.reference, annotation))
            element["K"].append(object_reference.reference)

        # Include widget annotations.
        if box.widget_annotation:
            annotation = box.widget_annotation
            object_reference = pydyf.Dictionary(
                {
                    "Type": "/OBJR",
                    "Obj": annotation.reference,
                    "Pg": self.page,
                }
            )
            self.pdf.add_object(object_reference)
            form_element = self.new_element("Form", element)
            form_element["K"].append(object_reference.reference)
            self.annotations.append((form_element.reference, annotation))
            element["K"].append(form_element.reference)

        # Build tree for box children.
        self.build_children(children_of, box, element, parent, context)

        if isinstance(box, boxes.ReplacedBox):
            # Add replaced box.
            kid = self.tags.pop(box, None)
            if kid is not None:
                self.add_mcid(element, kid["mcid"])

        if new:
            yield element

    def build_children(self, box, parent_box, element, parent, context):
        """Build the tree for the children of ``box`` into ``element`` (nested lists: ``parent``)."""
        for box_child in box.children:
            children = box_child.children if isinstance(box_child, boxes.LineBox) else [box_child]
            for child in children:
                if isinstance(child, boxes.TextBox):
                    # Add marked element from the stream.
                    kid = self.tags.pop(child, None)
                    if kid is None:
                        continue  # an artifact, or text WeasyPrint does not mark
                    if element["S"] == "/Link":
                        # Associate MCID directly with link reference.
                        self.add_mcid(element, kid["mcid"])
                    else:
                        kid_element = self.new_element(kid["tag"], element, leaf=True)
                        kid_element["K"].append(kid["mcid"])
                        element["K"].append(kid_element.reference)
                        self.nums[kid["mcid"]] = kid_element.reference
                else:
                    # Recursively build tree for child.
                    if child.element_tag in ("ul", "ol") and element["S"] == "/LI":
                        # In PDFs, nested lists are linked to the parent list, but in
                        # HTML, nested lists are linked to a parent’s list item.
                        child_parent = parent
                    else:
                        child_parent = element
                    # Keep the current number of parent children, so that we can add the
                    # new children before the possible grandchildren, for example for
                    # lists.
                    child_index = len(child_parent["K"])
                    child_elements = self.build(child, child_parent, parent_box, context)
                    child_parent["K"][child_index:child_index] = [
                        element.reference for element in child_elements
                    ]

    def prune(self):
        """Take empty NonStruct, Span and Div elements (from <br>, say) out of the tree."""
        for element, parent in reversed(self.prunable):  # children before their parents
            if not element["K"]:
                parent["K"].remove(element.reference)

    def finish_tables(self, continuation=None):
        """Scope and ID on every TH, Headers on every TD, TFoot last: once per table, all pages known.
        A continued table's cells also name the earlier part's column headers (``Continuation``).

        Returns the IDs given, with their elements, for the structure tree root's IDTree.
        """
        ids = []
        prefix = continuation.id_prefix if continuation else ""
        for number, table in enumerate(self.tables):
            column_headers = defaultdict(list)
            if continuation and number == 0:
                for column, names in continuation.column_headers.items():
                    column_headers[column].extend(pydyf.String(name) for name in names)
            row_headers = {}
            for group in table.groups:
                for row_index, row in enumerate(group.rows):
                    only_headers = all(cell.is_th for cell in row)
                    for cell in row:
                        if not cell.is_th:
                            continue
                        scope = _scope(cell, group.kind, only_headers)
                        cell.element["A"]["Scope"] = f"/{scope}"
                        name = f"{prefix}{table.element.number}-{cell.element.number}"
                        identifier = pydyf.String(name)
                        cell.element["ID"] = identifier
                        ids.append((name, cell.element.reference))
                        if scope == "Row":
                            last = _span_end(row_index, cell.rowspan, len(group.rows))
                            for index in range(row_index, last):
                                row_headers.setdefault((id(group), index), []).append(identifier)
                        else:
                            for column in range(cell.grid_x, cell.grid_x + cell.colspan):
                                column_headers[column].append(identifier)
            for group in table.groups:
                for row_index, row in enumerate(group.rows):
                    for cell in row:
                        if cell.is_th:
                            continue
                        last = _span_end(row_index, cell.rowspan, len(group.rows))
                        headers = [
                            header
                            for index in range(row_index, last)
                            for header in row_headers.get((id(group), index), ())
                        ]
                        headers += [
                            header
                            for column in range(cell.grid_x, cell.grid_x + cell.colspan)
                            for header in column_headers[column]
                        ]
                        cell.element["A"]["Headers"] = pydyf.Array(headers)
            # A footer repeated on every page is tagged where it first appeared (on the
            # table's first page, before later row groups): it goes last.
            if table.footers:
                footers = [footer.reference for footer in table.footers]
                kids = table.element["K"]
                kids[:] = [kid for kid in kids if kid not in footers] + [
                    kid for kid in kids if kid in footers
                ]
        return ids


class _TableChildren:
    """A table wrapper's children with the wrapped table's own children in its place."""

    def __init__(self, wrapper, table):
        self.children = []
        for child in wrapper.children:
            self.children.extend(child.children if child is table else [child])


def _scope(cell: _Cell, group_kind: str, only_headers: bool) -> str:
    scope = (cell.scope or "").strip().lower()
    if scope in ("col", "colgroup"):
        return "Column"
    if scope in ("row", "rowgroup"):
        return "Row"
    if group_kind in ("thead", "tfoot") or only_headers:
        return "Column"
    return "Row"


def _span_end(row_index: int, rowspan: int, row_count: int) -> int:
    # rowspan="0" spans to the end of the row group.
    return row_count if rowspan == 0 else min(row_index + max(rowspan, 1), row_count)
