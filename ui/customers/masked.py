"""A protected value on screen: masked by default, revealed for a short while after an audited
request with a reason, then masked again.

The clear value lives only in the label's text while it is shown (and in a local of the reveal
call): never in a tool tip, a model or the clipboard. Copying always copies the mask, even while
the value is revealed, since clipboard managers keep what passes through them; the label's
text is not selectable, so the X11 selection cannot take it either."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QContextMenuEvent, QFontDatabase, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QWidget,
)

from ui.customers.labels import protected_label
from ui.task_dialog import TaskDialog

REVEAL_MS = 30_000
MIN_REASON = 3  # core refuses shorter reasons


class MaskedField(QLabel):
    """Shows the mask, or the clear value while revealed; copies only the mask."""

    def __init__(self, masked: str, parent: QWidget | None = None) -> None:
        super().__init__(masked, parent)
        self._masked = masked
        self.setObjectName("maskedField")
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumWidth(200)

    @property
    def masked(self) -> str:
        return self._masked

    @property
    def revealed(self) -> bool:
        return self.text() != self._masked

    def set_masked(self, masked: str) -> None:
        self._masked = masked
        self.setText(masked)

    def show_clear(self, value: str) -> None:
        self.setText(value)

    def remask(self) -> None:
        self.setText(self._masked)

    def copy(self) -> None:
        QApplication.clipboard().setText(self._masked)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = QMenu(self)
        menu.addAction(self.tr("&Copy (masked)"), self.copy)
        menu.exec(event.globalPos())
        menu.deleteLater()


class RevealDialog(TaskDialog):
    """Asks why; the reveal itself runs on a worker and is audited by core with the reason."""

    def __init__(self, field: str, reveal: Callable[[str], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reveal = reveal
        self.value: str | None = None
        self.setWindowTitle(self.tr("Reveal {field}").format(field=protected_label(field)))
        self.setMinimumWidth(420)
        intro = QLabel(self.tr(
            "Why do you need to see the {field}? Your reason is recorded in the audit trail "
            "with your name, and the value is masked again after a short while.").format(
            field=protected_label(field)), self)
        intro.setWordWrap(True)
        self.reason = QLineEdit(self)
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText(self.tr("e.g. verifying identity for the contract"))
        form = QFormLayout()
        form.addRow(self.tr("&Reason:"), self.reason)
        self.add_footer(self.tr("Reveal"), self._submit, intro, form)
        self.reason.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(len(self.reason.text().strip()) >= MIN_REASON
                                  and not self.busy.active)

    def _submit(self) -> None:
        if len(self.reason.text().strip()) < MIN_REASON:
            self.message.show_message(self.tr("Say why you need to see this value."))
            return
        reveal, reason = self._reveal, self.reason.text()

        def done(value: str) -> None:
            self.value = value
            self.accept()

        self.run(self.tr("Revealing…"), [self.reason], lambda _t: reveal(reason), done)


class ProtectedField(QWidget):
    """One protected field: the masked value, a Reveal…/Hide button and the time left."""

    revealed_changed = Signal(bool)

    def __init__(self, field: str, masked: str, reveal: Callable[[str, str], str] | None,
                 reveal_ms: int = REVEAL_MS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self._reveal = reveal
        self.reveal_ms = reveal_ms
        self.dialog: RevealDialog | None = None
        self.value = MaskedField(masked or self.tr("not set"), self)
        self.value.setEnabled(bool(masked))
        self.button = QPushButton(self.tr("Reveal…"), self)
        self.button.setObjectName("revealButton")
        self.button.setVisible(reveal is not None and bool(masked))
        self.button.clicked.connect(self._clicked)
        self.left = QLabel(self)
        self.left.setObjectName("hint")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.value)
        row.addWidget(self.button)
        row.addWidget(self.left)
        row.addStretch(1)
        self.value.setMinimumHeight(self.button.sizeHint().height())
        self._clock = QElapsedTimer()
        self._remask_timer = QTimer(self)
        self._remask_timer.setSingleShot(True)
        self._remask_timer.timeout.connect(self.remask)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._show_left)

    @property
    def revealed(self) -> bool:
        return self.value.revealed

    def _clicked(self) -> None:
        if self.revealed:
            self.remask()
            return
        reveal, field = self._reveal, self.field
        assert reveal is not None
        self.dialog = RevealDialog(field, lambda reason: reveal(field, reason), self)
        self.dialog.accepted.connect(self._accepted)
        self.dialog.open()

    def _accepted(self) -> None:
        dialog = self.dialog
        if dialog is None or dialog.value is None:
            return
        value, dialog.value = dialog.value, None
        self.value.show_clear(value)
        self.button.setText(self.tr("Hide"))
        self._clock.start()
        self._remask_timer.start(self.reveal_ms)
        self._tick.start()
        self._show_left()
        self.revealed_changed.emit(True)

    def _show_left(self) -> None:
        seconds = max(0, (self.reveal_ms - self._clock.elapsed() + 999) // 1000)
        self.left.setText(self.tr("masked again in %n s", "", seconds))

    def remask(self) -> None:
        self._remask_timer.stop()
        self._tick.stop()
        self.value.remask()
        self.button.setText(self.tr("Reveal…"))
        self.left.clear()
        self.revealed_changed.emit(False)
