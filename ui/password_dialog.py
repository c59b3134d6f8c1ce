"""Changing one's own password: a form (My account page) and the dialog that forces a change
after a reset."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.session import Session
from ui.widgets import PasswordFields, add_status, button_row, password_edit
from ui.worker import Task, error_text, run_op


class ChangePasswordForm(QWidget):
    """Current password, new password twice, and a button; the change runs on a worker (the
    new key slot costs an Argon2 derivation)."""

    password_changed = Signal()
    state_changed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None,
                 show_button: bool = True) -> None:
        super().__init__(parent)
        self._session = session
        self.current = password_edit(self)
        self.fields = PasswordFields(
            lambda pw: session.accounts.password_problems(session.user, pw), self)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Current password:"), self.current)
        self.fields.add_rows(form, self.tr("New password:"), self.tr("Repeat new password:"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        self.message, self.busy = add_status(layout, self)
        self.button = QPushButton(self.tr("Change password"), self)
        self.button.clicked.connect(self.submit)
        self.button.setVisible(show_button)
        layout.addLayout(button_row(self.button))
        self.current.textChanged.connect(self._update)
        self.fields.changed.connect(self._update)
        self._update()

    def ready(self) -> bool:
        return bool(self.current.text()) and self.fields.is_acceptable() and not self.busy.active

    def _update(self) -> None:
        self.button.setEnabled(self.ready())
        self.state_changed.emit()

    def submit(self) -> None:
        if not self.ready():
            return
        old, new = self.current.text(), self.fields.password()
        self.message.clear_message()
        self.busy.start(self.tr("Changing the password…"),
                        [self.current, self.fields.new, self.fields.confirm])
        self._update()

        def work(_task: Task) -> None:
            self._session.change_password(old, new)

        run_op(self, work, on_done=self._done, on_error=self._failed,
               on_finished=self._finished)

    def _finished(self) -> None:
        self.busy.stop()
        self._update()

    def _done(self, _result: object) -> None:
        self.current.clear()
        self.fields.clear()
        self.message.show_message(self.tr("Your password was changed."), "ok")
        self.password_changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.message.show_message(error_text(exc))


class ChangePasswordDialog(QDialog):
    """After an administrator reset the password: the user must choose a new one before seeing
    anything. Cancel means log out (the caller closes the session)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Choose a new password"))
        self.setModal(True)
        self.setMinimumWidth(460)
        intro = QLabel(self.tr(
            "Your password was set by an administrator. Choose a new password that only you "
            "know before continuing."), self)
        intro.setWordWrap(True)
        self.form = ChangePasswordForm(session, self, show_button=False)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton(self.tr("Change password and continue"),
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(self.tr("Log out"),
                                                    QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.form.submit)
        self.buttons.rejected.connect(self.reject)
        self.form.password_changed.connect(self.accept)
        self.form.state_changed.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(self.form.ready())

    def reject(self) -> None:
        if not self.form.busy.active:
            super().reject()
