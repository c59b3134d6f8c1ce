"""Choosing a customer by typing part of their name: core's customer search (within what the
user may see) runs on a worker as they type, the matches fill a list beside the box and the
first one is taken; "All customers" when the box is empty (where that is allowed)."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from core.customers.model import CustomerSummary
from core.session import Session
from ui.worker import error_text, run_op

SEARCH_DELAY_MS = 200
LIMIT = 30


class CustomerChoice(QWidget):
    """`chosen` carries the customer id (None: none chosen / all customers)."""

    chosen = Signal(object)
    failed = Signal(str)

    def __init__(self, session: Session, allow_all: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._allow_all = allow_all
        self._request = 0
        self.searching = False
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Type part of the customer's name…"))
        self.combo = QComboBox(self)
        self.combo.setMinimumContentsLength(18)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search, 1)
        layout.addWidget(self.combo, 1)
        self.setFocusProxy(self.search)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.combo.currentIndexChanged.connect(lambda _i: self.chosen.emit(self.customer_id()))
        self._fill([])

    def customer_id(self) -> int | None:
        data = self.combo.currentData()
        return None if data is None else int(data[0])

    def customer_name(self) -> str:
        data = self.combo.currentData()
        return "" if data is None else str(data[1])

    def preset(self, customer_id: int, name: str) -> None:
        """Show one known customer (the dialog was opened from that customer)."""
        self.search.blockSignals(True)
        self.search.setText(name)
        self.search.blockSignals(False)
        self._fill([(customer_id, name)])

    def search_now(self) -> None:
        self._timer.stop()
        query = self.search.text().strip()
        self._request += 1
        request = self._request
        if not query:
            self._fill([])
            return
        session, actor = self._session, self._session.user
        self.searching = True

        def done(rows: list[CustomerSummary]) -> None:
            if request == self._request:
                self.searching = False
                self._fill([(r.id, r.name) for r in rows])

        def failed(exc: BaseException) -> None:
            if request == self._request:
                self.searching = False
                self.failed.emit(error_text(exc))

        run_op(self, lambda _t: session.customers.search(actor, query, LIMIT), on_done=done,
               on_error=failed)

    def _fill(self, rows: list[tuple[int, str]]) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        if self._allow_all:
            self.combo.addItem(self.tr("All customers"), None)
        for customer_id, name in rows:
            self.combo.addItem(name, (customer_id, name))
        if not rows and not self._allow_all:
            self.combo.addItem(self.tr("No customer chosen") if not self.search.text().strip()
                               else self.tr("No customer you may see matches"), None)
        self.combo.setCurrentIndex(1 if rows and self._allow_all else 0)
        self.combo.blockSignals(False)
        self.chosen.emit(self.customer_id())

    def wipe(self) -> None:
        self._request += 1
        self._timer.stop()
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._fill([])
