"""Creating a vault: an empty or new folder, the first administrator and their password."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

from core.auth import Authenticator
from core.session import Session
from ui.task_dialog import TaskDialog
from ui.widgets import PasswordFields, add_row_with_button, feedback_label
from ui.worker import Task


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


class CreateVaultDialog(TaskDialog):
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
        self.folder_feedback = feedback_label(self)
        self.admin_name = QLineEdit(self)
        self.admin_name.setMaxLength(64)
        self.fields = PasswordFields(
            lambda pw: auth.password_problems(pw, self.admin_name.text()), self)
        form = QFormLayout()
        add_row_with_button(form, self.tr("&Folder:"), self.folder, self.browse)
        form.addRow("", self.folder_feedback)
        form.addRow(self.tr("&Administrator name:"), self.admin_name)
        self.fields.add_rows(form, self.tr("&Password:"), self.tr("&Repeat password:"))
        self.add_footer(self.tr("Create vault"), self.create, intro, form)
        self.create_button = self.ok_button
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
        # An empty folder field is the user's to fill, not yet a mistake to point at.
        self.folder_feedback.show_message(problem if problem and self.folder.text() else "")
        self.create_button.setEnabled(
            problem is None and bool(self.admin_name.text().strip())
            and self.fields.is_acceptable() and not self.busy.active)

    def create(self) -> None:
        if not self.create_button.isEnabled():
            return
        auth = self._auth
        path = Path(self.folder.text().strip()).expanduser()
        name, password = self.admin_name.text(), self.fields.password()

        def work(task: Task) -> tuple[Session, str]:
            return auth.create(path, name, password, progress=task.progress)

        def done(result: tuple[Session, str]) -> None:
            self.session, self.recovery_key = result
            self.accept()

        def progressed(text: object) -> None:
            # Core reports its steps in English; the catalogue may know them.
            self.busy.set_text(QCoreApplication.translate("core", str(text)))

        self.run(self.tr("Creating the vault…"), [
            self.folder, self.browse, self.admin_name, self.fields.new, self.fields.confirm,
            self.cancel_button], work, done, on_progress=progressed,
            on_orphaned=lambda result: result[0].close())
