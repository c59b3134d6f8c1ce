"""The Fund approvals page: refunds, discounts after signing, rebates, bad-debt provisions and
write-offs of the customers the user may see, as lists — awaiting my decision (approvers),
pending, decided — with the selected request in full below. Whoever may request asks for one
here; approvers approve or reject with their password typed again; the requester cancels their
own pending request. The buttons follow core's rules (the requester never sees Approve on their
own request) and core checks them again. The lists reload when money changes anywhere."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QWidget,
)

from core.changes import Changes
from core.money.funds_model import FundRequest
from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.labels import plain
from ui.money.fund_decision_dialog import FundDecisionDialog
from ui.money.fund_request_dialog import FundRequestDialog
from ui.money.funds_model import (
    AMOUNT,
    APPROVALS,
    AWAITING,
    CUSTOMER,
    DECIDED,
    ID,
    KIND,
    PENDING,
    REASON,
    REQUESTED,
    REQUESTER,
    STATE,
    WARNINGS,
    FundLists,
    FundRow,
    FundsModel,
    decided_text,
    detail_lines,
    load_lists,
    may_cancel,
    may_decide,
)
from ui.widgets import add_shortcut, add_status, ask, configure_list_view, page_layout
from ui.worker import error_text, run_op

WIDTHS = {ID: 40, KIND: 130, CUSTOMER: 180, AMOUNT: 120, REQUESTER: 110, APPROVALS: 70,
          STATE: 80, REQUESTED: 125, WARNINGS: 90}


class FundsPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._load = 0
        self.loading = False
        self.dialog: FundRequestDialog | FundDecisionDialog | None = None
        layout = page_layout(self, self.tr("Fund approvals"), self.tr(
            "Refunds, discounts after signing, rebates, bad-debt provisions and write-offs take "
            "effect only when a colleague other than the requester approves them (two above "
            "the threshold)."))
        self.new_button: QPushButton | None = None
        self.approve_button: QPushButton | None = None
        self.reject_button: QPushButton | None = None
        top = QHBoxLayout()
        if session.can(Permission.FUND_REQUEST):
            self.new_button = QPushButton(self.tr("&New request…"), self)
            self.new_button.setToolTip(QKeySequence(QKeySequence.StandardKey.New).toString(
                QKeySequence.SequenceFormat.NativeText))
            self.new_button.clicked.connect(lambda: self.new_request())
            top.addWidget(self.new_button)
        if session.can(Permission.FUND_APPROVE):
            self.approve_button = QPushButton(self.tr("&Approve…"), self)
            self.approve_button.clicked.connect(lambda: self.decide(False))
            self.reject_button = QPushButton(self.tr("Re&ject…"), self)
            self.reject_button.clicked.connect(lambda: self.decide(True))
            top.addWidget(self.approve_button)
            top.addWidget(self.reject_button)
        self.cancel_button = QPushButton(self.tr("&Withdraw my request…"), self)
        self.cancel_button.setToolTip(QKeySequence(QKeySequence.StandardKey.Delete).toString(
            QKeySequence.SequenceFormat.NativeText))
        self.cancel_button.clicked.connect(lambda: self.cancel_request())
        top.addWidget(self.cancel_button)
        top.addStretch(1)
        self.refresh_button = QPushButton(self.tr("Re&fresh"), self)
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)

        self.tabs = QTabWidget(self)
        self.models: dict[str, FundsModel] = {}
        self.views: dict[str, QTableView] = {}
        lists = [PENDING, DECIDED]
        if session.can(Permission.FUND_APPROVE):
            lists.insert(0, AWAITING)
        for key in lists:
            model = FundsModel(self)
            view = QTableView(self)
            configure_list_view(view, model, stretch=REASON, widths=WIDTHS)
            view.selectionModel().currentRowChanged.connect(
                lambda _now, _before: self._selection_changed())
            view.activated.connect(self._activated)
            self.models[key], self.views[key] = model, view
            self.tabs.addTab(view, "")
        self._name_tabs()
        self.tabs.currentChanged.connect(lambda _i: self._selection_changed())
        layout.addWidget(self.tabs, 1)
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.details.setMinimumHeight(90)
        layout.addWidget(self.details)
        self.message, self.busy = add_status(layout, self)
        plain(self.details, self.message)

        bridge.changed.connect(self._changed)
        add_shortcut(self, QKeySequence.StandardKey.Refresh, self.refresh)
        add_shortcut(self, QKeySequence.StandardKey.Delete, self.cancel_request)
        if self.new_button is not None:
            add_shortcut(self, QKeySequence.StandardKey.New, lambda: self.new_request())
        self._selection_changed()
        self.refresh()

    # -- the lists ---------------------------------------------------------------------------
    def _name_tabs(self) -> None:
        titles = {AWAITING: self.tr("Awaiting &my decision ({count})"),
                  PENDING: self.tr("&Pending ({count})"), DECIDED: self.tr("&Decided ({count})")}
        for index, key in enumerate(self.models):
            self.tabs.setTabText(index, titles[key].format(count=self.models[key].rowCount()))

    def refresh(self) -> None:
        self._load += 1
        load, session = self._load, self._session
        self.loading = True

        def done(lists: FundLists) -> None:
            if load == self._load:
                self._show(lists)

        def failed(exc: BaseException) -> None:
            if load == self._load:
                self.message.show_message(error_text(exc))

        def finished() -> None:
            if load == self._load:
                self.loading = False

        run_op(self, lambda _t: load_lists(session), on_done=done, on_error=failed,
               on_finished=finished)

    def _show(self, lists: FundLists) -> None:
        selected = self.selected()
        keep = selected.request.id if selected is not None else None
        for key, rows in ((AWAITING, lists.awaiting), (PENDING, lists.pending),
                          (DECIDED, lists.decided)):
            if key in self.models:
                self.models[key].set_fund_rows(rows)
        self._name_tabs()
        if keep is not None:
            self.select(keep)
        self._selection_changed()

    def _changed(self, changes: Changes) -> None:
        if changes.money or changes.customers:
            self.refresh()

    def current_list(self) -> str:
        return list(self.models)[max(self.tabs.currentIndex(), 0)]

    def show_list(self, key: str) -> None:
        self.tabs.setCurrentIndex(list(self.models).index(key))

    def selected(self) -> FundRow | None:
        key = self.current_list()
        index = self.views[key].currentIndex()
        return self.models[key].row_at(index.row()) if index.isValid() else None

    def select(self, request_id: int, key: str | None = None) -> bool:
        """Select the request in the list shown (or in `key`, then shown)."""
        if key is not None:
            if key not in self.models:
                return False
            self.show_list(key)
        key = self.current_list()
        row = self.models[key].find(request_id)
        if row < 0:
            self.views[key].setCurrentIndex(QModelIndex())
            return False
        self.views[key].selectRow(row)
        return True

    def _selection_changed(self) -> None:
        row = self.selected()
        request = row.request if row is not None else None
        decide = request is not None and may_decide(self._session, request)
        for button in (self.approve_button, self.reject_button):
            if button is not None:
                # The requester never sees them on their own request (nor twice the approver).
                button.setVisible(request is None or decide)
                button.setEnabled(decide)
        cancel = request is not None and may_cancel(self._session, request)
        self.cancel_button.setVisible(cancel)
        self.cancel_button.setEnabled(cancel)
        self.details.setText("\n".join(detail_lines(row)) if row is not None else self.tr(
            "Select a request to see it in full."))

    def _activated(self, _index: QModelIndex) -> None:
        row = self.selected()
        if row is not None and may_decide(self._session, row.request):
            self.decide(False)

    # -- actions -----------------------------------------------------------------------------
    def new_request(self, customer: tuple[int, str] | None = None) -> FundRequestDialog | None:
        if self.new_button is None:
            return None
        dialog = FundRequestDialog(self._session, customer, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._requested(dialog.saved))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _requested(self, saved: FundRequest | None) -> None:
        if saved is None:
            return
        self.message.show_message(self.tr(
            "Fund request #{id} was submitted; it waits for {count} approval(s).").format(
            id=saved.id, count=saved.approvals_needed), "ok")

    def decide(self, reject: bool) -> FundDecisionDialog | None:
        row = self.selected()
        if row is None or not may_decide(self._session, row.request):
            return None
        dialog = FundDecisionDialog(self._session, row, reject, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.message.show_message(
            decided_text(dialog.saved), "ok") if dialog.saved is not None else None)
        self.dialog = dialog
        dialog.open()
        return dialog

    def cancel_request(self) -> None:
        row = self.selected()
        if row is None or not may_cancel(self._session, row.request):
            return
        request_id = row.request.id
        ask(self, self.tr("Withdraw the request"), self.tr(
            "Withdraw fund request #{id}? Nobody will be able to approve it any more.").format(
            id=request_id), self.tr("&Withdraw"), lambda: self._cancel(request_id))

    def _cancel(self, request_id: int) -> None:
        service, actor = self._session.funds, self._session.user
        self.busy.start(self.tr("Withdrawing…"), [self.cancel_button])
        run_op(self, lambda _t: service.cancel(actor, request_id),
               on_done=lambda saved: self.message.show_message(self.tr(
                   "Fund request #{id} was withdrawn.").format(id=saved.id), "ok"),
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=self.busy.stop)

    def wipe(self) -> None:
        """Forget everything shown (at lock time, before the page is deleted)."""
        self._load += 1
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.wipe()
        for model in self.models.values():
            model.wipe()
        self.details.clear()
        self.message.clear_message()
