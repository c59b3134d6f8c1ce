"""The Details tab of a customer's dialog: every field, protected ones masked with an audited
Reveal… each. Rebuilt on every load, so a value revealed before a reload is masked again."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.customers.model import SENSITIVE_FIELDS, CustomerView
from core.roles import Permission
from core.session import Session
from ui.customers.labels import kind_label, local_time, protected_label, status_label
from ui.customers.masked import ProtectedField


class DetailsTab(QScrollArea):
    """`values` holds one label per field key, `protected` one ProtectedField per protected
    field of the customer shown."""

    def __init__(self, session: Session, customer_id: int, reveal_ms: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._customer_id, self._reveal_ms = session, customer_id, reveal_ms
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        left = (("kind", self.tr("Kind")), ("status", self.tr("Status")),
                ("owner", self.tr("Owner")), ("phones", self.tr("Phones")),
                ("email", self.tr("E-mail")), ("address", self.tr("Address")),
                ("created", self.tr("Created")))
        right = (("city", self.tr("City")), ("region", self.tr("Region")),
                 ("industry", self.tr("Industry")), ("source", self.tr("Source")),
                 ("tags", self.tr("Tags")), ("credit_code", self.tr("Credit code")),
                 ("updated", self.tr("Updated")))
        for column, fields in ((0, left), (2, right)):
            for row, (key, caption) in enumerate(fields):
                grid.addWidget(self._caption(caption, page), row, column,
                               Qt.AlignmentFlag.AlignTop)
                grid.addWidget(self._value(key, page), row, column + 1)
        for row, (key, caption) in enumerate(
                (("contacts", self.tr("Contacts")), ("notes", self.tr("Notes")),
                 ("custom", self.tr("Other fields"))), start=len(left)):
            grid.addWidget(self._caption(caption, page), row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self._value(key, page), row, 1, 1, 3)
        layout.addLayout(grid)
        self.protected_box = QGroupBox(self.tr("Protected data"), page)
        self.protected_form = QFormLayout(self.protected_box)
        self.protected: dict[str, ProtectedField] = {}
        layout.addWidget(self.protected_box)
        layout.addStretch(1)
        self.setWidget(page)

    @staticmethod
    def _caption(text: str, parent: QWidget) -> QLabel:
        caption = QLabel(text, parent)
        caption.setObjectName("hint")
        return caption

    def _value(self, key: str, parent: QWidget) -> QLabel:
        value = QLabel(parent)
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setTextFormat(Qt.TextFormat.PlainText)
        self.values[key] = value
        return value

    def show_view(self, view: CustomerView) -> None:
        contacts = "\n".join(" · ".join(p for p in (c.name, c.title, c.phone, c.email) if p)
                             for c in view.contacts)
        texts = {
            "kind": kind_label(view.kind), "status": status_label(view.status),
            "owner": view.owner_name, "phones": "\n".join(view.phones), "email": view.email,
            "address": view.address, "city": view.city, "region": view.region,
            "industry": view.industry, "source": view.source, "tags": ", ".join(view.tags),
            "credit_code": view.credit_code, "contacts": contacts, "notes": view.notes,
            "custom": "\n".join(f"{k}: {v}" for k, v in sorted(view.custom.items())),
            "created": local_time(view.created_at), "updated": local_time(view.updated_at)}
        for key, label in self.values.items():
            label.setText(texts[key] or "—")
        self._show_protected(view)

    def _drop_protected(self) -> None:
        for field in self.protected.values():
            field.remask()
            self.protected_form.removeRow(field)
        self.protected = {}

    def _show_protected(self, view: CustomerView) -> None:
        self._drop_protected()
        may_reveal = self._session.can(Permission.SENSITIVE_REVEAL)
        session, actor, customer_id = self._session, self._session.user, self._customer_id

        def reveal(field: str, reason: str) -> str:
            return session.customers.reveal(actor, customer_id, field, reason)

        fields = list(SENSITIVE_FIELDS) + sorted(set(view.sensitive) - set(SENSITIVE_FIELDS))
        for field in fields:
            widget = ProtectedField(field, view.sensitive.get(field, ""),
                                    reveal if may_reveal else None, self._reveal_ms,
                                    self.protected_box)
            widget.setObjectName(f"protected_{field}")
            self.protected[field] = widget
            self.protected_form.addRow(protected_label(field) + ":", widget)

    def wipe(self) -> None:
        self._drop_protected()
        for label in self.values.values():
            label.clear()
