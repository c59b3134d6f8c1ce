"""The Customers page: search as you type, filters, the lazily fetched list, and the way into a
customer's detail and the new-customer form."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QModelIndex, QStringListModel, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableView,
    QWidget,
)

from core.changes import Changes
from core.customers.model import CustomerStatus
from core.customers.ports import CustomerFilter
from core.customers.validate import clean_text
from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge
from ui.customers.bulk_dialogs import ExportDialog, TransferDialog
from ui.customers.detail import DetailWindows
from ui.customers.form import CustomerFormDialog
from ui.customers.import_dialog import ImportDialog
from ui.customers.labels import status_label
from ui.customers.list_model import (
    CITY,
    EMAIL,
    ID_ROLE,
    KIND,
    NAME,
    OWNER,
    PHONE,
    SORT_COLUMNS,
    STATUS,
    UPDATED,
    CustomerListModel,
)
from ui.customers.search_box import SearchBox
from ui.widgets import (
    MessageLabel,
    add_shortcut,
    configure_list_view,
    count_footer,
    page_layout,
)
from ui.worker import error_text, run_op

SEARCH_DELAY_MS = 150
CITY_DELAY_MS = 400
# Name takes what the others leave (at least this much); the rest start at these widths.
WIDTHS = {NAME: 160, KIND: 76, STATUS: 72, CITY: 72, PHONE: 112, EMAIL: 150, OWNER: 80,
          UPDATED: 124}


class CustomersPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._keep: tuple[int | None, int] | None = None
        self._count_request = 0
        self.form_dialog: CustomerFormDialog | None = None
        self.windows = DetailWindows(self, session, bridge)
        layout = page_layout(self, self.tr("Customers"))

        self.model = CustomerListModel(session, self)
        self.view = QTableView(self)
        self.search = SearchBox(self.view, self)
        self.search.setObjectName("customerSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr(
            "Search names, contacts, phones, e-mail, city, notes…  ({key})").format(
            key=QKeySequence(QKeySequence.StandardKey.Find).toString(
                QKeySequence.SequenceFormat.NativeText)))
        self.status = QComboBox(self)
        self.status.addItem(self.tr("All statuses"), None)
        for status in CustomerStatus:
            self.status.addItem(status_label(status), status)
        self.city = QLineEdit(self)
        self.city.setClearButtonEnabled(True)
        self.city.setPlaceholderText(self.tr("City"))
        self.city.setMaximumWidth(160)
        self.cities = QStringListModel(self)
        completer = QCompleter(self.cities, self.city)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.city.setCompleter(completer)
        self.new_button: QPushButton | None = None
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status)
        top.addWidget(self.city)
        if session.can(Permission.CUSTOMER_WRITE):
            self.new_button = QPushButton(self.tr("&New customer…"), self)
            self.new_button.setToolTip(QKeySequence(QKeySequence.StandardKey.New).toString(
                QKeySequence.SequenceFormat.NativeText))
            self.new_button.clicked.connect(self.new_customer)
            top.addWidget(self.new_button)
        self.import_button = self._bulk_button(top, Permission.CUSTOMER_IMPORT,
                                               self.tr("&Import…"), self.import_file)
        self.export_button = self._bulk_button(top, Permission.CUSTOMER_EXPORT,
                                               self.tr("E&xport…"), self.export_file)
        self.transfer_button = self._bulk_button(top, Permission.CUSTOMER_TRANSFER,
                                                 self.tr("&Transfer…"), self.transfer)
        self.bulk_dialog: QDialog | None = None
        layout.addLayout(top)

        configure_list_view(self.view, self.model, NAME)
        header = self.view.horizontalHeader()
        header.setMinimumSectionSize(60)
        header.setSortIndicator(NAME, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._sort_clicked)
        self.view.setSortingEnabled(True)
        for column, width in WIDTHS.items():
            self.view.setColumnWidth(column, width)
        self.view.activated.connect(self._activated)
        layout.addWidget(self.view, 1)

        self.count_label, self.loading_label, bottom = count_footer(self)
        layout.addLayout(bottom)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)

        self._search_timer = self._timer(SEARCH_DELAY_MS, self._search_now)
        self._city_timer = self._timer(CITY_DELAY_MS, self._filter_now)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.city.textChanged.connect(lambda _t: self._city_timer.start())
        self.city.returnPressed.connect(self._filter_now)
        self.status.currentIndexChanged.connect(self._filter_now)
        self.model.loading_changed.connect(self._loading)
        self.model.failed.connect(self.message.show_message)
        self.model.replaced.connect(self._replaced)
        self.model.rowsInserted.connect(self._learn_cities)
        bridge.changed.connect(self._changed)
        add_shortcut(self, QKeySequence.StandardKey.Find, self.focus_search)
        if self.new_button is not None:
            add_shortcut(self, QKeySequence.StandardKey.New, self.new_customer)
        add_shortcut(self, QKeySequence.StandardKey.Refresh, self.refresh)
        shortcuts = ((self.import_button, Qt.Key.Key_I), (self.export_button, Qt.Key.Key_E),
                     (self.transfer_button, Qt.Key.Key_T))
        for button, key in shortcuts:
            if button is not None:
                button.setShortcut(QKeySequence(
                    Qt.Modifier.CTRL | Qt.Modifier.SHIFT | key))
                button.setToolTip(button.shortcut().toString(
                    QKeySequence.SequenceFormat.NativeText))

        self.model.reload()
        self._load_count()

    def _bulk_button(self, row: QHBoxLayout, permission: Permission, text: str,
                     slot: object) -> QPushButton | None:
        if not self._session.can(permission):
            return None
        button = QPushButton(text, self)
        button.clicked.connect(slot)
        row.addWidget(button)
        return button

    def _timer(self, ms: int, slot: object) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # -- search, filters, sort ---------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _search_now(self) -> None:
        self._search_timer.stop()
        query = self.search.text().strip()
        searching = bool(query)
        # Hits come in order of relevance: no column's arrow applies to them.
        self.view.horizontalHeader().setSortIndicatorShown(not searching)
        for widget in (self.status, self.city):
            widget.setEnabled(not searching)
            widget.setToolTip(self.tr("Filters apply to the list, not to search results")
                              if searching else "")
        self.message.clear_message()
        self.model.set_query(query)
        self._load_count()

    def current_filter(self) -> CustomerFilter:
        status = self.status.currentData()
        return CustomerFilter(status=CustomerStatus(status) if status else None,
                              city=clean_text(self.city.text(), 60))

    def _filter_now(self) -> None:
        self._city_timer.stop()
        flt = self.current_filter()
        if flt != self.model.filter:
            self.message.clear_message()
            self.model.set_filter(flt)
            self._load_count()

    def _sort_clicked(self, column: int, order: Qt.SortOrder) -> None:
        if column in SORT_COLUMNS:
            return  # the view hands it to the model
        # Only name, city and update time have an index to page by: put the arrow back.
        sort, descending = self.model.sort_key
        current = next(c for c, key in SORT_COLUMNS.items() if key == sort)
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(current, Qt.SortOrder.DescendingOrder if descending
                                else Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)
        header.viewport().update()

    def _loading(self, loading: bool) -> None:
        self.loading_label.setText(self.tr("Loading…") if loading else "")

    def _load_count(self) -> None:
        self._count_request += 1
        request = self._count_request
        if self.model.query:
            self.count_label.setText(self.tr("Searching…"))
            return  # counted when the hits arrive
        session, actor, flt = self._session, self._session.user, self.model.filter

        def done(count: int) -> None:
            if request == self._count_request:
                self.count_label.setText(self.tr("Customers: {count}").format(count=count))

        run_op(self, lambda _t: session.customers.count(actor, flt), on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    def _replaced(self) -> None:
        if self.model.query:
            hits = self.model.rowCount()
            text = (self.tr("Matches: the first {count}") if hits >= self.model.SEARCH_LIMIT
                    else self.tr("Matches: {count}"))
            self.count_label.setText(text.format(count=hits))
        self._learn_cities(QModelIndex(), 0, self.model.rowCount() - 1)
        QTimer.singleShot(0, self, self._fill)
        keep, self._keep = self._keep, None
        if keep is not None:
            selected, scroll = keep
            row = self.model.row_of(selected) if selected is not None else None
            if row is not None:
                self.view.selectRow(row)
            self.view.verticalScrollBar().setValue(scroll)

    def _fill(self) -> None:
        """Ask for more when the replaced rows do not fill the view (the view itself does not
        always ask again after a reset that kept the row count)."""
        last = self.model.rowCount() - 1
        if (last >= 0 and self.model.canFetchMore() and self.view.viewport().rect().intersects(
                self.view.visualRect(self.model.index(last, 0)))):
            self.model.fetchMore()

    def _learn_cities(self, _parent: QModelIndex, first: int, last: int) -> None:
        """Offer the cities seen so far in the city filter (it matches a city exactly)."""
        known = set(self.cities.stringList())
        rows = (self.model.summary(r) for r in range(first, last + 1))
        seen = {row.city for row in rows if row is not None} - known - {""}
        if seen:
            self.cities.setStringList(sorted(known | seen))

    # -- customers ---------------------------------------------------------------------------
    def selected_id(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].data(ID_ROLE) if rows else None

    def _activated(self, index: QModelIndex) -> None:
        customer_id = index.data(ID_ROLE)
        if customer_id is not None:
            self.windows.open(int(customer_id))

    def new_customer(self) -> None:
        if self.new_button is None:
            return
        self.form_dialog = CustomerFormDialog(self._session, None, self)
        dialog = self.form_dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def created() -> None:
            if dialog.saved is not None:
                self.message.show_message(self.tr("{name} was created.").format(
                    name=dialog.saved.name), "ok")
                self.windows.open(dialog.saved.id)

        dialog.accepted.connect(created)
        dialog.open()

    # -- bulk actions ------------------------------------------------------------------------
    def import_file(self, path: str | None = None) -> ImportDialog | None:
        if self.import_button is None:
            return None
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, self.tr("Import customers"), "",
                self.tr("Spreadsheets (*.csv *.xlsx);;CSV (*.csv);;Excel workbook (*.xlsx)"))
        if not path:
            return None
        dialog = ImportDialog(self._session, Path(path), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self.refresh())
        self.bulk_dialog = dialog
        dialog.open()
        return dialog

    def export_file(self) -> ExportDialog | None:
        if self.export_button is None:
            return None
        dialog = ExportDialog(self._session, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def done() -> None:
            if dialog.result_ is not None:
                self.message.show_message(self.tr(
                    "{count} customers exported to {path}.").format(
                    count=dialog.result_.count, path=dialog.result_.path), "ok")

        dialog.accepted.connect(done)
        self.bulk_dialog = dialog
        dialog.open()
        return dialog

    def transfer(self) -> TransferDialog | None:
        if self.transfer_button is None:
            return None
        dialog = TransferDialog(self._session, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def done() -> None:
            self.message.show_message(self.tr("{count} customers transferred.").format(
                count=dialog.moved or 0), "ok")

        dialog.accepted.connect(done)
        self.bulk_dialog = dialog
        dialog.open()
        return dialog

    def refresh(self) -> None:
        self._keep = (self.selected_id(), self.view.verticalScrollBar().value())
        self.model.refresh()
        self._load_count()

    def _changed(self, changes: Changes) -> None:
        if changes.customers:
            self.refresh()

    def wipe(self) -> None:
        """Forget every customer shown (at lock time, before the page is deleted)."""
        for timer in (self._search_timer, self._city_timer):
            timer.stop()
        self.windows.wipe()
        for dialog in (self.form_dialog, self.bulk_dialog):
            if dialog is not None and shiboken6.isValid(dialog):
                if isinstance(dialog, ImportDialog):
                    dialog.wipe()
                dialog.hide()
        self.model.wipe()
        self.cities.setStringList([])
        for edit in (self.search, self.city):
            edit.blockSignals(True)
            edit.clear()
            edit.blockSignals(False)
        self.count_label.clear()
        self.message.clear_message()

