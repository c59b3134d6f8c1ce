"""Which window shows when: start → login → main, and back on log-out or "switch user"."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QSettings, QStandardPaths, Qt
from PySide6.QtWidgets import QDialog, QWidget

from core.auth import Authenticator
from core.demo import DEMO_USERS, DemoUser
from core.session import Session

LAST_VAULT_KEY = "vault/last"


def default_demo_path() -> str:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return str(Path(base) / "demo-vault")


class AppController(QObject):
    """Owns the current top-level window. Only the last vault folder is kept in the settings,
    never a user name or anything read from a vault."""

    def __init__(self, auth: Authenticator, settings: QSettings | None = None,
                 demo_path: str | None = None, idle_ms: int | None = None) -> None:
        super().__init__()
        self.auth = auth
        self.settings = settings if settings is not None else QSettings()
        self.demo_path = demo_path or default_demo_path()
        self.idle_ms = idle_ms
        self.window: QWidget | None = None
        self.dialog: QDialog | None = None
        self._pending: Session | None = None  # between login and the main window

    # -- windows -----------------------------------------------------------------------------
    def start(self) -> QWidget:
        last = str(self.settings.value(LAST_VAULT_KEY, "") or "")
        if last and self.auth.vault_exists(Path(last)):
            self.show_login(last)
        else:
            self.show_start()
        assert self.window is not None
        return self.window

    def _switch(self, window: QWidget) -> None:
        # The new window shows before the old one closes, or closing the last window would
        # quit the application.
        old, self.window = self.window, window
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        window.raise_()
        window.activateWindow()
        if old is not None:
            old.close()

    def show_start(self) -> None:
        from ui.start_window import StartWindow

        window = StartWindow(self.auth, self.demo_path)
        window.created.connect(self._created)
        window.open_requested.connect(lambda path: self._open(path))
        window.demo_ready.connect(lambda path, users: self.show_login(path, demo_users=users))
        self._switch(window)

    def show_login(self, path: str, user_name: str = "",
                   demo_users: list[DemoUser] | None = None, message: str = "") -> None:
        # Imported when first needed: the start window alone keeps cold start short.
        from ui.login_window import LoginWindow

        if demo_users is None and Path(path) == Path(self.demo_path):
            demo_users = list(DEMO_USERS)
        window = LoginWindow(self.auth, path, user_name, demo_users)
        window.logged_in.connect(self._logged_in)
        window.back_requested.connect(self.show_start)
        if message:
            window.show_message(message)
        self._switch(window)

    def show_main(self, session: Session) -> None:
        from ui.main_window import MainWindow

        self._pending = None
        window = MainWindow(self.auth, session, idle_ms=self.idle_ms)
        window.logout_requested.connect(lambda path, name: self.show_login(path, name))
        window.switch_user_requested.connect(lambda path: self.show_login(path))
        self._switch(window)

    # -- transitions -------------------------------------------------------------------------
    def _remember_vault(self, path: str) -> None:
        self.settings.setValue(LAST_VAULT_KEY, str(path))
        self.settings.sync()

    def _open(self, path: str) -> None:
        self._remember_vault(path)
        self.show_login(path)

    def _created(self, session: Session, recovery_key: str) -> None:
        from ui.secret_dialog import recovery_key_dialog

        self._pending = session
        self._remember_vault(session.vault_path)
        self.dialog = recovery_key_dialog(self.window, recovery_key)
        self.dialog.accepted.connect(lambda: self.show_main(session))
        self.dialog.open()

    def _logged_in(self, session: Session) -> None:
        from ui.login_window import LoginWindow
        from ui.password_dialog import ChangePasswordDialog

        self._remember_vault(session.vault_path)
        if not session.user.must_change_password:
            self.show_main(session)
            return
        self._pending = session
        self.dialog = ChangePasswordDialog(session, self.window)
        login = self.window
        assert login is None or isinstance(login, LoginWindow)

        def rejected() -> None:
            # Without a new password there is no way in: cancelling logs out.
            self._pending = None
            session.close()
            if login is not None and shiboken6.isValid(login):
                login.show_message(login.tr(
                    "You were logged out: a new password is needed before you can continue."))

        self.dialog.accepted.connect(lambda: self.show_main(session))
        self.dialog.rejected.connect(rejected)
        self.dialog.open()

    def shutdown(self) -> None:
        """At quit: close a session still waiting for its first window, and the main window."""
        if self._pending is not None:
            self._pending.close()
            self._pending = None
        if self.window is not None and shiboken6.isValid(self.window):
            self.window.close()
