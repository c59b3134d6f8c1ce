"""Showing a secret exactly once: a recovery key or a temporary password."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QCloseEvent, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.widgets import MessageLabel

CLIPBOARD_CLEAR_MS = 60_000


def _clear_clipboard_if(secret: str) -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard.text() == secret:
        clipboard.clear()


class SecretDialog(QDialog):
    """With `confirm_text` the dialog cannot be dismissed until the user ticks that they stored
    the secret: it is never shown again."""

    def __init__(self, parent: QWidget | None, title: str, intro: str, secret: str,
                 confirm_text: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(520)
        self._secret = secret
        intro_label = QLabel(intro, self)
        intro_label.setWordWrap(True)
        self.secret_edit = QLineEdit(secret, self)
        self.secret_edit.setReadOnly(True)
        self.secret_edit.setObjectName("secret")
        self.secret_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.secret_edit.setMinimumWidth(len(secret) * 10)
        self.copy_button = QPushButton(self.tr("&Copy"), self)
        self.copy_button.clicked.connect(self._copy)
        self.warning = MessageLabel(self)
        row = QHBoxLayout()
        row.addWidget(self.secret_edit, 1)
        row.addWidget(self.copy_button)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Continue"))
        self.buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro_label)
        layout.addLayout(row)
        layout.addWidget(self.warning)
        self.confirm_box: QCheckBox | None = None
        if confirm_text:
            self.confirm_box = QCheckBox(confirm_text, self)
            self.confirm_box.toggled.connect(self.ok_button.setEnabled)
            self.ok_button.setEnabled(False)
            layout.addWidget(self.confirm_box)
        layout.addWidget(self.buttons)
        self.finished.connect(self._forget)

    def _confirmed(self) -> bool:
        return self.confirm_box is None or self.confirm_box.isChecked()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self._secret)
        secret = self._secret
        # Parented to the application, so the clipboard is cleared even after this dialog closes.
        QTimer.singleShot(CLIPBOARD_CLEAR_MS, QGuiApplication.instance(),
                          lambda: _clear_clipboard_if(secret))
        self.warning.show_message(self.tr(
            "Copied. Other programs can read the clipboard: paste it where you keep it now. "
            "Strongroom clears the clipboard in one minute."), "warning")

    def _forget(self) -> None:
        # The widget no longer holds the secret once the dialog is done.
        self.secret_edit.clear()
        self._secret = ""

    def reject(self) -> None:
        if self._confirmed():
            super().reject()

    def accept(self) -> None:
        if self._confirmed():
            super().accept()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._confirmed():
            super().closeEvent(event)
        else:
            event.ignore()


def _tr(text: str) -> str:
    return QCoreApplication.translate("SecretDialog", text)


def recovery_key_dialog(parent: QWidget | None, key: str) -> SecretDialog:
    tr = _tr
    return SecretDialog(
        parent, tr("Your recovery key"),
        tr("This recovery key opens the vault when every administrator password is lost. "
           "It is shown only now: write it down or print it and keep it somewhere safe, away "
           "from this computer. Anyone holding it can take over the vault."),
        key, tr("I have stored the recovery key somewhere safe"))

