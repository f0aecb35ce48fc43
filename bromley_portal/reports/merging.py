"""Tagged PDFs merged into one, keeping their structure trees, bookmarks and page numbers.

A report too long to lay out in one pass within the worker's memory is rendered in parts
(rendering.py): the first part is the report as far as a long table's first rows, and each later part
continues that table (``tagging.Continuation``). WeasyPrint frees each part's layout before the next is
laid out, and each part is written to a file, so the worker holds one part's layout at a time.

``Merger`` puts the parts back together (and an agenda pack's papers, meetings/packs.py) as one tagged
PDF, WRITTEN AS IT GOES: each document is opened with pikepdf (qpdf), changed where it joins the
others, and its objects are written to the merged file and forgotten before the next document is
opened. Only what the documents share is held until the end: the merged document's ``Document``
element and the table a later part may continue (their kids), the ParentTree and IDTree entries, the
bookmarks, the page list. So merging takes about one document's memory however many there are (qpdf
holding every part's objects at once took 1.9 GB for an 814-page register). What it makes:

* the pages in order, each keeping its content, links and ``/StructParents``, renumbered so that the
  merged ``ParentTree`` maps every marked-content id and link to its structure element;
* the structure trees: a continued table's row groups join the first part's table, so a screen reader
  meets ONE table, its cells naming the first part's column headers (tagging.py gives them those IDs);
  what follows the table goes on in the document; an added section's structure goes in a Sect of its
  own; the IDs (THs) are gathered into one ``IDTree``;
* the bookmarks of every document, pointing at the merged pages;
* "Page X of Y" on every page, which no part can print because no part knows Y: each part is laid out
  without it (``NO_PAGE_NUMBER_CSS``), and the numbers (a PDF of one number per page, drawn by
  WeasyPrint in the report's own footer style, so in its embedded font) are stamped onto each
  document's pages as it is written, marked as a pagination artifact, as WeasyPrint's own footer is.

The catalogue (language, title display, mark info, XMP metadata with its PDF/UA identification) is the
first document's. The file is written with object streams and a cross-reference stream (``_Writer``),
as WeasyPrint and qpdf write them: a structure tree is many small objects.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field

import pikepdf

# Laid into each part: its footer without the page number, which the Merger stamps once Y is known.
NO_PAGE_NUMBER_CSS = "@page { @bottom-right { content: none; } }"

# A document to merge: its bytes, or the path of its file (read from disk, a part at a time).
Source = bytes | str | os.PathLike


def _open(source: Source) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(source) if isinstance(source, bytes | bytearray) else source)


def merge(parts: list[Source], page_numbers: Source | None = None) -> bytes:
    """A report's parts as one tagged PDF, each later part continuing the first's last table.
    ``page_numbers``: a PDF with as many pages, each showing only that page's number in the footer,
    stamped onto the merged pages."""
    with Merger(parts[0], page_numbers=page_numbers) as merger:
        for part in parts[1:]:
            merger.continue_table(part)
        return merger.finish()


@dataclass
class Bookmark:
    """A bookmark of the merged document: its title, the index of its page, and the bookmarks under it."""

    title: str
    page: int
    children: list[Bookmark] = field(default_factory=list)


@dataclass
class _Held:
    """A structure element written at the end, because documents still to come add kids to it."""

    number: int
    entries: dict[str, bytes]  # everything but /K, as written
    kids: list[bytes]


class Merger:
    """One tagged PDF made from a tagged first document and the documents appended to it: a report's
    parts (``continue_table``) or an agenda pack's papers (``add_section``), each written to the merged
    file as it is added (see the module's docstring); ``finish`` writes what they share and returns the
    PDF.

    ``page_numbers``: a PDF of one page-number sheet per page of the merged document, stamped onto its
    pages (``number_pages``). ``bookmark``: the first document's bookmarks are replaced by one with this
    title; ``title``, ``creator``: the merged document's title (document information and XMP metadata)
    and creator, if not the first document's."""

    def __init__(
        self,
        first: Source,
        *,
        page_numbers: Source | None = None,
        bookmark: str | None = None,
        title: str | None = None,
        creator: str | None = None,
    ):
        self.numbers = _open(page_numbers) if page_numbers is not None else None
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.writer = _Writer(self.file)
        self.pages: list[int] = []  # the merged pages' object numbers
        self.nums: list[tuple[int, bytes]] = []  # the ParentTree
        self.ids: list[tuple[str, bytes, bytes]] = []  # the IDTree: (ID, as written, its element)
        self.role_map: dict[str, bytes] = {}
        self.outline: list[Bookmark] = []
        self.next_key = 0
        self.pages_number = self.writer.reserve()
        self.root_number = self.writer.reserve()
        self.tree_root_number = self.writer.reserve()
        self.document: _Held | None = None
        self.table: _Held | None = None
        self.catalog: dict[str, bytes] = {}
        self.tree_root: dict[str, bytes] = {}
        self.info: dict[str, bytes] = {}
        try:
            with _open(first) as pdf:
                if title is not None:
                    with pdf.open_metadata(set_pikepdf_as_editor=False) as metadata:
                        metadata["dc:title"] = title
                self._start(pdf, title, creator)
        except BaseException:
            self.close()
            raise
        if bookmark is not None:
            self.outline = [Bookmark(bookmark, 0)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self.numbers is not None:
            self.numbers.close()
        self.file.close()

    def _start(self, pdf: pikepdf.Pdf, title: str | None, creator: str | None) -> None:
        """The first document: its catalogue, document information and structure tree root become the
        merged document's, its Document element the merged one."""
        part = _Part(self, pdf)
        kids = part.structure()
        if kids is None:
            raise ValueError("the first document must be tagged")
        root, document = pdf.Root.StructTreeRoot, part.document
        self.document = _Held(self.writer.reserve(), {}, [])
        part.refer(document, self.document.number)
        self._adopt_table(part, kids)  # before anything refers to it
        self.table_kids(part, [])
        self.catalog = {
            key: part.text(value)
            for key, value in pdf.Root.items()
            if key not in ("/Type", "/Pages", "/StructTreeRoot", "/Outlines", "/PageLabels")
        }
        self.tree_root = {
            key: part.text(value)
            for key, value in root.items()
            if key not in ("/Type", "/K", "/ParentTree", "/ParentTreeNextKey", "/IDTree", "/RoleMap")
        }
        self.document.entries = {key: part.text(value) for key, value in document.items() if key != "/K"}
        info = dict(pdf.docinfo.items()) if "/Info" in pdf.trailer else {}
        self.info = {key: part.text(value) for key, value in info.items()}
        for key, value in (("/Title", title), ("/Creator", creator)):
            if value is not None:
                self.info[key] = pikepdf.String(value).unparse()
        self.document.kids += [part.text(kid) for kid in kids]
        part.finish()

    def continue_table(self, source: Source) -> None:
        """A later part of a report: a table it begins with continues the document's last table."""
        with _open(source) as pdf:
            part = _Part(self, pdf)
            kids = part.structure()
            if kids is None:
                raise ValueError("a report's part must be tagged")
            part.refer(part.document, self.document.number)
            if kids and kids[0].get("/S") == "/Table" and self.table is not None:
                table = kids.pop(0)
                part.refer(table, self.table.number)
                continued = list(_kids(table))
            else:
                continued = []
            self._adopt_table(part, kids)
            self.table_kids(part, continued)
            self.document.kids += [part.text(kid) for kid in kids]
            part.finish()

    def add_section(self, source: Source, title: str, *, bookmark: str | None = None) -> int:
        """A document's pages at the end, its structure (if it is tagged) in a Sect titled ``title``.
        Returns the page index where it starts. ``bookmark``: its bookmarks go under one with this title
        (at its first page), else at the top level. An untagged document, or one whose structure cannot
        be read, brings its pages only: its content is then not tagged (say so to whoever publishes it)."""
        start = len(self.pages)
        with _open(source) as pdf:
            part = _Part(self, pdf, outline=bookmark)
            kids = part.structure()
            if kids is not None:
                section = self.writer.reserve()
                part.refer(part.document, section)
                self._adopt_table(part, kids)
                self.table_kids(part, [])
                entries = {
                    "/Type": b"/StructElem",
                    "/S": b"/Sect",
                    "/T": pikepdf.String(title).unparse(),
                    "/P": _ref(self.document.number),
                    "/K": b"[ " + b" ".join(part.text(kid) for kid in kids) + b" ]",
                }
                self.writer.add(section, _dictionary(entries))
                self.document.kids.append(_ref(section))
            part.finish()
        return start

    def _adopt_table(self, part: _Part, kids: list) -> None:
        """The last table among a document's top-level elements is now the one a later part continues:
        it is written at the end, with the kids they add."""
        table = _last_table(kids)
        if table is None:
            return
        number = self.writer.reserve()
        part.refer(table, number)
        part.tables.append((table, number))

    def table_kids(self, part: _Part, continued: list) -> None:
        """The continued table's new kids; and the document's own last table, if it has one, held (the
        one before it written)."""
        if self.table is not None:
            self.table.kids += [part.text(kid) for kid in continued]
        for table, number in part.tables:
            self._write_table()
            self.table = _Held(
                number,
                {key: part.text(value) for key, value in table.items() if key != "/K"},
                [part.text(kid) for kid in _kids(table)],
            )

    def _write_table(self) -> None:
        if self.table is not None:
            self.writer.add(self.table.number, _element(self.table))
            self.table = None

    def finish(self) -> bytes:
        """Write what the documents share (the structure tree's root and its trees, the page tree, the
        bookmarks, the catalogue) and return the merged PDF."""
        if self.numbers is not None and len(self.numbers.pages) != len(self.pages):
            raise ValueError(f"{len(self.numbers.pages)} page numbers for {len(self.pages)} pages")
        writer = self.writer
        self._write_table()
        writer.add(self.document.number, _element(self.document))
        nums = [
            item
            for key, value in sorted(self.nums, key=lambda pair: pair[0])
            for item in (b"%d" % key, value)
        ]
        parent_tree = writer.reserve()
        writer.add(parent_tree, b"<< /Nums [ " + b" ".join(nums) + b" ] >>")
        tree_root = {
            **self.tree_root,
            "/Type": b"/StructTreeRoot",
            "/K": b"[ " + _ref(self.document.number) + b" ]",
            "/ParentTree": _ref(parent_tree),
            "/ParentTreeNextKey": b"%d" % self.next_key,
        }
        if self.ids:
            names = [item for _, *pair in sorted(self.ids, key=lambda entry: entry[0]) for item in pair]
            tree_root["/IDTree"] = b"<< /Names [ " + b" ".join(names) + b" ] >>"
        if self.role_map:
            tree_root["/RoleMap"] = _dictionary(self.role_map)
        writer.add(self.tree_root_number, _dictionary(tree_root))
        kids = b" ".join(_ref(number) for number in self.pages)
        writer.add(self.pages_number, b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(self.pages), kids))
        catalog = {
            **self.catalog,
            "/Type": b"/Catalog",
            "/Pages": _ref(self.pages_number),
            "/StructTreeRoot": _ref(self.tree_root_number),
        }
        if self.outline:
            catalog["/Outlines"] = _ref(self._write_outline())
        writer.add(self.root_number, _dictionary(catalog))
        info = writer.reserve()
        writer.add(info, _dictionary(self.info))
        writer.close(root=self.root_number, info=info)
        self.file.seek(0)
        return self.file.read()

    def _write_outline(self) -> int:
        writer, outline = self.writer, self.writer.reserve()

        def write(items: list[Bookmark], parent: int) -> tuple[int, int, int]:
            """Write ``items`` under ``parent``; their first and last object numbers and their count."""
            numbers = [writer.reserve() for _ in items]
            count = len(items)
            for index, (item, number) in enumerate(zip(items, numbers, strict=True)):
                entries = {
                    "/Title": pikepdf.String(item.title).unparse(),
                    "/Parent": _ref(parent),
                    "/Dest": b"[ %s /Fit ]" % _ref(self.pages[item.page]),
                }
                if index:
                    entries["/Prev"] = _ref(numbers[index - 1])
                if index < len(items) - 1:
                    entries["/Next"] = _ref(numbers[index + 1])
                if item.children:
                    first, last, below = write(item.children, number)
                    entries.update({"/First": _ref(first), "/Last": _ref(last), "/Count": b"%d" % below})
                    count += below
                writer.add(number, _dictionary(entries))
            return numbers[0], numbers[-1], count

        first, last, count = write(self.outline, outline)
        writer.add(
            outline,
            _dictionary(
                {"/Type": b"/Outlines", "/First": _ref(first), "/Last": _ref(last), "/Count": b"%d" % count}
            ),
        )
        return outline


class _Part:
    """One document being written into the merged file: its objects get the merged file's numbers as
    they are met (``text``), and are written by ``finish``; its pages are renumbered and stamped."""

    def __init__(self, merger: Merger, pdf: pikepdf.Pdf, *, outline: str | None = None):
        self.merger, self.pdf = merger, pdf
        self.mapping: dict[tuple[int, int], int] = {}
        self.queue: list[tuple[int, int]] = []
        self.references: dict[bytes, bytes] = {}  # b"12 0 R" here: b"345 0 R" in the merged file
        self.tables: list = []  # (its last table, the number it has in the merged file)
        self.trees = None
        self.first_page = len(merger.pages)
        self.outline = outline
        self.document = None
        self.refer(pdf.Root, merger.root_number)
        for page in pdf.pages:  # the page tree's nodes are the merged one's
            node = page.obj.get("/Parent")
            while (
                isinstance(node, pikepdf.Dictionary) and node.is_indirect and node.objgen not in self.mapping
            ):
                self.refer(node, merger.pages_number)
                node = node.get("/Parent")

    def refer(self, obj, number: int) -> None:
        """References to ``obj`` are to object ``number`` of the merged file, which this document does
        not write (the merger does). Said before anything refers to it."""
        if obj.objgen in self.mapping:
            raise RuntimeError(f"{obj.objgen} was met before it was given its number")
        self.mapping[obj.objgen] = number

    def structure(self) -> list | None:
        """The document's top-level structure elements (its ParentTree, IDs and roles are added to the
        merged document's by ``finish``); None (and its pages untagged) if it has no usable structure."""
        pdf, merger = self.pdf, self.merger
        try:
            root = pdf.Root.StructTreeRoot
            self.document = root.K[0] if isinstance(root.K, pikepdf.Array) else root.K
            kids = [kid for kid in _kids(self.document) if isinstance(kid, pikepdf.Dictionary)]
            nums = _flat_nums(root.ParentTree)  # readable: a cycle or a broken node leaves it untagged
            ids = _flat_names(root.get("/IDTree"))
        except (AttributeError, KeyError, IndexError, TypeError, ValueError, RecursionError):
            self.document = None
            self._untag()
            return None
        self.refer(root, merger.tree_root_number)
        self.trees = (root, nums, ids)
        return kids

    def _join_trees(self) -> None:
        """The document's ParentTree renumbered into the merged one's, its IDs and roles added."""
        merger = self.merger
        root, nums, ids = self.trees
        offset = merger.next_key
        self._renumber(offset)
        for key, value in nums:
            merger.nums.append((int(key) + offset, self.text(value)))
            merger.next_key = max(merger.next_key, int(key) + offset + 1)
        merger.ids += [(str(name), name.unparse(), self.text(value)) for name, value in ids]
        role_map = root.get("/RoleMap")
        if isinstance(role_map, pikepdf.Dictionary):
            for key, value in role_map.items():
                if key not in merger.role_map and isinstance(value, pikepdf.Name):
                    merger.role_map[key] = value.unparse()

    def _renumber(self, offset: int) -> None:
        for page in self.pdf.pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset

    def _untag(self) -> None:
        for page in self.pdf.pages:
            if "/StructParents" in page.obj:
                del page.obj["/StructParents"]
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    del annotation["/StructParent"]

    def text(self, value) -> bytes:
        """``value`` as written in the merged file: its references to this document's objects (met for
        the first time: to be written by ``finish``) as references to the merged file's."""
        if not isinstance(value, pikepdf.Object):
            return _scalar(value)
        if value.is_indirect:
            return _ref(self._number(value.objgen))
        return _REFERENCE.sub(self._replace, value.unparse(resolved=True))

    def _replace(self, match: re.Match) -> bytes:
        text = match.group(0)
        found = self.references.get(text)
        if found is None:
            number, generation = match.group(1, 2)
            if number is None:
                return text  # a string
            found = self.references[text] = _ref(self._number((int(number), int(generation))))
        return found

    def _number(self, objgen: tuple[int, int]) -> int:
        number = self.mapping.get(objgen)
        if number is None:
            number = self.mapping[objgen] = self.merger.writer.reserve()
            self.queue.append(objgen)
        return number

    def finish(self) -> None:
        """Number and stamp the pages, take the bookmarks, and write every object met."""
        merger = self.merger
        if self.trees is not None:
            self._join_trees()
        if merger.numbers is not None:
            number_pages(self.pdf, merger.numbers, self.first_page)
        items = bookmarks(self.pdf, self.first_page)
        if self.outline is not None:
            merger.outline.append(Bookmark(self.outline, self.first_page, items))
        else:
            merger.outline += items
        for page in self.pdf.pages:
            merger.pages.append(self._number(page.obj.objgen))
        writer = merger.writer
        while self.queue:
            objgen = self.queue.pop()
            number = self.mapping[objgen]
            obj = self.pdf.get_object(objgen)
            if obj._type_code == pikepdf.ObjectType.stream:
                data = obj.read_raw_bytes()
                obj.stream_dict.Length = len(data)
                writer.add_stream(number, self.text(obj.stream_dict), data)
            else:
                writer.add(number, _REFERENCE.sub(self._replace, obj.unparse(resolved=True)))


# A reference "12 0 R" in qpdf's unparsed text, not inside a string.
_REFERENCE = re.compile(
    rb"\((?:[^\\()]|\\.)*\)|<[0-9A-Fa-f\s]*>|(?<![\w.+\-/])(\d+) (\d+) R(?![\w])", re.DOTALL
)


def _ref(number: int) -> bytes:
    return b"%d 0 R" % number


def _dictionary(entries: dict[str, bytes]) -> bytes:
    return (
        b"<< "
        + b" ".join(pikepdf.Name(key).unparse() + b" " + value for key, value in entries.items())
        + b" >>"
    )


def _element(held: _Held) -> bytes:
    return _dictionary({**held.entries, "/K": b"[ " + b" ".join(held.kids) + b" ]"})


def _scalar(value) -> bytes:
    """A value pikepdf gives as a Python object (a number, a boolean, null), as written in a PDF."""
    if value is None:
        return b"null"
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return b"%d" % value
    return format(value, "f").encode()  # a real (Decimal)


class _Writer:
    """A PDF written object by object to a file: objects other than streams gathered in compressed object
    streams, streams written as they come, and a compressed cross-reference stream at the end."""

    OBJECTS_PER_STREAM = 200

    def __init__(self, file):
        self.file = file
        self.digest = hashlib.md5(usedforsecurity=False)
        # Per object number: 1 (at an offset in the file) or 2 (in an object stream, at an index).
        self.kinds, self.fields, self.indexes = array("B", [0]), array("Q", [0]), array("H", [65535])
        self.pending: list[tuple[int, bytes]] = []
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.digest.update(data)
        self.file.write(data)

    def reserve(self) -> int:
        self.kinds.append(0)
        self.fields.append(0)
        self.indexes.append(0)
        return len(self.kinds) - 1

    def add(self, number: int, body: bytes) -> None:
        self.pending.append((number, body))
        if len(self.pending) >= self.OBJECTS_PER_STREAM:
            self._flush()

    def add_stream(self, number: int, dictionary: bytes, data: bytes) -> None:
        self.kinds[number], self.fields[number] = 1, self.file.tell()
        self._write(b"%d 0 obj\n%s\nstream\n" % (number, dictionary) + data + b"\nendstream\nendobj\n")

    def _flush(self) -> None:
        if not self.pending:
            return
        stream = self.reserve()
        header, bodies, position = [], [], 0
        for index, (number, body) in enumerate(self.pending):
            self.kinds[number], self.fields[number], self.indexes[number] = 2, stream, index
            header.append(b"%d %d" % (number, position))
            bodies.append(body)
            position += len(body) + 1
        first = b" ".join(header) + b"\n"
        data = zlib.compress(first + b"\n".join(bodies) + b"\n")
        dictionary = b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>" % (
            len(self.pending),
            len(first),
            len(data),
        )
        self.pending = []
        self.add_stream(stream, dictionary, data)

    def close(self, *, root: int, info: int) -> None:
        self._flush()
        xref = self.reserve()
        self.kinds[xref], self.fields[xref] = 1, self.file.tell()
        rows = bytearray()
        for kind, value, index in zip(self.kinds, self.fields, self.indexes, strict=True):
            if kind == 1:
                rows += bytes((1,)) + value.to_bytes(5, "big") + b"\0\0"
            elif kind == 2:
                rows += bytes((2,)) + value.to_bytes(5, "big") + index.to_bytes(2, "big")
            else:
                rows += b"\0" + bytes(5) + b"\xff\xff"
        data = zlib.compress(bytes(rows))
        identifier = self.digest.hexdigest().encode()
        self.file.write(
            b"%d 0 obj\n<< /Type /XRef /Size %d /W [ 1 5 2 ] /Root %d 0 R /Info %d 0 R /ID [ <%s> <%s> ] "
            b"/Filter /FlateDecode /Length %d >>\nstream\n"
            % (xref, len(self.kinds), root, info, identifier, identifier, len(data))
            + data
            + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % self.fields[xref]
        )


