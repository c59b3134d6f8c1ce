"""Validation messages from core shown beside the field they are about."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QWidget

from ui.customers.labels import core_text
from ui.widgets import MessageLabel


class FieldErrors:
    """One hidden message label per field; `show` fills those core named and returns the
    messages about fields that have no label of their own."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent
        self.labels: dict[str, MessageLabel] = {}

    def label(self, field: str) -> MessageLabel:
        label = MessageLabel(self._parent)
        label.setObjectName(f"error_{field}")
        self.labels[field] = label
        return label

    def clear(self) -> None:
        for label in self.labels.values():
            label.clear_message()

    def show(self, errors: Iterable[object]) -> list[str]:
        self.clear()
        found: dict[str, list[str]] = {}
        for error in errors:
            field, message = str(getattr(error, "field", "")), str(getattr(error, "message", ""))
            found.setdefault(field, []).append(core_text(message))
        unplaced = []
        for field, messages in found.items():
            if field in self.labels:
                self.labels[field].show_message("\n".join(messages))
            else:
                unplaced.extend(f"{field}: {m}" for m in messages)
        return unplaced

    def first_shown(self) -> MessageLabel | None:
        return next((lbl for lbl in self.labels.values() if not lbl.isHidden()), None)
