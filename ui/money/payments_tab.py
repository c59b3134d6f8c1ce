"""A customer's money, as a tab of the customer dialog: the balance per currency (billed,
received, open, overdue, credit), the open instalments and the receipts; finance records a
receipt for the customer here or reverses one entered by mistake (the reason is required and
audited by core). Everything is read on a worker and re-read when money changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.changes import Changes
from core.money.model import CustomerBalance, Receipt, Receivable, ReceivableFilter
from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.labels import plain
from ui.money.ageing_view import table_view
from ui.money.labels import amount, day_text, method_label, money
from ui.money.receipt_dialog import ReceiptDialog, show_saved
from ui.money.receivables_model import Cells, CellsModel, receivable_cells
from ui.reason_dialog import ReasonDialog
from ui.widgets import add_status, button_row
from ui.worker import LatestRead, error_text

MAX_ROWS = 500


@dataclass(frozen=True)
class Account:
    balances: list[CustomerBalance]
    open_items: list[Receivable]
    receipts: list[Receipt]
    as_of: date


class ReverseDialog(ReasonDialog):
    """Why a receipt is reversed (required); core does the reversal on a worker. After OK,
    `done_receipt` is the receipt as reversed."""

    def __init__(self, session: Session, receipt: Receipt, parent: QWidget | None = None) -> None:
        self.receipt = receipt
        actor = session.user
        super().__init__(
            self.tr("Reverse receipt"), self.tr(
                "Reverse receipt #{id} of {amount} received on {day}? What it paid becomes "
                "open again; nothing is deleted.").format(
                id=receipt.id, amount=money(receipt.amount, receipt.currency),
                day=day_text(receipt.received_on)),
            self.tr("Re&verse"), self.tr("Say why the receipt is reversed."),
            self.tr("Reversing…"),
            lambda reason: session.money.reverse_receipt(actor, receipt.id, reason), parent)

    @property
    def done_receipt(self) -> Receipt | None:
        return self.result_value


class PaymentsTab(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, customer_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.customer_id = customer_id
        self.customer_name = ""
        self.reader = LatestRead(self)
        self.account: Account | None = None
        self.dialog: QDialog | None = None
        self.balances = CellsModel([self.tr("Currency"), self.tr("Billed"), self.tr("Received"),
                                    self.tr("Open"), self.tr("Overdue"), self.tr("Credit")],
                                   range(1, 6), self)
        self.open_items = CellsModel([self.tr("Customer"), self.tr("Contract"),
                                      self.tr("Due date"), self.tr("Amount"),
                                      self.tr("Open balance"), self.tr("Days overdue")],
                                     range(3, 6), self)
        self.receipts = CellsModel([self.tr("Received on"), self.tr("Amount"), self.tr("Method"),
                                    self.tr("Reference"), self.tr("Payer"),
                                    self.tr("Allocated"), self.tr("Credit"),
                                    self.tr("Status")], (1, 5, 6), self)
        self.balance_view = table_view(self, self.balances)
        self.balance_view.setMaximumHeight(90)
        self.open_view = table_view(self, self.open_items)
        self.open_view.hideColumn(0)  # it is this customer
        self.receipt_view = table_view(self, self.receipts)
        for view, widths in ((self.open_view, (0, 150, 100, 130, 130)),
                             (self.receipt_view, (100, 130, 110, 150, 150, 110, 100))):
            for column, width in enumerate(widths):
                if width:
                    view.setColumnWidth(column, width)
        can_record = session.can(Permission.PAYMENT_RECORD)
        self.record_button = QPushButton(self.tr("Record rece&ipt…"), self)
        self.record_button.clicked.connect(self.record_receipt)
        self.reverse_button = QPushButton(self.tr("Re&verse receipt…"), self)
        self.reverse_button.clicked.connect(self.reverse_selected)
        self.reverse_button.setEnabled(False)
        for button in (self.record_button, self.reverse_button):
            button.setVisible(can_record)
            button.setAutoDefault(False)
        self.receipt_view.selectionModel().selectionChanged.connect(
            lambda *_a: self._update_buttons())
        layout = QVBoxLayout(self)
        for title, view in ((self.tr("Balance"), self.balance_view),
                            (self.tr("Open instalments"), self.open_view),
                            (self.tr("Receipts"), self.receipt_view)):
            heading = QLabel(title, self)
            heading.setObjectName("sectionTitle")
            layout.addWidget(heading)
            layout.addWidget(view, 1 if view is not self.balance_view else 0)
        layout.addLayout(button_row(self.record_button, self.reverse_button))
        self.message, self.busy = add_status(layout, self)
        plain(self.message)
        bridge.changed.connect(self._changed)
        self.load()

    # -- loading -----------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self.reader.loading

    def load(self) -> None:
        session, actor, customer_id = self._session, self._session.user, self.customer_id

        def work(_t: object) -> Account:
            money_ = session.money
            as_of = money_.today()
            return Account(money_.customer_balance(actor, customer_id, as_of),
                           money_.receivables(actor, ReceivableFilter(customer_id=customer_id),
                                              None, MAX_ROWS),
                           money_.receipts(actor, customer_id), as_of)

        self.reader.start(work, self.show_account,
                          lambda exc: self.message.show_message(error_text(exc)))

    def show_account(self, account: Account) -> None:
        self.account = account
        self.balances.set_rows([self._balance_cells(b) for b in account.balances])
        self.open_items.set_rows([receivable_cells(r, account.as_of)
                                  for r in account.open_items],
                                 [r.id for r in account.open_items])
        self.receipts.set_rows([self._receipt_cells(r) for r in account.receipts],
                               [r.id for r in account.receipts])
        if account.open_items:
            self.customer_name = account.open_items[0].customer_name
        self._update_buttons()

    @staticmethod
    def _balance_cells(b: CustomerBalance) -> Cells:
        return (b.currency, *(amount(v, b.currency)
                              for v in (b.billed, b.received, b.open, b.overdue, b.credit)))

    def _receipt_cells(self, r: Receipt) -> Cells:
        status = self.tr("Reversed: {reason}").format(reason=r.reversal_reason) \
            if r.reversed else ""
        return (day_text(r.received_on), money(r.amount, r.currency), method_label(r.method),
                r.reference, r.payer_name, amount(max(r.allocated, r.amount * 0), r.currency),
                amount(r.unallocated, r.currency), status)

    def _changed(self, changes: Changes) -> None:
        if changes.money or changes.contracts:
            self.load()

    # -- actions -----------------------------------------------------------------------------
    def selected_receipt(self) -> Receipt | None:
        rows = self.receipt_view.selectionModel().selectedRows()
        if not rows or self.account is None:
            return None
        receipt_id = self.receipts.key(rows[0].row())
        return next((r for r in self.account.receipts if r.id == receipt_id), None)

    def _update_buttons(self) -> None:
        receipt = self.selected_receipt()
        self.reverse_button.setEnabled(receipt is not None and not receipt.reversed)

    def set_customer_name(self, name: str) -> None:
        self.customer_name = name

    def record_receipt(self) -> ReceiptDialog | None:
        if self.record_button.isHidden():
            return None
        dialog = ReceiptDialog(self._session, (self.customer_id, self.customer_name), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: show_saved(self.message, dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def reverse_selected(self) -> ReverseDialog | None:
        receipt = self.selected_receipt()
        if receipt is None or receipt.reversed or self.reverse_button.isHidden():
            return None
        dialog = ReverseDialog(self._session, receipt, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.message.show_message(
            self.tr("Receipt #{id} was reversed.").format(id=receipt.id), "ok"))
        self.dialog = dialog
        dialog.open()
        return dialog

    def wipe(self) -> None:
        self.reader.forget()
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            wipe = getattr(self.dialog, "wipe", None)
            if wipe is not None:
                wipe()
            self.dialog.hide()
        self.account = None
        for model in (self.balances, self.open_items, self.receipts):
            model.wipe()
        self.message.clear_message()
