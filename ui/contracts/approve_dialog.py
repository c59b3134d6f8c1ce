"""Approving or rejecting a contract's pending step: the approver types their password again
and a comment, required to reject (ui/decision_dialog.py). A contract on credit hold (over the
customer's available credit) says so, and its last approval asks why the hold is overridden;
core checks that again and records the reason. Core decides whether this user may take the
step; its refusals are shown here."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QPlainTextEdit, QWidget

from core.contracts.credit_hold import CreditHold
from core.session import Session
from ui.contracts.labels import plain
from ui.decision_dialog import Decide, DecisionDialog
from ui.widgets import MessageLabel
from ui.worker import error_text, run_op


class ApproveDialog(DecisionDialog):
    """After OK, `saved` is the contract as stored after the decision."""

    def __init__(self, session: Session, contract_id: int, number: str, reject: bool = False,
                 parent: QWidget | None = None, last_step: bool = False) -> None:
        super().__init__(reject, parent)
        self._session, self.contract_id, self.last_step = session, contract_id, last_step
        self.hold: CreditHold | None = None
        self.hold_loading = not reject
        self.setMinimumWidth(460)
        self.setWindowTitle(self.tr("Reject {number}").format(number=number) if reject
                            else self.tr("Approve {number}").format(number=number))
        intro = QLabel(self.tr(
            "Rejecting sends the contract back to its author. Say why, and type your password "
            "to confirm it is you.") if reject else self.tr(
            "Type your password to confirm it is you approving this step."), self)
        intro.setWordWrap(True)
        self.hold_message = MessageLabel(self)
        self.override = QPlainTextEdit(self)
        self.override.setTabChangesFocus(True)
        self.override.setMaximumHeight(80)
        self.override.setPlaceholderText(self.tr(
            "Why the contract may go ahead over the customer's credit (required)"))
        self.override_label = QLabel(self.tr("&Override reason:"), self)
        self.override_label.setBuddy(self.override)
        form = QFormLayout()
        form.addRow(self.override_label, self.override)
        self._show_override(False)
        self.build(intro, self.hold_message, form=form)
        plain(self.hold_message)
        self.override.textChanged.connect(self._update)
        if not reject:
            run_op(self, lambda _t: session.contracts.credit_hold(session.user, contract_id),
                   on_done=self._show_hold,
                   on_error=lambda exc: self.hold_message.show_message(error_text(exc)),
                   on_finished=self._hold_read)

    def _show_override(self, shown: bool) -> None:
        self.override.setVisible(shown)
        self.override_label.setVisible(shown)

    def _show_hold(self, hold: CreditHold | None) -> None:
        self.hold = hold
        if hold is None:
            self.hold_message.clear_message()
            self._show_override(False)
            return
        over = self.tr("Credit hold: {total} {currency} is over the customer's available "
                       "credit of {available} {currency} by {over} {currency}.").format(
            total=f"{hold.total:,.2f}", available=f"{hold.available:,.2f}",
            over=f"{hold.over_by:,.2f}", currency=hold.currency)
        if self.last_step:
            over += " " + self.tr("Approving releases it: say why, it is kept in the audit "
                                  "trail.")
        self.hold_message.show_message(over, "warning")
        self._show_override(self.last_step)
        self._update()

    def _hold_read(self) -> None:
        self.hold_loading = False
        self._update()

    def ready(self) -> bool:
        # While the hold is still being read, core has the last word: it refuses a held
        # contract's release without a reason, and the dialog then shows why.
        return self.rejecting or self.hold is None or not self.last_step or bool(
            self.override.toPlainText().strip())

    def inputs(self) -> list[QWidget]:
        return [self.password, self.comment, self.override]

    def decision(self) -> Decide:
        service, actor, cid = self._session.contracts, self._session.user, self.contract_id
        if self.rejecting:
            return lambda password, comment: service.reject(actor, cid, password, comment)
        reason = self.override.toPlainText() if self.hold is not None else ""
        return lambda password, comment: service.approve(actor, cid, password, comment,
                                                         override_reason=reason)

    def wrong_password_text(self) -> str:
        return (self.tr("Wrong password: the contract was not rejected.") if self.rejecting
                else self.tr("Wrong password: the contract was not approved."))

    def wipe(self) -> None:
        self.override.clear()
        self.hold_message.clear_message()
        super().wipe()
