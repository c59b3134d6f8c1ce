"""The Fields tab of the Privacy page: which optional customer fields this vault collects and the
custom fields an administrator defines. Both are saved together (core's set_fields), and core's
validation errors are shown as they are."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.customers.collected import OPTIONAL_FIELDS, CustomField, FieldSettings
from ui.customers.labels import protected_label
from ui.widgets import button_row

KEY, LABEL, PROTECTED = range(3)


def field_label(name: str) -> str:
    """The readable name of an optional built-in field."""
    def tr(text: str) -> str:
        return QCoreApplication.translate("CustomerFields", text)

    labels = {"phones": tr("Phones"), "email": tr("E-mail"), "address": tr("Address"),
              "city": tr("City"), "region": tr("Region"), "industry": tr("Industry"),
              "source": tr("Source"), "tags": tr("Tags"), "notes": tr("Notes"),
              "credit_code": tr("Unified social credit code"), "contacts": tr("Contacts")}
    return labels.get(name) or protected_label(name)


class FieldsEditor(QWidget):
    """Tick boxes for the optional fields and a table of custom fields. Keys of fields already
    defined cannot be retyped: values are stored under the key, so a new key is a new field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        collected_box = QGroupBox(self.tr("Collected fields"), self)
        intro = QLabel(self.tr(
            "Collect only what you need. A field that is not collected takes no new values: "
            "the customer forms refuse them and imports skip its column. Values already held "
            "stay until the customer is anonymised."), collected_box)
        intro.setWordWrap(True)
        intro.setObjectName("hint")
        grid = QGridLayout()
        self.collected: dict[str, QCheckBox] = {}
        for number, name in enumerate(OPTIONAL_FIELDS):
            box = QCheckBox(field_label(name), collected_box)
            box.setObjectName(f"collect_{name}")
            self.collected[name] = box
            grid.addWidget(box, number // 3, number % 3)
        inner = QVBoxLayout(collected_box)
        inner.addWidget(intro)
        inner.addLayout(grid)

        custom_box = QGroupBox(self.tr("Custom fields"), self)
        hint = QLabel(self.tr(
            "Key: lower-case letters, digits and _ (e.g. wechat_id). Protected fields are "
            "masked like ID numbers and revealed only with a reason, which is audited."),
            custom_box)
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        self.custom = QTableWidget(0, 3, custom_box)
        self.custom.setHorizontalHeaderLabels([self.tr("Key"), self.tr("Label"),
                                               self.tr("Protected")])
        self.custom.verticalHeader().hide()
        self.custom.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.custom.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.custom.horizontalHeader()
        header.setSectionResizeMode(LABEL, QHeaderView.ResizeMode.Stretch)
        self.custom.setColumnWidth(KEY, 180)
        self.add_button = QPushButton(self.tr("&Add field"), custom_box)
        self.add_button.clicked.connect(lambda: self.add_custom())
        self.remove_button = QPushButton(self.tr("Re&move field"), custom_box)
        self.remove_button.clicked.connect(self.remove_selected)
        self.custom.itemSelectionChanged.connect(self._update)
        inner = QVBoxLayout(custom_box)
        inner.addWidget(hint)
        inner.addWidget(self.custom, 1)
        inner.addLayout(button_row(self.add_button, self.remove_button))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(collected_box)
        layout.addWidget(custom_box, 1)
        self._update()

    def _update(self) -> None:
        self.remove_button.setEnabled(bool(self.custom.selectionModel().selectedRows()))

    def add_custom(self, field: CustomField | None = None) -> int:
        """A row for `field`, or an empty row to type a new one (focused)."""
        row = self.custom.rowCount()
        self.custom.insertRow(row)
        key = QTableWidgetItem(field.key if field else "")
        if field is not None:
            key.setFlags(key.flags() & ~Qt.ItemFlag.ItemIsEditable)
            key.setToolTip(self.tr("Values are stored under this key; remove the field and "
                                   "add a new one to use another key."))
        self.custom.setItem(row, KEY, key)
        self.custom.setItem(row, LABEL, QTableWidgetItem(field.label if field else ""))
        protected = QTableWidgetItem()
        protected.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                           | Qt.ItemFlag.ItemIsSelectable)
        protected.setCheckState(Qt.CheckState.Checked if field and field.sensitive
                                else Qt.CheckState.Unchecked)
        self.custom.setItem(row, PROTECTED, protected)
        if field is None:
            self.custom.setCurrentCell(row, KEY)
            self.custom.editItem(key)
        return row

    def remove_selected(self) -> None:
        rows = self.custom.selectionModel().selectedRows()
        if rows:
            self.custom.removeRow(rows[0].row())
        self._update()

    def set_settings(self, settings: FieldSettings) -> None:
        for name, box in self.collected.items():
            box.setChecked(name in settings.collected)
        self.custom.setRowCount(0)
        for key in sorted(settings.custom):
            self.add_custom(settings.custom[key])
        self._update()

    def chosen(self) -> tuple[list[str], list[CustomField]]:
        """The collected fields and the custom fields as typed (core validates them); rows
        left entirely empty are ignored."""
        collected = [name for name, box in self.collected.items() if box.isChecked()]
        custom = []
        for row in range(self.custom.rowCount()):
            key, label = self._text(row, KEY), self._text(row, LABEL)
            if not key and not label:
                continue
            protected = self.custom.item(row, PROTECTED)
            custom.append(CustomField(key, label, protected is not None
                                      and protected.checkState() == Qt.CheckState.Checked))
        return collected, custom

    def _text(self, row: int, column: int) -> str:
        item = self.custom.item(row, column)
        return item.text().strip() if item is not None else ""
