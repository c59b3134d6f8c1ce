"""The dialog in which the customer signs a contract on the laptop: their printed name and
their handwriting. It only collects them; the caller hands them to the signing service, which
adds the time and seals the PDF."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.contracts.signature_pad import SignaturePad

MAX_NAME_LENGTH = 120


class CustomerSignDialog(QDialog):
    """Contract number and total (already formatted by the caller), the signer's name, the pad,
    and Clear / Undo / Sign / Cancel. Sign is enabled only with a name and a plausible
    signature; there is deliberately no default button, so Enter in the name field never
    signs."""

    def __init__(self, contract_number: str, total: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: tuple[str, bytes] | None = None
        self.setWindowTitle(self.tr("Sign contract {number}").format(number=contract_number))
        self.setModal(True)

        facts = QFormLayout()
        number_label = QLabel(contract_number, self)
        total_label = QLabel(total, self)
        for label in (number_label, total_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts.addRow(self.tr("Contract:"), number_label)
        facts.addRow(self.tr("Total:"), total_label)

        self.name = QLineEdit(self)
        self.name.setMaxLength(MAX_NAME_LENGTH)
        self.name.setPlaceholderText(self.tr("Your full name as it should appear"))
        facts.addRow(self.tr("Name of the signer:"), self.name)

        self.meaning = QLabel(self.tr(
            "By signing you accept contract {number} with a total of {total} and all of its "
            "terms. Your handwritten signature, your name and the time of signing are placed "
            "in the contract and sealed with a digital signature, so any later change to the "
            "document can be detected.").format(number=contract_number, total=total), self)
        self.meaning.setWordWrap(True)

        self.pad = SignaturePad(self)

        self.clear_button = QPushButton(self.tr("Clear"), self)
        self.clear_button.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Backspace))
        self.clear_button.setToolTip(self.tr("Start the signature again (Ctrl+Backspace)"))
        self.undo_button = QPushButton(self.tr("Undo"), self)
        self.undo_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.undo_button.setToolTip(self.tr("Remove the last stroke (Ctrl+Z)"))
        self.sign_button = QPushButton(self.tr("&Sign"), self)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setToolTip(self.tr("Close without signing (Esc)"))
        for button in (self.clear_button, self.undo_button, self.sign_button,
                       self.cancel_button):
            button.setAutoDefault(False)
            button.setDefault(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_button)

        layout = QVBoxLayout(self)
        layout.addLayout(facts)
        layout.addWidget(self.meaning)
        layout.addWidget(self.pad, 1)
        layout.addLayout(buttons)

        self.clear_button.clicked.connect(self.pad.clear)
        self.undo_button.clicked.connect(self.pad.undo)
        self.sign_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(self.reject)
        self.name.textChanged.connect(self._update)
        self.pad.changed.connect(self._update)
        self.resize(680, 460)
        self._update()
        self.name.setFocus()

    def signer_name(self) -> str:
        return " ".join(self.name.text().split())

    def can_sign(self) -> bool:
        return bool(self.signer_name()) and self.pad.is_plausible()

    def _update(self) -> None:
        self.sign_button.setEnabled(self.can_sign())
        self.undo_button.setEnabled(not self.pad.is_empty())
        self.clear_button.setEnabled(not self.pad.is_empty())

    def accept(self) -> None:
        # Guarded here as well as by the button: accept() can also be reached programmatically.
        if not self.can_sign():
            return
        self._result = (self.signer_name(), self.pad.to_png())
        super().accept()

    def result_signature(self) -> tuple[str, bytes]:
        """The signer's name (whitespace normalised) and the signature as a transparent PNG
        (600 × 200 px); only after the dialog was accepted."""
        if self._result is None:
            raise RuntimeError("the contract was not signed")
        return self._result
