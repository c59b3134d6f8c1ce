"""A dialog that undoes something with a reason that is required (core records it): the
question, one line for the reason, and OK that runs core's call on a worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from ui.contracts.labels import plain
from ui.task_dialog import TaskDialog

MAX_REASON = 500


class ReasonDialog(TaskDialog):
    """After OK, `result` is what core returned."""

    def __init__(self, title: str, question: str, ok_text: str, missing: str, busy_text: str,
                 act: Callable[[str], Any], parent: QWidget | None = None) -> None:
        """`act(reason)` is core's call, run on a worker; `missing` is said when no reason
        is given."""
        super().__init__(parent)
        self._act, self._missing, self._busy_text = act, missing, busy_text
        self.result_value: Any = None
        self.setWindowTitle(title)
        intro = QLabel(question, self)
        intro.setWordWrap(True)
        plain(intro)
        self.reason = QLineEdit(self)
        self.reason.setMaxLength(MAX_REASON)
        reason_label = QLabel(self.tr("&Reason:"), self)
        reason_label.setBuddy(self.reason)
        self.add_footer(ok_text, self.submit, intro, reason_label, self.reason)
        plain(self.message)
        self.reason.textChanged.connect(lambda _t: self._update())
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.reason.text().strip()) and not self.busy.active)

    def submit(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            self.message.show_message(self._missing)
            return
        if self.busy.active:
            return
        act = self._act

        def done(value: Any) -> None:
            self.result_value = value
            self.accept()

        self.run(self._busy_text, [self.reason], lambda _t: act(reason), done)
