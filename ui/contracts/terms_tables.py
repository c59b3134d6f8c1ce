"""The two editable tables of the drafting dialog: line items and the payment schedule. They
read what was typed into core's dataclasses (percent shown, fractions kept) and say what cannot
be read; the arithmetic of totals and splits is core's (core/contracts/money.py, schedule.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.contracts.model import Instalment, LineItem
from core.contracts.money import MINOR_UNITS, format_amount, line_net, tax_on
from core.contracts.money import totals as sum_totals
from core.contracts.schedule import MAX_INSTALMENTS, even_schedule
from core.errors import StrongroomError
from ui.contracts.labels import fraction_to_percent, number_text, percent_to_fraction
from ui.widgets import button_row

PRODUCT, QUANTITY, PRICE, DISCOUNT, TAX, LINE_TOTAL = range(6)
DUE, AMOUNT, LABEL = range(3)


def _text(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text().strip() if item is not None else ""


def _table(parent: QWidget, headers: list[str]) -> QTableWidget:
    # An editor of a few dozen rows typed by hand, not a list of records: a QTableWidget fits.
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    table.setTabKeyNavigation(True)
    return table


class _RowsEditor(QWidget):
    changed = Signal()

    def __init__(self, headers: list[str], add_text: str, remove_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = _table(self, headers)
        self.add_button = QPushButton(add_text, self)
        self.remove_button = QPushButton(remove_text, self)
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(self.remove_rows)
        for button in (self.add_button, self.remove_button):
            button.setAutoDefault(False)
        self.buttons = button_row(self.add_button, self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.buttons)
        self.table.itemChanged.connect(lambda _i: self._edited())
        self.table.itemSelectionChanged.connect(self._update)
        self._update()

    def _edited(self) -> None:
        self.changed.emit()

    def _update(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def add_row(self, values: Sequence[str] = ()) -> int:
        self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column in range(self.table.columnCount()):
            self.table.setItem(row, column, QTableWidgetItem(
                values[column] if column < len(values) else ""))
        self._decorate(row)
        self.table.blockSignals(False)
        self.table.setCurrentCell(row, 0)
        self.changed.emit()
        return row

    def _decorate(self, row: int) -> None:
        """Per-row extras (read-only cells)."""

    def remove_rows(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()},
                      reverse=True)
        for row in rows:
            self.table.removeRow(row)
        self._update()
        self.changed.emit()

    def filled_rows(self) -> list[int]:
        return [r for r in range(self.table.rowCount())
                if any(_text(self.table, r, c) for c in self._input_columns())]

    def _input_columns(self) -> range:
        return range(self.table.columnCount())


class ItemsEditor(_RowsEditor):
    """Product, quantity, unit price, discount %, tax % and the line's total (computed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([self.tr("Product"), self.tr("Quantity"), self.tr("Unit price"),
                          self.tr("Discount %"), self.tr("Tax %"), self.tr("Line total")],
                         self.tr("&Add line"), self.tr("&Remove line"), parent)
        for column, width in ((PRODUCT, 200), (QUANTITY, 70), (PRICE, 100), (DISCOUNT, 80),
                              (TAX, 60)):
            self.table.setColumnWidth(column, width)
        self.currency = "CNY"

    def _input_columns(self) -> range:
        return range(LINE_TOTAL)

    def _decorate(self, row: int) -> None:
        item = self.table.item(row, LINE_TOTAL)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def set_items(self, items: Sequence[LineItem]) -> None:
        self.table.setRowCount(0)
        for item in items:
            self.add_row([item.product, f"{item.quantity:f}", f"{item.unit_price:f}",
                          fraction_to_percent(item.discount),
                          fraction_to_percent(item.tax_rate)])
        self._edited()

    def read(self) -> tuple[list[LineItem], list[str]]:
        """The items typed so far, and what could not be read (by line number)."""
        items, problems = [], []
        for number, row in enumerate(self.filled_rows(), start=1):
            product = _text(self.table, row, PRODUCT)
            quantity = number_text(_text(self.table, row, QUANTITY))
            price = number_text(_text(self.table, row, PRICE))
            discount = percent_to_fraction(_text(self.table, row, DISCOUNT))
            tax = percent_to_fraction(_text(self.table, row, TAX))
            bad = [what for what, value in ((self.tr("quantity"), quantity),
                                            (self.tr("unit price"), price),
                                            (self.tr("discount"), discount),
                                            (self.tr("tax rate"), tax)) if value is None]
            if bad:
                problems.append(self.tr("Line {n}: the {what} is not a number.").format(
                    n=number, what=", ".join(bad)))
                continue
            assert quantity is not None and price is not None
            assert discount is not None and tax is not None
            if not (0 <= discount <= 1 and 0 <= tax <= 1):
                problems.append(self.tr(
                    "Line {n}: discount and tax are percentages between 0 and 100.").format(
                    n=number))
                continue
            items.append(LineItem(product, quantity, price, discount, tax))
        return items, problems

    def _edited(self) -> None:
        self._show_line_totals()
        super()._edited()

    def _show_line_totals(self) -> None:
        self.table.blockSignals(True)
        for row in range(self.table.rowCount()):
            cell = self.table.item(row, LINE_TOTAL)
            text = ""
            values = [number_text(_text(self.table, row, QUANTITY)),
                      number_text(_text(self.table, row, PRICE)),
                      percent_to_fraction(_text(self.table, row, DISCOUNT)),
                      percent_to_fraction(_text(self.table, row, TAX))]
            if self.currency in MINOR_UNITS and None not in values:
                quantity, price, discount, tax = values
                try:
                    net = line_net(quantity, price, discount, self.currency)  # type: ignore
                    text = format_amount(net + tax_on(net, tax, self.currency),  # type: ignore
                                         self.currency)
                except (StrongroomError, ArithmeticError):  # absurd sizes: core says on save
                    text = "—"
            if cell is not None:
                cell.setText(text)
        self.table.blockSignals(False)


