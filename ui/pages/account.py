"""My account: who I am, changing my password, and "remember me on this computer"."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from core.session import Session
from ui.bus import BusBridge
from ui.password_dialog import ChangePasswordForm
from ui.widgets import add_status, page_layout, role_label
from ui.worker import Task, error_text, run_op


class AccountPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        layout = page_layout(self, self.tr("My account"))

        who = QFormLayout()
        self.name_label = QLabel(session.user.name, self)
        self.role_label = QLabel(role_label(session.user.role), self)
        who.addRow(self.tr("User name:"), self.name_label)
        who.addRow(self.tr("Role:"), self.role_label)
        layout.addLayout(who)

        password_box = QGroupBox(self.tr("Change password"), self)
        self.password_form = ChangePasswordForm(session, password_box)
        box_layout = QVBoxLayout(password_box)
        box_layout.addWidget(self.password_form)
        password_box.setMaximumWidth(680)
        layout.addWidget(password_box)

        remember_box = QGroupBox(self.tr("This computer"), self)
        self.remember = QCheckBox(self.tr("&Remember me on this computer"), remember_box)
        self.remember.setEnabled(False)
        self.remember_reason = QLabel(remember_box)
        self.remember_reason.setObjectName("reason")
        self.remember_reason.setWordWrap(True)
        self.remember_reason.hide()
        explain = QLabel(self.tr(
            "When remembered, this computer's account (its credential store) can unlock the "
            "vault for you without your password. Anyone who can use your computer account "
            "can then open your part of the vault."), remember_box)
        explain.setWordWrap(True)
        explain.setObjectName("hint")
        remember_layout = QVBoxLayout(remember_box)
        remember_layout.addWidget(self.remember)
        remember_layout.addWidget(self.remember_reason)
        remember_layout.addWidget(explain)
        self.remember_message, self.remember_busy = add_status(remember_layout, remember_box)
        remember_box.setMaximumWidth(680)
        layout.addWidget(remember_box)
        layout.addStretch(1)

        self.remember.clicked.connect(self._toggle_remember)
        self._load_remember_state()

    def _load_remember_state(self) -> None:
        session, user = self._session, self._session.user

        # Asking an OS credential store can take a while (or prompt), so not on the GUI thread.
        def work(_task: Task) -> tuple[str | None, bool]:
            reason = session.remember.unavailable_reason()
            return reason, (False if reason else session.remember.is_remembered(user))

        run_op(self, work, on_done=self._show_remember_state, on_error=self._remember_failed)

    def _show_remember_state(self, state: tuple[str | None, bool]) -> None:
        reason, remembered = state
        self.remember.setChecked(remembered)
        self.remember.setEnabled(reason is None)
        self.remember_reason.setText(QCoreApplication.translate("core", reason) if reason else "")
        self.remember_reason.setVisible(reason is not None)

    def _toggle_remember(self, checked: bool) -> None:
        session, user = self._session, self._session.user
        self.remember_message.clear_message()
        self.remember_busy.start(
            self.tr("Remembering you on this computer…") if checked
            else self.tr("Forgetting you on this computer…"), [self.remember])

        def work(_task: Task) -> None:
            if checked:
                session.remember.remember(user)
            else:
                session.remember.forget(user)

        def done(_result: object) -> None:
            self.remember_message.show_message(
                self.tr("You can now unlock with this computer account.") if checked
                else self.tr("This computer no longer unlocks the vault for you."), "ok")

        def failed(exc: BaseException) -> None:
            self.remember.setChecked(not checked)
            self._remember_failed(exc)

        run_op(self, work, on_done=done, on_error=failed, on_finished=self.remember_busy.stop)

    def _remember_failed(self, exc: BaseException) -> None:
        self.remember_message.show_message(error_text(exc))
