"""The column mapping of a bank statement, shown and editable: for each field the file's column
that holds it (or none), the columns joined into the description, the date format and the
currency of lines that name none. Fed from the mapping remembered for the bank or the one
guessed from the header; `edited` fires only when a person changes something."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from core.contracts.money import DEFAULT_CURRENCY, MINOR_UNITS
from core.money.bank_mapping import BankMapping

SINGLE = ("date", "amount", "credit", "debit", "direction", "currency", "reference",
          "payer_name", "payer_account")


def _t(text: str) -> str:
    return QCoreApplication.translate("BankMappingEditor", text)


def field_labels() -> dict[str, str]:
    return {"date": _t("&Date:"), "amount": _t("&Amount (signed):"),
            "credit": _t("Money &in (credit):"), "debit": _t("Money &out (debit):"),
            "direction": _t("Debit/credit &indicator:"), "currency": _t("C&urrency:"),
            "reference": _t("&Reference:"), "payer_name": _t("&Payer name:"),
            "payer_account": _t("Payer a&ccount:")}


class BankMappingEditor(QWidget):
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._header: list[str] = []
        self.combos: dict[str, QComboBox] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        labels = field_labels()
        for n, name in enumerate(SINGLE):
            combo = QComboBox(self)
            combo.setObjectName(f"mapping_{name}")
            combo.setMinimumWidth(170)
            combo.currentIndexChanged.connect(lambda _i: self.edited.emit())
            label = QLabel(labels[name], self)
            label.setBuddy(combo)
            row, column = n % 5, (n // 5) * 2
            grid.addWidget(label, row, column)
            grid.addWidget(combo, row, column + 1)
            self.combos[name] = combo
        self.date_format = QLineEdit(self)
        self.date_format.setPlaceholderText(self.tr("e.g. %d/%m/%Y; empty for year first"))
        self.date_format.editingFinished.connect(self._format_done)
        format_label = QLabel(self.tr("Date &format:"), self)
        format_label.setBuddy(self.date_format)
        grid.addWidget(format_label, 4, 2)
        grid.addWidget(self.date_format, 4, 3)
        self.default_currency = QComboBox(self)
        for code in sorted(MINOR_UNITS):
            self.default_currency.addItem(code, code)
        self.default_currency.currentIndexChanged.connect(lambda _i: self.edited.emit())
        currency_label = QLabel(self.tr("Currency when &none is given:"), self)
        currency_label.setBuddy(self.default_currency)
        grid.addWidget(currency_label, 5, 0)
        grid.addWidget(self.default_currency, 5, 1)
        self.description = QListWidget(self)
        self.description.setMaximumHeight(110)
        self.description.itemChanged.connect(lambda _i: self.edited.emit())
        description_label = QLabel(self.tr("D&escription (columns joined):"), self)
        description_label.setBuddy(self.description)
        grid.addWidget(description_label, 0, 4)
        grid.addWidget(self.description, 1, 4, 5, 1)
        self._last_format = ""
        self.set_mapping([], BankMapping())

    def _format_done(self) -> None:
        if self.date_format.text().strip() != self._last_format:
            self._last_format = self.date_format.text().strip()
            self.edited.emit()

    def set_mapping(self, header: Sequence[str], mapping: BankMapping) -> None:
        """Show `mapping` over the file's `header` (a column the header lacks is listed too,
        so a remembered mapping that does not fit shows what it expected)."""
        self.blockSignals(True)
        try:
            wanted = [h for h in mapping.headers() if h not in header]
            self._header = [h for h in dict.fromkeys([*header, *wanted]) if h]
            for name, combo in self.combos.items():
                combo.clear()
                combo.addItem(self.tr("(none)"), "")
                for h in self._header:
                    combo.addItem(h, h)
                combo.setCurrentIndex(max(0, combo.findData(getattr(mapping, name))))
            self.description.clear()
            for h in self._header:
                item = QListWidgetItem(h, self.description)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if h in mapping.description
                                   else Qt.CheckState.Unchecked)
            self.date_format.setText(mapping.date_format)
            self._last_format = mapping.date_format
            self.default_currency.setCurrentIndex(max(0, self.default_currency.findData(
                mapping.default_currency or DEFAULT_CURRENCY)))
        finally:
            self.blockSignals(False)

    def choose(self, name: str, header: str) -> None:
        """Map field `name` to column `header` ("" for none), as a person would."""
        combo = self.combos[name]
        combo.setCurrentIndex(max(0, combo.findData(header)))

    def mapping(self) -> BankMapping:
        values = {name: combo.currentData() or "" for name, combo in self.combos.items()}
        described = tuple(self.description.item(n).text()
                          for n in range(self.description.count())
                          if self.description.item(n).checkState() == Qt.CheckState.Checked)
        return BankMapping(**values, description=described,
                           date_format=self.date_format.text().strip(),
                           default_currency=self.default_currency.currentData()
                           or DEFAULT_CURRENCY)

    def clear(self) -> None:
        self.set_mapping([], BankMapping())
