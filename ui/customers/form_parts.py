"""Editors for the repeated parts of a customer: several phone numbers, several contacts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.customers.model import Contact
from ui.widgets import button_row

CONTACT_ID = Qt.ItemDataRole.UserRole


class PhonesEditor(QWidget):
    """One line per number, a × to drop one and a button to add another."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edits: list[QLineEdit] = []
        self._rows = QVBoxLayout()
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(4)
        self.add_button = QPushButton(self.tr("Add &phone"), self)
        self.add_button.setObjectName("link")
        self.add_button.clicked.connect(lambda: self.add().setFocus())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self._rows)
        layout.addLayout(button_row(self.add_button))

    def add(self, value: str = "") -> QLineEdit:
        row = QWidget(self)
        edit = QLineEdit(value, row)
        edit.setMaxLength(40)
        edit.setPlaceholderText(self.tr("e.g. 138 0013 8000 or 021-6234 5678"))
        remove = QToolButton(row)
        remove.setText("×")
        remove.setToolTip(self.tr("Remove this number"))
        remove.setAutoRaise(True)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(edit, 1)
        line.addWidget(remove)
        remove.clicked.connect(lambda: self._remove(row, edit))
        self._rows.addWidget(row)
        self.edits.append(edit)
        return edit

    def _remove(self, row: QWidget, edit: QLineEdit, keep_one: bool = True) -> None:
        self.edits.remove(edit)
        row.hide()
        row.deleteLater()
        if keep_one and not self.edits:
            self.add()

    def set_values(self, phones: tuple[str, ...]) -> None:
        for edit in list(self.edits):
            self._remove(edit.parentWidget(), edit, keep_one=False)
        for phone in phones or ("",):
            self.add(phone)

    def values(self) -> tuple[str, ...]:
        return tuple(e.text() for e in self.edits if e.text().strip())


class ContactsEditor(QWidget):
    """The people at a company: name, title, phone and e-mail, edited in place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Title"),
                                              self.tr("Phone"), self.tr("E-mail")])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.add_button = QPushButton(self.tr("&Add contact"), self)
        self.remove_button = QPushButton(self.tr("&Remove contact"), self)
        self.add_button.clicked.connect(self.add_contact)
        self.remove_button.clicked.connect(self.remove_selected)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(button_row(self.add_button, self.remove_button))

    def add_contact(self, contact: Contact | None = None) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = ((contact.name, contact.title, contact.phone, contact.email)
                  if contact else ("", "", "", ""))
        for column, text in enumerate(values):
            item = QTableWidgetItem(text)
            if column == 0 and contact is not None:
                item.setData(CONTACT_ID, contact.id)
            self.table.setItem(row, column, item)
        if contact is None:
            self.table.setCurrentCell(row, 0)
            self.table.editItem(self.table.item(row, 0))

    def remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def set_contacts(self, contacts: tuple[Contact, ...]) -> None:
        self.table.setRowCount(0)
        for contact in contacts:
            self.add_contact(contact)

    def contacts(self) -> tuple[Contact, ...]:
        found = []
        for row in range(self.table.rowCount()):
            texts = [(self.table.item(row, c).text() if self.table.item(row, c) else "")
                     for c in range(4)]
            if not any(t.strip() for t in texts):
                continue
            first = self.table.item(row, 0)
            contact_id = first.data(CONTACT_ID) if first is not None else None
            found.append(Contact(name=texts[0], title=texts[1], phone=texts[2], email=texts[3],
                                 id=contact_id if isinstance(contact_id, int) else None))
        return tuple(found)
