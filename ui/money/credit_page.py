"""The Credit page (CREDIT_MANAGE): the limits proposed and waiting for a second person, who
approves or rejects them with their password (never offered to whoever proposed it; core
refuses it too), the customers whose exposure is above their limit, and the annual reviews due
within 30 days or past. Only customers the user may see are listed (core's row-level rules).
A double click opens the customer. Read on a worker, re-read when money, contracts or
customers change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import shiboken6
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QPushButton, QTableView, QTabWidget, QVBoxLayout, QWidget

from core.changes import Changes
from core.errors import NotFound
from core.money.credit_model import CreditLimit, LimitStatus
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.labels import plain
from ui.customers.detail import DetailWindows
from ui.money.ageing_view import table_view
from ui.money.credit_dialogs import DecideLimitDialog, people, review_text, who
from ui.money.credit_tab import when
from ui.money.labels import amount, day_text
from ui.money.receivables_model import Cells, CellsModel
from ui.widgets import add_shortcut, add_status, button_row, page_layout
from ui.worker import error_text, run_op

PENDING, OVER, REVIEWS = range(3)
REVIEW_WITHIN_DAYS = 30


@dataclass(frozen=True)
class CreditLists:
    pending: list[CreditLimit]
    customer_names: dict[int, str]
    over: list[LimitStatus]
    reviews: list[LimitStatus]
    names: dict[int, str]
    today: date


def load_lists(session: Session) -> CreditLists:
    """Everything the page shows, read in one go on a worker."""
    credit, actor = session.credit, session.user
    pending = credit.pending_limits(actor)
    over = credit.over_limit(actor)
    reviews = credit.reviews_due(actor, REVIEW_WITHIN_DAYS)
    customer_names = {s.limit.customer_id: s.customer_name for s in over + reviews}
    for limit in pending:
        if limit.customer_id not in customer_names:
            try:  # no "customer.viewed" entry per row: only the name is needed
                customer = session.customers.visible(actor, limit.customer_id)[0]
            except NotFound:
                continue
            customer_names[limit.customer_id] = customer.name
    return CreditLists(pending, customer_names, over, reviews, people(session),
                       credit.today())


class CreditPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._request = 0
        self.lists: CreditLists | None = None
        self.loading = False
        self.dialog: DecideLimitDialog | None = None
        self._customer_of: dict[int, int] = {}  # pending limit id -> customer id
        self.windows = DetailWindows(self, session, bridge)
        layout = page_layout(self, self.tr("Credit"), self.tr(
            "Credit limits waiting for a second person's approval, customers over their limit "
            "and the annual reviews coming up. Double-click a row to open the customer."))
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)

        self.pending = CellsModel([self.tr("Customer"), self.tr("Currency"),
                                   self.tr("Proposed limit"), self.tr("Rating"),
                                   self.tr("Reason"), self.tr("Proposed by"),
                                   self.tr("Proposed"), self.tr("Review on")], (2,), self)
        self.over = CellsModel([self.tr("Customer"), self.tr("Currency"), self.tr("Limit"),
                                self.tr("Exposure"), self.tr("Over by"),
                                self.tr("Next review")], (2, 3, 4), self)
        self.reviews = CellsModel([self.tr("Customer"), self.tr("Currency"), self.tr("Limit"),
                                   self.tr("Exposure"), self.tr("Available"),
                                   self.tr("Review on")], (2, 3, 4), self)
        pending_tab = QWidget(self)
        self.pending_view = self._view(pending_tab, self.pending, (220, 60, 120, 50, 200, 110,
                                                                   125))
        self.approve_button = QPushButton(self.tr("&Approve…"), pending_tab)
        self.approve_button.clicked.connect(lambda: self.decide_selected())
        self.reject_button = QPushButton(self.tr("&Reject…"), pending_tab)
        self.reject_button.clicked.connect(lambda: self.decide_selected(reject=True))
        self.hint = QLabel(pending_tab)
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        inner = QVBoxLayout(pending_tab)
        inner.addWidget(self.pending_view, 1)
        inner.addWidget(self.hint)
        inner.addLayout(button_row(self.approve_button, self.reject_button))
        self.tabs.addTab(pending_tab, self.tr("Limits to approve"))
        self.over_view = self._view(self, self.over, (240, 60, 130, 130, 130))
        self.tabs.addTab(self.over_view, self.tr("Over limit"))
        self.review_view = self._view(self, self.reviews, (240, 60, 130, 130, 130))
        self.tabs.addTab(self.review_view, self.tr("Reviews due"))
        self.message, self.busy = add_status(layout, self)
        plain(self.message)

        self.pending_view.selectionModel().selectionChanged.connect(
            lambda *_a: self._update_buttons())
        bridge.changed.connect(self._changed)
        add_shortcut(self, QKeySequence.StandardKey.Refresh, self.load)
        self._update_buttons()
        self.load()

    def _view(self, parent: QWidget, model: CellsModel, widths: tuple[int, ...]) -> QTableView:
        view = table_view(parent, model)
        for column, width in enumerate(widths):
            view.setColumnWidth(column, width)
        view.doubleClicked.connect(lambda index, m=model: self._open_customer(m, index))
        return view

    # -- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        self._request += 1
        request = self._request
        session = self._session
        self.loading = True

        def done(lists: CreditLists) -> None:
            if request == self._request:
                self.loading = False
                self.show_lists(lists)

        def failed(exc: BaseException) -> None:
            if request == self._request:
                self.loading = False
                self.message.show_message(error_text(exc))

        run_op(self, lambda _t: load_lists(session), on_done=done, on_error=failed)

    def show_lists(self, lists: CreditLists) -> None:
        self.lists = lists
        selected = self.selected_limit()
        self.pending.set_rows([self._pending_cells(x, lists) for x in lists.pending],
                              [x.id for x in lists.pending])
        self.over.set_rows([self._over_cells(s, lists.today) for s in lists.over],
                           [s.limit.customer_id for s in lists.over])
        self.reviews.set_rows([self._review_cells(s, lists.today) for s in lists.reviews],
                              [s.limit.customer_id for s in lists.reviews])
        self._customer_of = {x.id: x.customer_id for x in lists.pending}
        for index, (text, count) in enumerate((
                (self.tr("Limits to approve ({count})"), len(lists.pending)),
                (self.tr("Over limit ({count})"), len(lists.over)),
                (self.tr("Reviews due ({count})"), len(lists.reviews)))):
            self.tabs.setTabText(index, text.format(count=count))
        if selected is not None:
            self.select_limit(selected.id)
        self._update_buttons()

    def _pending_cells(self, x: CreditLimit, lists: CreditLists) -> Cells:
        return (lists.customer_names.get(x.customer_id, f"#{x.customer_id}"), x.currency,
                amount(x.limit, x.currency), x.rating, x.reason,
                who(lists.names, x.set_by, x.set_by_name), when(x.set_at),
                day_text(x.review_on))

    @staticmethod
    def _over_cells(s: LimitStatus, today: date) -> Cells:
        code = s.limit.currency
        return (s.customer_name, code, amount(s.limit.limit, code),
                amount(s.exposure.total, code), amount(-s.available, code),
                review_text(s.limit.review_on, today))

    @staticmethod
    def _review_cells(s: LimitStatus, today: date) -> Cells:
        code = s.limit.currency
        return (s.customer_name, code, amount(s.limit.limit, code),
                amount(s.exposure.total, code), amount(s.available, code),
                review_text(s.limit.review_on, today))

    def _changed(self, changes: Changes) -> None:
        if changes.money or changes.contracts or changes.customers:
            self.load()

    # -- approving ---------------------------------------------------------------------------
    def selected_limit(self) -> CreditLimit | None:
        if self.lists is None:
            return None
        rows = self.pending_view.selectionModel().selectedRows()
        if not rows:
            return None
        limit_id = self.pending.key(rows[0].row())
        return next((x for x in self.lists.pending if x.id == limit_id), None)

    def select_limit(self, limit_id: int) -> bool:
        for row in range(self.pending.rowCount()):
            if self.pending.key(row) == limit_id:
                self.pending_view.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        limit = self.selected_limit()
        own = limit is not None and limit.set_by == self._session.user.id
        for button in (self.approve_button, self.reject_button):
            button.setEnabled(limit is not None and not own)
        self.hint.setText(self.tr("You proposed this limit: another person must approve or "
                                  "reject it.") if own else "")
        self.hint.setVisible(own)

    def decide_selected(self, reject: bool = False) -> DecideLimitDialog | None:
        """Approve (or reject) the selected proposal: not offered for one's own."""
        limit = self.selected_limit()
        if limit is None or limit.set_by == self._session.user.id or self.lists is None:
            return None
        customer = self.lists.customer_names.get(limit.customer_id, f"#{limit.customer_id}")
        dialog = DecideLimitDialog(self._session, limit, customer, reject, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        done = (self.tr("The limit for {customer} was rejected.") if reject
                else self.tr("The limit for {customer} is in force.")).format(customer=customer)
        dialog.accepted.connect(lambda: self.message.show_message(done, "ok"))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _open_customer(self, model: CellsModel, index: QModelIndex) -> None:
        key = model.key(index.row())
        customer_id = self._customer_of.get(key) if model is self.pending else key
        if customer_id is not None:
            self.windows.open(int(customer_id))

    def wipe(self) -> None:
        """Forget everything shown (at lock time, before the page is deleted)."""
        self._request += 1
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.wipe()
        self.windows.wipe()
        self.lists = None
        self._customer_of = {}
        for model in (self.pending, self.over, self.reviews):
            model.wipe()
        self.message.clear_message()
        self._update_buttons()
