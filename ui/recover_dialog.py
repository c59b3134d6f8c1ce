"""Forgotten password: the recovery key gives an administrator a new password."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from core.auth import Authenticator
from ui.lock import Countdown
from ui.task_dialog import TaskDialog
from ui.widgets import PasswordFields
from ui.worker import Task


class RecoverDialog(TaskDialog):
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
        self.add_footer(self.tr("Set new password"), self._submit, intro, form)
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

        def work(_task: Task) -> None:
            auth.recover(Path(path), key, name, password)

        self.run(self.tr("Opening the vault with the recovery key…"),
                 [self.key, self.admin_name, self.fields.new, self.fields.confirm], work,
                 lambda _r: self.accept(), on_error=self.countdown.report_failure)
