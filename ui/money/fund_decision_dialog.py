"""Approving or rejecting a fund request: the request in full, the fraud warnings core raises
about it, then the approver's password typed again (checked by core with Argon2, so on a
worker) and a comment, required to reject. Core decides whether this user may decide; its
refusals are shown here, and a wrong password changes nothing."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from core.money.signals import Signal
from core.session import Session
from ui.contracts.labels import plain
from ui.decision_dialog import Decide, DecisionDialog
from ui.money.funds_model import FundRow, detail_lines, warning_lines
from ui.widgets import MessageLabel
from ui.worker import error_text, run_op


class FundDecisionDialog(DecisionDialog):
    """After OK, `saved` is the request as stored after the decision."""

    def __init__(self, session: Session, row: FundRow, reject: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(reject, parent)
        self._session, self.row = session, row
        self.request_id = row.request.id
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
        self.build(self.details, self.warnings, intro)
        plain(self.details, self.warnings)
        self._show_warnings(list(row.warnings))
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

    def decision(self) -> Decide:
        service, actor, rid = self._session.funds, self._session.user, self.request_id
        if self.rejecting:
            return lambda password, comment: service.reject(actor, rid, password, comment)
        return lambda password, comment: service.approve(actor, rid, password, comment)

    def wrong_password_text(self) -> str:
        return (self.tr("Wrong password: the request was not rejected.") if self.rejecting
                else self.tr("Wrong password: the request was not approved."))

    def wipe(self) -> None:
        self.details.clear()
        self.warnings.clear_message()
        super().wipe()