def _last_table(element) -> pikepdf.Object | None:
    """The last Table element in document order under ``element`` (or among a list of elements)."""
    for kid in reversed(element if isinstance(element, list) else list(_kids(element))):
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


MAX_BOOKMARKS = 2000  # a document's own bookmarks copied, at most
MAX_BOOKMARK_DEPTH = 6


def bookmarks(source: pikepdf.Pdf, offset: int) -> list[Bookmark]:
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

    def copy(items, depth) -> list[Bookmark]:
        copied = []
        for item in items:
            index = target(item)
            if index is None or budget[0] <= 0:
                continue
            budget[0] -= 1
            bookmark = Bookmark(str(item.title)[:300], offset + index)
            if depth < MAX_BOOKMARK_DEPTH:
                bookmark.children.extend(copy(item.children, depth + 1))
            copied.append(bookmark)
        return copied

    try:
        with source.open_outline() as outline:
            return copy(outline.root, 1)
    except (pikepdf.PdfError, pikepdf.OutlineStructureError, RecursionError, ValueError, KeyError):
        return []


def number_pages(pdf: pikepdf.Pdf, page_numbers: Source | pikepdf.Pdf, first: int = 0) -> None:
    """Stamp the pages of ``page_numbers`` from index ``first`` on (each a page number, nothing else, on a
    page the size of the one it is for as the reader sees it: ``display_size``) onto the pages of
    ``pdf``, as a pagination artifact: assistive technology skips it, as it skips WeasyPrint's own
    footer. A page turned by /Rotate gets its number the way up the reader sees the page."""
    if not isinstance(page_numbers, pikepdf.Pdf):
        with _open(page_numbers) as numbers:
            number_pages(pdf, numbers, first)
            return
    if len(page_numbers.pages) < first + len(pdf.pages):
        raise ValueError(f"{len(page_numbers.pages)} page numbers for {first + len(pdf.pages)} pages")
    for index, page in enumerate(pdf.pages, start=first):
        form = pdf.copy_foreign(page_numbers.pages[index].as_form_xobject())
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


def last_table_headers(pdf: Source) -> dict[int, list[str]]:
    """The IDs of the THs heading each column of the last table of a tagged PDF, by column (counting
    column spans): what a later part's cells name as their column headers (tagging.Continuation)."""
    with _open(pdf) as document:
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
