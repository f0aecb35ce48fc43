"""Tagged PDFs merged into one, keeping their structure trees, bookmarks and page numbers.

A report too long to lay out in one pass within the worker's memory is rendered in parts
(rendering.py): the first part is the report as far as a long table's first rows, and each later part
continues that table (``tagging.Continuation``). WeasyPrint frees each part's layout before the next is
laid out, so the worker's peak memory is one part's, however long the report.

``merge`` puts the parts back together with pikepdf (qpdf), as one tagged PDF:

* the pages in order, each keeping its content, links and ``/StructParents``, renumbered so that the
  merged ``ParentTree`` maps every marked-content id and link to its structure element;
* the structure trees: a continued table's row groups join the first part's table, so a screen reader
  meets ONE table, its cells naming the first part's column headers (tagging.py gives them those IDs);
  what follows the table goes on in the document; the IDs (THs) are gathered into one ``IDTree``;
* the bookmarks of every part, pointing at the merged pages;
* "Page X of Y" on every page, which no part can print because no part knows Y: each part is laid out
  without it (``NO_PAGE_NUMBER_CSS``) and ``number_pages`` stamps it afterwards in the report's own
  footer style, drawn by WeasyPrint (so in the report's embedded font) and marked as a pagination
  artifact, as WeasyPrint's own footer is.

The catalogue (language, title display, mark info, XMP metadata with its PDF/UA identification) is the
first part's.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import pikepdf

# Laid into each part: its footer without the page number, which number_pages stamps once Y is known.
NO_PAGE_NUMBER_CSS = "@page { @bottom-right { content: none; } }"


def merge(parts: list[bytes], page_numbers: bytes | None = None) -> bytes:
    """A report's parts as one tagged PDF, each later part continuing the first's last table.
    ``page_numbers``: a PDF with as many pages, each showing only that page's number in the footer
    (``number_pages``), stamped onto the merged pages."""
    with Merger(parts[0]) as merger:
        for data in parts[1:]:
            merger.continue_table(data)
        return merger.finish(page_numbers)


class Merger:
    """One tagged PDF made from a tagged first document and the documents appended to it: a report's
    parts (``continue_table``) or an agenda pack's papers (``add_section``)."""

    def __init__(self, first: bytes):
        self.pdf = pikepdf.open(io.BytesIO(first))
        self.sources: list[pikepdf.Pdf] = []
        self.root = self.pdf.Root.StructTreeRoot
        self.document = self.root.K[0] if isinstance(self.root.K, pikepdf.Array) else self.root.K
        self.nums = _flat_nums(self.root.ParentTree)
        self.ids = _flat_names(self.root.get("/IDTree"))
        self.next_key = max((int(key) for key, _ in self.nums), default=-1) + 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for source in self.sources:
            source.close()
        self.pdf.close()

    def continue_table(self, data: bytes) -> None:
        """A later part of a report: a table it begins with continues the document's last table."""
        kids = self._append(data)
        if kids and kids[0].get("/S") == "/Table":
            table = _last_table(self.document)
            if table is not None:
                _adopt(table, list(_kids(kids.pop(0))))
        _adopt(self.document, kids)

    def add_section(self, data: bytes, title: str, *, bookmarks: bool = True) -> int:
        """A document's pages at the end, its structure (if it is tagged) in a Sect titled ``title``.
        Returns the page index where it starts. An untagged document, or one whose structure cannot be
        read, brings its pages only: its content is then not tagged (say so to whoever publishes it)."""
        start = len(self.pdf.pages)
        try:
            kids = self._append(data, bookmarks=bookmarks)
        except _Untagged:
            return start
        section = self.pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Sect, T=title, K=pikepdf.Array())
        )
        _adopt(section, kids)
        _adopt(self.document, [section])
        return start

    def finish(self, page_numbers: bytes | None = None) -> bytes:
        # Built as Python lists and made into arrays once: growing a pikepdf.Array pair by pair is slow.
        nums = [item for pair in sorted(self.nums, key=lambda pair: int(pair[0])) for item in pair]
        self.root.ParentTree = self.pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
        self.root.ParentTreeNextKey = self.next_key
        if self.ids:
            names = [item for pair in sorted(self.ids, key=lambda pair: str(pair[0])) for item in pair]
            self.root.IDTree = pikepdf.Dictionary(Names=pikepdf.Array(names))
        if page_numbers is not None:
            number_pages(self.pdf, page_numbers)
        out = io.BytesIO()
        # Object streams, as WeasyPrint writes them: a structure tree is many small objects.
        self.pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()

    def _append(self, data: bytes, *, bookmarks: bool = True) -> list[pikepdf.Object]:
        """A document's pages, links and bookmarks at the end; its top-level structure elements, copied
        (not yet in the tree). Raises _Untagged (after adding the pages) if it has no usable structure."""
        source = pikepdf.open(io.BytesIO(data))
        self.sources.append(source)
        first_new = len(self.pdf.pages)
        try:
            source_root = source.Root.StructTreeRoot
            source_document = source_root.K[0] if isinstance(source_root.K, pikepdf.Array) else source_root.K
            kids = [kid for kid in _kids(source_document) if isinstance(kid, pikepdf.Dictionary)]
            parent_tree = source_root.ParentTree
            _flat_nums(parent_tree)  # readable: a cycle or a broken node leaves the document untagged
        except (AttributeError, KeyError, IndexError, TypeError, ValueError, RecursionError):
            kids = None
        for kid in kids or ():
            del kid["/P"]  # so that copying a subtree does not drag the part's tree root along
        self.pdf.pages.extend(source.pages)  # copied first: the elements' /Pg then map to these pages
        if kids is None:
            self._untag(first_new)
            if bookmarks:
                _copy_bookmarks(self.pdf, source, first_new)
            raise _Untagged
        offset = self.next_key
        self._renumber(first_new, offset)
        copied = [self.pdf.copy_foreign(kid) for kid in kids]
        for key, value in _flat_nums(_copy(self.pdf, source.make_indirect(parent_tree))):
            self.nums.append((int(key) + offset, value))
            self.next_key = max(self.next_key, int(key) + offset + 1)
        if "/IDTree" in source_root:
            self.ids += _flat_names(_copy(self.pdf, source.make_indirect(source_root.IDTree)))
        _merge_role_map(self.root, source_root)
        if bookmarks:
            _copy_bookmarks(self.pdf, source, first_new)
        return copied

    def _renumber(self, first_new: int, offset: int) -> None:
        for page in self.pdf.pages[first_new:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset

    def _untag(self, first_new: int) -> None:
        for page in self.pdf.pages[first_new:]:
            if "/StructParents" in page.obj:
                del page.obj["/StructParents"]
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    del annotation["/StructParent"]


class _Untagged(Exception):
    pass


def _adopt(parent, kids: list) -> None:
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            kid.P = parent
        parent.K.append(kid)


def _merge_role_map(root, source_root) -> None:
    """A document's own structure types (its RoleMap) join the merged document's, where they do not
    clash with one already there."""
    role_map = source_root.get("/RoleMap")
    if not isinstance(role_map, pikepdf.Dictionary):
        return
    if "/RoleMap" not in root:
        root.RoleMap = pikepdf.Dictionary()
    for key, value in role_map.items():
        if key not in root.RoleMap and isinstance(value, pikepdf.Name):
            root.RoleMap[key] = value


def _copy(merged: pikepdf.Pdf, value):
    """``value`` from a part, in the merged document: qpdf copies each foreign object once, so what was
    copied already (a page, an element) is found, not copied again."""
    if value.is_indirect:
        return merged.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(merged, item) for item in value])
    return value


