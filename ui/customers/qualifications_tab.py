"""The Qualifications tab of a customer's dialog: the documents the customer showed (business
licence, tax registration, …) with their expiry in words, which documents a customer of this
kind still lacks (the risk assessment counts a missing or expired one), and recording a new one.

Who may add is asked of core: CUSTOMER_WRITE (what core's add_qualification requires) and the
view's can_edit (owner, their manager, administrators); core checks again on every call."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.contracts.library import REQUIRED_QUALIFICATIONS
from core.contracts.model import Qualification, QualificationKind
from core.customers.model import CustomerView
from core.roles import Permission
from core.session import Session
from ui.customers.history import OVERDUE
from ui.customers.labels import kind_label
from ui.table_model import Index, ListTableModel
from ui.task_dialog import TaskDialog
from ui.widgets import add_status, button_row
from ui.worker import error_text, run_op

SOON_DAYS = 30
MAX_NUMBER = 100  # core keeps at most this many characters of a document number
SOON = QColor("#a05a00")
VALID, SOON_STATUS, EXPIRED, NO_EXPIRY = "valid", "soon", "expired", "none"


def _tr(text: str) -> str:
    return QCoreApplication.translate("Qualifications", text)


def qualification_label(kind: QualificationKind | str) -> str:
    labels = {QualificationKind.BUSINESS_LICENCE: _tr("Business licence"),
              QualificationKind.TAX_REGISTRATION: _tr("Tax registration"),
              QualificationKind.BANK_ACCOUNT_PERMIT: _tr("Bank account permit"),
              QualificationKind.INDUSTRY_PERMIT: _tr("Industry permit"),
              QualificationKind.ID_DOCUMENT: _tr("Identity document"),
              QualificationKind.OTHER: _tr("Other document")}
    return labels.get(kind, str(kind))  # type: ignore[call-overload]


def status_of(item: Qualification, today: date) -> str:
    """Expired the day after its expiry date, as core's risk assessment counts it."""
    if item.expires_on is None:
        return NO_EXPIRY
    if item.expired(today):
        return EXPIRED
    if item.expires_on <= today + timedelta(days=SOON_DAYS):
        return SOON_STATUS
    return VALID


def status_text(status: str) -> str:
    return {VALID: _tr("Valid"), SOON_STATUS: _tr("Expires within 30 days"),
            EXPIRED: _tr("Expired"), NO_EXPIRY: "—"}[status]


def missing_documents(kind: Any, held: list[Qualification], today: date,
                      ) -> tuple[list[QualificationKind], list[QualificationKind]]:
    """(missing, expired) required kinds: expired when every document of the kind has."""
    missing, expired = [], []
    for needed in REQUIRED_QUALIFICATIONS.get(kind, ()):
        documents = [q for q in held if q.kind == needed]
        if not documents:
            missing.append(needed)
        elif all(q.expired(today) for q in documents):
            expired.append(needed)
    return missing, expired


class QualificationModel(ListTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Qualification] = []
        self.today = date.today()
        self._headers = [self.tr("Document"), self.tr("Number"), self.tr("Expires on"),
                         self.tr("Status")]

    def set_rows(self, rows: list[Qualification], today: date | None = None) -> None:
        self.beginResetModel()
        self.today = today or date.today()
        # Grouped by kind, the longest-lasting first: the document that counts is on top.
        self._rows = sorted(rows, key=lambda q: (list(QualificationKind).index(q.kind),
                                                 -(q.expires_on or date.max).toordinal(),
                                                 -q.id))
        self.endResetModel()

    def qualification(self, row: int) -> Qualification:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        item, column = self._rows[index.row()], index.column()
        status = status_of(item, self.today)
        if role == Qt.ItemDataRole.DisplayRole:
            expires = item.expires_on.isoformat() if item.expires_on else "—"
            return [qualification_label(item.kind), item.number or "—", expires,
                    status_text(status)][column]
        if role == Qt.ItemDataRole.ForegroundRole and column in (2, 3):
            return {EXPIRED: OVERDUE, SOON_STATUS: SOON}.get(status)
        return None

    def wipe(self) -> None:
        self.set_rows([])


