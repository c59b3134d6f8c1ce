"""Choosing the customer of a new contract: search as you type (core's customer search, on a
worker), Enter or a double-click takes the highlighted one."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.customers.model import CustomerSummary
from core.session import Session
from ui.contracts.labels import plain
from ui.widgets import MessageLabel
from ui.worker import error_text, run_op

SEARCH_DELAY_MS = 150
LIMIT = 50


class ChooseCustomerDialog(QDialog):
    """After OK, `chosen` is (customer id, name)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._request = 0
        self.chosen: tuple[int, str] | None = None
        self.setWindowTitle(self.tr("New contract: choose the customer"))
        self.setMinimumSize(420, 380)
        label = QLabel(self.tr("&Customer:"), self)
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Type part of a name, phone or e-mail"))
        label.setBuddy(self.search)
        self.results = QListWidget(self)
        self.message = MessageLabel(self)
        plain(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("&Draft a contract…"))
        self.buttons.accepted.connect(self._take)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._enter)
        self.results.itemActivated.connect(lambda _i: self._take())
        self.results.currentRowChanged.connect(lambda _r: self._update())
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(self.results.currentItem() is not None)

    def search_now(self) -> None:
        self._timer.stop()
        query = self.search.text().strip()
        self._request += 1
        request = self._request
        if not query:
            self._show([])
            return
        session, actor = self._session, self._session.user

        def done(rows: list[CustomerSummary]) -> None:
            if request == self._request:
                self._show(rows)

        run_op(self, lambda _t: session.customers.search(actor, query, LIMIT), on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    def _show(self, rows: list[CustomerSummary]) -> None:
        self.results.clear()
        for row in rows:
            text = row.name if not row.city else self.tr("{name} · {city}").format(
                name=row.name, city=row.city)
            item = QListWidgetItem(text, self.results)
            item.setData(Qt.ItemDataRole.UserRole, (row.id, row.name))
        if rows:
            self.results.setCurrentRow(0)
            self.message.clear_message()
        elif self.search.text().strip():
            self.message.show_message(self.tr("No customer you may see matches."), "info")
        self._update()

    def _enter(self) -> None:
        if self._timer.isActive():
            self.search_now()
        elif self.results.currentItem() is not None:
            self._take()

    def _take(self) -> None:
        item = self.results.currentItem()
        if item is None:
            return
        self.chosen = item.data(Qt.ItemDataRole.UserRole)
        self.accept()

    def wipe(self) -> None:
        self._request += 1
        self._timer.stop()
        self.results.clear()
        self.search.clear()
        self.hide()
