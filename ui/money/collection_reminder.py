"""The payments line on the Today page, for those who may see receivables: how many of their
customers' open instalments fall due within 7 days, are overdue, were escalated to a manager,
and carry a promise to pay due by today; with a way to the Receivables page's Collection tab.
Hidden when there is nothing to chase, and for everyone else.

Read on a worker (core also records the escalations that have fallen due, a small write that
may wait for the database); re-read when money, contracts or customers change and whenever
the Today page is shown (the date moves)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.changes import Changes
from core.money.collection_model import DEFAULT_DUE_WITHIN, Reminders
from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge
from ui.money.collection_list_model import DUE_SOON, ESCALATED, OVERDUE
from ui.widgets import MessageLabel
from ui.worker import error_text, run_op


def show_in_receivables(widget: QWidget, mode: str) -> bool:
    """Switch the main window holding `widget` to the Receivables page's Collection tab showing
    `mode`. The window is found by what it offers (show_page, pages), as the contracts
    reminder does, so this module does not import it."""
    window = widget.window()
    pages = getattr(window, "pages", None)
    show_page = getattr(window, "show_page", None)
    page = pages.get("receivables") if isinstance(pages, dict) else None
    collection = getattr(page, "collection", None)
    tabs = getattr(page, "tabs", None)
    if show_page is None or collection is None or tabs is None:
        return False
    show_page("receivables")
    tabs.setCurrentWidget(collection)
    collection.show_view(mode, DEFAULT_DUE_WITHIN if mode == DUE_SOON else None)
    return True


class CollectionReminder(QFrame):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None,
                 ) -> None:
        super().__init__(parent)
        self.setObjectName("collectionReminder")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._session = session
        self._request = 0
        self.as_of: date | None = None  # None: today (tests look at a later day)
        self.within_days = DEFAULT_DUE_WITHIN
        self.reads = 0  # reads shown so far (tests wait on it)
        self.reminders: Reminders | None = None
        self.line = QLabel(self)
        self.line.setObjectName("reminderHeading")
        self.line.setTextFormat(Qt.TextFormat.PlainText)
        self.line.setWordWrap(True)
        self.open_button = QPushButton(self.tr("Open in Receivables (&collection)"), self)
        self.open_button.setAutoDefault(False)
        self.open_button.setToolTip(self.tr(
            "Open the Receivables page at the instalments to chase"))
        self.open_button.clicked.connect(lambda: show_in_receivables(self, self.target()))
        self.message = MessageLabel(self)
        row = QHBoxLayout()
        row.addWidget(self.line, 1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.message)
        bridge.changed.connect(self._changed)
        self.hide()  # until a read finds something

    def allowed(self) -> bool:
        return self._session.can(Permission.RECEIVABLE_READ)

    # -- reading -----------------------------------------------------------------------------
    def reload(self) -> None:
        if not self.allowed():
            return
        self._request += 1
        request = self._request
        session, actor, day, within = (self._session, self._session.user, self.as_of,
                                       self.within_days)

        def done(reminders: Reminders) -> None:
            if request == self._request:
                self.reads += 1
                self.show_reminders(reminders)

        def failed(exc: BaseException) -> None:
            if request == self._request:
                self.line.clear()
                self.message.show_message(error_text(exc))
                self.show()

        run_op(self, lambda _t: session.collection.reminders(actor, day, within),
               on_done=done, on_error=failed)

    def _changed(self, changes: Changes) -> None:
        if changes.money or changes.contracts or changes.customers:
            self.reload()

    def show_reminders(self, reminders: Reminders) -> None:
        self.reminders = reminders
        self.message.clear_message()
        text = self.text(reminders)
        self.line.setText(text)
        self.setVisible(bool(text))

    def text(self, r: Reminders) -> str:
        """'Payments: 2 due within 7 days, 5 overdue, …' — the counts that are not zero."""
        parts = []
        if r.due_soon:
            parts.append(self.tr("%n due within {days} days", "", r.due_soon).format(
                days=self.within_days))
        if r.overdue:
            parts.append(self.tr("%n overdue", "", r.overdue))
        if r.escalated:
            parts.append(self.tr("%n escalated to a manager", "", r.escalated))
        if r.promises_due:
            parts.append(self.tr("%n with a promise to pay due", "", r.promises_due))
        if not parts:
            return ""
        return self.tr("Payments: {counts}").format(counts=self.tr(", ").join(parts))

    def target(self) -> str:
        """The list the button opens: the overdue instalments when there are, else those
        due soon."""
        r = self.reminders
        if r is not None and r.escalated and not r.overdue:
            return ESCALATED
        if r is not None and (r.overdue or r.promises_due):
            return OVERDUE
        return DUE_SOON

    def wipe(self) -> None:
        self._request += 1
        self.reminders = None
        self.line.clear()
        self.message.clear_message()
        self.hide()