def _last_table(element) -> pikepdf.Object | None:
    """The last Table element in document order under ``element``."""
    for kid in reversed(list(_kids(element))):
        if not isinstance(kid, pikepdf.Dictionary) or kid.get("/Type") not in (None, "/StructElem"):
            continue
        if kid.get("/S") == "/Table":
            return kid
        found = _last_table(kid)
        if found is not None:
            return found
    return None


def _kids(element) -> Iterable[pikepdf.Object]:
    kids = element.get("/K")
    if kids is None:
        return []
    if not isinstance(kids, pikepdf.Array):
        element.K = kids = pikepdf.Array([kids])
    return kids


def _flat_nums(tree) -> list[tuple[int, pikepdf.Object]]:
    """A number tree's (key, value) pairs, however it is nested."""
    if tree is None:
        return []
    pairs = []
    nums = tree.get("/Nums")
    if nums is not None:
        pairs.extend((int(nums[index]), nums[index + 1]) for index in range(0, len(nums) - 1, 2))
    for kid in tree.get("/Kids", []):
        pairs.extend(_flat_nums(kid))
    return pairs


def _flat_names(tree) -> list[tuple[pikepdf.String, pikepdf.Object]]:
    """A name tree's (name, value) pairs, however it is nested."""
    if tree is None:
        return []
    pairs = []
    names = tree.get("/Names")
    if names is not None:
        pairs.extend((names[index], names[index + 1]) for index in range(0, len(names) - 1, 2))
    for kid in tree.get("/Kids", []):
        pairs.extend(_flat_names(kid))
    return pairs


def _copy_bookmarks(merged: pikepdf.Pdf, source: pikepdf.Pdf, first_new: int) -> None:
    """A part's bookmarks, after the merged document's own, pointing at the part's merged pages."""
    items = bookmarks(source, first_new)
    if items:
        with merged.open_outline() as outline:
            outline.root.extend(items)


MAX_BOOKMARKS = 2000  # a document's own bookmarks copied, at most
MAX_BOOKMARK_DEPTH = 6


