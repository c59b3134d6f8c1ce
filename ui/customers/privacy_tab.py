"""The Privacy tab of a customer's dialog: the consent records (withdrawn ones stay, shown as
withdrawn), recording and withdrawing consent, the access request and anonymisation.

Which buttons work is asked of core: the session's permissions and the view's can_edit (owner,
their manager, administrators); core checks again on every call."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.customers.model import CustomerView
from core.customers.privacy import Consent
from core.roles import Permission
from core.session import Session
from ui.customers.access_request import choose_access_path, start_access_request
from ui.customers.anonymise_dialog import AnonymiseDialog
from ui.customers.consent_dialog import ConsentDialog
from ui.customers.history import DONE
from ui.customers.labels import local_time
from ui.table_model import Index, ListTableModel
from ui.widgets import add_status, ask, button_row
from ui.worker import error_text, run_op


class ConsentModel(ListTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Consent] = []
        self._headers = [self.tr("Purpose"), self.tr("Scope"), self.tr("Given"),
                         self.tr("Status")]

    def set_rows(self, rows: list[Consent]) -> None:
        self.beginResetModel()
        # Active ones first, each group newest first: what may be done now is on top.
        self._rows = sorted(rows, key=lambda c: (not c.active, -c.given_at.timestamp(), -c.id))
        self.endResetModel()

    def consent(self, row: int) -> Consent:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        item, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            status = (self.tr("Active") if item.active else self.tr("Withdrawn {when}").format(
                when=local_time(item.withdrawn_at)))  # type: ignore[arg-type]
            return [item.purpose, item.scope, local_time(item.given_at)[:10], status][column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return local_time(item.given_at)
        if role == Qt.ItemDataRole.ForegroundRole and not item.active:
            return DONE
        return None

    def wipe(self) -> None:
        self.set_rows([])


class PrivacyTab(QWidget):
    def __init__(self, session: Session, customer_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self.customer_id = session, customer_id
        self.view: CustomerView | None = None
        self._loads = 0
        self.consent_dialog: ConsentDialog | None = None
        self.anonymise_dialog: AnonymiseDialog | None = None
        self.question: QMessageBox | None = None
        self.consents = ConsentModel(self)
        self.consents_view = QTableView(self)
        self.consents_view.setModel(self.consents)
        self.consents_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.consents_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.consents_view.verticalHeader().hide()
        self.consents_view.setAlternatingRowColors(True)
        self.consents_view.setWordWrap(False)
        header = self.consents_view.horizontalHeader()
        for column, mode in enumerate((QHeaderView.ResizeMode.Stretch,
                                       QHeaderView.ResizeMode.Stretch,
                                       QHeaderView.ResizeMode.ResizeToContents,
                                       QHeaderView.ResizeMode.ResizeToContents)):
            header.setSectionResizeMode(column, mode)
        self.consents_view.selectionModel().selectionChanged.connect(self._update_buttons)

        self.record_button = QPushButton(self.tr("&Record consent…"), self)
        self.record_button.clicked.connect(self.record_consent)
        self.withdraw_button = QPushButton(self.tr("&Withdraw…"), self)
        self.withdraw_button.clicked.connect(self.withdraw)
        self.access_button = QPushButton(self.tr("&Access request…"), self)
        self.access_button.clicked.connect(self.access_request)
        self.anonymise_button = QPushButton(self.tr("A&nonymise…"), self)
        self.anonymise_button.clicked.connect(self.anonymise)
        # Buttons a role can never use are not shown; those it may use on some customers are
        # shown disabled here, with the reason in the line below.
        can_write = session.can(Permission.CUSTOMER_WRITE)
        self.may_manage = session.can(Permission.PRIVACY_MANAGE)
        self.record_button.setVisible(can_write)
        self.withdraw_button.setVisible(can_write)
        self.access_button.setVisible(self.may_manage)
        self.anonymise_button.setVisible(self.may_manage)
        self.note = QLabel(self)
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.note.hide()
        layout = QVBoxLayout(self)
        heading = QLabel(self.tr("&Consent records"), self)
        heading.setBuddy(self.consents_view)
        layout.addWidget(heading)
        layout.addWidget(self.consents_view, 1)
        layout.addLayout(button_row(self.record_button, self.withdraw_button))
        layout.addWidget(self.note)
        if self.may_manage:
            layout.addWidget(QLabel(self.tr("The customer's rights"), self))
            layout.addLayout(button_row(self.access_button, self.anonymise_button))
        self.message, self.busy = add_status(layout, self)
        for button in (self.record_button, self.withdraw_button, self.access_button,
                       self.anonymise_button):
            button.setAutoDefault(False)
        self._update_buttons()

    # -- state -------------------------------------------------------------------------------
    def may_edit(self) -> bool:
        view = self.view
        return (view is not None and view.can_edit and not view.anonymised
                and self._session.can(Permission.CUSTOMER_WRITE))

    def selected(self) -> Consent | None:
        rows = self.consents_view.selectionModel().selectedRows()
        return self.consents.consent(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        view, busy, consent = self.view, self.busy.active, self.selected()
        editable = self.may_edit() and not busy
        self.record_button.setEnabled(editable)
        self.withdraw_button.setEnabled(editable and consent is not None and consent.active)
        self.access_button.setEnabled(self.may_manage and view is not None and not busy)
        self.anonymise_button.setEnabled(self.may_manage and view is not None and not busy
                                         and not view.anonymised)
        note = ""
        if view is not None and view.anonymised:
            note = self.tr("This customer was anonymised: consent can no longer be recorded.")
        elif view is not None and self.record_button.isVisible() and not view.can_edit:
            note = self.tr("Only the owner, their manager or an administrator records or "
                           "withdraws this customer's consent.")
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def show_view(self, view: CustomerView) -> None:
        self.view = view
        self._update_buttons()

    def load(self) -> None:
        self._loads += 1
        number = self._loads
        session, actor, customer_id = self._session, self._session.user, self.customer_id

        def done(rows: list[Consent]) -> None:
            if number == self._loads:
                selected = self.selected()
                self.consents.set_rows(rows)
                if selected is not None:
                    self.select(selected.id)
                self._update_buttons()

        run_op(self, lambda _t: session.privacy.consents(actor, customer_id), on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    def select(self, consent_id: int) -> None:
        for row in range(self.consents.rowCount()):
            if self.consents.consent(row).id == consent_id:
                self.consents_view.selectRow(row)
                return

    def _name(self) -> str:
        return self.view.name if self.view is not None else ""

    # -- actions -----------------------------------------------------------------------------
    def _run(self, text: str, work: Any, done: Any) -> None:
        self.message.clear_message()
        self.busy.start(text)
        self._update_buttons()

        def finished() -> None:
            self.busy.stop()
            self._update_buttons()

        run_op(self, work, on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=finished)

    def record_consent(self) -> None:
        if not self.record_button.isEnabled():
            return
        self.consent_dialog = ConsentDialog(self._session, self.customer_id, self._name(), self)
        self.consent_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # The bus reloads the list once the consent is stored.
        self.consent_dialog.open()

    def withdraw(self) -> None:
        consent = self.selected()
        if consent is None or not self.withdraw_button.isEnabled():
            return
        session, actor, customer_id = self._session, self._session.user, self.customer_id

        def confirmed() -> None:
            self._run(self.tr("Withdrawing…"),
                      lambda _t: session.privacy.withdraw_consent(actor, customer_id,
                                                                  consent.id),
                      lambda _c: self.message.show_message(self.tr(
                          "The consent was marked withdrawn; it stays on record."), "ok"))

        self.question = ask(self, self.tr("Withdraw consent"), self.tr(
            "Record that {name} withdrew the consent “{purpose}”?\n\nThe record stays, marked "
            "withdrawn with today's date; processing for this purpose must stop.").format(
                name=self._name(), purpose=consent.purpose),
            self.tr("Withdraw consent"), confirmed)

    def choose_access_path(self) -> str:
        return choose_access_path(self, self.customer_id)

    def access_request(self) -> None:
        if not self.access_button.isEnabled():
            return
        path = self.choose_access_path()
        if not path:
            return
        buttons = [self.access_button, self.anonymise_button, self.record_button,
                   self.withdraw_button]
        start_access_request(self, self._session, self.customer_id, path, self.message,
                             self.busy, buttons)

    def anonymise(self) -> None:
        if not self.anonymise_button.isEnabled():
            return
        self.anonymise_dialog = AnonymiseDialog(self._session, self.customer_id, self._name(),
                                                self)
        self.anonymise_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.anonymise_dialog.accepted.connect(lambda: self.message.show_message(self.tr(
            "The customer was anonymised."), "ok"))
        self.anonymise_dialog.open()

    def wipe(self) -> None:
        self._loads += 1
        for dialog in (self.consent_dialog, self.anonymise_dialog, self.question):
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.hide()
        self.view = None
        self.consents.wipe()
        self.message.clear_message()

