"""The contract PDF: an A4 reportlab document laid out from a ContractDocument.

Layout: company header, title and number, parties, items table (header row repeated on every
page), totals, payment schedule, delivery terms, numbered clauses, and the signature area, which
always sits at the bottom of the last page's frame so both signature boxes have the same
coordinates in every contract (only the page index changes). Non-standard clauses carry a text
marker after their title and an amber bar in the left margin, so they show in print and in
extracted text. Every page's footer has the contract number, "page X of Y" and the short
content fingerprint; the last page prints the full fingerprint and audit-chain head.

The output is byte-for-byte reproducible for the same document (reportlab's invariant mode, the
creation date taken from the document). Importing this module imports reportlab: nothing loaded
at app start may import it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib import textsplit as _textsplit
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import paragraph as _paragraph

from core.pdf.document import (
    ContractDocument,
    Party,
    RenderedContract,
    SignatureBox,
    content_fingerprint,
)
from core.pdf.fonts import cjk_font
from core.pdf.formatting import long_date, money, percent, quantity, rmb_capital, zh_ordinal
from core.pdf.pages import (
    AMBER,
    AREA_X,
    AREA_Y,
    COMPANY_BOX,
    CONTENT_WIDTH,
    CUSTOMER_BOX,
    HEADER_FILL,
    INK,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MUTED,
    RULE,
    STRIPE,
    MarkedParagraph,
    SignatureArea,
    contract_canvas,
    running_header,
    text_markup,
)

__all__ = ["LABELS", "content_fingerprint", "render", "render_contract"]

# Document strings (printed in the contract, in the contract's language), not UI strings.
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "contract_no": "合同编号", "issue_date": "签订日期", "term": "合同期限", "to": "至",
        "seller": "甲方（卖方）", "buyer": "乙方（买方）", "name": "名称", "address": "地址",
        "credit_code": "统一社会信用代码", "contact": "联系人", "phone": "电话",
        "email": "电子邮箱", "items": "产品明细", "no": "序号", "product": "产品名称",
        "qty": "数量", "unit": "单位", "unit_price": "单价", "discount": "折扣",
        "tax_rate": "税率", "amount": "金额", "net": "不含税金额", "tax": "税额",
        "gross": "价税合计", "gross_words": "价税合计（大写）",
        "schedule": "付款安排", "instalment": "付款阶段",
        "due": "付款日期", "delivery": "交付条款", "clauses": "合同条款",
        "nonstandard": "［非标准条款］", "signatures": "签署", "representative": "授权代表",
        "sign_company": "签字（盖章）", "sign_customer": "签字", "date": "日期",
        "page": "第 {page} 页 / 共 {pages} 页", "fingerprint": "内容指纹（SHA-256）",
        "audit_head": "审计链头", "sep": "：",
    },
    "en": {
        "contract_no": "Contract No.", "issue_date": "Date", "term": "Term", "to": "to",
        "seller": "Seller", "buyer": "Buyer", "name": "Name", "address": "Address",
        "credit_code": "Registration No.", "contact": "Contact", "phone": "Phone",
        "email": "E-mail", "items": "Products and services", "no": "No.",
        "product": "Product", "qty": "Qty", "unit": "Unit", "unit_price": "Unit price",
        "discount": "Discount", "tax_rate": "Tax", "amount": "Amount", "net": "Net amount",
        "tax": "Tax", "gross": "Total", "schedule": "Payment schedule",
        "instalment": "Instalment", "due": "Due date", "delivery": "Delivery terms",
        "clauses": "Terms and conditions", "nonstandard": "[Non-standard clause]",
        "signatures": "Signatures", "representative": "Authorised representative",
        "sign_company": "Signature and company seal", "sign_customer": "Signature",
        "date": "Date", "page": "Page {page} of {pages}",
        "fingerprint": "Content fingerprint (SHA-256)", "audit_head": "Audit chain head",
        "sep": ": ",
    },
}

# reportlab's CJK wrapping knows the Japanese closing marks but not Chinese ones (，；：》” ...),
# so a line could start with them; add them once (this only changes where CJK lines break).
_CHINESE_CLOSING = "\uff0c\u3002\u3001\uff1b\uff1a\uff01\uff1f\uff09\u300b\u3009\u201d\u2019"
for _module in (_paragraph, _textsplit):
    if not set(_CHINESE_CLOSING) <= set(_module.ALL_CANNOT_START):
        _module.ALL_CANNOT_START += _CHINESE_CLOSING
# Binary (Flate-only) streams: ASCII85 on top makes the file 25 % larger and costs ~10 % of the
# render time, and nothing downstream needs a 7-bit-clean PDF.
rl_config.useA85 = 0


@dataclass(frozen=True)
class _Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    company: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    clause_title: ParagraphStyle
    cell: ParagraphStyle
    head_cell: ParagraphStyle


def _styles(font: str, language: str) -> _Styles:
    # CJK wrapping keeps closing punctuation (，。》”) off the start of a line; it may split a
    # long Latin word, which is rare in a Chinese contract and never happens in English ones.
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14.5, textColor=INK,
                          alignment=TA_LEFT, spaceAfter=3,
                          wordWrap="CJK" if language == "zh" else None)
    return _Styles(
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=MUTED,
                             spaceAfter=0),
        company=ParagraphStyle("company", parent=body, fontSize=15, leading=19, spaceAfter=2),
        title=ParagraphStyle("title", parent=body, fontSize=17, leading=23, alignment=TA_CENTER,
                             spaceBefore=10, spaceAfter=4),
        subtitle=ParagraphStyle("subtitle", parent=body, fontSize=9, leading=13,
                                alignment=TA_CENTER, textColor=MUTED, spaceAfter=10),
        heading=ParagraphStyle("heading", parent=body, fontSize=11.5, leading=16,
                               textColor=HEADER_FILL, spaceBefore=10, spaceAfter=5),
        clause_title=ParagraphStyle("clause_title", parent=body, fontSize=10, leading=15,
                                    spaceBefore=5, spaceAfter=2),
        cell=ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11.5, spaceAfter=0),
        head_cell=ParagraphStyle("head_cell", parent=body, fontSize=8.5, leading=11.5,
                                 textColor=colors.white, spaceAfter=0),
    )


def _party_cell(title: str, party: Party, labels: dict[str, str], st: _Styles) -> list[Flowable]:
    rows = [("name", party.name), ("address", party.address),
            ("credit_code", party.credit_code), ("contact", party.contact),
            ("phone", party.phone), ("email", party.email)]
    out: list[Flowable] = [Paragraph(text_markup(title), st.heading)]
    for key, value in rows:
        if value:
            label = f"{text_markup(labels[key])}{labels['sep']}"
            out.append(Paragraph(f'<font color="#{MUTED.hexval()[2:]}">{label}</font>'
                                 f"{text_markup(value)}", st.cell))
    return out


def _header(doc: ContractDocument, labels: dict[str, str], st: _Styles) -> list[Flowable]:
    company = doc.company
    contact = [f"{labels[key]}{labels['sep']}{value}" for key, value in
               (("address", company.address), ("phone", company.phone),
                ("email", company.email), ("credit_code", company.credit_code)) if value]
    subtitle = [f"{labels['contract_no']}{labels['sep']}{doc.number}",
                f"{labels['issue_date']}{labels['sep']}{long_date(doc.issue_date, doc.language)}"]
    if doc.start_date and doc.end_date:
        subtitle.append(f"{labels['term']}{labels['sep']}"
                        f"{long_date(doc.start_date, doc.language)} {labels['to']} "
                        f"{long_date(doc.end_date, doc.language)}")
    rule = Table([[""]], colWidths=[CONTENT_WIDTH], rowHeights=[4],
                 style=[("LINEBELOW", (0, 0), (-1, -1), 1.2, HEADER_FILL)])
    parties = Table(
        [[_party_cell(labels["seller"], doc.company, labels, st),
          _party_cell(labels["buyer"], doc.customer, labels, st)]],
        colWidths=[CONTENT_WIDTH / 2] * 2,
        style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
               ("RIGHTPADDING", (0, 0), (0, -1), 12)])
    return [Paragraph(text_markup(company.name), st.company),
            Paragraph(text_markup(" · ".join(contact)), st.small), rule,
            Paragraph(text_markup(doc.title), st.title),
            Paragraph(text_markup(" · ".join(subtitle)), st.subtitle), parties]


def _table_style(rows: int, right_from: int, font: str) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, 8.5, 11.5),
        ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (right_from, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD), ("RIGHTPADDING", (0, 0), (-1, -1), _PAD)]
    commands += [("BACKGROUND", (0, row), (-1, row), STRIPE) for row in range(2, rows, 2)]
    return TableStyle(commands)


_PAD = 4
_ORPHAN_GUARD = 60  # points: a heading plus about three lines of what follows it


def _head(values: list[str], style: ParagraphStyle, right_from: int) -> list[Paragraph]:
    right = ParagraphStyle("right", parent=style, alignment=TA_RIGHT)
    return [Paragraph(text_markup(value), right if i >= right_from else style)
            for i, value in enumerate(values)]


def _row(values: list[str], widths: list[float], style: ParagraphStyle,
         right_from: int) -> list[str | Paragraph]:
    """Cells as plain strings (cheap: most of a table's cost is Paragraph parsing) unless the
    text is too wide for its column, which then wraps as a Paragraph."""
    right = ParagraphStyle("right", parent=style, alignment=TA_RIGHT)
    out: list[str | Paragraph] = []
    for i, (value, width) in enumerate(zip(values, widths, strict=True)):
        if "\n" not in value and (stringWidth(value, style.fontName, style.fontSize)
                                  <= width - 2 * _PAD):
            out.append(value)
        else:
            out.append(Paragraph(text_markup(value), right if i >= right_from else style))
    return out


def _widths(fixed: list[float], flexible: int) -> list[float]:
    widths = list(fixed)
    widths.insert(flexible, CONTENT_WIDTH - sum(fixed))
    return widths


def _items(doc: ContractDocument, labels: dict[str, str], st: _Styles) -> list[Flowable]:
    cur = doc.currency
    head = [labels["no"], labels["product"], labels["unit"], labels["qty"],
            f"{labels['unit_price']} ({cur})", labels["discount"], labels["tax_rate"],
            f"{labels['amount']} ({cur})"]
    widths = _widths([30, 34, 48, 70, 44, 36, 78], 1)
    rows: list[list[Any]] = [_head(head, st.head_cell, 3)]
    for n, item in enumerate(doc.items, start=1):
        rows.append(_row([str(n), item.product, item.unit, quantity(item.quantity),
                          money(item.unit_price), percent(item.discount_percent),
                          percent(item.tax_rate_percent), money(item.line_total)],
                         widths, st.cell, 3))
    font = st.cell.fontName
    table = Table(rows, colWidths=widths, repeatRows=1, style=_table_style(len(rows), 3, font))
    totals = Table(
        [[labels["net"], f"{cur} {money(doc.totals.net)}"],
         [labels["tax"], f"{cur} {money(doc.totals.tax)}"],
         [labels["gross"], f"{cur} {money(doc.totals.gross)}"]],
        colWidths=[90, 130], hAlign="RIGHT",
        style=[("FONT", (0, 0), (-1, 1), font, 8.5, 11.5), ("FONT", (0, 2), (-1, 2), font, 10, 13),
               ("TEXTCOLOR", (0, 0), (-1, -1), INK),
               ("LINEABOVE", (0, 2), (-1, 2), 0.8, INK), ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
               ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)])
    out: list[Flowable] = [*_heading(labels["items"], st), table, Spacer(1, 4), totals]
    if doc.language == "zh" and cur == "CNY":
        # Chinese contracts state the total in capital numerals too, which resist alteration.
        words = f"{labels['gross_words']}{labels['sep']}人民币{rmb_capital(doc.totals.gross)}"
        out.append(Paragraph(text_markup(words),
                             ParagraphStyle("words", parent=st.cell, alignment=TA_RIGHT)))
    return out


def _schedule(doc: ContractDocument, labels: dict[str, str], st: _Styles) -> list[Flowable]:
    if not doc.schedule:
        return []
    head = [labels["no"], labels["instalment"], labels["due"],
            f"{labels['amount']} ({doc.currency})"]
    widths = _widths([30, 110, 110], 1)
    rows: list[list[Any]] = [_head(head, st.head_cell, 3)]
    for n, part in enumerate(doc.schedule, start=1):
        rows.append(_row([str(n), part.label, long_date(part.due_date, doc.language),
                          money(part.amount)], widths, st.cell, 3))
    table = Table(rows, colWidths=widths, repeatRows=1,
                  style=_table_style(len(rows), 3, st.cell.fontName))
    return [*_heading(labels["schedule"], st), table]


def _clauses(doc: ContractDocument, labels: dict[str, str], st: _Styles) -> list[Flowable]:
    out: list[Flowable] = []
    if doc.delivery_terms.strip():
        out += _heading(labels["delivery"], st)
        out += [Paragraph(text_markup(line), st.body) for line in _lines(doc.delivery_terms)]
    if not doc.clauses:
        return out
    out += _heading(labels["clauses"], st)
    for n, clause in enumerate(doc.clauses, start=1):
        number = f"第{zh_ordinal(n)}条" if doc.language == "zh" else f"{n}."
        title = f"{text_markup(number)} {text_markup(clause.title)}"
        kind = MarkedParagraph if clause.nonstandard else Paragraph
        if clause.nonstandard:
            marker = text_markup(labels["nonstandard"])
            title += f' <font color="#{AMBER.hexval()[2:]}" size="8.5">{marker}</font>'
        body = [kind(text_markup(line), st.body) for line in _lines(clause.text)]
        # A title never ends a page alone: it starts a new page unless 3 lines fit below it.
        out += [CondPageBreak(_ORPHAN_GUARD), kind(title, st.clause_title), *body]
    return out


def _heading(text: str, st: _Styles) -> list[Flowable]:
    return [CondPageBreak(_ORPHAN_GUARD + 12), Paragraph(text_markup(text), st.heading)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def render(doc: ContractDocument) -> RenderedContract:
    """Lay the contract out and return the PDF with its page count, the two empty signature
    rectangles (last page) and the content fingerprint printed in it."""
    font = cjk_font()
    labels, st = LABELS[doc.language], _styles(font, doc.language)
    fingerprint = content_fingerprint(doc)
    signature = SignatureArea(doc, labels, st.body)
    story: list[Flowable] = [*_header(doc, labels, st), *_items(doc, labels, st),
                             *_schedule(doc, labels, st), *_clauses(doc, labels, st),
                             Spacer(1, 10), signature]
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, invariant=1, initialFontName=font,
        title=doc.title, author="Strongroom", subject=doc.number, creator="Strongroom",
        producer="Strongroom (ReportLab)", keywords="")
    template.build(story, onLaterPages=lambda canvas, _: running_header(canvas, doc, font),
                   canvasmaker=contract_canvas(doc, labels, fingerprint, font))
    page_index, x, y = signature.placed[-1]
    if abs(x - AREA_X) > 0.01 or abs(y - AREA_Y) > 0.01 or page_index != template.page - 1:
        # The signer places signatures at the published rectangles: never hand out wrong ones.
        raise RuntimeError(f"signature area drawn at {x:.2f},{y:.2f} on page {page_index + 1}, "
                           f"not at {AREA_X:.2f},{AREA_Y:.2f} on the last page")
    return RenderedContract(
        pdf=buffer.getvalue(), pages=template.page, fingerprint=fingerprint,
        company_box=SignatureBox(page_index, *COMPANY_BOX),
        customer_box=SignatureBox(page_index, *CUSTOMER_BOX))


def render_contract(doc: ContractDocument) -> bytes:
    """The contract as PDF bytes (see render() for the signature rectangles)."""
    return render(doc).pdf
