"""Dialogs of the Users page: adding a user and changing a role."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.accounts import generate_temporary_password
from core.roles import Role
from core.session import Session
from core.users import User
from ui.task_dialog import TaskDialog
from ui.widgets import add_row_with_button, bullets, feedback_label, role_label
from ui.worker import Task


def role_combo(parent: QWidget, current: Role | None = None) -> QComboBox:
    combo = QComboBox(parent)
    for role in Role:
        combo.addItem(role_label(role), role)
    if current is not None:
        combo.setCurrentIndex(combo.findData(current))
    return combo


class AddUserDialog(TaskDialog):
    """Name, role and a temporary password the new user must change at first login."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.added: User | None = None
        self.setWindowTitle(self.tr("Add a user"))
        self.setMinimumWidth(460)
        self.name = QLineEdit(self)
        self.name.setMaxLength(64)
        self.role = role_combo(self, Role.SALES_REP)
        # Shown in clear on purpose: the administrator has to hand it over.
        self.password = QLineEdit(self)
        self.generate = QPushButton(self.tr("&Generate"), self)
        self.generate.clicked.connect(
            lambda: self.password.setText(generate_temporary_password()))
        self.feedback = feedback_label(self)
        form = QFormLayout()
        form.addRow(self.tr("User &name:"), self.name)
        form.addRow(self.tr("&Role:"), self.role)
        add_row_with_button(form, self.tr("&Temporary password:"), self.password, self.generate)
        form.addRow("", self.feedback)
        hint = QLabel(self.tr("The new user must choose their own password at first login."),
                      self)
        hint.setObjectName("hint")
        self.add_footer(self.tr("Add user"), self._submit, form, hint)
        self.name.textChanged.connect(self._update)
        self.password.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        password = self.password.text()
        problems = (self._session.accounts.password_problems(self._session.user, password)
                    if password else [])
        self.feedback.show_message(bullets(problems))
        self.ok_button.setEnabled(bool(self.name.text().strip()) and bool(password)
                                  and not problems and not self.busy.active)

    def _submit(self) -> None:
        session, actor = self._session, self._session.user
        name, password = self.name.text(), self.password.text()
        role = Role(self.role.currentData())

        def work(_task: Task) -> User:
            return session.accounts.add_user(actor, name, role, password, must_change=True)

        def done(user: User) -> None:
            self.added = user
            self.accept()

        self.run(self.tr("Adding {name}…").format(name=name.strip()),
                 [self.name, self.role, self.password, self.generate], work, done)


class RoleDialog(QDialog):
    def __init__(self, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Change role"))
        self.role = role_combo(self, user.role)
        form = QFormLayout()
        form.addRow(self.tr("User:"), QLabel(user.name, self))
        form.addRow(self.tr("&Role:"), self.role)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen(self) -> Role:
        return Role(self.role.currentData())