def line_totals(items: Sequence[LineItem], currency: str) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, gross) by core's rules: each line rounded, then summed."""
    pairs = []
    for item in items:
        net = line_net(item.quantity, item.unit_price, item.discount, currency)
        pairs.append((net, tax_on(net, item.tax_rate, currency)))
    result = sum_totals(pairs, currency)
    return result.net, result.tax, result.gross


class ScheduleEditor(_RowsEditor):
    """Due date (YYYY-MM-DD), amount, label."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([self.tr("Due date"), self.tr("Amount"), self.tr("Label")],
                         self.tr("Add &instalment"), self.tr("Remove i&nstalment"), parent)
        self.table.setColumnWidth(DUE, 110)
        self.table.setColumnWidth(AMOUNT, 120)
        self.split_button = QPushButton(self.tr("&Split evenly…"), self)
        self.split_button.setAutoDefault(False)
        self.split_button.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.buttons.insertWidget(2, self.split_button)

    def set_instalments(self, instalments: Sequence[Instalment]) -> None:
        self.table.setRowCount(0)
        for item in instalments:
            self.add_row([item.due.isoformat(), f"{item.amount:f}", item.label])
        self.changed.emit()

    def read(self) -> tuple[list[Instalment], list[str]]:
        instalments, problems = [], []
        for number, row in enumerate(self.filled_rows(), start=1):
            try:
                due = date.fromisoformat(_text(self.table, row, DUE))
            except ValueError:
                problems.append(self.tr(
                    "Instalment {n}: the due date must be written as YYYY-MM-DD.").format(
                    n=number))
                continue
            amount = number_text(_text(self.table, row, AMOUNT))
            if amount is None:
                problems.append(self.tr("Instalment {n}: the amount is not a number.").format(
                    n=number))
                continue
            instalments.append(Instalment(due, amount, _text(self.table, row, LABEL)))
        return instalments, problems


class SplitDialog(QDialog):
    """How many instalments, the first due date and the interval; core makes the split."""

    def __init__(self, first_due: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Split evenly"))
        self.count = QSpinBox(self)
        self.count.setRange(1, MAX_INSTALMENTS)
        self.count.setValue(2)
        self.first_due = QDateEdit(self)
        self.first_due.setCalendarPopup(True)
        self.first_due.setDisplayFormat("yyyy-MM-dd")
        self.first_due.setDate(QDate(first_due.year, first_due.month, first_due.day))
        self.every = QSpinBox(self)
        self.every.setRange(1, 3660)
        self.every.setValue(30)
        self.every.setSuffix(self.tr(" days"))
        form = QFormLayout()
        form.addRow(self.tr("&Instalments:"), self.count)
        form.addRow(self.tr("&First due:"), self.first_due)
        form.addRow(self.tr("&Every:"), self.every)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def schedule(self, gross: Decimal, currency: str) -> tuple[Instalment, ...]:
        first = self.first_due.date().toPython()
        return even_schedule(gross, self.count.value(), first, self.every.value(), currency,
                             self.tr("Instalment {n}"))


def default_first_due(start: date | None) -> date:
    return start or date.today() + timedelta(days=30)
