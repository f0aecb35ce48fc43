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
    """The parts as one tagged PDF. ``page_numbers``: a PDF with as many pages, each showing only that
    page's number in the footer (``number_pages``), stamped onto the merged pages."""
    with pikepdf.open(io.BytesIO(parts[0])) as merged:
        tree = _Tree(merged)
        sources = []
        try:
            for data in parts[1:]:
                source = pikepdf.open(io.BytesIO(data))
                sources.append(source)
                _append(merged, tree, source)
            tree.finish()
            if page_numbers is not None:
                number_pages(merged, page_numbers)
            out = io.BytesIO()
            # Object streams, as WeasyPrint writes them: a structure tree is many small objects.
            merged.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        finally:
            for source in sources:
                source.close()
    return out.getvalue()


class _Tree:
    """The merged document's structure tree, as parts are appended to it."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        self.root = pdf.Root.StructTreeRoot
        self.document = self.root.K[0] if isinstance(self.root.K, pikepdf.Array) else self.root.K
        self.nums = _flat_nums(self.root.ParentTree)
        self.ids = _flat_names(self.root.get("/IDTree"))
        self.next_key = max((int(key) for key, _ in self.nums), default=-1) + 1

    def finish(self) -> None:
        # Built as Python lists and made into arrays once: growing a pikepdf.Array pair by pair is slow.
        nums = [item for pair in sorted(self.nums, key=lambda pair: int(pair[0])) for item in pair]
        self.root.ParentTree = self.pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
        self.root.ParentTreeNextKey = self.next_key
        if self.ids:
            names = [item for pair in sorted(self.ids, key=lambda pair: str(pair[0])) for item in pair]
            self.root.IDTree = pikepdf.Dictionary(Names=pikepdf.Array(names))


def _append(merged: pikepdf.Pdf, tree: _Tree, source: pikepdf.Pdf) -> None:
    """One more part's pages, structure, links and bookmarks at the end of ``merged``."""
    first_new = len(merged.pages)
    offset = tree.next_key
    source_root = source.Root.StructTreeRoot
    source_document = source_root.K[0] if isinstance(source_root.K, pikepdf.Array) else source_root.K
    kids = list(_kids(source_document))
    for kid in kids:
        del kid["/P"]  # so that copying a subtree does not drag the part's tree root along
    merged.pages.extend(source.pages)  # copied first: the elements' /Pg then map to these pages
    for page in merged.pages[first_new:]:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + offset
    copied = [merged.copy_foreign(kid) for kid in kids]
    for key, value in _flat_nums(_copy(merged, source.make_indirect(source_root.ParentTree))):
        tree.nums.append((int(key) + offset, value))
        tree.next_key = max(tree.next_key, int(key) + offset + 1)
    if "/IDTree" in source_root:
        tree.ids += _flat_names(_copy(merged, source.make_indirect(source_root.IDTree)))
    _graft(tree, copied)
    _copy_bookmarks(merged, source, first_new)


def _copy(merged: pikepdf.Pdf, value):
    """``value`` from a part, in the merged document: qpdf copies each foreign object once, so what was
    copied already (a page, an element) is found, not copied again."""
    if value.is_indirect:
        return merged.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(merged, item) for item in value])
    return value


def _graft(tree: _Tree, kids: list[pikepdf.Object]) -> None:
    """A part's top-level elements into the merged tree: a table it starts with continues the
    document's last table; the rest follow in the document."""
    if kids and kids[0].get("/S") == "/Table":
        table = _last_table(tree.document)
        if table is not None:
            continued = kids.pop(0)
            for kid in _kids(continued):
                if isinstance(kid, pikepdf.Dictionary):
                    kid.P = table
                table.K.append(kid)
    for kid in kids:
        kid.P = tree.document
        tree.document.K.append(kid)


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
    pages = {page.objgen: index for index, page in enumerate(source.pages)}
    with source.open_outline() as source_outline:
        items = [_bookmark(item, pages, first_new) for item in source_outline.root]
    items = [item for item in items if item is not None]
    if items:
        with merged.open_outline() as outline:
            outline.root.extend(items)


def _bookmark(item, pages: dict, first_new: int) -> pikepdf.OutlineItem | None:
    destination = item.destination
    if isinstance(destination, pikepdf.Array) and len(destination) and destination[0].is_indirect:
        index = pages.get(destination[0].objgen)
    else:
        index = None
    if index is None:
        return None
    copied = pikepdf.OutlineItem(item.title, first_new + index)
    copied.children.extend(
        child for child in (_bookmark(kid, pages, first_new) for kid in item.children) if child is not None
    )
    return copied


def number_pages(pdf: pikepdf.Pdf, page_numbers: bytes) -> None:
    """Stamp each page of ``page_numbers`` (a page number in the footer, nothing else) onto the same page
    of ``pdf``, as a pagination artifact: assistive technology skips it, as it skips WeasyPrint's own
    footer."""
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
                b"Q /Artifact <</Type /Pagination /Subtype /Footer>> BDC q " + name.unparse() + b" Do Q EMC\n"
            )
            page.contents_add(pdf.make_stream(mark), prepend=False)


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