class AddQualificationDialog(TaskDialog):
    """Kind, number (optional) and an optional expiry date; core stores and audits it."""

    def __init__(self, session: Session, customer_id: int, customer_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._customer_id = session, customer_id
        self.saved: Qualification | None = None
        self.setWindowTitle(self.tr("Add a document of {name}").format(name=customer_name))
        self.setMinimumWidth(440)
        self.kind = QComboBox(self)
        for kind in QualificationKind:
            self.kind.addItem(qualification_label(kind), kind)
        self.number = QLineEdit(self)
        self.number.setMaxLength(MAX_NUMBER)
        self.number.setPlaceholderText(self.tr("e.g. the registration number on the document"))
        self.has_expiry = QCheckBox(self.tr("It e&xpires"), self)
        self.expires = QDateEdit(QDate.currentDate().addYears(1), self)
        self.expires.setCalendarPopup(True)
        self.expires.setDisplayFormat("yyyy-MM-dd")
        self.expires.setEnabled(False)
        self.has_expiry.toggled.connect(self.expires.setEnabled)
        form = QFormLayout()
        form.addRow(self.tr("&Document:"), self.kind)
        form.addRow(self.tr("&Number:"), self.number)
        form.addRow(self.has_expiry)
        form.addRow(self.tr("Expires &on:"), self.expires)
        self.add_footer(self.tr("Add"), self._submit, form)
        self._update()
        self.kind.setFocus()

    def _update(self) -> None:
        self.ok_button.setEnabled(not self.busy.active)
        self.ok_button.setDefault(True)

    def expiry(self) -> date | None:
        if not self.has_expiry.isChecked():
            return None
        day = self.expires.date()
        return date(day.year(), day.month(), day.day())

    def _submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        session, actor, customer_id = self._session, self._session.user, self._customer_id
        kind, number, expires = self.kind.currentData(), self.number.text(), self.expiry()

        def done(saved: Qualification) -> None:
            self.saved = saved
            self.accept()

        self.run(self.tr("Adding…"), [self.kind, self.number, self.has_expiry, self.expires],
                 lambda _t: session.contracts.add_qualification(actor, customer_id, kind,
                                                                number, expires), done)


class QualificationsTab(QWidget):
    def __init__(self, session: Session, customer_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self.customer_id = session, customer_id
        self.view: CustomerView | None = None
        self.held: list[Qualification] = []
        self.loaded = False
        self._loads = 0
        self.add_dialog: AddQualificationDialog | None = None
        self.documents = QualificationModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.documents)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents,
                                       QHeaderView.ResizeMode.Stretch,
                                       QHeaderView.ResizeMode.ResizeToContents,
                                       QHeaderView.ResizeMode.ResizeToContents)):
            header.setSectionResizeMode(column, mode)
        self.required = QLabel(self)
        self.required.setObjectName("requiredDocuments")
        self.required.setWordWrap(True)
        self.required.setTextFormat(Qt.TextFormat.PlainText)
        self.add_button = QPushButton(self.tr("&Add document…"), self)
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_document)
        # A role that can never add does not see the button; one that may add for some
        # customers sees it disabled with the reason below.
        self.add_button.setVisible(session.can(Permission.CUSTOMER_WRITE))
        self.note = QLabel(self)
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.note.hide()
        layout = QVBoxLayout(self)
        heading = QLabel(self.tr("Qualification doc&uments"), self)
        heading.setBuddy(self.table)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.required)
        layout.addLayout(button_row(self.add_button))
        layout.addWidget(self.note)
        self.message, self.busy = add_status(layout, self)
        self._update()

    # -- state -------------------------------------------------------------------------------
    def may_add(self) -> bool:
        view = self.view
        return (view is not None and view.can_edit
                and self._session.can(Permission.CUSTOMER_WRITE))

    def _update(self) -> None:
        self.add_button.setEnabled(self.may_add())
        view = self.view
        note = ""
        if view is not None and not self.add_button.isHidden() and not view.can_edit:
            note = self.tr("Only the owner, their manager or an administrator adds this "
                           "customer's documents.")
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.required.setText(self.required_text())

    def required_text(self) -> str:
        """What a contract's risk assessment will count against this customer."""
        view = self.view
        if view is None or not self.loaded:
            return ""
        needed = REQUIRED_QUALIFICATIONS.get(view.kind, ())
        if not needed:
            return self.tr("No document is required for a customer of kind {kind}.").format(
                kind=kind_label(view.kind))
        missing, expired = missing_documents(view.kind, self.held, self.documents.today)
        if not missing and not expired:
            return self.tr("Every required document is on file.")
        parts = []
        if missing:
            parts.append(self.tr("Missing: {kinds}.").format(
                kinds=", ".join(qualification_label(k) for k in missing)))
        if expired:
            parts.append(self.tr("Expired: {kinds}.").format(
                kinds=", ".join(qualification_label(k) for k in expired)))
        return self.tr("Required documents are not on file. {details} A contract with this "
                       "customer counts it as a risk.").format(details=" ".join(parts))

    def show_view(self, view: CustomerView) -> None:
        self.view = view
        self._update()

    def load(self) -> None:
        self._loads += 1
        number = self._loads
        session, actor, customer_id = self._session, self._session.user, self.customer_id

        def done(rows: list[Qualification]) -> None:
            if number == self._loads:
                self.held = list(rows)
                self.loaded = True
                self.documents.set_rows(rows)
                self._update()

        run_op(self, lambda _t: session.contracts.qualifications(actor, customer_id),
               on_done=done, on_error=lambda exc: self.message.show_message(error_text(exc)))

    # -- actions -----------------------------------------------------------------------------
    def add_document(self) -> AddQualificationDialog | None:
        if self.add_button.isHidden() or not self.add_button.isEnabled():
            return None
        name = self.view.name if self.view is not None else ""
        dialog = AddQualificationDialog(self._session, self.customer_id, name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # The bus reloads the list once the document is stored.
        dialog.accepted.connect(lambda: self.message.show_message(self.tr(
            "The document was added."), "ok"))
        self.add_dialog = dialog
        dialog.open()
        return dialog

    def wipe(self) -> None:
        self._loads += 1
        if self.add_dialog is not None and shiboken6.isValid(self.add_dialog):
            self.add_dialog.hide()
        self.view = None
        self.held = []
        self.loaded = False
        self.documents.wipe()
        self.required.clear()
        self.note.clear()
        self.message.clear_message()
