"""Approving or rejecting a fund request: the request in full, the fraud warnings core raises
about it, then the approver's password typed again (checked by core with Argon2, so on a
worker) and a comment, required to reject. Core decides whether this user may decide; its
refusals are shown here, and a wrong password changes nothing."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QPlainTextEdit, QWidget

from core.errors import AuthenticationFailed, UnlockThrottled
from core.money.funds_model import FundRequest
from core.money.signals import Signal
from core.session import Session
from ui.contracts.labels import plain
from ui.lock import Countdown
from ui.money.funds_model import FundRow, detail_lines, warning_lines
from ui.task_dialog import TaskDialog
from ui.widgets import MessageLabel, password_edit
from ui.worker import error_text, run_op


class FundDecisionDialog(TaskDialog):
    """After OK, `saved` is the request as stored after the decision."""

    def __init__(self, session: Session, row: FundRow, reject: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self.row, self.rejecting = session, row, reject
        self.request_id = row.request.id
        self.saved: FundRequest | None = None
        self.setMinimumWidth(520)
        self.setWindowTitle(self.tr("Reject fund request #{id}").format(id=self.request_id)
                            if reject else
                            self.tr("Approve fund request #{id}").format(id=self.request_id))
        self.details = QLabel("\n".join(detail_lines(row, warnings=False)), self)
        self.details.setWordWrap(True)
        left = row.request.approvals_needed - row.approvals
        intro = QLabel(self.tr(
            "Rejecting ends the request: nothing is paid or written off. Say why, and type "
            "your password to confirm it is you.") if reject else (self.tr(
                "Your approval applies it now. Type your password to confirm it is you.")
                if left <= 1 else self.tr(
                "It needs {left} approvals more: yours is recorded and it takes effect with "
                "the last one. Type your password to confirm it is you.").format(left=left)),
            self)
        intro.setWordWrap(True)
        # Shown at once from the list, then read again: what core says now is what counts.
        self.warnings = MessageLabel(self)
        self.warnings_loading = True
        self.password = password_edit(self)
        self.comment = QPlainTextEdit(self)
        self.comment.setTabChangesFocus(True)
        self.comment.setPlaceholderText(self.tr("Why it is rejected (required)") if reject
                                        else self.tr("Optional"))
        form = QFormLayout()
        form.addRow(self.tr("&Password:"), self.password)
        form.addRow(self.tr("&Comment:"), self.comment)
        self.add_footer(self.tr("&Reject") if reject else self.tr("&Approve"), self._submit,
                        self.details, self.warnings, intro, form)
        plain(self.details, self.warnings, self.message)
        self.countdown = Countdown(self.message, [self.ok_button], self)
        self.countdown.finished.connect(self._update)
        self.password.textChanged.connect(self._update)
        self.comment.textChanged.connect(self._update)
        self._show_warnings(list(row.warnings))
        self._update()
        self.password.setFocus()
        run_op(self, lambda _t: session.funds.warnings(session.user, self.request_id),
               on_done=self._show_warnings, on_error=lambda exc: self.warnings.show_message(
                   error_text(exc)), on_finished=self._warnings_read)

    def _show_warnings(self, warnings: list[Signal]) -> None:
        if warnings:
            self.warnings.show_message(self.tr(
                "Look into these before you decide:") + "\n" + "\n".join(
                warning_lines(warnings)), "warning")
        else:
            self.warnings.clear_message()

    def _warnings_read(self) -> None:
        self.warnings_loading = False

    def _update(self) -> None:
        ready = bool(self.password.text()) and (
            not self.rejecting or bool(self.comment.toPlainText().strip()))
        self.ok_button.setEnabled(ready and not self.busy.active and not self.countdown.active)

    def _submit(self) -> None:
        if self.busy.active or self.countdown.active or not self.ok_button.isEnabled():
            return
        service, actor, rid = self._session.funds, self._session.user, self.request_id
        password, comment, rejecting = (self.password.text(), self.comment.toPlainText(),
                                        self.rejecting)

        def work(_task: object) -> FundRequest:
            if rejecting:
                return service.reject(actor, rid, password, comment)
            return service.approve(actor, rid, password, comment)

        def done(saved: FundRequest) -> None:
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
                self.tr("Wrong password: the request was not rejected.") if self.rejecting
                else self.tr("Wrong password: the request was not approved."))
        else:
            self.message.show_message(error_text(exc))
        self.password.setFocus()

    def wipe(self) -> None:
        self.password.clear()
        self.comment.clear()
        self.details.clear()
        self.warnings.clear_message()
        self.hide()

