"""Asking for a refund, a discount after signing, a rebate, a bad-debt provision or a write-off:
the customer (searched by name), then what it applies to — for a refund the receipt whose
unallocated money goes back (with what of it may still be refunded) and the account it is paid
to; otherwise one of the customer's open instalments — the amount (typed as text, an exact
Decimal, never more than is available) and the reason. Nothing moves until someone else
approves it; core checks everything again and its refusals are shown as they come."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from core.errors import InvalidInput
from core.money.amounts import exact_minor
from core.money.funds_model import FundDraft, FundKind, FundRequest
from core.money.model import Receipt, Receivable, ReceivableFilter
from core.session import Session
from ui.contracts.labels import plain
from ui.money.customer_choice import CustomerChoice
from ui.money.funds_model import kind_label
from ui.money.labels import day_text, money, parse_amount
from ui.widgets import add_status, bullets
from ui.worker import error_text, run_op

MAX_TARGETS = 500


@dataclass(frozen=True)
class Target:
    """A receipt (refunds) or an instalment (the other kinds) and what it can still take."""

    id: int
    text: str
    available: Decimal
    currency: str


def _is_refund(kind: object) -> bool:
    return kind == FundKind.REFUND


class FundRequestDialog(QDialog):
    """After acceptance `saved` is the stored FundRequest."""

    def __init__(self, session: Session, customer: tuple[int, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._request = 0
        self.saved: FundRequest | None = None
        self.targets: list[Target] = []
        self.loading = False
        self.saving = False
        self.setWindowTitle(self.tr("New fund request"))
        self.resize(600, 520)

        self.kind = QComboBox(self)
        for kind in (FundKind.WRITE_OFF, FundKind.REFUND, FundKind.DISCOUNT, FundKind.REBATE,
                     FundKind.PROVISION):
            self.kind.addItem(kind_label(kind), kind)
        self.customer = CustomerChoice(session, allow_all=False, parent=self)
        self.target = QComboBox(self)
        self.target.setMinimumContentsLength(30)
        self.available = QLabel(self)
        self.available.setObjectName("hint")
        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText(self.tr("e.g. 1,500.00"))
        self.currency = QLabel(self)
        self.destination = QLineEdit(self)
        self.destination.setMaxLength(100)
        self.destination.setPlaceholderText(self.tr("Bank and account number the money goes "
                                                    "to"))
        self.reason = QPlainTextEdit(self)
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(self.tr("Why the money is needed (required)"))
        self.approvals = QLabel(self)
        self.approvals.setObjectName("hint")
        self.approvals.setWordWrap(True)

        self.form = QFormLayout()
        self.target_label = self._label("", self.target)
        for text, field in ((self.tr("&Kind:"), self.kind), (self.tr("C&ustomer:"),
                                                              self.customer)):
            self.form.addRow(self._label(text, field), field)
        self.form.addRow(self.target_label, self.target)
        self.form.addRow("", self.available)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.currency)
        self.form.addRow(self._label(self.tr("&Amount:"), self.amount), amount_row)
        self.form.addRow(self._label(self.tr("&Pay to account:"), self.destination),
                         self.destination)
        self.form.addRow(self._label(self.tr("&Reason:"), self.reason), self.reason)
        self.form.addRow("", self.approvals)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Sub&mit request"))
        self.ok_button.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Return))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        self.message, self.busy = add_status(layout, self)
        plain(self.message, self.available, self.approvals)
        layout.addWidget(self.buttons)

        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.customer.chosen.connect(lambda _c: self.load_targets())
        self.customer.failed.connect(self.message.show_message)
        self.target.currentIndexChanged.connect(lambda _i: self._target_changed())
        for signal in (self.amount.textChanged, self.destination.textChanged):
            signal.connect(lambda _t: self.check())
        self.reason.textChanged.connect(self.check)
        self._was_refund = False
        self._show_kind()
        if customer is not None:
            self.customer.preset(*customer)
        self.check()

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    def chosen_kind(self) -> FundKind:
        return FundKind(self.kind.currentData())

    # -- what it applies to ------------------------------------------------------------------
    def _show_kind(self) -> None:
        refund = _is_refund(self.chosen_kind())
        self.target_label.setText(self.tr("Re&ceipt:") if refund else self.tr("I&nstalment:"))
        self.form.setRowVisible(self.destination, refund)

    def _kind_changed(self) -> None:
        self._show_kind()
        if _is_refund(self.chosen_kind()) != self._was_refund:
            self.load_targets()  # receipts for a refund, instalments for the rest
        else:
            self.check()

    def load_targets(self) -> None:
        self._request += 1
        request = self._request
        customer_id = self.customer.customer_id()
        refund = _is_refund(self.chosen_kind())
        self._was_refund = refund
        self._fill([])
        if customer_id is None:
            return
        session, actor = self._session, self._session.user
        self.loading = True

        def work(_task: object) -> list[tuple[object, Decimal]]:
            if refund:
                return [(r, left) for r in session.money.receipts(actor, customer_id)
                        if not r.reversed
                        and (left := session.funds.refundable(actor, r.id)) > 0]
            rows = session.money.receivables(actor, ReceivableFilter(customer_id=customer_id),
                                             None, MAX_TARGETS)
            return [(r, r.open) for r in rows if r.open > 0]

        def done(found: list[tuple[object, Decimal]]) -> None:
            if request == self._request:
                self.loading = False
                self._fill([self._target(row, left) for row, left in found])

        def failed(exc: BaseException) -> None:
            if request == self._request:
                self.loading = False
                self.message.show_message(error_text(exc))

        run_op(self, work, on_done=done, on_error=failed)

    def _target(self, row: object, left: Decimal) -> Target:
        if isinstance(row, Receipt):
            return Target(row.id, self.tr("#{id} of {day}: {amount} {reference}").format(
                id=row.id, day=day_text(row.received_on), amount=money(row.amount, row.currency),
                reference=row.reference), left, row.currency)
        assert isinstance(row, Receivable)
        return Target(row.id, self.tr("{contract} #{position} due {due}").format(
            contract=row.contract_number, position=row.position, due=day_text(row.due)),
            left, row.currency)

    def _fill(self, targets: list[Target]) -> None:
        self.targets = targets
        self.target.blockSignals(True)
        self.target.clear()
        for t in targets:
            self.target.addItem(t.text, t.id)
        if not targets:
            self.target.addItem(self._none_text(), None)
        self.target.blockSignals(False)
        self._target_changed()

    def _none_text(self) -> str:
        if self.customer.customer_id() is None:
            return self.tr("Choose the customer first")
        if self.loading:
            return self.tr("Loading…")
        return (self.tr("No receipt with money left to refund") if _is_refund(
            self.chosen_kind()) else self.tr("No open instalment"))

    def chosen_target(self) -> Target | None:
        index = self.target.currentIndex()
        return self.targets[index] if 0 <= index < len(self.targets) else None

    def choose_target(self, target_id: int) -> None:
        self.target.setCurrentIndex(self.target.findData(target_id))

    def _target_changed(self) -> None:
        target = self.chosen_target()
        self.currency.setText(target.currency if target else "")
        if target is None:
            self.available.clear()
        else:
            text = (self.tr("Refundable: {amount}") if _is_refund(self.chosen_kind())
                    else self.tr("Open balance: {amount}"))
            self.available.setText(text.format(amount=money(target.available,
                                                            target.currency)))
        self.check()

    # -- checking ----------------------------------------------------------------------------
    def requested_amount(self) -> Decimal | None:
        return parse_amount(self.amount.text())

    def problems(self) -> list[str]:
        found: list[str] = []
        refund = _is_refund(self.chosen_kind())
        target = self.chosen_target()
        if self.customer.customer_id() is None:
            found.append(self.tr("Choose the customer."))
        elif target is None:
            found.append(self.tr("Choose the receipt to refund.") if refund
                         else self.tr("Choose the instalment it applies to."))
        value = self.requested_amount()
        if not self.amount.text().strip():
            found.append(self.tr("Type the amount."))
        elif value is None or value <= 0:
            found.append(self.tr("The amount must be a plain number above zero, such as "
                                 "1,500.00."))
        elif target is not None:
            try:
                exact_minor(value, target.currency)
            except InvalidInput as exc:
                found.append(error_text(exc))
            else:
                if value > target.available:
                    found.append((self.tr("Only {amount} of the receipt may be refunded.")
                                  if refund else self.tr("Only {amount} of the instalment is "
                                                         "open.")).format(
                        amount=money(target.available, target.currency)))
        if refund and not self.destination.text().strip():
            found.append(self.tr("Give the account the refund is paid to."))
        if not self.reason.toPlainText().strip():
            found.append(self.tr("Say why the money is needed."))
        return found

    def check(self) -> bool:
        found = self.problems()
        typed = bool(self.amount.text().strip() or self.reason.toPlainText().strip())
        if found and typed:
            self.message.show_message(bullets(found))
        elif not self.saving:
            self.message.clear_message()
        self._show_approvals(not found)
        self.ok_button.setEnabled(not found and not self.saving)
        return not found

    def _show_approvals(self, valid: bool) -> None:
        target, value = self.chosen_target(), self.requested_amount()
        if not valid or target is None or value is None:
            self.approvals.clear()
            return
        needed = self._session.funds.approvals_needed(value, target.currency)
        self.approvals.setText(
            self.tr("Above the threshold: two colleagues other than you must approve it.")
            if needed > 1 else self.tr("A colleague other than you must approve it."))

    # -- saving ------------------------------------------------------------------------------
    def submit(self) -> None:
        if self.saving or not self.check():
            return
        customer_id, target, value = (self.customer.customer_id(), self.chosen_target(),
                                      self.requested_amount())
        assert customer_id is not None and target is not None and value is not None
        kind = self.chosen_kind()
        refund = _is_refund(kind)
        draft = FundDraft(kind=kind, customer_id=customer_id, amount=value,
                          reason=self.reason.toPlainText().strip(), currency=target.currency,
                          receivable_id=None if refund else target.id,
                          receipt_id=target.id if refund else None,
                          destination=self.destination.text().strip() if refund else "")
        session, actor = self._session, self._session.user
        self.saving = True
        self.ok_button.setEnabled(False)
        self.busy.start(self.tr("Submitting the request…"))

        def done(saved: FundRequest) -> None:
            self.saved = saved
            self.accept()

        def failed(exc: BaseException) -> None:
            self.saving = False
            self.message.show_message(error_text(exc))
            self.ok_button.setEnabled(True)

        run_op(self, lambda _t: session.funds.request(actor, draft), on_done=done,
               on_error=failed, on_finished=self.busy.stop)

    def wipe(self) -> None:
        self._request += 1
        self.customer.blockSignals(True)
        self.customer.wipe()
        for field in (self.amount, self.destination):
            field.clear()
        self.reason.clear()
        self.targets = []
        self.target.clear()
        self.hide()
