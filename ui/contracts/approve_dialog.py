"""Approving or rejecting a contract's pending step: the approver types their password again
(checked by core with Argon2, so on a worker) and a comment, required to reject. Core decides
whether this user may take the step; its refusals are shown here."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QPlainTextEdit, QWidget

from core.contracts.model import Contract
from core.errors import AuthenticationFailed, UnlockThrottled
from core.session import Session
from ui.contracts.labels import plain
from ui.lock import Countdown
from ui.task_dialog import TaskDialog
from ui.widgets import password_edit
from ui.worker import error_text


class ApproveDialog(TaskDialog):
    """After OK, `saved` is the contract as stored after the decision."""

    def __init__(self, session: Session, contract_id: int, number: str, reject: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self.contract_id, self.rejecting = session, contract_id, reject
        self.saved: Contract | None = None
        self.setMinimumWidth(460)
        self.setWindowTitle(self.tr("Reject {number}").format(number=number) if reject
                            else self.tr("Approve {number}").format(number=number))
        intro = QLabel(self.tr(
            "Rejecting sends the contract back to its author. Say why, and type your password "
            "to confirm it is you.") if reject else self.tr(
            "Type your password to confirm it is you approving this step."), self)
        intro.setWordWrap(True)
        self.password = password_edit(self)
        self.comment = QPlainTextEdit(self)
        self.comment.setTabChangesFocus(True)
        self.comment.setPlaceholderText(self.tr("Why it is rejected (required)") if reject
                                        else self.tr("Optional"))
        form = QFormLayout()
        form.addRow(self.tr("&Password:"), self.password)
        form.addRow(self.tr("&Comment:"), self.comment)
        self.add_footer(self.tr("&Reject") if reject else self.tr("&Approve"), self._submit,
                        intro, form)
        plain(self.message)
        self.countdown = Countdown(self.message, [self.ok_button], self)
        self.countdown.finished.connect(self._update)
        self.password.textChanged.connect(self._update)
        self.comment.textChanged.connect(self._update)
        self._update()
        self.password.setFocus()

    def _update(self) -> None:
        ready = bool(self.password.text()) and (
            not self.rejecting or bool(self.comment.toPlainText().strip()))
        self.ok_button.setEnabled(ready and not self.busy.active and not self.countdown.active)

    def _submit(self) -> None:
        if self.busy.active or self.countdown.active:
            return
        service, actor, cid = self._session.contracts, self._session.user, self.contract_id
        password, comment, rejecting = (self.password.text(), self.comment.toPlainText(),
                                        self.rejecting)

        def work(_task: object) -> Contract:
            if rejecting:
                return service.reject(actor, cid, password, comment)
            return service.approve(actor, cid, password, comment)

        def done(saved: Contract) -> None:
            self.saved = saved
            self.accept()

        self.run(self.tr("Rejecting…") if rejecting else self.tr("Approving…"),
                 [self.password, self.comment], work, done, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.password.clear()
        if isinstance(exc, UnlockThrottled):
            self.countdown.start(exc.retry_after)
        elif isinstance(exc, AuthenticationFailed):
            self.message.show_message(
                self.tr("Wrong password: the contract was not rejected.") if self.rejecting
                else self.tr("Wrong password: the contract was not approved."))
        else:
            self.message.show_message(error_text(exc))
        self.password.setFocus()

    def wipe(self) -> None:
        self.password.clear()
        self.comment.clear()
        self.hide()
