"""A small PDF builder for disclosures (panel packs and the like), on reportlab.

Every page is watermarked diagonally with the reader's name and the time the
document was generated, and carries a protective marking and page numbers.
The PDF's metadata names no person: the title is the generic document title
the caller gives (never a subject's or reader's name), the author is the service.

    document = PdfDocument(title="Panel pack", reader="Sam Reeve", generated_at=now)
    document.heading("REF-2026-000123")
    document.key_values([("Status", "Adopted")])
    document.paragraph("Free text is escaped: <b> stays literal.")
    pdf_bytes = document.render()
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

SERVICE = "Convene"
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("ConveneBody", parent=_STYLES["BodyText"], fontName="Helvetica", fontSize=10, leading=13)
_SMALL = ParagraphStyle("ConveneSmall", parent=_BODY, fontSize=8.5, leading=11)
_CELL = ParagraphStyle("ConveneCell", parent=_BODY, fontSize=9, leading=11.5)
_CELL_HEAD = ParagraphStyle("ConveneCellHead", parent=_CELL, fontName="Helvetica-Bold")
_HEADINGS = {
    1: ParagraphStyle(
        "ConveneH1", parent=_STYLES["Heading1"], fontName="Helvetica-Bold", fontSize=18, leading=22, keepWithNext=1
    ),
    2: ParagraphStyle(
        "ConveneH2", parent=_STYLES["Heading2"], fontName="Helvetica-Bold", fontSize=14, leading=18, keepWithNext=1
    ),
    3: ParagraphStyle(
        "ConveneH3", parent=_STYLES["Heading3"], fontName="Helvetica-Bold", fontSize=11, leading=14, keepWithNext=1
    ),
}
_INSET_STYLE = TableStyle(
    [
        ("LINEBEFORE", (0, 0), (0, -1), 4, colors.HexColor("#b1b4b6")),
        ("LEFTPADDING", (0, 0), (-1, -1), 10),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
)
_TABLE_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), "Helvetica"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("LEADING", (0, 0), (-1, -1), 11.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#b1b4b6")),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
)


PAGE_WIDTH, _PAGE_HEIGHT = A4
MARGIN = 18 * mm
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
KEY_WIDTH = 50 * mm
_CELL_PADDING = 6  # points: the table style's left and right padding


def _cell(value: Any, width: float, *, head: bool = False) -> str:
    """A table cell as plain text, its lines broken to the column's width once, here.

    A plain-text cell is laid out by line count and drawn line by line; a Paragraph would be wrapped again
    each time the table is measured or split across pages (six times a cell, in a long chronology)."""
    raw = "" if value is None else str(value)
    style = _CELL_HEAD if head else _CELL
    room = width - _CELL_PADDING
    if "\n" not in raw and stringWidth(raw, style.fontName, style.fontSize) <= room:
        return raw
    return "\n".join(
        broken
        for line in raw.splitlines()
        for broken in (simpleSplit(line, style.fontName, style.fontSize, room) or [""])
    )


def text(value: Any) -> str:
    """Plain text made safe for reportlab's paragraph markup, line breaks kept."""
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


@dataclass
class PdfDocument:
    """A flow of headings, paragraphs and tables rendered to an A4 PDF."""

    title: str
    reader: str
    generated_at: dt.datetime
    marking: str = DEFAULT_MARKING
    compress: bool = True
    _flow: list[Flowable] = field(default_factory=list, init=False, repr=False)

    @property
    def watermark(self) -> str:
        when = timezone.localtime(self.generated_at).strftime("%d %b %Y %H:%M")
        return f"{self.reader} - {when}"

    # --- building ------------------------------------------------------------------------------

    def heading(self, value: str, level: int = 1) -> None:
        self._flow.append(Paragraph(text(value), _HEADINGS.get(level, _HEADINGS[3])))

    def paragraph(self, value: str, *, small: bool = False) -> None:
        if value:
            self._flow.append(Paragraph(text(value), _SMALL if small else _BODY))

    def inset(self, value: str) -> None:
        """Text set apart with a bar on its left, like the GOV.UK inset text (for notices such as withheld counts)."""
        box = Table([[Paragraph(text(value), _BODY)]], colWidths=[BODY_WIDTH], hAlign="LEFT")
        box.setStyle(_INSET_STYLE)
        self._flow.append(box)
        self.spacer(2)

    def spacer(self, height_mm: float = 4) -> None:
        self._flow.append(Spacer(1, height_mm * mm))

    def key_values(self, rows: Iterable[tuple[str, Any]]) -> None:
        """A two-column summary list: key, value."""
        data = [[_cell(k, KEY_WIDTH, head=True), _cell(v, BODY_WIDTH - KEY_WIDTH)] for k, v in rows]
        if data:
            table = Table(data, colWidths=[KEY_WIDTH, BODY_WIDTH - KEY_WIDTH], hAlign="LEFT")
            table.setStyle(_TABLE_STYLE)
            table.setStyle(TableStyle([("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold")]))
            self._flow.append(table)
            self.spacer(2)

    def table(
        self, header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[float] | None = None
    ) -> None:
        """A table whose header row repeats on every page; ``widths`` in millimetres."""
        col_widths = [w * mm for w in widths] if widths else [BODY_WIDTH / max(1, len(header))] * len(header)
        body = [[_cell(value, width) for value, width in zip(row, col_widths, strict=True)] for row in rows]
        if not body:
            return
        data = [[_cell(h, width, head=True) for h, width in zip(header, col_widths, strict=True)], *body]
        table = Table(data, colWidths=col_widths, hAlign="LEFT", repeatRows=1)
        table.setStyle(_TABLE_STYLE)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold")]))
        self._flow.append(table)
        self.spacer(2)

    def keep_together(self, build: Any) -> None:
        """Run ``build`` (adding flowables) and keep what it adds on one page when it fits."""
        start = len(self._flow)
        build()
        block = self._flow[start:]
        del self._flow[start:]
        self._flow.append(KeepTogether(block))

    def page_break(self) -> None:
        from reportlab.platypus import PageBreak

        self._flow.append(PageBreak())

    # --- rendering -----------------------------------------------------------------------------

    def _decorate(self, canvas: Canvas, doc: SimpleDocTemplate) -> None:
        width, height = A4
        canvas.saveState()
        # The diagonal watermark: the reader and the moment of generation, across every page.
        canvas.setFillColor(colors.Color(0.45, 0.45, 0.45, alpha=0.18))
        canvas.setFont("Helvetica-Bold", 26)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(45)
        for offset in (-90 * mm, 0, 90 * mm):
            canvas.drawCentredString(0, offset, self.watermark)
        canvas.restoreState()
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 9)
        canvas.setFillColor(colors.black)
        canvas.drawCentredString(width / 2, height - 12 * mm, self.marking)
        canvas.drawCentredString(width / 2, 9 * mm, self.marking)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(18 * mm, 14 * mm, f"Prepared for {self.reader}. Do not copy or forward.")
        canvas.drawRightString(width - 18 * mm, 14 * mm, f"Page {doc.page}")
        canvas.restoreState()

    def render(self) -> bytes:
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=20 * mm,
            bottomMargin=22 * mm,
            # Metadata: no person's name, no case reference.
            title=self.title,
            author=SERVICE,
            subject="",
            creator=SERVICE,
            producer=SERVICE,
            keywords="",
            pageCompression=1 if self.compress else 0,
            invariant=0,
        )
        flow = self._flow or [Paragraph("", _BODY)]
        doc.build(list(flow), onFirstPage=self._decorate, onLaterPages=self._decorate)
        return buffer.getvalue()
