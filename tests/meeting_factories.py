"""Meetings, agenda items and PDFs for the meetings tests."""

import datetime
import io

import pikepdf
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from weasyprint import HTML

PAPER_CSS = (
    "@page { size: A4; margin: 20mm 18mm 24mm; "
    "@bottom-right { content: 'Page ' counter(page) ' of ' counter(pages); font-size: 8pt; } }"
    "section { break-after: page; }"
)


def make_paper(title: str, pages: int = 2, text: str = "") -> bytes:
    """A paper of ``pages`` pages, each saying its title (and ``text``), with its own "Page X of Y"."""
    body = "".join(
        f"<section><h1>{title}</h1><p>{text} Sheet {n}.</p></section>" for n in range(1, pages + 1)
    )
    return HTML(string=f"<html lang='en-GB'><style>{PAPER_CSS}</style><body>{body}</body></html>").write_pdf()


def upload(data: bytes, name: str = "paper.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def make_meeting(code: str = "CEF", when: datetime.datetime | None = None):
    from ambitions.services import ensure_portfolios
    from meetings.models import Meeting

    portfolio = ensure_portfolios()[code]
    when = when or timezone.make_aware(datetime.datetime(2022, 11, 17, 19, 0))
    return Meeting.objects.create(
        committee=portfolio.pds_committee, starts_at=when, venue="Bromley Civic Centre"
    )


def pdf_with(**parts) -> bytes:
    """A one-page PDF with hostile parts: javascript=True, attachment=True, open_action=True, link_js=True."""
    pdf = pikepdf.open(io.BytesIO(make_paper("Hostile", 1)))
    script = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    )
    if parts.get("open_action"):
        pdf.Root.OpenAction = script
    if parts.get("javascript"):
        pdf.Root.Names = pikepdf.Dictionary(
            JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("evil"), script]))
        )
    if parts.get("attachment"):
        pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ payload", filename="payload.exe")
    if parts.get("link_js"):
        annot = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([0, 0, 100, 100]),
            A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe")),
        )
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(annot)]))
        pdf.pages[0].obj.AA = pikepdf.Dictionary(O=script)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
