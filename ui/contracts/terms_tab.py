"""The Terms tab: a read-only view of a contract's title, dates, delivery terms, line items with
their totals and the payment schedule (Edit… in the detail reopens the drafting dialog)."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from core.contracts.model import Contract
from core.contracts.money import format_amount, line_net, tax_on
from ui.contracts.labels import fraction_to_percent, money


class TermsTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QTextBrowser(self)
        self.view.setObjectName("contractTerms")
        self.view.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)

    def show_contract(self, c: Contract) -> None:
        cur = c.currency

        def row(cells: list[str], tag: str = "td") -> str:
            return "<tr>" + "".join(f"<{tag}>{cell}</{tag}>" for cell in cells) + "</tr>"

        none = escape(self.tr("none"))
        parts = [f"<h3>{escape(c.title)}</h3>", "<table cellspacing='0' cellpadding='3'>"]
        facts = ((self.tr("Contract date"), c.contract_date.isoformat()),
                 (self.tr("Start date"), c.start_date.isoformat() if c.start_date else None),
                 (self.tr("End date"), c.end_date.isoformat() if c.end_date else None),
                 (self.tr("Currency"), cur),
                 (self.tr("Revision"), str(c.revision)))
        for label, value in facts:
            parts.append(row([f"<b>{escape(label)}</b>", escape(value) if value else none]))
        parts.append("</table>")
        parts.append(f"<h4>{escape(self.tr('Line items'))}</h4>")
        parts.append("<table border='1' cellspacing='0' cellpadding='3' width='100%'>")
        parts.append(row([escape(h) for h in (
            self.tr("Product"), self.tr("Quantity"), self.tr("Unit price"),
            self.tr("Discount %"), self.tr("Tax %"), self.tr("Net"), self.tr("Tax"))], "th"))
        for item in c.items:
            net = line_net(item.quantity, item.unit_price, item.discount, cur)
            parts.append(row([escape(item.product), escape(f"{item.quantity:f}"),
                              format_amount(item.unit_price, cur),
                              fraction_to_percent(item.discount),
                              fraction_to_percent(item.tax_rate), format_amount(net, cur),
                              format_amount(tax_on(net, item.tax_rate, cur), cur)]))
        parts.append("</table>")
        parts.append("<p>" + escape(self.tr("Net {net} · Tax {tax} · Total {gross}").format(
            net=money(c.net, cur), tax=money(c.tax, cur), gross=money(c.gross, cur))) + "</p>")
        parts.append(f"<h4>{escape(self.tr('Payment schedule'))}</h4>")
        if c.instalments:
            parts.append("<table border='1' cellspacing='0' cellpadding='3'>")
            parts.append(row([escape(h) for h in (self.tr("Due date"), self.tr("Amount"),
                                                  self.tr("Label"))], "th"))
            for i in c.instalments:
                parts.append(row([i.due.isoformat(), escape(money(i.amount, cur)),
                                  escape(i.label)]))
            parts.append("</table>")
        else:
            parts.append(f"<p>{escape(self.tr('No payment schedule yet.'))}</p>")
        parts.append(f"<h4>{escape(self.tr('Delivery terms'))}</h4>")
        parts.append("<p>" + (escape(c.delivery_terms).replace("\n", "<br>")
                              if c.delivery_terms else none) + "</p>")
        self.view.setHtml("".join(parts))

    def text(self) -> str:
        return self.view.toPlainText()

    def wipe(self) -> None:
        self.view.clear()
