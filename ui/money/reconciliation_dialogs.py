"""The Reconciliation page's smaller dialogs: undoing a line's match (a reason is required: a
receipt recorded for it is reversed, and the reason goes into the audit trail) and closing a
period (confirmed first; core refuses while lines up to that day are unmatched or differ,
unless closed anyway with a reason)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.money.reconciliation_model import PeriodNotReconciled, StoredLine
from core.session import Session
from ui.contracts.labels import plain
from ui.money.labels import day_text, from_qdate, money, to_qdate
from ui.money.statement_lines_model import closed_text
from ui.reason_dialog import ReasonDialog
from ui.widgets import add_status, ask
from ui.worker import error_text, run_op

MAX_REASON = 500


def _buttons(dialog: QDialog, ok_text: str) -> tuple[QDialogButtonBox, QPushButton]:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


class UnmatchDialog(ReasonDialog):
    """After OK, `undone` is how many match parts core undid."""

    def __init__(self, session: Session, line: StoredLine, parent: QWidget | None = None) -> None:
        self.line = line
        actor = session.user
        super().__init__(
            self.tr("Unmatch statement line"), self.tr(
                "Undo the match of row {row} ({day}, {amount})? A receipt recorded for it is "
                "reversed and what it paid is owed again; nothing is deleted.").format(
                row=line.row, day=day_text(line.date), amount=money(line.amount, line.currency)),
            self.tr("&Unmatch"), self.tr("Say why the match is undone."),
            self.tr("Unmatching…"),
            lambda reason: session.reconciliation.unmatch(actor, line.id, reason), parent)

    @property
    def undone(self) -> int:
        return int(self.result_value or 0)


class ClosePeriodDialog(QDialog):
    """Up to which day reconciliation is closed. `closed` is the day once core closed it."""

    def __init__(self, session: Session, closed_until: date | None, suggested: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.closed: date | None = None
        self.question: QMessageBox | None = None
        self.setWindowTitle(self.tr("Close a reconciliation period"))
        intro = QLabel(self.tr(
            "{closed} Once a period is closed, nothing dated in it can be imported, matched "
            "or unmatched. Core refuses while lines up to that day are unmatched or matched "
            "with a difference, unless you close it anyway and say why.").format(
            closed=closed_text(closed_until)), self)
        intro.setWordWrap(True)
        self.until = QDateEdit(self)
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("yyyy-MM-dd")
        self.until.setDate(to_qdate(suggested))
        self.until.setMaximumDate(to_qdate(session.money.today()))
        self.force = QCheckBox(self.tr("Close &anyway, with lines not reconciled"), self)
        self.reason = QLineEdit(self)
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setEnabled(False)
        self.reason.setPlaceholderText(self.tr("Why the period is closed as it is"))
        form = QFormLayout()
        form.addRow(self.tr("Close &up to (inclusive):"), self.until)
        form.addRow("", self.force)
        form.addRow(self.tr("&Reason:"), self.reason)
        self.buttons, self.ok_button = _buttons(self, self.tr("&Close period"))
        self.buttons.accepted.connect(self.confirm)
        self.force.toggled.connect(self._update)
        self.reason.textChanged.connect(lambda _t: self._update())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        self.message, self.busy = add_status(layout, self)
        plain(self.message)
        layout.addWidget(self.buttons)

    def _update(self) -> None:
        forced = self.force.isChecked()
        self.reason.setEnabled(forced)
        self.ok_button.setEnabled(
            not self.busy.active and (not forced or bool(self.reason.text().strip())))

    def confirm(self) -> QMessageBox:
        """Ask before closing: it cannot be undone."""
        until = from_qdate(self.until.date())
        if self.force.isChecked():
            text = self.tr("Close reconciliation up to {day} even though lines are not "
                           "reconciled? This cannot be undone.")
        else:
            text = self.tr("Close reconciliation up to {day}? This cannot be undone.")
        self.question = ask(self, self.tr("Close period"), text.format(day=day_text(until)),
                            self.tr("Close period"), self.submit)
        return self.question

    def submit(self) -> None:
        session, actor = self._session, self._session.user
        until, force = from_qdate(self.until.date()), self.force.isChecked()
        reason = self.reason.text().strip() if force else ""
        self.message.clear_message()
        self.busy.start(self.tr("Closing…"), [self.ok_button, self.until])

        def done(_none: object) -> None:
            self.closed = until
            self.accept()

        def failed(exc: BaseException) -> None:
            self.message.show_message(error_text(exc))
            if isinstance(exc, PeriodNotReconciled):
                self.force.setFocus()

        run_op(self, lambda _t: session.reconciliation.close_period(actor, until, force, reason),
               on_done=done, on_error=failed, on_finished=self._finished)

    def _finished(self) -> None:
        self.busy.stop()
        self._update()

    def reject(self) -> None:
        if not self.busy.active:
            super().reject()