def bookmarks(source: pikepdf.Pdf, offset: int) -> list[pikepdf.OutlineItem]:
    """A document's own bookmarks, as bookmarks into the merged document (its pages start at ``offset``):
    a report's parts, an agenda pack's papers. Those whose target cannot be found (a named destination, a
    page elsewhere) are left out, with their children; at most MAX_BOOKMARKS, MAX_BOOKMARK_DEPTH deep."""
    pages = {page.objgen: index for index, page in enumerate(source.pages)}
    budget = [MAX_BOOKMARKS]

    def target(item) -> int | None:
        destination = item.destination
        if destination is None and item.action is not None and item.action.get("/S") == "/GoTo":
            destination = item.action.get("/D")
        if isinstance(destination, pikepdf.Array) and len(destination) and destination[0].is_indirect:
            return pages.get(destination[0].objgen)
        return None

    def copy(items, depth) -> list[pikepdf.OutlineItem]:
        copied = []
        for item in items:
            index = target(item)
            if index is None or budget[0] <= 0:
                continue
            budget[0] -= 1
            bookmark = pikepdf.OutlineItem(str(item.title)[:300], offset + index)
            if depth < MAX_BOOKMARK_DEPTH:
                bookmark.children.extend(copy(item.children, depth + 1))
            copied.append(bookmark)
        return copied

    try:
        with source.open_outline() as outline:
            return copy(outline.root, 1)
    except (pikepdf.PdfError, pikepdf.OutlineStructureError, RecursionError, ValueError, KeyError):
        return []


def number_pages(pdf: pikepdf.Pdf, page_numbers: bytes) -> None:
    """Stamp each page of ``page_numbers`` (a page number, nothing else, on a page the size of the one
    it is for as the reader sees it: ``display_size``) onto the same page of ``pdf``, as a pagination
    artifact: assistive technology skips it, as it skips WeasyPrint's own footer. A page turned by
    /Rotate gets its number the way up the reader sees the page."""
    with pikepdf.open(io.BytesIO(page_numbers)) as numbers:
        if len(numbers.pages) != len(pdf.pages):
            raise ValueError(f"{len(numbers.pages)} page numbers for {len(pdf.pages)} pages")
        for index, (page, number) in enumerate(zip(pdf.pages, numbers.pages, strict=True)):
            form = pdf.copy_foreign(number.as_form_xobject())
            name = pikepdf.Name(f"/PortalPageNumber{index}")
            resources = page.obj.get("/Resources")
            if resources is None:
                page.obj.Resources = resources = pikepdf.Dictionary()
            if "/XObject" not in resources:
                resources.XObject = pikepdf.Dictionary()
            resources.XObject[name] = form
            page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
            mark = (
                b"Q /Artifact <</Type /Pagination /Subtype /Footer>> BDC q "
                + _placement(page).encode("ascii")
                + b" cm "
                + name.unparse()
                + b" Do Q EMC\n"
            )
            page.contents_add(pdf.make_stream(mark), prepend=False)


def _box(page) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(value) for value in page.cropbox)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _rotation(page) -> int:
    try:
        return int(page.obj.get("/Rotate", 0)) % 360
    except (TypeError, ValueError):
        return 0


def display_size(page) -> tuple[float, float]:
    """A page's width and height in points as the reader sees it (its crop box, turned by /Rotate)."""
    x0, y0, x1, y1 = _box(page)
    width, height = x1 - x0, y1 - y0
    return (height, width) if _rotation(page) in (90, 270) else (width, height)


def _placement(page) -> str:
    """The matrix taking a page-number sheet (display orientation, origin at its foot) to the page's own
    user space: its crop box's origin and its /Rotate (clockwise, as viewers turn it)."""
    x0, y0, x1, y1 = _box(page)
    width, height = x1 - x0, y1 - y0
    a, b, c, d, e, f = {
        0: (1, 0, 0, 1, 0, 0),
        90: (0, 1, -1, 0, width, 0),
        180: (-1, 0, 0, -1, width, height),
        270: (0, -1, 1, 0, 0, height),
    }.get(_rotation(page), (1, 0, 0, 1, 0, 0))
    return f"{a} {b} {c} {d} {e + x0:.3f} {f + y0:.3f}"


def last_table_headers(pdf: bytes) -> dict[int, list[str]]:
    """The IDs of the THs heading each column of the last table of a tagged PDF, by column (counting
    column spans): what a later part's cells name as their column headers (tagging.Continuation)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root.StructTreeRoot
        table = _last_table(root.K[0] if isinstance(root.K, pikepdf.Array) else root.K)
        headers: dict[int, list[str]] = {}
        if table is None:
            return headers
        for group in _kids(table):
            if not isinstance(group, pikepdf.Dictionary) or group.get("/S") != "/THead":
                continue
            for row in _kids(group):
                column = 0
                for cell in _kids(row):
                    if not isinstance(cell, pikepdf.Dictionary):
                        continue
                    span = _attribute(cell, "/ColSpan", 1)
                    if cell.get("/S") == "/TH" and "/ID" in cell:
                        for index in range(column, column + span):
                            headers.setdefault(index, []).append(str(cell.ID))
                    column += span
        return headers


def _attribute(element, name: str, default: int) -> int:
    attributes = element.get("/A")
    candidates = attributes if isinstance(attributes, pikepdf.Array) else [attributes]
    for candidate in candidates:
        if isinstance(candidate, pikepdf.Dictionary) and name in candidate:
            return int(candidate[name])
    return default
