"""Privacy (PIPL duties, for roles with PRIVACY_MANAGE): the collected and custom fields, the
retention period, the customers due for anonymisation, and from that list the access request
and anonymisation of one customer."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.changes import Changes
from core.customers.collected import FieldSettings
from core.customers.privacy import DueCustomer
from core.customers.subject_rights import pseudonym
from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge
from ui.customers.access_request import choose_access_path, start_access_request
from ui.customers.anonymise_dialog import AnonymiseDialog
from ui.customers.labels import local_time
from ui.pages.privacy_fields import FieldsEditor
from ui.table_model import Index, ListTableModel
from ui.widgets import add_status, button_row, page_layout
from ui.worker import Task, error_text, run_op

FIELDS, RETENTION = range(2)


class DueModel(ListTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[DueCustomer] = []
        self._owners: dict[int, str] = {}
        self._headers = [self.tr("Name"), self.tr("Owner"), self.tr("Last activity")]

    def set_rows(self, rows: list[DueCustomer], owners: dict[int, str]) -> None:
        self.beginResetModel()
        self._rows, self._owners = list(rows), dict(owners)
        self.endResetModel()

    def customer(self, row: int) -> DueCustomer:
        return self._rows[row]

    def names(self) -> list[str]:
        return [c.name for c in self._rows]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        item = self._rows[index.row()]
        owner = self._owners.get(item.owner_id) or self.tr("#{id}").format(id=item.owner_id)
        return [item.name, owner, local_time(item.last_activity)][index.column()]


class PrivacyPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._due_loads = 0
        self.anonymise_dialog: AnonymiseDialog | None = None
        layout = page_layout(self, self.tr("Privacy"), self.tr(
            "What this vault collects about customers, how long it keeps them, and the "
            "customers' rights under PIPL. Every change is recorded in the audit trail."))
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._fields_tab(), self.tr("F&ields"))
        self.tabs.addTab(self._retention_tab(), self.tr("Re&tention"))
        layout.addWidget(self.tabs, 1)
        self.message, self.busy = add_status(layout, self)
        bridge.changed.connect(self._changed)
        self.load()

    # -- layout ------------------------------------------------------------------------------
    def _fields_tab(self) -> QWidget:
        page = QWidget(self)
        self.fields = FieldsEditor(page)
        self.save_fields_button = QPushButton(self.tr("&Save fields"), page)
        self.save_fields_button.clicked.connect(self.save_fields)
        self.revert_button = QPushButton(self.tr("Re&vert"), page)
        self.revert_button.clicked.connect(self.load_fields)
        layout = QVBoxLayout(page)
        layout.addWidget(self.fields, 1)
        layout.addLayout(button_row(self.save_fields_button, self.revert_button))
        return page

    def _retention_tab(self) -> QWidget:
        page = QWidget(self)
        self.years = QSpinBox(page)
        self.years.setRange(1, 30)
        self.years.setSuffix(self.tr(" years"))
        self.years.setMinimumWidth(140)
        self.save_years_button = QPushButton(self.tr("Save &retention"), page)
        self.save_years_button.clicked.connect(self.save_retention)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self.tr("&Keep customers after their last activity for:"), self.years)
        hint = QLabel(self.tr(
            "Last activity is the newest interaction or change. Customers inactive for longer "
            "are listed below; anonymise them unless a law requires keeping them."), page)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.due = DueModel(self)
        self.due_view = QTableView(page)
        self.due_view.setModel(self.due)
        self.due_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.due_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.due_view.verticalHeader().hide()
        self.due_view.setAlternatingRowColors(True)
        self.due_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.due_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.due_label = QLabel(page)
        self.anonymise_button = QPushButton(self.tr("A&nonymise…"), page)
        self.anonymise_button.clicked.connect(self.anonymise)
        self.access_button = QPushButton(self.tr("A&ccess request…"), page)
        self.access_button.clicked.connect(self.access_request)
        self.refresh_button = QPushButton(self.tr("Reloa&d"), page)
        self.refresh_button.clicked.connect(self.load_due)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addLayout(button_row(self.save_years_button))
        layout.addWidget(hint)
        layout.addWidget(self.due_label)
        layout.addWidget(self.due_view, 1)
        layout.addLayout(button_row(self.anonymise_button, self.access_button,
                                    self.refresh_button))
        return page

    # -- loading -----------------------------------------------------------------------------
    def _changed(self, changes: Changes) -> None:
        if changes.customers and not self.busy.active:
            self.load_due()

    def load(self) -> None:
        self.load_fields()
        self.years.setValue(self._session.privacy.retention_years())
        self.load_due()

    def load_fields(self) -> None:
        self.fields.set_settings(self._session.privacy.fields())

    def load_due(self) -> None:
        self._due_loads += 1
        number = self._due_loads
        session, actor = self._session, self._session.user
        may_list_users = session.can(Permission.USER_LIST)

        def work(_task: Task) -> tuple[list[DueCustomer], dict[int, str]]:
            due = session.privacy.due_for_anonymisation(actor)
            users = session.accounts.list_users(actor) if may_list_users else []
            return due, {u.id: u.name for u in users}

        def done(result: tuple[list[DueCustomer], dict[int, str]]) -> None:
            if number != self._due_loads:
                return
            selected = self.selected()
            self.due.set_rows(*result)
            self.due_label.setText(self.tr("{count} customers are due for anonymisation.")
                                   .format(count=self.due.rowCount()))
            if selected is not None and selected.name in self.due.names():
                self.due_view.selectRow(self.due.names().index(selected.name))
            self._update_buttons()

        run_op(self, work, on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    def selected(self) -> DueCustomer | None:
        rows = self.due_view.selectionModel().selectedRows()
        return self.due.customer(rows[0].row()) if rows else None

    def select(self, name: str) -> None:
        if name in self.due.names():
            self.due_view.selectRow(self.due.names().index(name))

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None and not self.busy.active
        self.anonymise_button.setEnabled(chosen)
        self.access_button.setEnabled(chosen)

    # -- saving ------------------------------------------------------------------------------
    def _run(self, text: str, work: Any, done: Any) -> None:
        self.message.clear_message()
        self.busy.start(text, [self.save_fields_button, self.revert_button,
                               self.save_years_button])
        self._update_buttons()

        def finished() -> None:
            self.busy.stop()
            self._update_buttons()

        run_op(self, work, on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=finished)

    def save_fields(self) -> None:
        session, actor = self._session, self._session.user
        collected, custom = self.fields.chosen()

        def done(settings: FieldSettings) -> None:
            self.fields.set_settings(settings)
            self.message.show_message(self.tr("Fields saved."), "ok")

        self._run(self.tr("Saving…"),
                  lambda _t: session.privacy.set_fields(actor, collected, custom), done)

    def save_retention(self) -> None:
        session, actor, years = self._session, self._session.user, self.years.value()

        def done(_result: object) -> None:
            self.message.show_message(self.tr("Retention saved: {years} years.").format(
                years=years), "ok")
            self.load_due()

        self._run(self.tr("Saving…"),
                  lambda _t: session.privacy.set_retention_years(actor, years), done)

    # -- a customer's rights -----------------------------------------------------------------
    def choose_access_path(self, customer_id: int) -> str:
        return choose_access_path(self, customer_id)

    def access_request(self) -> None:
        customer = self.selected()
        if customer is None or self.busy.active:
            return
        path = self.choose_access_path(customer.id)
        if path:
            start_access_request(self, self._session, customer.id, path, self.message,
                                 self.busy, [self.access_button, self.anonymise_button])

    def anonymise(self) -> None:
        customer = self.selected()
        if customer is None or self.busy.active:
            return
        self.anonymise_dialog = AnonymiseDialog(self._session, customer.id, customer.name, self)
        self.anonymise_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # The confirmation names the pseudonym: the person's name is gone from the vault
        # and should not stay on screen either.
        self.anonymise_dialog.accepted.connect(lambda: self.message.show_message(self.tr(
            "The customer is anonymised; it is now {pseudonym}.").format(
                pseudonym=pseudonym(customer.id)), "ok"))
        self.anonymise_dialog.open()

    def wipe(self) -> None:
        """Forget the names shown (at lock time)."""
        self._due_loads += 1
        if self.anonymise_dialog is not None and shiboken6.isValid(self.anonymise_dialog):
            self.anonymise_dialog.hide()
        self.due.set_rows([], {})
        self.message.clear_message()
