"""Small widgets shared by windows and pages: messages, password entry with live policy feedback,
non-blocking questions, and the layout pieces (cards, form rows, button rows) they repeat."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.roles import ROLE_LABELS, Role
from ui.worker import BusyIndicator


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


def feedback_label(parent: QWidget) -> MessageLabel:
    """The line under a field that says what is wrong with it, or that it is fine."""
    label = MessageLabel(parent)
    label.setObjectName("passwordFeedback")
    # Feedback follows the typing: nothing in it to select (unlike a message).
    label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
    return label


def bullets(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def add_row_with_button(form: QFormLayout, label_text: str, field: QWidget,
                        button: QPushButton) -> None:
    """A form row holding a field with a button beside it."""
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(button)
    # A row holding a layout gets no buddy from addRow, so the label is made here.
    label = QLabel(label_text, field.parentWidget())
    label.setBuddy(field)
    form.addRow(label, row)


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    """Buttons side by side from the left edge."""
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


def add_status(layout: QVBoxLayout, parent: QWidget) -> tuple[MessageLabel, BusyIndicator]:
    """The inline message and the busy line under a page's or form's content."""
    message, busy = MessageLabel(parent), BusyIndicator(parent)
    layout.addWidget(message)
    layout.addWidget(busy)
    return message, busy


def card(parent: QWidget, title: str, spacing: int = 10) -> tuple[QFrame, QVBoxLayout]:
    """The framed panel of the start, login and lock screens, with its title in place."""
    frame = QFrame(parent)
    frame.setObjectName("card")
    heading = QLabel(title, frame)
    heading.setObjectName("pageTitle")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(28, 24, 28, 24)
    layout.setSpacing(spacing)
    layout.addWidget(heading)
    return frame, layout


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
        self.feedback = feedback_label(parent)
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
            text, kind = bullets(problems), "error"
        elif confirm and confirm != new:
            text, kind = self.tr("The two passwords differ."), "error"
        elif not confirm:
            text, kind = self.tr("The password meets the policy. Type it again to confirm."), "info"
        else:
            text, kind = self.tr("✓ The password meets the policy."), "ok"
        self._acceptable = bool(new) and not problems and confirm == new
        self.feedback.show_message(text, kind)
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


def count_footer(parent: QWidget) -> tuple[QLabel, QLabel, QHBoxLayout]:
    """The line under a list: how many rows (left) and whether more are loading (right)."""
    count, loading = QLabel(parent), QLabel(parent)
    count.setObjectName("hint")
    loading.setObjectName("hint")
    row = QHBoxLayout()
    row.addWidget(count, 1)
    row.addWidget(loading)
    return count, loading, row


def add_shortcut(widget: QWidget, key: QKeySequence.StandardKey, slot: Callable[[], object]
                 ) -> QAction:
    """A shortcut on `widget` itself, so it works only while that page is shown."""
    action = QAction(widget)
    action.setShortcut(QKeySequence(key))
    action.triggered.connect(slot)
    widget.addAction(action)
    return action


def configure_list_view(view: QTableView, model: object, stretch: int | None = None,
                        widths: dict[int, int] | None = None) -> None:
    """A read-only list of rows: whole-row single selection, no editing, no row numbers,
    alternating rows; `stretch` takes the spare width, `widths` set the others."""
    view.setModel(model)  # type: ignore[arg-type]
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    # Rows of one height let the view skip measuring them: scrolling stays cheap however many
    # pages are loaded.
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    for column, width in (widths or {}).items():
        view.setColumnWidth(column, width)
