"""Creating a vault: an empty or new folder, the first administrator and their password."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.auth import Authenticator
from core.session import Session
from ui.widgets import MessageLabel, PasswordFields
from ui.worker import BusyIndicator, Task, error_text, run_op


def suggested_folder() -> str:
    documents = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    base = Path(documents) / "Strongroom vault"
    candidate, number = base, 2
    while candidate.exists():
        candidate = base.with_name(f"{base.name} {number}")
        number += 1
    return str(candidate)


def _tr(text: str) -> str:
    return QCoreApplication.translate("CreateVaultDialog", text)


def folder_problem(text: str) -> str | None:
    """Why a folder cannot hold a new vault, or None."""
    if not text.strip():
        return _tr("Choose a folder for the vault.")
    path = Path(text.strip()).expanduser()
    if path.exists() and not path.is_dir():
        return _tr("This is a file, not a folder.")
    if path.is_dir() and any(path.iterdir()):
        return _tr("This folder is not empty; choose an empty or new folder.")
    return None


class CreateVaultDialog(QDialog):
    def __init__(self, auth: Authenticator, parent: QWidget | None = None,
                 folder: str | None = None) -> None:
        super().__init__(parent)
        self._auth = auth
        self.session: Session | None = None
        self.recovery_key = ""
        self.setWindowTitle(self.tr("Create a vault"))
        self.setMinimumWidth(560)
        intro = QLabel(self.tr(
            "A vault is a folder holding the encrypted database and its key slots. You will be "
            "its first administrator."), self)
        intro.setWordWrap(True)
        self.folder = QLineEdit(folder if folder is not None else suggested_folder(), self)
        self.browse = QPushButton(self.tr("&Browse…"), self)
        self.browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        self.folder_feedback = QLabel(self)
        self.folder_feedback.setObjectName("passwordFeedback")
        self.folder_feedback.setProperty("kind", "error")
        self.admin_name = QLineEdit(self)
        self.admin_name.setMaxLength(64)
        self.fields = PasswordFields(
            lambda pw: auth.password_problems(pw, self.admin_name.text()), self)
        form = QFormLayout()
        # A row holding a layout gets no buddy from addRow, so the label is made here.
        folder_label = QLabel(self.tr("&Folder:"), self)
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, folder_row)
        form.addRow("", self.folder_feedback)
        form.addRow(self.tr("&Administrator name:"), self.admin_name)
        self.fields.add_rows(form, self.tr("&Password:"), self.tr("&Repeat password:"))
        self.message = MessageLabel(self)
        self.busy = BusyIndicator(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText(self.tr("Create vault"))
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.create)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.folder.textChanged.connect(self._update)
        self.admin_name.textChanged.connect(self.fields.update_feedback)
        self.admin_name.textChanged.connect(self._update)
        self.fields.changed.connect(self._update)
        self._update()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Choose an empty folder for the vault"),
            str(Path(self.folder.text()).parent))
        if folder:
            self.folder.setText(folder)

    def _update(self) -> None:
        problem = folder_problem(self.folder.text())
        self.folder_feedback.setText(problem or "")
        self.folder_feedback.setVisible(bool(problem) and bool(self.folder.text()))
        self.create_button.setEnabled(
            problem is None and bool(self.admin_name.text().strip())
            and self.fields.is_acceptable() and not self.busy.active)

    def create(self) -> None:
        if not self.create_button.isEnabled():
            return
        auth = self._auth
        path = Path(self.folder.text().strip()).expanduser()
        name, password = self.admin_name.text(), self.fields.password()
        self.message.clear_message()
        self.busy.start(self.tr("Creating the vault…"), [
            self.folder, self.browse, self.admin_name, self.fields.new, self.fields.confirm,
            self.cancel_button])
        self.create_button.setEnabled(False)

        def work(task: Task) -> tuple[Session, str]:
            return auth.create(path, name, password, progress=task.progress)

        def done(result: tuple[Session, str]) -> None:
            self.session, self.recovery_key = result
            self.accept()

        def progressed(text: object) -> None:
            # Core reports its steps in English; the catalogue may know them.
            self.busy.set_text(QCoreApplication.translate("core", str(text)))

        run_op(self, work, on_done=done, on_progress=progressed,
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=self._finished, on_orphaned=lambda result: result[0].close())

    def _finished(self) -> None:
        self.busy.stop()
        self._update()

    def reject(self) -> None:
        # Creation cannot be interrupted half-way: the dialog stays until it ends.
        if not self.busy.active:
            super().reject()
