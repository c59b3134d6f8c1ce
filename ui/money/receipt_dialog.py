"""Recording money a customer paid (finance): who paid, when (never a future day), how much
(typed as text, turned into an exact Decimal — floats and garbage are refused with a message),
how (bank transfer, cash, cheque, Alipay, WeChat Pay), the reference (required except for cash)
and the payer's name; allocated oldest due first, or by hand over the customer's open
instalments with a live check that the amounts fit the receipt (the rest stays as the
customer's credit). Core checks everything again and its refusals (a duplicate, an allocation
that cannot be made) are shown as they come; the call runs on a worker."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.contracts.money import DEFAULT_CURRENCY, MINOR_UNITS
from core.errors import InvalidInput
from core.money.amounts import exact_minor
from core.money.model import PaymentMethod, Receipt, ReceiptDraft, Receivable, ReceivableFilter
from core.money.signals import Signal
from core.session import Session
from ui.contracts.labels import plain
from ui.money.customer_choice import CustomerChoice
from ui.money.labels import amount, day_text, from_qdate, method_label, money, parse_amount
from ui.money.labels import to_qdate as qdate
from ui.widgets import MessageLabel, add_status, bullets
from ui.worker import error_text, run_op

CONTRACT, DUE, OPEN, ALLOCATE = range(4)
MAX_INSTALMENTS = 500


class ReceiptDialog(QDialog):
    """After acceptance `saved` is the stored Receipt."""

    def __init__(self, session: Session, customer: tuple[int, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._request = 0
        self.saved: Receipt | None = None
        self.warnings: list[Signal] = []  # what the fraud watch says of the receipt saved
        self.instalments: list[Receivable] = []
        self.loading = False
        self.saving = False
        self.setWindowTitle(self.tr("Record receipt"))
        self.resize(640, 620)

        self.customer = CustomerChoice(session, allow_all=False, parent=self)
        self.received_on = QDateEdit(self)
        self.received_on.setCalendarPopup(True)
        self.received_on.setDisplayFormat("yyyy-MM-dd")
        today = qdate(session.money.today())
        self.received_on.setMaximumDate(today)  # a receipt is never dated in the future
        self.received_on.setDate(today)
        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText(self.tr("e.g. 1,500.00"))
        self.currency = QComboBox(self)
        for code in sorted(MINOR_UNITS):
            self.currency.addItem(code, code)
        self.currency.setCurrentIndex(self.currency.findData(DEFAULT_CURRENCY))
        self.method = QComboBox(self)
        for method in PaymentMethod:
            self.method.addItem(method_label(method), method.value)
        self.reference = QLineEdit(self)
        self.reference.setMaxLength(100)
        self.reference.setPlaceholderText(self.tr("Bank serial, cheque or transaction number"))
        self.payer = QLineEdit(self)
        self.payer.setMaxLength(200)
        form = QFormLayout()
        for text, field in ((self.tr("C&ustomer:"), self.customer),
                            (self.tr("&Date received:"), self.received_on)):
            form.addRow(self._label(text, field), field)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.currency)
        form.addRow(self._label(self.tr("&Amount:"), self.amount), amount_row)
        for text, field in ((self.tr("&Method:"), self.method),
                            (self.tr("&Reference:"), self.reference),
                            (self.tr("&Payer name:"), self.payer)):
            form.addRow(self._label(text, field), field)

        self.oldest_first = QRadioButton(self.tr("&Oldest due first"), self)
        self.by_hand = QRadioButton(self.tr("By &hand"), self)
        self.oldest_first.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.oldest_first)
        group.addButton(self.by_hand)
        choice = QHBoxLayout()
        choice.addWidget(QLabel(self.tr("Allocate:"), self))
        choice.addWidget(self.oldest_first)
        choice.addWidget(self.by_hand)
        choice.addStretch(1)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([self.tr("Contract"), self.tr("Due date"),
                                              self.tr("Open balance"),
                                              self.tr("Amount to allocate")])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.summary = QLabel(self)
        self.summary.setObjectName("hint")
        plain(self.summary)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Re&cord"))
        self.ok_button.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Return))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(choice)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.message, self.busy = add_status(layout, self)
        plain(self.message)
        layout.addWidget(self.buttons)

        self.customer.chosen.connect(lambda _c: self.load_instalments())
        self.customer.failed.connect(self.message.show_message)
        for signal in (self.amount.textChanged, self.reference.textChanged,
                       self.payer.textChanged):
            signal.connect(lambda _t: self.check())
        self.currency.currentIndexChanged.connect(lambda _i: self._fill_table())
        self.method.currentIndexChanged.connect(lambda _i: self.check())
        self.received_on.dateChanged.connect(lambda _d: self.check())
        self.by_hand.toggled.connect(lambda _on: self._fill_table())
        self.table.itemChanged.connect(lambda _i: self.check())
        if customer is not None:
            self.customer.preset(*customer)
        self._fill_table()

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    # -- the customer's open instalments -----------------------------------------------------
    def load_instalments(self) -> None:
        self._request += 1
        request = self._request
        customer_id = self.customer.customer_id()
        self.instalments = []
        if customer_id is None:
            self._fill_table()
            return
        session, actor = self._session, self._session.user
        self.loading = True

        def done(rows: list[Receivable]) -> None:
            if request == self._request:
                self.loading = False
                self.instalments = rows
                self._fill_table()

        def failed(exc: BaseException) -> None:
            if request == self._request:
                self.loading = False
                self.message.show_message(error_text(exc))

        run_op(self, lambda _t: session.money.receivables(
            actor, ReceivableFilter(customer_id=customer_id), None, MAX_INSTALMENTS),
            on_done=done, on_error=failed)

    def shown_instalments(self) -> list[Receivable]:
        code = self.currency.currentData()
        return [r for r in self.instalments if r.currency == code and r.open > 0]

    def _fill_table(self) -> None:
        rows = self.shown_instalments()
        by_hand = self.by_hand.isChecked()
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for row, r in enumerate(rows):
            cells = (r.contract_number, day_text(r.due), money(r.open, r.currency), "")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                if column == ALLOCATE and by_hand:
                    flags |= Qt.ItemFlag.ItemIsEditable
                if column in (OPEN, ALLOCATE):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                item.setFlags(flags)
                self.table.setItem(row, column, item)
        self.table.setColumnHidden(ALLOCATE, not by_hand)
        self.table.blockSignals(False)
        self.check()

    def set_allocation(self, row: int, text: str) -> None:
        """Type an amount to allocate to the instalment shown in `row` (by hand)."""
        item = self.table.item(row, ALLOCATE)
        if item is not None:
            item.setText(text)

    # -- checking ----------------------------------------------------------------------------
    def receipt_amount(self) -> Decimal | None:
        return parse_amount(self.amount.text())

    def allocation(self) -> dict[int, Decimal] | None:
        """None for oldest first; else the amounts typed per receivable id (unparseable ones
        are reported by problems())."""
        if not self.by_hand.isChecked():
            return None
        out: dict[int, Decimal] = {}
        for row, r in enumerate(self.shown_instalments()):
            item = self.table.item(row, ALLOCATE)
            value = parse_amount(item.text()) if item is not None and item.text().strip() \
                else None
            if value is not None and value > 0:
                out[r.id] = value
        return out

    def problems(self) -> list[str]:
        found: list[str] = []
        code = str(self.currency.currentData())
        if self.customer.customer_id() is None:
            found.append(self.tr("Choose the customer who paid."))
        total = self.receipt_amount()
        if not self.amount.text().strip():
            found.append(self.tr("Type the amount received."))
        elif total is None:
            found.append(self.tr("The amount must be a plain number such as 1,500.00."))
        else:
            try:
                exact_minor(total, code)
            except InvalidInput as exc:
                found.append(error_text(exc))
                total = None
        if not self.reference.text().strip() and self.method.currentData() != PaymentMethod.CASH:
            found.append(self.tr("Give the payment's reference (only cash may come without "
                                 "one)."))
        if self.by_hand.isChecked():
            found.extend(self._allocation_problems(total, code))
        return found

    def _allocation_problems(self, total: Decimal | None, code: str) -> list[str]:
        found: list[str] = []
        allocated = Decimal(0)
        for row, r in enumerate(self.shown_instalments()):
            item = self.table.item(row, ALLOCATE)
            text = item.text().strip() if item is not None else ""
            if not text:
                continue
            value = parse_amount(text)
            if value is None or value <= 0:
                found.append(self.tr("{contract} due {due}: {text} is not an amount.").format(
                    contract=r.contract_number, due=day_text(r.due), text=text))
            elif value > r.open:
                found.append(self.tr("{contract} due {due}: only {open} is open.").format(
                    contract=r.contract_number, due=day_text(r.due),
                    open=money(r.open, r.currency)))
            else:
                allocated += value
        if total is not None:
            if allocated > total:
                found.append(self.tr("Together the amounts to allocate ({sum}) exceed the "
                                     "amount received ({total}).").format(
                    sum=money(allocated, code), total=money(total, code)))
            self.summary.setText(self.tr("Allocated {sum}; {rest} stays as the customer's "
                                         "credit.").format(
                sum=money(allocated, code), rest=money(max(total - allocated, Decimal(0)),
                                                       code)))
        return found

    def check(self) -> bool:
        if not self.by_hand.isChecked():
            self.summary.setText(self.tr("Paid to the open instalments oldest due first; "
                                         "what is left stays as the customer's credit.")
                                 if self.shown_instalments() or self.customer.customer_id()
                                 is None else
                                 self.tr("The customer has no open instalment in this "
                                         "currency: the whole amount becomes credit."))
        found = self.problems()
        typed = bool(self.amount.text().strip())
        if found and typed:
            self.message.show_message(bullets(found))
        elif not self.saving:
            self.message.clear_message()
        self.ok_button.setEnabled(not found and not self.saving)
        return not found

    # -- saving ------------------------------------------------------------------------------
    def submit(self) -> None:
        if self.saving or not self.check():
            return
        customer_id = self.customer.customer_id()
        total = self.receipt_amount()
        assert customer_id is not None and total is not None
        draft = ReceiptDraft(received_on=from_qdate(self.received_on.date()), amount=total,
                             method=PaymentMethod(self.method.currentData()),
                             reference=self.reference.text(), payer_name=self.payer.text(),
                             currency=str(self.currency.currentData()))
        allocation = self.allocation()
        session, actor = self._session, self._session.user
        self.saving = True
        self.ok_button.setEnabled(False)
        self.busy.start(self.tr("Recording the receipt…"))

        def work(_t: object) -> tuple[Receipt, list[Signal]]:
            receipt = session.money.record_receipt(actor, customer_id, draft, allocation)
            return receipt, session.fraud.receipt_warnings(actor, receipt.id)

        def done(saved: tuple[Receipt, list[Signal]]) -> None:
            self.saved, self.warnings = saved
            self.accept()

        def failed(exc: BaseException) -> None:
            self.saving = False
            self.message.show_message(error_text(exc))
            self.ok_button.setEnabled(True)

        run_op(self, work, on_done=done, on_error=failed, on_finished=self.busy.stop)

    def wipe(self) -> None:
        self._request += 1
        self.customer.blockSignals(True)
        self.customer.wipe()
        for field in (self.amount, self.reference, self.payer):
            field.clear()
        self.instalments = []
        self.table.setRowCount(0)
        self.hide()


def saved_text(receipt: Receipt, warnings: list[Signal] | None = None) -> str:
    """What the page says after a receipt was recorded, with the fraud warnings about it."""
    text = QCoreApplication.translate(
        "Money", "Receipt #{id} of {amount} was recorded; {credit} stays as credit.").format(
        id=receipt.id, amount=money(receipt.amount, receipt.currency),
        credit=amount(receipt.unallocated, receipt.currency))
    for signal in warnings or ():
        text += "\n" + QCoreApplication.translate("Money", "⚠ {message}").format(
            message=signal.message)
    return text


def show_saved(label: MessageLabel, dialog: ReceiptDialog) -> None:
    """The saved message on the page: a warning when the fraud watch has something to say."""
    if dialog.saved is not None:
        label.show_message(saved_text(dialog.saved, dialog.warnings),
                           "warning" if dialog.warnings else "ok")
