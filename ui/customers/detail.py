"""One customer: every field (protected ones masked, with an audited Reveal…; see
details_tab.py), the timeline of interactions a page at a time, the customer's tasks, and the
privacy tab (consents, access request, anonymisation; see privacy_tab.py) and the qualification
documents (qualifications_tab.py). Opened from the list or from Today; wiped and closed when
the vault locks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.changes import Changes
from core.customers.interactions import Interaction
from core.customers.interactions import Task as CustomerTask
from core.customers.model import CustomerView
from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge
from ui.customers.details_tab import DetailsTab
from ui.customers.form import CustomerFormDialog
from ui.customers.history import TaskListModel, TimelineModel
from ui.customers.labels import kind_label, status_label
from ui.customers.log_dialog import LogInteractionDialog
from ui.customers.masked import REVEAL_MS, ProtectedField
from ui.customers.privacy_tab import PrivacyTab
from ui.customers.qualifications_tab import QualificationsTab
from ui.customers.share_merge import MergeDialog, ShareDialog
from ui.money.credit_tab import CreditTab
from ui.money.payments_tab import PaymentsTab
from ui.widgets import add_status, button_row
from ui.worker import Task, error_text, run_op

DETAILS, TIMELINE, TASKS, PRIVACY, QUALIFICATIONS = range(5)


def _table(parent: QWidget, model: object) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


class CustomerDialog(QDialog):
    def __init__(self, session: Session, bridge: BusBridge, customer_id: int,
                 reveal_ms: int = REVEAL_MS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._session = session
        self.customer_id = customer_id
        self.reveal_ms = reveal_ms
        self.view: CustomerView | None = None
        self.form_dialog: CustomerFormDialog | None = None
        self.log_dialog: LogInteractionDialog | None = None
        self.share_dialog: ShareDialog | None = None
        self.merge_dialog: MergeDialog | None = None
        self._loads = {"customer": 0, "timeline": 0, "tasks": 0}
        self.setWindowTitle(self.tr("Customer"))
        self.resize(780, 640)

        self.title = QLabel(self)
        self.title.setObjectName("pageTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("pageIntro")
        self.tabs = QTabWidget(self)
        self.details = DetailsTab(session, customer_id, reveal_ms, self)
        self.values = self.details.values
        self.privacy = PrivacyTab(session, customer_id, self)
        self.qualifications = QualificationsTab(session, customer_id, self)
        self.tabs.addTab(self.details, self.tr("&Details"))
        self.tabs.addTab(self._timeline_tab(), self.tr("&Timeline"))
        self.tabs.addTab(self._tasks_tab(), self.tr("Ta&sks"))
        self.tabs.addTab(self.privacy, self.tr("&Privacy"))
        self.tabs.addTab(self.qualifications, self.tr("&Qualifications"))
        self.payments: PaymentsTab | None = None
        if session.can(Permission.RECEIVABLE_READ):
            self.payments = PaymentsTab(session, bridge, customer_id, self)
            self.tabs.addTab(self.payments, self.tr("Pa&yments"))
        self.credit: CreditTab | None = None
        if session.can(Permission.RECEIVABLE_READ):
            self.credit = CreditTab(session, bridge, customer_id, self)
            self.tabs.addTab(self.credit, self.tr("&Credit"))

        self.edit_button = QPushButton(self.tr("&Edit…"), self)
        self.edit_button.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_E))
        self.edit_button.clicked.connect(self.edit)
        self.edit_button.hide()
        self.share_button = QPushButton(self.tr("S&hare…"), self)
        self.share_button.clicked.connect(self.share)
        self.share_button.hide()
        self.merge_button = QPushButton(self.tr("&Merge…"), self)
        self.merge_button.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_M))
        self.merge_button.clicked.connect(self.merge)
        self.merge_button.hide()
        self.contract_button = QPushButton(self.tr("New co&ntract…"), self)
        self.contract_button.clicked.connect(self.new_contract)
        self.contract_button.hide()
        self.contract_dialog: QDialog | None = None
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.tabs, 1)
        self.message, self.busy = add_status(layout, self)
        extra = (self.edit_button, self.log_button, self.share_button, self.merge_button,
                 self.contract_button)
        for button in extra:
            button.setAutoDefault(False)  # Enter closes; editing is a deliberate click
        bottom = button_row(*extra)
        bottom.addWidget(self.close_buttons)
        layout.addLayout(bottom)
        bridge.changed.connect(self._changed)
        self.load()

    # -- layout ------------------------------------------------------------------------------
    def _timeline_tab(self) -> QWidget:
        page = QWidget(self)
        self.timeline = TimelineModel(self)
        self.timeline_view = _table(page, self.timeline)
        for column, width in enumerate((125, 70, 230, 100, 100)):
            self.timeline_view.setColumnWidth(column, width)
        self.log_button = QPushButton(self.tr("&Log interaction…"), self)
        self.log_button.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_I))
        self.log_button.clicked.connect(self.log_interaction)
        self.log_button.setVisible(self._session.can(Permission.INTERACTION_WRITE))
        self.more_button = QPushButton(self.tr("Load &more"), page)
        self.more_button.setEnabled(False)
        self.more_button.clicked.connect(self.load_more)
        layout = QVBoxLayout(page)
        layout.addWidget(self.timeline_view, 1)
        layout.addLayout(button_row(self.more_button))
        return page

    def _tasks_tab(self) -> QWidget:
        page = QWidget(self)
        self.tasks = TaskListModel(parent=self)
        self.tasks_view = _table(page, self.tasks)
        self.tasks_view.setColumnWidth(0, 320)
        self.tasks_view.setColumnWidth(1, 130)
        self.done_button = QPushButton(self.tr("Mark &done"), page)
        self.reopen_button = QPushButton(self.tr("&Reopen"), page)
        self.done_button.clicked.connect(lambda: self._set_done(True))
        self.reopen_button.clicked.connect(lambda: self._set_done(False))
        self.tasks_view.selectionModel().selectionChanged.connect(self._update_task_buttons)
        can_write = self._session.can(Permission.INTERACTION_WRITE)
        self.done_button.setVisible(can_write)
        self.reopen_button.setVisible(can_write)
        layout = QVBoxLayout(page)
        layout.addWidget(self.tasks_view, 1)
        layout.addLayout(button_row(self.done_button, self.reopen_button))
        self._update_task_buttons()
        return page

    # -- loading -----------------------------------------------------------------------------
    def _load(self, what: str, work: Callable[[Task], Any],
              done: Callable[[Any], None]) -> None:
        """Run `work` on a worker; only the newest load of each kind is shown."""
        self._loads[what] += 1
        number = self._loads[what]

        def deliver(result: object) -> None:
            if number == self._loads[what]:
                done(result)

        run_op(self, work, on_done=deliver,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    def load(self) -> None:
        session, actor, customer_id = self._session, self._session.user, self.customer_id
        self._load("customer", lambda _t: session.customers.get(actor, customer_id),
                   self.show_view)
        self.load_timeline()
        self.load_tasks()
        self.privacy.load()
        self.qualifications.load()

    @property
    def protected(self) -> dict[str, ProtectedField]:
        return self.details.protected

    def load_timeline(self) -> None:
        session, actor, customer_id = self._session, self._session.user, self.customer_id
        self._load("timeline", lambda _t: session.interactions.timeline(
            actor, customer_id, limit=TimelineModel.PAGE), self._timeline_loaded)

    def _timeline_loaded(self, rows: list[Interaction]) -> None:
        self.timeline.set_rows(rows)
        self.more_button.setEnabled(self.timeline.has_more)

    def load_more(self) -> None:
        last = self.timeline.last()
        if last is None:
            return
        session, actor, customer_id = self._session, self._session.user, self.customer_id
        self.more_button.setEnabled(False)

        def done(rows: list[Interaction]) -> None:
            self.timeline.append(rows)
            self.more_button.setEnabled(self.timeline.has_more)

        self._load("timeline", lambda _t: session.interactions.timeline(
            actor, customer_id, before=last, limit=TimelineModel.PAGE), done)

    def load_tasks(self) -> None:
        session, actor, customer_id = self._session, self._session.user, self.customer_id

        def done(tasks: list[CustomerTask]) -> None:
            self.tasks.set_rows(tasks)
            self._update_task_buttons()

        self._load("tasks", lambda _t: session.interactions.tasks_for(actor, customer_id),
                   done)

    def show_view(self, view: CustomerView) -> None:
        self.view = view
        self.setWindowTitle(view.name)
        self.title.setText(view.name)
        self.subtitle.setText(self.tr("{kind} · {status} · owner {owner}").format(
            kind=kind_label(view.kind), status=status_label(view.status),
            owner=view.owner_name or "—"))
        if view.anonymised:
            self.subtitle.setText(self.tr("{line} · anonymised").format(
                line=self.subtitle.text()))
        self.details.show_view(view)
        self.privacy.show_view(view)
        self.qualifications.show_view(view)
        if self.payments is not None:
            self.payments.set_customer_name(view.name)
        editable = view.can_edit and self._session.can(Permission.CUSTOMER_WRITE)
        self.edit_button.setVisible(editable)
        self.share_button.setVisible(view.can_edit and not view.anonymised
                                     and self._session.can(Permission.CUSTOMER_SHARE))
        self.merge_button.setVisible(editable and not view.anonymised)
        self.contract_button.setVisible(view.can_edit and not view.anonymised
                                        and self._session.can(Permission.CONTRACT_WRITE))
        self.log_button.setEnabled(not view.anonymised)

    # -- actions -----------------------------------------------------------------------------
    def _changed(self, changes: Changes) -> None:
        if changes.customers:
            self.load()
        elif changes.interactions:
            self.load_timeline()
            self.load_tasks()

    def edit(self) -> None:
        if self.view is None or not self.edit_button.isVisible():
            return
        self.form_dialog = CustomerFormDialog(self._session, self.view, self)
        self.form_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.form_dialog.open()

    def share(self) -> None:
        if self.view is not None and self.share_button.isVisible():
            self.share_dialog = ShareDialog(self._session, self.view, self)
            self.share_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.share_dialog.open()

    def merge(self) -> None:
        if self.view is not None and self.merge_button.isVisible():
            self.merge_dialog = MergeDialog(self._session, self.view, self)
            self.merge_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.merge_dialog.open()

    def new_contract(self) -> QDialog | None:
        """Draft a contract for this customer (ui/contracts/draft_dialog.py)."""
        if self.view is None or self.contract_button.isHidden():
            return None
        from ui.contracts.draft_dialog import DraftDialog  # loaded when first drafting

        dialog = DraftDialog(self._session, self.customer_id, self.view.name, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.message.show_message(self.tr(
            "Contract {number} was drafted: it is on the Contracts page.").format(
            number=dialog.saved.number if dialog.saved else ""), "ok"))
        self.contract_dialog = dialog
        dialog.open()
        return dialog

    def log_interaction(self) -> None:
        if not self.log_button.isVisible() or not self.log_button.isEnabled():
            return
        name = self.view.name if self.view is not None else ""
        self.log_dialog = LogInteractionDialog(self._session, self.customer_id, name, self)
        self.log_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.log_dialog.accepted.connect(lambda: self.tabs.setCurrentIndex(TIMELINE))
        self.log_dialog.open()

    def selected_task(self) -> CustomerTask | None:
        rows = self.tasks_view.selectionModel().selectedRows()
        return self.tasks.task(rows[0].row()) if rows else None

    def _update_task_buttons(self) -> None:
        task = self.selected_task()
        self.done_button.setEnabled(task is not None and not task.done)
        self.reopen_button.setEnabled(task is not None and task.done)

    def _set_done(self, done: bool) -> None:
        task = self.selected_task()
        if task is None:
            return
        session, actor = self._session, self._session.user
        work = session.interactions.complete_task if done else session.interactions.reopen
        self.done_button.setEnabled(False)
        self.reopen_button.setEnabled(False)
        # The bus reloads the tasks once the change is stored.
        run_op(self, lambda _t: work(actor, task.id),
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=self._update_task_buttons)

    def wipe(self) -> None:
        """Forget everything shown (at lock time), then close."""
        for key in self._loads:
            self._loads[key] += 1
        for dialog in (self.form_dialog, self.log_dialog, self.share_dialog, self.merge_dialog,
                       self.contract_dialog):
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.hide()
        self.details.wipe()
        self.privacy.wipe()
        self.qualifications.wipe()
        if self.payments is not None:
            self.payments.wipe()
        if self.credit is not None:
            self.credit.wipe()
        self.view = None
        for label in (self.title, self.subtitle):
            label.clear()
        self.timeline.wipe()
        self.tasks.wipe()
        self.close()


class DetailWindows:
    """The customer dialogs a page opened: one per customer, raised when asked again, all
    wiped when the vault locks."""

    def __init__(self, owner: QWidget, session: Session, bridge: BusBridge) -> None:
        self._owner, self._session, self._bridge = owner, session, bridge
        self.reveal_ms = REVEAL_MS
        self.dialogs: dict[int, CustomerDialog] = {}

    def open(self, customer_id: int) -> CustomerDialog:
        dialog = self.dialogs.get(customer_id)
        if dialog is None or not shiboken6.isValid(dialog):
            dialog = CustomerDialog(self._session, self._bridge, customer_id, self.reveal_ms,
                                    self._owner)
            self.dialogs[customer_id] = dialog
            dialog.finished.connect(lambda _r, cid=customer_id: self._closed(cid))
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _closed(self, customer_id: int) -> None:
        # A closing dialog deletes itself; the next open makes a fresh one.
        self.dialogs.pop(customer_id, None)

    def wipe(self) -> None:
        for dialog in list(self.dialogs.values()):
            if shiboken6.isValid(dialog):
                dialog.wipe()
        self.dialogs = {}
