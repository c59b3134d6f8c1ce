"""The contract detail's life-cycle buttons (submit, activate, complete, terminate, amend,
renew) and the dialog asking why a contract is terminated. Which buttons show comes from
detail_data.offered; core decides each action and its refusal is shown as a message."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox, QPlainTextEdit, QPushButton, QWidget

from core.contracts.model import Contract
from core.session import Session
from ui.contracts import detail_data as d
from ui.contracts.labels import plain
from ui.task_dialog import TaskDialog
from ui.widgets import MessageLabel, ask
from ui.worker import BusyIndicator, error_text, run_op


class ReasonDialog(TaskDialog):
    """Terminating: a reason is required (core refuses without one)."""

    def __init__(self, session: Session, contract: Contract,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self.contract = session, contract
        self.saved: Contract | None = None
        self.setWindowTitle(self.tr("Terminate {number}").format(number=contract.number))
        intro = QLabel(self.tr("Terminating ends the contract for good. &Why is it ended?"),
                       self)
        self.reason = QPlainTextEdit(self)
        self.reason.setTabChangesFocus(True)
        intro.setBuddy(self.reason)
        self.add_footer(self.tr("&Terminate"), self._submit, intro, self.reason)
        plain(self.message)
        self.reason.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.reason.toPlainText().strip())
                                  and not self.busy.active)

    def _submit(self) -> None:
        if self.busy.active:
            return
        service, actor, cid = self._session.contracts, self._session.user, self.contract.id
        reason = self.reason.toPlainText()

        def done(saved: Contract) -> None:
            self.saved = saved
            self.accept()

        self.run(self.tr("Terminating…"), [self.reason],
                 lambda _t: service.terminate(actor, cid, reason), done)

    def wipe(self) -> None:
        self.reason.clear()
        self.hide()


class WorkflowButtons(QObject):
    """Buttons for `parent`'s bottom row; `open_contract(id)` shows a new amendment/renewal."""

    def __init__(self, session: Session, parent: QWidget, message: MessageLabel,
                 busy: BusyIndicator, open_contract: Callable[[int], object]) -> None:
        super().__init__(parent)
        self._session, self._parent = session, parent
        self._message, self._busy, self._open_contract = message, busy, open_contract
        self.contract: Contract | None = None
        self.dialog: ReasonDialog | None = None
        self.buttons: dict[str, QPushButton] = {}
        specs = ((d.SUBMIT, self.tr("Su&bmit for review"), "Ctrl+Shift+B", self.submit),
                 (d.ACTIVATE, self.tr("Acti&vate"), "", self.activate),
                 (d.COMPLETE, self.tr("Co&mplete"), "", self.complete),
                 (d.TERMINATE, self.tr("Termi&nate…"), "", self.terminate),
                 (d.AMEND, self.tr("Am&end…"), "", self.amend),
                 (d.RENEW, self.tr("Rene&w…"), "", self.renew))
        for key, text, shortcut, slot in specs:
            button = QPushButton(text, parent)
            button.setObjectName(f"contract_{key}")
            button.setAutoDefault(False)
            if shortcut:
                button.setShortcut(QKeySequence(shortcut))
            button.clicked.connect(slot)
            button.hide()
            self.buttons[key] = button

    def show_for(self, contract: Contract | None, offered: dict[str, bool]) -> None:
        self.contract = contract
        for key, button in self.buttons.items():
            button.setVisible(contract is not None and offered.get(key, False))

    # -- actions -----------------------------------------------------------------------------
    def _run(self, text: str, work: Callable[[], Contract],
             done: Callable[[Contract], None] | None = None) -> None:
        if self._busy.active:
            return
        self._message.clear_message()
        self._busy.start(text, list(self.buttons.values()))

        def finished() -> None:
            self._busy.stop()

        run_op(self._parent, lambda _t: work(), on_done=done,
               on_error=lambda exc: self._message.show_message(error_text(exc)),
               on_finished=finished)

    def submit(self) -> None:
        contract = self.contract
        if contract is None or self.buttons[d.SUBMIT].isHidden():
            return
        service, actor = self._session.contracts, self._session.user
        self._run(self.tr("Submitting…"), lambda: service.submit(actor, contract.id),
                  lambda _c: self._message.show_message(
                      self.tr("Submitted for review."), "ok"))

    def activate(self) -> None:
        contract = self.contract
        if contract is not None and not self.buttons[d.ACTIVATE].isHidden():
            service, actor = self._session.contracts, self._session.user
            self._run(self.tr("Activating…"), lambda: service.activate(actor, contract.id))

    def complete(self) -> None:
        contract = self.contract
        if contract is not None and not self.buttons[d.COMPLETE].isHidden():
            service, actor = self._session.contracts, self._session.user
            self._run(self.tr("Completing…"), lambda: service.complete(actor, contract.id))

    def terminate(self) -> ReasonDialog | None:
        if self.contract is None or self.buttons[d.TERMINATE].isHidden():
            return None
        self.dialog = ReasonDialog(self._session, self.contract, self._parent)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.open()
        return self.dialog

    def _follow_up(self, renew: bool) -> QMessageBox | None:
        contract = self.contract
        if contract is None:
            return None
        service, actor = self._session.contracts, self._session.user
        work = service.renew if renew else service.amend

        def go() -> None:
            self._run(self.tr("Creating the new version…"), lambda: work(actor, contract.id),
                      lambda new: self._open_contract(new.id))

        text = (self.tr("Create a renewal of {number} as a new draft, linked to it?") if renew
                else self.tr("Create an amendment of {number} as a new draft, linked to it? "
                             "The signed contract stays as it is."))
        return ask(self._parent, self.tr("Renew contract") if renew
                   else self.tr("Amend contract"), text.format(number=contract.number),
                   self.tr("Renew") if renew else self.tr("Amend"), go)

    def amend(self) -> QMessageBox | None:
        return self._follow_up(False) if not self.buttons[d.AMEND].isHidden() else None

    def renew(self) -> QMessageBox | None:
        return self._follow_up(True) if not self.buttons[d.RENEW].isHidden() else None

    def wipe(self) -> None:
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.wipe()
        self.contract = None
