"""The Receivables page: the open instalments of the customers the user may see (core's
row-level rules), by due date and read a page at a time as the list scrolls, filtered to one
customer or to the overdue ones; the ageing view; CSV exports (core writes and audits them);
and, for finance, recording a receipt."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.changes import Changes
from core.money.model import ReceivableFilter
from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.labels import plain
from ui.contracts.pdf_files import choose_save_path
from ui.money.ageing_view import AgeingView, table_view
from ui.money.collection_view import CollectionView
from ui.money.customer_choice import CustomerChoice
from ui.money.receipt_dialog import ReceiptDialog, show_saved
from ui.money.receivables_model import AMOUNT, CONTRACT, CUSTOMER, DUE, OPEN, ReceivablesModel
from ui.money.warnings_view import WarningsView
from ui.widgets import add_shortcut, add_status, count_footer, page_layout
from ui.worker import error_text, run_op

WIDTHS = {CUSTOMER: 220, CONTRACT: 150, DUE: 100, AMOUNT: 130, OPEN: 130}
LIST, AGEING = range(2)


class ReceivablesPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.dialog: ReceiptDialog | None = None
        layout = page_layout(self, self.tr("Receivables"))
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)

        listing = QWidget(self)
        self.model = ReceivablesModel(session, self)
        self.view = table_view(listing, self.model)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(CUSTOMER, QHeaderView.ResizeMode.Stretch)
        for column, width in WIDTHS.items():
            self.view.setColumnWidth(column, width)
        self.customer = CustomerChoice(session, allow_all=True, parent=listing)
        customer_label = QLabel(self.tr("C&ustomer:"), listing)
        customer_label.setBuddy(self.customer)
        self.overdue_only = QCheckBox(self.tr("&Overdue only"), listing)
        top = QHBoxLayout()
        top.addWidget(customer_label)
        top.addWidget(self.customer, 1)
        top.addWidget(self.overdue_only)
        self.record_button: QPushButton | None = None
        if session.can(Permission.PAYMENT_RECORD):
            self.record_button = QPushButton(self.tr("&Record receipt…"), listing)
            self.record_button.setToolTip(QKeySequence(QKeySequence.StandardKey.New).toString(
                QKeySequence.SequenceFormat.NativeText))
            self.record_button.clicked.connect(self.record_receipt)
            top.addWidget(self.record_button)
        self.export_button = QPushButton(self.tr("&Export receivables…"), listing)
        self.export_button.clicked.connect(lambda: self.export_receivables())
        top.addWidget(self.export_button)
        self.count_label, self.loading_label, bottom = count_footer(listing)
        inner = QVBoxLayout(listing)
        inner.addLayout(top)
        inner.addWidget(self.view, 1)
        inner.addLayout(bottom)
        self.message, self.busy = add_status(inner, listing)
        plain(self.message)
        self.tabs.addTab(listing, self.tr("Open &instalments"))
        self.ageing = AgeingView(session, self)
        self.tabs.addTab(self.ageing, self.tr("&Ageing"))
        self.collection = CollectionView(session, bridge, self)
        self.tabs.addTab(self.collection, self.tr("&Collection"))
        # Read when looked at: the watch scans a period's receipts and refunds.
        self.warnings = WarningsView(session, self)
        self.tabs.addTab(self.warnings, self.tr("&Warnings"))
        self.tabs.currentChanged.connect(lambda _i: self._load_warnings())

        self.customer.chosen.connect(lambda _c: self.apply_filter())
        self.customer.failed.connect(self.message.show_message)
        self.overdue_only.toggled.connect(lambda _on: self.apply_filter())
        self.model.loading_changed.connect(self._loading)
        self.model.failed.connect(self.message.show_message)
        self.model.replaced.connect(self._counted)
        self.model.rowsInserted.connect(lambda *_a: self._counted())
        bridge.changed.connect(self._changed)
        add_shortcut(self, QKeySequence.StandardKey.Find, self.focus_search)
        add_shortcut(self, QKeySequence.StandardKey.Refresh, self.refresh)
        if self.record_button is not None or self.collection.note_button is not None:
            add_shortcut(self, QKeySequence.StandardKey.New, self.new)
        self.model.reload()
        self.ageing.load()

    # -- the list ----------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(LIST)
        self.customer.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.customer.search.selectAll()

    def current_filter(self) -> ReceivableFilter:
        return ReceivableFilter(customer_id=self.customer.customer_id(),
                                overdue_on=self._session.money.today()
                                if self.overdue_only.isChecked() else None)

    def apply_filter(self) -> None:
        self.message.clear_message()
        self.model.set_filter(self.customer.customer_id(), self.overdue_only.isChecked())

    def _loading(self, loading: bool) -> None:
        self.loading_label.setText(self.tr("Loading…") if loading else "")

    def _counted(self) -> None:
        rows = self.model.rowCount()
        text = (self.tr("Instalments shown: {count} (scroll for more)")
                if self.model.canFetchMore() else self.tr("Open instalments: {count}"))
        self.count_label.setText(text.format(count=rows))

    def refresh(self) -> None:
        self.model.refresh()
        self.ageing.load()
        self.collection.refresh()
        self._load_warnings()

    def _load_warnings(self) -> None:
        if self.tabs.currentWidget() is self.warnings:
            self.warnings.load()

    def _changed(self, changes: Changes) -> None:
        if changes.money or changes.contracts or changes.customers:
            self.refresh()

    # -- actions -----------------------------------------------------------------------------
    def new(self) -> None:
        """Ctrl+N: a collection note on the Collection tab, a receipt elsewhere."""
        if self.tabs.currentWidget() is self.collection:
            self.collection.add_note()
        else:
            self.record_receipt()

    def record_receipt(self) -> ReceiptDialog | None:
        if self.record_button is None:
            return None
        customer_id = self.customer.customer_id()
        preset = (customer_id, self.customer.customer_name()) if customer_id else None
        dialog = ReceiptDialog(self._session, preset, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: show_saved(self.message, dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def export_receivables(self, path: str | None = None) -> None:
        """Ask where (unless given), then let core write and audit the CSV of what the filter
        shows."""
        if path is None:
            path = choose_save_path(self, self.tr("Export receivables"), "receivables.csv",
                                    self.tr("CSV files (*.csv);;All files (*)"), ".csv")
        if not path:
            return
        session, actor, target, flt = (self._session, self._session.user, path,
                                       self.current_filter())
        self.busy.start(self.tr("Exporting…"), [self.export_button])
        run_op(self, lambda _t: session.money.export_receivables(actor, target, None, flt),
               on_done=lambda count: self.message.show_message(
                   self.tr("{count} rows written to {path}.").format(count=count, path=target),
                   "ok"),
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=self.busy.stop)

    def wipe(self) -> None:
        """Forget everything shown (at lock time, before the page is deleted)."""
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.wipe()
        self.customer.blockSignals(True)  # no new load for a page about to go
        self.customer.wipe()
        self.model.wipe()
        self.ageing.wipe()
        self.collection.wipe()
        self.warnings.wipe()
        self.count_label.clear()
        self.message.clear_message()
