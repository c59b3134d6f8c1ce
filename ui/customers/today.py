"""Today: the user's open tasks that are overdue or due today, soonest first; open the customer
or mark a task done. Above them, the contracts ending within 60 days (expiry_reminder.py in
ui/contracts) and the payments to chase (collection_reminder.py in ui/money)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from core.changes import Changes
from core.customers.interactions import Task, TodayView
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.expiry_reminder import ExpiryReminder
from ui.customers.detail import DetailWindows
from ui.customers.history import TaskListModel
from ui.money.collection_reminder import CollectionReminder
from ui.widgets import add_status, button_row, page_layout
from ui.worker import error_text, run_op


class TodayPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._request = 0
        self.windows = DetailWindows(self, session, bridge)
        layout = page_layout(self, self.tr("Today"), self.tr(
            "Your open tasks that are overdue or due today. Double-click one to open the "
            "customer."))
        self.reminder = ExpiryReminder(session, bridge, self)
        layout.addWidget(self.reminder)
        self.payments = CollectionReminder(session, bridge, self)  # RECEIVABLE_READ holders
        layout.addWidget(self.payments)
        self.model = TaskListModel(with_customer=True, parent=self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((200, 320, 140)):
            self.view.setColumnWidth(column, width)
        self.view.activated.connect(self._activated)
        layout.addWidget(self.view, 1)
        self.empty_label = QLabel(self.tr("Nothing is overdue or due today."), self)
        self.empty_label.setObjectName("hint")
        self.empty_label.hide()
        layout.addWidget(self.empty_label)
        self.open_button = QPushButton(self.tr("&Open customer"), self)
        self.done_button = QPushButton(self.tr("Mark &done"), self)
        self.open_button.clicked.connect(lambda: self._activated(self.view.currentIndex()))
        self.done_button.clicked.connect(self.complete)
        layout.addLayout(button_row(self.open_button, self.done_button))
        self.message, self.busy = add_status(layout, self)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        bridge.changed.connect(self._changed)
        self._update_buttons()  # loaded when first shown

    def selected(self) -> Task | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.task(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        task = self.selected()
        self.open_button.setEnabled(task is not None)
        self.done_button.setEnabled(task is not None and not task.done)

    def reload(self) -> None:
        self._request += 1
        request = self._request
        session, actor = self._session, self._session.user

        def done(today: TodayView) -> None:
            if request != self._request:
                return
            selected = self.selected()
            self.model.set_rows([*today.overdue, *today.due_today],
                                overdue={t.id for t in today.overdue})
            if selected is not None:
                row = next((i for i in range(self.model.rowCount())
                            if self.model.task(i).id == selected.id), None)
                if row is not None:
                    self.view.selectRow(row)
            self.empty_label.setVisible(not self.model.rowCount())
            self._update_buttons()

        run_op(self, lambda _t: session.interactions.today(actor), on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    def showEvent(self, event: QShowEvent) -> None:
        # What is "today" moves at midnight; coming back to the page re-reads it.
        super().showEvent(event)
        self.reload()
        self.reminder.reload()  # it re-reads itself when contracts change
        self.payments.reload()  # and this one when money changes

    def _changed(self, changes: Changes) -> None:
        if changes.interactions or changes.customers:
            self.reload()

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.windows.open(self.model.task(index.row()).customer_id)

    def complete(self) -> None:
        task = self.selected()
        if task is None:
            return
        session, actor = self._session, self._session.user
        self.done_button.setEnabled(False)
        run_op(self, lambda _t: session.interactions.complete_task(actor, task.id),
               on_done=lambda _t: self.message.show_message(
                   self.tr("“{title}” is done.").format(title=task.title), "ok"),
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=self._update_buttons)

    def wipe(self) -> None:
        self._request += 1
        self.windows.wipe()
        self.reminder.wipe()
        self.payments.wipe()
        self.model.wipe()
        self.empty_label.hide()
        self.message.clear_message()
