"""The Collection tab of the Receivables page: the open instalments due within the next days,
overdue, or escalated to the managers (those of the customers the user may see), with where
the chasing stands; a collection note about several instalments of one customer (Ctrl+N, for
those who chase money: sellers and finance); the customer opened with Enter or a double click.

Read when the tab is first shown and re-read when it is shown again after a change (listing
overdue instalments lets core record the escalations that have fallen due, a small write
nobody needs at start-up)."""

from __future__ import annotations

from datetime import date

import shiboken6
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.money.model import Receivable
from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.labels import plain
from ui.customers.detail import CustomerDialog, DetailWindows
from ui.money.ageing_view import table_view
from ui.money.collection_list_model import (
    CONTRACT,
    CUSTOMER,
    DAYS_OVERDUE,
    DUE,
    DUE_SOON,
    ESCALATED,
    ESCALATED_ON,
    LAST_NOTE,
    OPEN,
    OVERDUE,
    PROMISED,
    CollectionModel,
)
from ui.money.collection_note_dialog import CollectionNoteDialog
from ui.widgets import add_status, count_footer

WIDTHS = {CUSTOMER: 200, CONTRACT: 140, DUE: 95, OPEN: 130, DAYS_OVERDUE: 95,
          LAST_NOTE: 130, PROMISED: 100, ESCALATED_ON: 100}
MAX_WITHIN_DAYS = 365


