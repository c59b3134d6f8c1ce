"""The login window: vault folder, user name and password, this computer's account, recovery."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.auth import Authenticator
from core.demo import DemoUser
from core.session import Session
from ui.lock import Countdown
from ui.recover_dialog import RecoverDialog
from ui.widgets import MessageLabel, card, password_edit, role_label
from ui.worker import BusyIndicator, Task, run_op


class LoginWindow(QWidget):
    logged_in = Signal(object)  # Session
    back_requested = Signal()

    def __init__(self, auth: Authenticator, vault_path: str, user_name: str = "",
                 demo_users: list[DemoUser] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._auth = auth
        self.recover_dialog: RecoverDialog | None = None
        self.setWindowTitle(self.tr("Strongroom — Log in"))
        self.setObjectName("loginWindow")
        panel, inner = card(self, self.tr("Log in"))

        self.vault = QLineEdit(vault_path, panel)
        self.vault.setReadOnly(True)
        self.vault.setToolTip(vault_path)
        self.change_vault = QPushButton(self.tr("C&hange…"), panel)
        self.change_vault.clicked.connect(self._choose_vault)
        vault_row = QHBoxLayout()
        vault_row.addWidget(self.vault, 1)
        vault_row.addWidget(self.change_vault)
        self.user_name = QLineEdit(user_name, panel)
        self.password = password_edit(panel)
        form = QFormLayout()
        form.addRow(self.tr("Vault:"), vault_row)
        form.addRow(self.tr("&User name:"), self.user_name)
        form.addRow(self.tr("&Password:"), self.password)

        self.message = MessageLabel(panel)
        self.busy = BusyIndicator(panel)
        self.login_button = QPushButton(self.tr("&Log in"), panel)
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.log_in)
        self.password.returnPressed.connect(self.log_in)
        self.user_name.returnPressed.connect(self.password.setFocus)
        self.remembered_button = QPushButton(self.tr("Unlock with this &computer account"), panel)
        self.remembered_button.setEnabled(False)
        self.remembered_button.clicked.connect(self.log_in_remembered)
        self.remembered_reason = QLabel(panel)
        self.remembered_reason.setObjectName("reason")
        self.remembered_reason.setWordWrap(True)
        self.remembered_reason.hide()
        self.forgot_button = QPushButton(self.tr("Forgot password? Use the &recovery key…"), panel)
        self.forgot_button.setObjectName("link")
        self.forgot_button.setFlat(True)
        self.forgot_button.clicked.connect(self.recover)
        self.back_button = QPushButton(self.tr("&Other vault…"), panel)
        self.back_button.setFlat(True)
        self.back_button.setObjectName("link")
        self.back_button.clicked.connect(self.back_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remembered_button)
        buttons.addStretch(1)
        buttons.addWidget(self.login_button)
        links = QHBoxLayout()
        links.addWidget(self.forgot_button)
        links.addStretch(1)
        links.addWidget(self.back_button)

        inner.addLayout(form)
        inner.addWidget(self.message)
        inner.addWidget(self.busy)
        inner.addLayout(buttons)
        inner.addWidget(self.remembered_reason)
        inner.addLayout(links)
        self.demo_table: QTableWidget | None = None
        if demo_users:
            inner.addWidget(self._demo_table(panel, demo_users))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 32, 32, 32)
        outer.addWidget(panel)
        outer.addStretch(1)
        self.resize(580, 600 if demo_users else 380)

        self.countdown = Countdown(self.message, [self.login_button, self.remembered_button],
                                   self)
        self.countdown.finished.connect(self._check_remembered)
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(250)
        self._check_timer.timeout.connect(self._check_remembered)
        self.user_name.textChanged.connect(self._check_timer.start)
        self._check_remembered()
        (self.password if user_name else self.user_name).setFocus()

    def _demo_table(self, parent: QWidget, users: list[DemoUser]) -> QWidget:
        box = QWidget(parent)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 8, 0, 0)
        hint = QLabel(self.tr("Demo users (their passwords are public: never store real data "
                              "here). Click one to fill the form."), box)
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        table = QTableWidget(len(users), 3, box)
        table.setHorizontalHeaderLabels([self.tr("User"), self.tr("Role"), self.tr("Password")])
        for row, user in enumerate(users):
            for column, text in enumerate((user.name, role_label(user.role), user.password)):
                table.setItem(row, column, QTableWidgetItem(text))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.resizeRowsToContents()
        # Exactly as tall as its rows: the list is short and fixed.
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
                             + sum(table.rowHeight(r) for r in range(table.rowCount())))
        table.cellClicked.connect(lambda row, _col: self.fill(users[row]))
        self.demo_table = table
        layout.addWidget(hint)
        layout.addWidget(table)
        return box

    def fill(self, user: DemoUser) -> None:
        self.user_name.setText(user.name)
        self.password.setText(user.password)
        self.login_button.setFocus()

    @property
    def vault_path(self) -> str:
        return self.vault.text()

    def _choose_vault(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose the vault folder"),
                                                  self.vault_path)
        if folder:
            self.set_vault(folder)

    def set_vault(self, folder: str) -> None:
        if not self._auth.vault_exists(Path(folder)):
            self.message.show_message(self.tr(
                "{folder} is not a Strongroom vault (it has no key-slot file).").format(
                folder=folder))
            return
        self.vault.setText(folder)
        self.vault.setToolTip(folder)
        self.message.clear_message()
        self._check_remembered()

    # -- "remember me" -----------------------------------------------------------------------
    def _check_remembered(self) -> None:
        auth, path, name = self._auth, self.vault_path, self.user_name.text()

        # The OS credential store may be slow or prompt: ask it off the GUI thread.
        def work(_task: Task) -> tuple[str | None, bool]:
            reason = auth.remembered_reason()
            return reason, (not reason and bool(name.strip())
                            and auth.is_remembered(Path(path), name))

        def done(state: tuple[str | None, bool]) -> None:
            if name != self.user_name.text() or path != self.vault_path:
                return
            reason, remembered = state
            self.remembered_reason.setText(reason or "")
            self.remembered_reason.setVisible(bool(reason))
            self.remembered_button.setToolTip("" if remembered else self.tr(
                "This user has not chosen \"Remember me on this computer\"."))
            self.remembered_button.setEnabled(bool(remembered) and not self.busy.active
                                              and not self.countdown.active)

        run_op(self, work, on_done=done)

    # -- logging in --------------------------------------------------------------------------
    def log_in(self) -> None:
        name, password = self.user_name.text(), self.password.text()
        if not name.strip():
            self.message.show_message(self.tr("Type your user name."))
            self.user_name.setFocus()
            return
        if not password:
            self.message.show_message(self.tr("Type your password."))
            self.password.setFocus()
            return
        auth, path = self._auth, self.vault_path
        self._start(lambda _t: auth.login(Path(path), name, password))

    def log_in_remembered(self) -> None:
        auth, path, name = self._auth, self.vault_path, self.user_name.text()
        self._start(lambda _t: auth.login_remembered(Path(path), name))

    def _start(self, work: Callable[[Task], Session]) -> None:
        if self.busy.active or self.countdown.active:
            return
        self.message.clear_message()
        self.busy.start(self.tr("Unlocking the vault…"), [
            self.login_button, self.remembered_button, self.user_name, self.password,
            self.change_vault, self.forgot_button, self.back_button])
        run_op(self, work, on_done=self._done, on_error=self._failed,
               on_finished=self._finished, on_orphaned=lambda session: session.close())

    def _done(self, session: Session) -> None:
        self.password.clear()
        self.logged_in.emit(session)

    def _failed(self, exc: BaseException) -> None:
        self.password.clear()
        self.countdown.report_failure(exc)

    def _finished(self) -> None:
        self.busy.stop()
        if self.countdown.active:
            self.login_button.setEnabled(False)
            self.remembered_button.setEnabled(False)
        else:
            self._check_remembered()
        self.password.setFocus()

    def show_message(self, text: str, kind: str = "info") -> None:
        self.message.show_message(text, kind)

    # -- recovery ----------------------------------------------------------------------------
    def recover(self) -> None:
        self.recover_dialog = RecoverDialog(self._auth, self.vault_path, self.user_name.text(),
                                            self)
        dialog = self.recover_dialog

        def accepted() -> None:
            self.user_name.setText(dialog.admin_name.text())
            self.password.clear()
            self.message.show_message(self.tr(
                "The administrator's password was replaced. Log in with the new password."),
                "ok")
            self.password.setFocus()

        dialog.accepted.connect(accepted)
        dialog.open()
