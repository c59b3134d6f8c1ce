"""Small widgets shared by windows and pages: messages, password entry with live policy feedback,
non-blocking questions."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from core.roles import ROLE_LABELS, Role


def grow_to_fit(widget: QWidget) -> None:
    """Let a dialog grow when a message appears in it: wrapped labels are otherwise squeezed
    and cut off, since a top-level widget only honours its layout's minimum size."""
    window = widget.window()
    if isinstance(window, QDialog) and window.isVisible():
        hint = window.sizeHint()
        if window.height() < hint.height():
            window.resize(window.width(), hint.height())


class MessageLabel(QLabel):
    """An inline message (error, warning or success) that hides itself when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        # The kind drives the style sheet (QLabel[kind="error"] …).
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(text)
        self.setVisible(bool(text))
        grow_to_fit(self)

    def clear_message(self) -> None:
        self.setText("")
        self.hide()


def role_label(role: Role) -> str:
    # Core keeps English labels; they are looked up in the "Roles" catalogue for display.
    return QCoreApplication.translate("Roles", ROLE_LABELS[role])


def password_edit(parent: QWidget | None = None) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class PasswordFields(QObject):
    """A new password typed twice, with the policy's problems shown while typing."""

    changed = Signal()

    def __init__(self, problems: Callable[[str], list[str]], parent: QWidget) -> None:
        super().__init__(parent)
        self._problems = problems
        self.new = password_edit(parent)
        self.confirm = password_edit(parent)
        self.feedback = QLabel(parent)
        self.feedback.setObjectName("passwordFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.hide()
        self._acceptable = False
        self.new.textChanged.connect(self.update_feedback)
        self.confirm.textChanged.connect(self.update_feedback)

    def add_rows(self, form: QFormLayout, new_label: str, confirm_label: str) -> None:
        form.addRow(new_label, self.new)
        form.addRow(confirm_label, self.confirm)
        form.addRow("", self.feedback)

    def password(self) -> str:
        return self.new.text()

    def is_acceptable(self) -> bool:
        return self._acceptable

    def clear(self) -> None:
        self.new.clear()
        self.confirm.clear()

    def update_feedback(self) -> None:
        new, confirm = self.new.text(), self.confirm.text()
        problems = self._problems(new) if new else []
        if not new:
            text, kind = "", "info"
        elif problems:
            text, kind = "\n".join(f"• {p}" for p in problems), "error"
        elif confirm and confirm != new:
            text, kind = self.tr("The two passwords differ."), "error"
        elif not confirm:
            text, kind = self.tr("The password meets the policy. Type it again to confirm."), "info"
        else:
            text, kind = self.tr("✓ The password meets the policy."), "ok"
        self._acceptable = bool(new) and not problems and confirm == new
        self.feedback.setProperty("kind", kind)
        self.feedback.style().unpolish(self.feedback)
        self.feedback.style().polish(self.feedback)
        self.feedback.setText(text)
        self.feedback.setVisible(bool(text))
        grow_to_fit(self.feedback)
        self.changed.emit()


def ask(parent: QWidget, title: str, text: str, yes_text: str,
        on_yes: Callable[[], None]) -> QMessageBox:
    """A window-modal question that does not block the event loop (workers keep delivering)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel,
                      parent)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    yes.setObjectName("yes")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def finished(_result: int) -> None:
        if box.clickedButton() is yes:
            on_yes()

    box.finished.connect(finished)
    box.open()
    return box


def inform(parent: QWidget, title: str, text: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok,
                      parent)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def page_layout(page: QWidget, title: str, intro: str = "") -> QVBoxLayout:
    """The common top of a main-window page: a title and an optional line of explanation."""
    layout = QVBoxLayout(page)
    layout.setContentsMargins(24, 20, 24, 20)
    layout.setSpacing(12)
    heading = QLabel(title, page)
    heading.setObjectName("pageTitle")
    layout.addWidget(heading)
    if intro:
        text = QLabel(intro, page)
        text.setObjectName("pageIntro")
        text.setWordWrap(True)
        layout.addWidget(text)
    return layout
