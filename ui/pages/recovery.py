"""Recovery key: replacing it when the old one may be known to someone."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget

from core.session import Session
from ui.bus import BusBridge
from ui.secret_dialog import SecretDialog, recovery_key_dialog
from ui.widgets import add_status, ask, button_row, page_layout
from ui.worker import Task, error_text, run_op


class RecoveryPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.key_dialog: SecretDialog | None = None
        layout = page_layout(self, self.tr("Recovery key"), self.tr(
            "The recovery key lets an administrator back in when every administrator password "
            "is lost. Regenerate it when the old one may have been seen or lost: the old key "
            "stops working at once, and the vault is re-encrypted under a new key."))
        self.regenerate_button = QPushButton(self.tr("&Regenerate recovery key…"), self)
        self.regenerate_button.clicked.connect(self.regenerate)
        layout.addLayout(button_row(self.regenerate_button))
        self.message, self.busy = add_status(layout, self)
        layout.addStretch(1)

    def regenerate(self) -> None:
        self.question = ask(self, self.tr("Regenerate recovery key"), self.tr(
            "Replace the recovery key? The current key stops opening the vault. Other "
            "Strongroom windows on this vault must be closed first."),
            self.tr("Regenerate"), self._confirmed)

    def _confirmed(self) -> None:
        session, actor = self._session, self._session.user
        self.message.clear_message()
        self.busy.start(self.tr("Re-encrypting the vault with a new key…"),
                        [self.regenerate_button])

        def work(_task: Task) -> str:
            return session.vault.regenerate_recovery(actor)

        def done(key: str) -> None:
            self.key_dialog = recovery_key_dialog(self, key)
            self.key_dialog.open()
            self.message.show_message(self.tr("A new recovery key was made; the old one no "
                                               "longer works."), "ok")

        run_op(self, work, on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=self.busy.stop)