class CollectionView(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._stale = True  # read when first shown
        self.dialog: CollectionNoteDialog | None = None
        self.windows = DetailWindows(self, session, bridge)
        self.model = CollectionModel(session, self)

        self.mode = QComboBox(self)
        self.mode.addItem(self.tr("Due within the next days"), DUE_SOON)
        self.mode.addItem(self.tr("Overdue"), OVERDUE)
        self.mode.addItem(self.tr("Escalated to managers"), ESCALATED)
        self.mode.setCurrentIndex(self.mode.findData(OVERDUE))
        mode_label = QLabel(self.tr("&Show:"), self)
        mode_label.setBuddy(self.mode)
        self.within = QSpinBox(self)
        self.within.setRange(0, MAX_WITHIN_DAYS)
        self.within.setValue(self.model.within_days)
        self.within.setSuffix(self.tr(" days"))
        within_label = QLabel(self.tr("&Within:"), self)
        within_label.setBuddy(self.within)
        self.note_button: QPushButton | None = None
        top = QHBoxLayout()
        for widget in (mode_label, self.mode, within_label, self.within):
            top.addWidget(widget)
        top.addStretch(1)
        if session.can(Permission.COLLECTION_WRITE):
            self.note_button = QPushButton(self.tr("Add collection &note…"), self)
            self.note_button.setToolTip(QKeySequence(QKeySequence.StandardKey.New).toString(
                QKeySequence.SequenceFormat.NativeText))
            self.note_button.clicked.connect(lambda: self.add_note())
            top.addWidget(self.note_button)
        self.open_button = QPushButton(self.tr("O&pen customer"), self)
        self.open_button.clicked.connect(lambda: self.open_customer())
        top.addWidget(self.open_button)

        self.view = table_view(self, self.model)
        # Several instalments of one customer are chased in one call.
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(CUSTOMER, QHeaderView.ResizeMode.Stretch)
        for column, width in WIDTHS.items():
            self.view.setColumnWidth(column, width)
        self.hint = QLabel(self)
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.hide()
        self.count_label, self.loading_label, bottom = count_footer(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        layout.addLayout(bottom)
        self.message, self.busy = add_status(layout, self)
        plain(self.message)

        self.mode.currentIndexChanged.connect(lambda _i: self._view_changed())
        self.within.valueChanged.connect(lambda _v: self._view_changed())
        self.view.activated.connect(self.open_customer)
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.model.loading_changed.connect(self._loading)
        self.model.failed.connect(self.message.show_message)
        self.model.replaced.connect(self._counted)
        self.model.rowsInserted.connect(lambda *_a: self._counted())
        self.model.modelReset.connect(self._update_buttons)
        self._view_changed(load=False)
        self._update_buttons()

    # -- the list ----------------------------------------------------------------------------
    def show_view(self, mode: str, within_days: int | None = None) -> None:
        """Show one of the lists (DUE_SOON, OVERDUE, ESCALATED)."""
        if within_days is not None:
            self.within.setValue(within_days)
        self.mode.setCurrentIndex(self.mode.findData(mode))

    def set_as_of(self, day: date | None) -> None:
        """Look at the lists as of `day` (None: today)."""
        self.model.as_of = day
        self.reload()

    def _view_changed(self, load: bool = True) -> None:
        mode = self.mode.currentData()
        self.within.setEnabled(mode == DUE_SOON)
        self.message.clear_message()
        if load and not self._stale:
            self.model.set_view(mode, self.within.value())
        else:
            self.model.mode, self.model.within_days = mode, self.within.value()

    def reload(self) -> None:
        self._stale = False
        self.model.reload()

    def refresh(self) -> None:
        """After a change elsewhere: re-read now if shown, else when next shown."""
        if self.isVisible() and not self._stale:
            self.model.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _loading(self, loading: bool) -> None:
        self.loading_label.setText(self.tr("Loading…") if loading else "")

    def _counted(self) -> None:
        rows = self.model.rowCount()
        text = (self.tr("Instalments shown: {count} (scroll for more)")
                if self.model.canFetchMore() else self.tr("Instalments: {count}"))
        self.count_label.setText(text.format(count=rows))

    # -- selection ---------------------------------------------------------------------------
    def selected(self) -> list[Receivable]:
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        found = (self.model.receivable(row) for row in rows)
        return [r for r in found if r is not None]

    def select_rows(self, *rows: int) -> None:
        """Select these rows (and only these), as a person would with Ctrl+click."""
        self.view.clearSelection()
        selection = self.view.selectionModel()
        for row in rows:
            selection.select(self.model.index(row, 0), selection.SelectionFlag.Select
                             | selection.SelectionFlag.Rows)
        if rows:
            selection.setCurrentIndex(self.model.index(rows[0], 0),
                                      selection.SelectionFlag.NoUpdate)

    def _one_customer(self) -> list[Receivable] | None:
        chosen = self.selected()
        if not chosen or len({r.customer_id for r in chosen}) != 1:
            return None
        return chosen

    def _update_buttons(self) -> None:
        chosen = self.selected()
        several = len({r.customer_id for r in chosen}) > 1
        self.open_button.setEnabled(len({r.customer_id for r in chosen}) == 1)
        if self.note_button is None:
            return
        self.note_button.setEnabled(not several and bool(chosen))
        self.hint.setText(self.tr("A collection note is about one customer: choose "
                                  "instalments of a single customer.") if several else "")
        self.hint.setVisible(several)

    # -- actions -----------------------------------------------------------------------------
    def add_note(self) -> CollectionNoteDialog | None:
        if self.note_button is None:
            return None
        chosen = self._one_customer()
        if chosen is None:
            self.message.show_message(self.tr(
                "Choose the instalments of one customer the note is about."))
            return None
        self.message.clear_message()
        first = chosen[0]
        dialog = CollectionNoteDialog(self._session, first.customer_id, first.customer_name,
                                      chosen, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.message.show_message(
            self.tr("The collection note was saved; it is in the customer's history too."),
            "ok"))
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_customer(self, index: QModelIndex | None = None) -> CustomerDialog | None:
        row = index.row() if index is not None and index.isValid() \
            else self.view.currentIndex().row()
        receivable = self.model.receivable(row)
        if receivable is None:
            return None
        return self.windows.open(receivable.customer_id)

    def wipe(self) -> None:
        """Forget everything shown (at lock time)."""
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.wipe()
        self.dialog = None
        self.windows.wipe()
        self.model.wipe()
        self._stale = True
        self.count_label.clear()
        self.hint.clear()
        self.hint.hide()
        self.message.clear_message()
