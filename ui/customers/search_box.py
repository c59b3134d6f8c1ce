"""The Customers page's search box: the keys that move between it and the results."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QTableView, QWidget


class SearchBox(QLineEdit):
    """Down or Enter moves into the results; Escape clears the search."""

    def __init__(self, results: QTableView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._results = results

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            model = self._results.model()
            if model.rowCount():
                self._results.setFocus()
                if not self._results.selectionModel().hasSelection():
                    self._results.selectRow(0)
            return
        if key == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)
