"""Users and roles: the list for everyone allowed to see it, management for administrators."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableView,
    QWidget,
)

from core.changes import Changes
from core.roles import Permission
from core.session import Session
from core.users import User
from ui.bus import BusBridge
from ui.pages.user_dialogs import AddUserDialog, RoleDialog
from ui.secret_dialog import SecretDialog
from ui.table_model import Index, ListTableModel
from ui.widgets import add_status, ask, button_row, page_layout, role_label
from ui.worker import Task, error_text, run_op


class UsersModel(ListTableModel):
    """Every account of the vault (a short list: it is read whole)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[User] = []
        self._headers = [self.tr("Name"), self.tr("Role"), self.tr("Status"),
                         self.tr("Last login")]

    def set_users(self, users: list[User]) -> None:
        self.beginResetModel()
        self._rows = sorted(users, key=lambda u: u.name.casefold())
        self.endResetModel()

    def user(self, row: int) -> User:
        return self._rows[row]

    def names(self) -> list[str]:
        return [u.name for u in self._rows]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        user = self._rows[index.row()]
        column = index.column()
        if column == 0:
            return user.name
        if column == 1:
            return role_label(user.role)
        if column == 2:
            if not user.active:
                return self.tr("Disabled")
            return self.tr("Must change password") if user.must_change_password \
                else self.tr("Active")
        if user.last_login_at is None:
            return self.tr("Never")
        return user.last_login_at.astimezone().strftime("%Y-%m-%d %H:%M")


class UsersPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.can_manage = session.can(Permission.USER_MANAGE)
        layout = page_layout(self, self.tr("Users and roles"))
        self.model = UsersModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.setAlternatingRowColors(True)
        layout.addWidget(self.view, 1)

        self.add_button: QPushButton | None = None
        self.manage_buttons: list[QPushButton] = []
        if self.can_manage:
            self.add_button = QPushButton(self.tr("&Add user…"), self)
            self.role_button = QPushButton(self.tr("Change &role…"), self)
            self.disable_button = QPushButton(self.tr("&Disable…"), self)
            self.reset_button = QPushButton(self.tr("Reset &password…"), self)
            self.add_button.clicked.connect(self.add_user)
            self.role_button.clicked.connect(self.change_role)
            self.disable_button.clicked.connect(self.disable_user)
            self.reset_button.clicked.connect(self.reset_password)
            self.manage_buttons = [self.role_button, self.disable_button, self.reset_button]
            layout.addLayout(button_row(self.add_button, *self.manage_buttons))
            self.view.selectionModel().selectionChanged.connect(self._update_buttons)
            self.view.doubleClicked.connect(self.change_role)
        self.message, self.busy = add_status(layout, self)
        bridge.changed.connect(self._changed)
        self.reload()
        self._update_buttons()

    def selected(self) -> User | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.user(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        user = self.selected()
        busy = self.busy.active
        for button in self.manage_buttons:
            button.setEnabled(user is not None and not busy)
        if self.manage_buttons and user is not None:
            self.disable_button.setEnabled(user.active and user.id != self._session.user.id
                                           and not busy)
        if self.add_button is not None:
            self.add_button.setEnabled(not busy)

    def _changed(self, changes: Changes) -> None:
        if changes.users:
            self.reload()

    def reload(self) -> None:
        session, actor = self._session, self._session.user
        selected = self.selected()

        def work(_task: Task) -> list[User]:
            return session.accounts.list_users(actor)

        def done(users: list[User]) -> None:
            self.model.set_users(users)
            if selected is not None:
                self.select(selected.name)
            self._update_buttons()

        run_op(self, work, on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    def select(self, name: str) -> None:
        if name in self.model.names():
            self.view.selectRow(self.model.names().index(name))

    # -- management --------------------------------------------------------------------------
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

    def add_user(self) -> None:
        self.add_dialog = AddUserDialog(self._session, self)

        def accepted() -> None:
            user = self.add_dialog.added
            if user is not None:
                self.message.show_message(self.tr(
                    "{name} was added. Give them the temporary password in person; they must "
                    "choose their own at first login.").format(name=user.name), "ok")
                self.reload()

        self.add_dialog.accepted.connect(accepted)
        self.add_dialog.open()

    def change_role(self) -> None:
        user = self.selected()
        if user is None or not self.can_manage:
            return
        dialog = RoleDialog(user, self)
        session, actor = self._session, self._session.user

        def accepted() -> None:
            role = dialog.chosen()
            self._run(self.tr("Changing the role of {name}…").format(name=user.name),
                      lambda _t: session.accounts.set_role(actor, user.id, role),
                      lambda _u: self.message.show_message(
                          self.tr("{name} is now {role}.").format(
                              name=user.name, role=role_label(role)), "ok"))

        dialog.accepted.connect(accepted)
        dialog.open()

    def disable_user(self) -> None:
        user = self.selected()
        if user is None:
            return
        session, actor = self._session, self._session.user

        def confirmed() -> None:
            self._run(self.tr("Disabling {name} and re-encrypting the vault…").format(
                name=user.name),
                lambda _t: session.accounts.disable_user(actor, user.id),
                lambda _u: self.message.show_message(
                    self.tr("{name} was disabled.").format(name=user.name), "ok"))

        self.question = ask(self, self.tr("Disable user"), self.tr(
            "Disable {name}?\n\nTheir key slot is deleted and the whole vault is re-encrypted "
            "under a new key, so an old copy of their slot opens nothing. This can take a while "
            "on a large vault, and other Strongroom windows on this vault must be closed first. "
            "Their history stays in the audit trail; a password reset re-enables them."
        ).format(name=user.name), self.tr("Disable and re-encrypt"), confirmed)

    def reset_password(self) -> None:
        user = self.selected()
        if user is None:
            return
        session, actor = self._session, self._session.user

        def done(result: tuple[User, str]) -> None:
            updated, temporary = result
            self.secret_dialog = SecretDialog(
                self, self.tr("Temporary password"),
                self.tr("The temporary password of {name} is shown only now. Give it to them "
                        "in person; they must choose a new password when they log in.").format(
                    name=updated.name), temporary)
            self.secret_dialog.open()

        def confirmed() -> None:
            self._run(self.tr("Resetting the password of {name}…").format(name=user.name),
                      lambda _t: session.accounts.reset_password(actor, user.id), done)

        self.question = ask(self, self.tr("Reset password"), self.tr(
            "Give {name} a new temporary password? Their current password and any "
            "\"remember me\" on their computers stop working.").format(name=user.name),
            self.tr("Reset password"), confirmed)
