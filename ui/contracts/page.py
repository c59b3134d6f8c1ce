"""The Contracts page: the contracts of the customers the user may see, newest first and read
page by page as the list scrolls, filtered by state and by number or title; the views "awaiting
my approval" and "expiring"; the way into a contract's detail and into drafting a new one."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from core.changes import Changes
from core.contracts.model import ContractFilter
from core.contracts.workflow import ContractState
from core.customers.validate import clean_text
from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.customer_picker import ChooseCustomerDialog
from ui.contracts.detail import ContractWindows
from ui.contracts.draft_dialog import DraftDialog
from ui.contracts.labels import plain, state_label
from ui.contracts.list_model import (
    ALL,
    AWAITING,
    CUSTOMER,
    EXPIRING_30,
    EXPIRING_60,
    ID_ROLE,
    NUMBER,
    STATE,
    TITLE,
    TOTAL,
    UPDATED,
    ContractListModel,
)
from ui.customers.search_box import SearchBox
from ui.widgets import (
    MessageLabel,
    add_shortcut,
    configure_list_view,
    count_footer,
    page_layout,
)

SEARCH_DELAY_MS = 200
WIDTHS = {NUMBER: 150, CUSTOMER: 180, STATE: 90, TOTAL: 130, UPDATED: 124}


class ContractsPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.windows = ContractWindows(self, session, bridge)
        self.dialog: QDialog | None = None
        layout = page_layout(self, self.tr("Contracts"))

        self.model = ContractListModel(session, self)
        self.view = QTableView(self)
        self.show_combo = QComboBox(self)
        self.show_combo.addItem(self.tr("All contracts"), ALL)
        if session.can(Permission.CONTRACT_APPROVE):
            self.show_combo.addItem(self.tr("Awaiting my approval"), AWAITING)
        self.show_combo.addItem(self.tr("Expiring within 30 days"), EXPIRING_30)
        self.show_combo.addItem(self.tr("Expiring within 60 days"), EXPIRING_60)
        show_label = QLabel(self.tr("Sho&w:"), self)
        show_label.setBuddy(self.show_combo)
        self.state = QComboBox(self)
        self.state.addItem(self.tr("All states"), None)
        for state in ContractState:
            self.state.addItem(state_label(state.value), state.value)
        self.search = SearchBox(self.view, self)
        self.search.setObjectName("contractSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Number or title contains…  ({key})").format(
            key=QKeySequence(QKeySequence.StandardKey.Find).toString(
                QKeySequence.SequenceFormat.NativeText)))
        top = QHBoxLayout()
        top.addWidget(show_label)
        top.addWidget(self.show_combo)
        top.addWidget(self.search, 1)
        state_label_ = QLabel(self.tr("Sta&te:"), self)
        state_label_.setBuddy(self.state)
        top.addWidget(state_label_)
        top.addWidget(self.state)
        self.new_button: QPushButton | None = None
        if session.can(Permission.CONTRACT_WRITE):
            self.new_button = QPushButton(self.tr("&New contract…"), self)
            self.new_button.setToolTip(QKeySequence(QKeySequence.StandardKey.New).toString(
                QKeySequence.SequenceFormat.NativeText))
            self.new_button.clicked.connect(self.new_contract)
            top.addWidget(self.new_button)
        layout.addLayout(top)

        configure_list_view(self.view, self.model, TITLE, WIDTHS)
        self.view.activated.connect(self._activated)
        layout.addWidget(self.view, 1)

        self.count_label, self.loading_label, bottom = count_footer(self)
        layout.addLayout(bottom)
        self.message = MessageLabel(self)
        plain(self.message)
        layout.addWidget(self.message)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.state.currentIndexChanged.connect(self.apply_filter)
        self.show_combo.currentIndexChanged.connect(self.apply_filter)
        self.model.loading_changed.connect(self._loading)
        self.model.failed.connect(self.message.show_message)
        self.model.replaced.connect(self._counted)
        self.model.rowsInserted.connect(lambda *_a: self._counted())
        bridge.changed.connect(self._changed)
        add_shortcut(self, QKeySequence.StandardKey.Find, self.focus_search)
        add_shortcut(self, QKeySequence.StandardKey.Refresh, self.refresh)
        if self.new_button is not None:
            add_shortcut(self, QKeySequence.StandardKey.New, self.new_contract)
        self.model.reload()

    # -- the list ----------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def current_filter(self) -> ContractFilter:
        return ContractFilter(state=self.state.currentData(),
                              text=clean_text(self.search.text(), 100))

    def show_view(self, mode: str) -> None:
        index = self.show_combo.findData(mode)
        if index >= 0:
            self.show_combo.setCurrentIndex(index)

    def apply_filter(self) -> None:
        self._search_timer.stop()
        mode = self.show_combo.currentData()
        listing = mode == ALL
        for widget in (self.search, self.state):
            widget.setEnabled(listing)
        self.message.clear_message()
        self.model.set_view(mode, self.current_filter() if listing else ContractFilter())

    def _loading(self, loading: bool) -> None:
        self.loading_label.setText(self.tr("Loading…") if loading else "")

    def _counted(self) -> None:
        rows = self.model.rowCount()
        text = (self.tr("Contracts shown: {count} (scroll for more)") if self.model.canFetchMore()
                else self.tr("Contracts: {count}"))
        self.count_label.setText(text.format(count=rows))

    def refresh(self) -> None:
        self.model.refresh()

    def _changed(self, changes: Changes) -> None:
        if changes.contracts:
            self.refresh()

    def selected_id(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].data(ID_ROLE) if rows else None

    def _activated(self, index: QModelIndex) -> None:
        contract_id = index.data(ID_ROLE)
        if contract_id is not None:
            self.windows.open(int(contract_id))

    # -- new contracts -----------------------------------------------------------------------
    def new_contract(self) -> ChooseCustomerDialog | None:
        if self.new_button is None:
            return None
        picker = ChooseCustomerDialog(self._session, self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.accepted.connect(lambda: self.draft_for(*picker.chosen) if picker.chosen
                                else None)
        self.dialog = picker
        picker.open()
        return picker

    def draft_for(self, customer_id: int, customer_name: str) -> DraftDialog:
        dialog = DraftDialog(self._session, customer_id, customer_name, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def created() -> None:
            if dialog.saved is not None:
                self.message.show_message(self.tr("Contract {number} was drafted.").format(
                    number=dialog.saved.number), "ok")
                self.windows.open(dialog.saved.id)

        dialog.accepted.connect(created)
        self.dialog = dialog
        dialog.open()
        return dialog

    def wipe(self) -> None:
        """Forget every contract shown (at lock time, before the page is deleted)."""
        self._search_timer.stop()
        self.windows.wipe()
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            wipe = getattr(self.dialog, "wipe", None)
            if wipe is not None:
                wipe()
            self.dialog.hide()
        self.model.wipe()
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.count_label.clear()
        self.message.clear_message()
