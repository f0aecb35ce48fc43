"""Uploaded PDFs are hostile: check them and keep only a cleaned copy (pikepdf, never executed).

``check_upload`` refuses, with a message a clerk can act on, a file that is not a PDF, is
encrypted, is too large, has too many pages or is malformed; what it returns has no
JavaScript, no embedded files and no actions other than links (to a page of the document
or to a web address).
"""

import hashlib
import io
from dataclasses import dataclass

import pikepdf
from django.conf import settings

# Actions that stay: a link to a page of the same document, or to a web address.
SAFE_ACTIONS = {"/GoTo", "/URI"}
# Annotations that carry files or media: removed.
UNSAFE_ANNOTATIONS = {"/FileAttachment", "/Movie", "/Sound", "/Screen", "/RichMedia", "/3D"}
# Keys that hold scripts or actions run on an event: removed wherever they are.
UNSAFE_KEYS = (
    "/AA",
    "/OpenAction",
    "/JS",
    "/JavaScript",
    "/EmbeddedFiles",
    "/EF",
    "/XFA",
    "/RichMediaContent",
)


class PdfRefused(ValueError):
    """The upload is refused; the message says why, in plain English."""


@dataclass(frozen=True)
class CheckedPdf:
    content: bytes
    page_count: int
    checksum: str


def check_upload(data: bytes, name: str = "The file") -> CheckedPdf:
    """Check an uploaded PDF and return a cleaned copy, or raise PdfRefused."""
    limit = settings.MEETINGS_UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise PdfRefused(f"{name} is larger than {limit // (1024 * 1024)} MB. Upload a smaller PDF.")
    if not data:
        raise PdfRefused(f"{name} is empty. Upload a PDF.")
    if b"%PDF-" not in data[:1024]:
        raise PdfRefused(f"{name} is not a PDF. Upload the document saved as a PDF.")
    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
            if pdf.is_encrypted:
                raise PdfRefused(
                    f"{name} is encrypted or password-protected. Upload a copy without protection."
                )
            page_count = len(pdf.pages)
            if page_count == 0:
                raise PdfRefused(f"{name} has no pages.")
            if page_count > settings.MEETINGS_UPLOAD_MAX_PAGES:
                raise PdfRefused(
                    f"{name} has {page_count} pages; an agenda paper may have at most "
                    f"{settings.MEETINGS_UPLOAD_MAX_PAGES}. Split it into appendices."
                )
            _scrub(pdf)
            out = io.BytesIO()
            pdf.save(out, deterministic_id=True, compress_streams=True)
    except pikepdf.PasswordError:
        raise PdfRefused(
            f"{name} is encrypted or password-protected. Upload a copy without protection."
        ) from None
    except PdfRefused:
        raise
    except (pikepdf.PdfError, RecursionError, ValueError, KeyError, TypeError, AttributeError):
        raise PdfRefused(
            f"{name} is damaged and cannot be read as a PDF. Save or export it again and upload that."
        ) from None
    content = out.getvalue()
    return CheckedPdf(content=content, page_count=page_count, checksum=hashlib.sha256(content).hexdigest())


def _scrub(pdf: pikepdf.Pdf) -> None:
    """Remove scripts, embedded files, event actions and unsafe annotations from every object."""
    root = pdf.Root
    for key in ("/OpenAction", "/AA", "/AcroForm"):
        if key in root:
            del root[key]
    if "/Names" in root:
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in root.Names:
                del root.Names[key]
    for page in pdf.pages:
        if "/Annots" in page.obj:
            kept = [annot for annot in page.obj.Annots if _annotation_is_safe(annot)]
            page.obj.Annots = pikepdf.Array(kept)
    for obj in pdf.objects:
        _scrub_object(obj)


def _annotation_is_safe(annot) -> bool:
    return isinstance(annot, pikepdf.Dictionary) and annot.get("/Subtype") not in UNSAFE_ANNOTATIONS


def _scrub_object(obj) -> None:
    """Remove unsafe keys from a dictionary (or stream) and the dictionaries directly inside it."""
    stack = [obj]
    seen = 0
    while stack:
        current = stack.pop()
        seen += 1
        if seen > 100_000:
            raise PdfRefused("The file is too complex to check. Save or export it again and upload that.")
        if isinstance(current, pikepdf.Array):
            stack.extend(item for item in current if not getattr(item, "is_indirect", True))
            continue
        if not isinstance(current, pikepdf.Dictionary | pikepdf.Stream):
            continue
        for key in UNSAFE_KEYS:
            if key in current:
                del current[key]
        action = current.get("/A")
        if isinstance(action, pikepdf.Dictionary) and action.get("/S") not in SAFE_ACTIONS:
            del current["/A"]
        if current.get("/S") not in (None, *SAFE_ACTIONS) and current.get("/Type") == "/Action":
            del current["/S"]
        if "/Next" in current and current.get("/S") is not None:
            del current["/Next"]  # chained actions: only the safe first one stays
        stack.extend(value for value in current.values() if not getattr(value, "is_indirect", True))
