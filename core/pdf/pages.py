"""Page furniture of the contract PDF: geometry, colours, the signature area at a fixed place,
the footer with "page X of Y" and the document info. Used by core.pdf.render only."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph

from core.pdf.document import ContractDocument

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 16 * mm
MARGIN_BOTTOM = 26 * mm  # room for the three footer lines of the last page
_FRAME_PAD = 6  # SimpleDocTemplate's frame padding, in points
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X - 2 * _FRAME_PAD

# The signature area, in points from the bottom of the frame, identical in every contract.
SIG_AREA_HEIGHT = 212.0
SIG_GAP = 24.0
SIG_BOX_BOTTOM = 30.0
SIG_BOX_HEIGHT = 34 * mm
AREA_X = MARGIN_X + _FRAME_PAD
AREA_Y = MARGIN_BOTTOM + _FRAME_PAD
_COLUMN_WIDTH = (CONTENT_WIDTH - SIG_GAP) / 2
_NAME_HEIGHT = 26.0
# Published rectangles (x1, y1, x2, y2), rounded inwards to 0.01 pt.
COMPANY_BOX = (round(AREA_X + 0.005, 2), round(AREA_Y + SIG_BOX_BOTTOM + 0.005, 2),
               round(AREA_X + _COLUMN_WIDTH - 0.005, 2),
               round(AREA_Y + SIG_BOX_BOTTOM + SIG_BOX_HEIGHT - 0.005, 2))
CUSTOMER_BOX = (round(AREA_X + _COLUMN_WIDTH + SIG_GAP + 0.005, 2), COMPANY_BOX[1],
                round(AREA_X + CONTENT_WIDTH - 0.005, 2), COMPANY_BOX[3])

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#9aa5b1")
HEADER_FILL = colors.HexColor("#243b53")
STRIPE = colors.HexColor("#f0f4f8")
AMBER = colors.HexColor("#b44d12")


def text_markup(value: str) -> str:
    """User text as Paragraph markup: escaped, so '<' or '&' in a clause prints as typed."""
    return escape(value).replace("\n", "<br/>")


class MarkedParagraph(Paragraph):
    """A paragraph of a non-standard clause: an amber bar in the left margin beside it."""

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.setStrokeColor(AMBER)
        self.canv.setLineWidth(2)
        self.canv.line(-5, -2, -5, self.height + 1)
        self.canv.restoreState()
        super().draw()


class SignatureArea(Flowable):
    """Takes whatever is left of the frame and draws the two signature columns at its bottom,
    so the boxes land on fixed coordinates; too little room left moves it to a new page."""

    def __init__(self, doc: ContractDocument, labels: dict[str, str],
                 name_style: ParagraphStyle) -> None:
        super().__init__()
        self._doc, self._labels, self._name_style = doc, labels, name_style
        self.placed: list[tuple[int, float, float]] = []

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.height = max(avail_height, SIG_AREA_HEIGHT)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        return []

    def draw(self) -> None:
        canvas, label, d = self.canv, self._labels, self._doc
        x, y = canvas.absolutePosition(0, 0)
        self.placed.append((canvas.getPageNumber() - 1, x, y))
        sides = ((label["seller"], d.company.name, d.signatories.company_name,
                  d.signatories.company_title, label["sign_company"]),
                 (label["buyer"], d.customer.name, d.signatories.customer_name,
                  d.signatories.customer_title, label["sign_customer"]))
        canvas.setFillColor(HEADER_FILL)
        canvas.setFont(self._name_style.fontName, 11.5)
        canvas.drawString(0, SIG_AREA_HEIGHT - 12, label["signatures"])
        for index, (role, party, signer, title, caption) in enumerate(sides):
            left = index * (_COLUMN_WIDTH + SIG_GAP)
            self._column(left, role, party, signer, title, caption)

    def _column(self, left: float, role: str, party: str, signer: str, title: str,
                caption: str) -> None:
        canvas, label, font = self.canv, self._labels, self._name_style.fontName
        top = SIG_AREA_HEIGHT - 24
        canvas.setFillColor(HEADER_FILL)
        canvas.setFont(font, 10.5)
        canvas.drawString(left, top - 12, role)
        # Two lines fit above the signer's line; a longer name is set smaller, never cut.
        for size in (9.5, 8.5, 7.5, 6.5, 5.5):
            style = ParagraphStyle("party", parent=self._name_style, fontSize=size,
                                   leading=size * 1.3)
            name = Paragraph(text_markup(party), style)
            _, height = name.wrap(_COLUMN_WIDTH, 1000)
            if height <= _NAME_HEIGHT:
                break
        name.drawOn(canvas, left, top - 18 - height)
        box_top = SIG_BOX_BOTTOM + SIG_BOX_HEIGHT
        canvas.setFillColor(INK)
        canvas.setFont(font, 8.5)
        who = signer + (f"（{title}）" if title and self._doc.language == "zh"
                        else f", {title}" if title else "")
        canvas.drawString(left, box_top + 6, f"{label['representative']}{label['sep']}{who}")
        # The box itself stays empty: the signer draws the visible signature there.
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(left, SIG_BOX_BOTTOM, left + _COLUMN_WIDTH, SIG_BOX_BOTTOM)
        canvas.setFillColor(MUTED)
        canvas.setFont(font, 8)
        canvas.drawString(left, SIG_BOX_BOTTOM - 11, caption)
        canvas.drawString(left, 4, f"{label['date']}{label['sep']}")
        canvas.line(left + 34, 3, left + _COLUMN_WIDTH * 0.6, 3)


class ContractInfo(PDFInfo):
    """Document info with the creation date of the contract and custom Strongroom keys."""

    def __init__(self, created: str, extra: dict[str, str]) -> None:
        super().__init__()
        self._created, self._extra = created, extra

    def format(self, document: Any) -> bytes:
        entries: dict[str, Any] = {
            "Title": PDFString(self.title), "Author": PDFString(self.author),
            "Subject": PDFString(self.subject), "Keywords": PDFString(self.keywords),
            "Creator": PDFString(self.creator), "Producer": PDFString(self.producer),
            "CreationDate": PDFString(self._created), "ModDate": PDFString(self._created),
            "Trapped": PDFName(self.trapped)}
        entries.update({key: PDFString(value) for key, value in self._extra.items()})
        return PDFDictionary(entries).format(document)


def contract_canvas(doc: ContractDocument, labels: dict[str, str], fingerprint: str,
                    font: str) -> type[Canvas]:
    """A canvas class for this document: footer on every page, info with custom keys."""
    # The contract's own creation time, not the clock: the same document gives the same bytes.
    pdf_date = f"D:{doc.created_at.astimezone(UTC):%Y%m%d%H%M%S}+00'00'"
    extra = {"StrongroomFingerprint": fingerprint, "StrongroomContractNumber": doc.number}
    if doc.audit_head:
        extra["StrongroomAuditHead"] = doc.audit_head

    class _ContractCanvas(Canvas):
        """Holds pages back until the end so each footer can say "page X of Y"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            info = ContractInfo(pdf_date, extra)
            info.invariant = self._doc.invariant
            self._doc.info = info

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            page = self.getPageNumber()
            left, right = MARGIN_X, PAGE_WIDTH - MARGIN_X
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(left, 20 * mm, right, 20 * mm)
            self.setFillColor(MUTED)
            self.setFont(font, 7.5)
            baseline = 16 * mm
            self.drawString(left, baseline, f"{labels['contract_no']}{labels['sep']}{doc.number}")
            self.drawCentredString(PAGE_WIDTH / 2, baseline,
                                   labels["page"].format(page=page, pages=total))
            self.drawRightString(right, baseline, f"SHA-256 {fingerprint[:16]}")
            self.setFont(font, 6.5)
            if page == total:
                self.drawString(left, 12 * mm,
                                f"{labels['fingerprint']}{labels['sep']}{fingerprint}")
                if doc.audit_head:
                    self.drawString(left, 8.5 * mm,
                                    f"{labels['audit_head']}{labels['sep']}{doc.audit_head}")
            elif doc.audit_head:
                self.drawString(left, 12 * mm,
                                f"{labels['audit_head']}{labels['sep']}{doc.audit_head[:16]}")
            self.restoreState()

    return _ContractCanvas


def running_header(canvas: Canvas, doc: ContractDocument, font: str) -> None:
    canvas.saveState()
    canvas.setFont(font, 7.5)
    canvas.setFillColor(MUTED)
    top = PAGE_HEIGHT - 10 * mm
    canvas.drawString(MARGIN_X, top, doc.company.name)
    canvas.drawRightString(PAGE_WIDTH - MARGIN_X, top, doc.title)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN_X, top - 3, PAGE_WIDTH - MARGIN_X, top - 3)
    canvas.restoreState()
