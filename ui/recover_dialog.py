"""Forgotten password: the recovery key gives an administrator a new password."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.auth import Authenticator
from core.errors import UnlockThrottled
from ui.lock import Countdown, login_error_text
from ui.widgets import MessageLabel, PasswordFields
from ui.worker import BusyIndicator, Task, run_op


class RecoverDialog(QDialog):
    def __init__(self, auth: Authenticator, vault_path: str, admin_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._auth, self._path = auth, vault_path
        self.setWindowTitle(self.tr("Recover with the recovery key"))
        self.setMinimumWidth(520)
        intro = QLabel(self.tr(
            "The recovery key was shown once when the vault was created (or last regenerated). "
            "It gives an administrator of this vault a new password."), self)
        intro.setWordWrap(True)
        self.key = QLineEdit(self)
        self.key.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.key.setPlaceholderText(self.tr("The recovery key, as written down"))
        self.admin_name = QLineEdit(admin_name, self)
        self.fields = PasswordFields(
            lambda pw: auth.password_problems(pw, self.admin_name.text()), self)
        form = QFormLayout()
        form.addRow(self.tr("Recovery &key:"), self.key)
        form.addRow(self.tr("&Administrator name:"), self.admin_name)
        self.fields.add_rows(form, self.tr("&New password:"), self.tr("&Repeat new password:"))
        self.message = MessageLabel(self)
        self.busy = BusyIndicator(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Set new password"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.countdown = Countdown(self.message, [], self)
        self.countdown.finished.connect(self._update)
        for edit in (self.key, self.admin_name):
            edit.textChanged.connect(self._update)
        self.admin_name.textChanged.connect(self.fields.update_feedback)
        self.fields.changed.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.key.text().strip()) and bool(
            self.admin_name.text().strip()) and self.fields.is_acceptable()
            and not self.busy.active and not self.countdown.active)

    def _submit(self) -> None:
        auth, path = self._auth, self._path
        key, name, password = self.key.text(), self.admin_name.text(), self.fields.password()
        self.message.clear_message()
        self.busy.start(self.tr("Opening the vault with the recovery key…"),
                        [self.key, self.admin_name, self.fields.new, self.fields.confirm])
        self.ok_button.setEnabled(False)

        def work(_task: Task) -> None:
            auth.recover(Path(path), key, name, password)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, UnlockThrottled):
                self.countdown.start(exc.retry_after)
            else:
                self.message.show_message(login_error_text(exc))

        def finished() -> None:
            self.busy.stop()
            self._update()

        run_op(self, work, on_done=lambda _r: self.accept(), on_error=failed,
               on_finished=finished)

    def reject(self) -> None:
        if not self.busy.active:
            super().reject()
