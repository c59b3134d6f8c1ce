"""The first window when no vault is known: create one, open one, or try the demo vault."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.auth import Authenticator
from core.demo import DEMO_USERS, DemoUser, create_demo_vault
from ui.create_dialog import CreateVaultDialog
from ui.widgets import MessageLabel, card
from ui.worker import BusyIndicator, Task, error_text, run_op


class StartWindow(QWidget):
    created = Signal(object, str)  # Session, recovery key
    open_requested = Signal(str)  # vault folder
    demo_ready = Signal(str, object)  # vault folder, list[DemoUser]

    def __init__(self, auth: Authenticator, demo_path: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._auth, self._demo_path = auth, demo_path
        self.create_dialog: CreateVaultDialog | None = None
        self.setWindowTitle(self.tr("Strongroom"))
        self.setObjectName("startWindow")
        panel, inner = card(self, self.tr("Welcome to Strongroom"), spacing=8)
        intro = QLabel(self.tr(
            "Your customer records live in an encrypted vault on this computer. Nothing is "
            "sent anywhere."), panel)
        intro.setWordWrap(True)
        intro.setObjectName("pageIntro")
        self.create_button = self._choice(panel, self.tr("&Create a vault…"), self.tr(
            "Start a new, empty vault in a folder you choose. You become its administrator."))
        self.open_button = self._choice(panel, self.tr("&Open a vault…"), self.tr(
            "Open an existing vault folder, for example one an administrator set up for you."))
        self.demo_button = self._choice(panel, self.tr("Open the &demo vault"), self.tr(
            "Explore with sample users whose passwords are public. Never store real data "
            "there."))
        self.create_button.clicked.connect(self.create_vault)
        self.open_button.clicked.connect(self._choose_folder)
        self.demo_button.clicked.connect(self.open_demo)
        self.message = MessageLabel(panel)
        self.busy = BusyIndicator(panel)
        inner.addWidget(intro)
        inner.addSpacing(8)
        for button in (self.create_button, self.open_button, self.demo_button):
            inner.addWidget(button)
            inner.addWidget(button.property("hint_label"))
        inner.addWidget(self.message)
        inner.addWidget(self.busy)
        inner.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 32, 32, 32)
        outer.addWidget(panel)
        self.resize(520, 480)
        self.create_button.setFocus()

    def _choice(self, parent: QWidget, text: str, hint: str) -> QPushButton:
        button = QPushButton(text, parent)
        button.setObjectName("bigChoice")
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        label = QLabel(hint, parent)
        label.setObjectName("hint")
        label.setWordWrap(True)
        button.setProperty("hint_label", label)
        return button

    def _buttons(self) -> list[QWidget]:
        return [self.create_button, self.open_button, self.demo_button]

    # -- create ------------------------------------------------------------------------------
    def create_vault(self) -> None:
        self.message.clear_message()
        self.create_dialog = CreateVaultDialog(self._auth, self)
        dialog = self.create_dialog

        def accepted() -> None:
            if dialog.session is not None:
                self.created.emit(dialog.session, dialog.recovery_key)

        dialog.accepted.connect(accepted)
        dialog.open()

    # -- open --------------------------------------------------------------------------------
    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open a vault folder"),
                                                  str(Path.home()))
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str) -> None:
        if self._auth.vault_exists(Path(folder)):
            self.message.clear_message()
            self.open_requested.emit(folder)
        else:
            self.message.show_message(self.tr(
                "{folder} is not a Strongroom vault: it has no key-slot file (keyslots.json). "
                "Choose the folder that was created for the vault.").format(folder=folder))

    # -- demo --------------------------------------------------------------------------------
    def open_demo(self) -> None:
        auth, path = self._auth, Path(self._demo_path)
        self.message.clear_message()
        if auth.vault_exists(path):
            self.demo_ready.emit(str(path), list(DEMO_USERS))
            return
        self.busy.start(self.tr("Creating the demo vault…"), self._buttons())

        def work(task: Task) -> list[DemoUser]:
            path.parent.mkdir(parents=True, exist_ok=True)
            return create_demo_vault(auth, path, progress=task.progress)

        def progressed(text: object) -> None:
            self.busy.set_text(QCoreApplication.translate("core", str(text)))

        run_op(self, work, on_progress=progressed,
               on_done=lambda users: self.demo_ready.emit(str(path), users),
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=self.busy.stop)
