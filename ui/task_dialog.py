"""The frame shared by dialogs whose OK button starts work on a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLayout, QVBoxLayout, QWidget

from ui.widgets import MessageLabel
from ui.worker import BusyIndicator, Task, error_text, run_op


class TaskDialog(QDialog):
    """Its content, then an inline message, a busy line, OK and Cancel. Work started with `run`
    cannot be interrupted half-way, so the dialog stays until it ends."""

    def add_footer(self, ok_text: str, on_ok: Callable[[], None],
                   *content: QWidget | QLayout) -> None:
        """Lay out `content` above the message, the busy line and the buttons."""
        self.message = MessageLabel(self)
        self.busy = BusyIndicator(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(on_ok)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for part in (*content, self.message, self.busy, self.buttons):
            if isinstance(part, QLayout):
                layout.addLayout(part)
            else:
                layout.addWidget(part)

    def run(self, text: str, disable: list[QWidget], work: Callable[[Task], Any],
            on_done: Callable[[Any], None], **handlers: Any) -> None:
        """Run `work` on a worker with `text` shown and `disable` disabled meanwhile; a failure
        is shown in the message unless `on_error` is among `handlers` (passed to run_op)."""
        self.message.clear_message()
        self.busy.start(text, disable)
        self.ok_button.setEnabled(False)
        handlers.setdefault("on_error", lambda exc: self.message.show_message(error_text(exc)))
        run_op(self, work, on_done=on_done, on_finished=self._finished, **handlers)

    def _update(self) -> None:
        """Enable OK when the input allows it (subclasses)."""

    def _finished(self) -> None:
        self.busy.stop()
        self._update()

    def reject(self) -> None:
        if not self.busy.active:
            super().reject()
