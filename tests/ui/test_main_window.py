"""The main window: auto-lock, users and roles, forced password change, remember-me."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from keyring.backends import fail
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.passwords import PasswordRules
from core.roles import Role
from storage.credentials import KeyringCredentials
from tests.conftest import ADMIN, USERS, make_authenticator
from tests.ui.conftest import Make, log_in, select_user, yes_button
from ui.login_window import LoginWindow
from ui.main_window import MainWindow
from ui.pages.account import AccountPage
from ui.pages.audit import AuditPage
from ui.pages.users import UsersPage
from ui.password_dialog import ChangePasswordDialog

NEW_USER = ("Nina Newcomer", "temporary pass 4821")
NINA_OWN = "nina's very own phrase 9"


def test_idle_lock_destroys_pages_and_unlock_returns_to_the_same_page(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    controller = make_controller(auth, vault=vault_path, idle_ms=1500)
    main = log_in(qtbot, controller, *ADMIN)
    main.show_page("audit")
    audit = main.pages["audit"]
    assert isinstance(audit, AuditPage)
    model = audit.model
    qtbot.waitUntil(lambda: model.rowCount() > 0)
    old_session = main.session

    qtbot.waitUntil(lambda: main.locked, timeout=5000)
    main.idle_ms_override = 600_000  # no second lock while the test looks around
    assert main.pages == {}
    assert main.nav.count() == 0 and main.page_stack.count() == 0
    assert model.rowCount() == 0  # wiped at once, then deleted
    qtbot.waitUntil(lambda: not shiboken6.isValid(model))
    assert not shiboken6.isValid(audit)
    assert old_session.locked
    assert main.lock_screen is not None and main.lock_screen.isVisible()
    assert main.lock_screen.user_label.text() == ADMIN[0]
    assert main.lock_status.text() == "Locked"

    lock = main.lock_screen
    qtbot.keyClicks(lock.password, "wrong password")
    qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lock.message.isVisible())
    assert main.locked
    qtbot.keyClicks(lock.password, ADMIN[1])
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not main.locked, timeout=5000)
    assert main.current_page_key() == "audit"
    assert main.session is not old_session and not main.session.locked
    new_audit = main.pages["audit"]
    assert isinstance(new_audit, AuditPage)
    qtbot.waitUntil(lambda: new_audit.model.rowCount() > 0)
    assert any(new_audit.model.entry(r).action == "vault.unlocked"
               for r in range(new_audit.model.rowCount()))


def test_manual_lock_and_switch_user(qtbot: QtBot, auth: Authenticator, vault_path: Path,
                                     make_controller: Make) -> None:
    controller = make_controller(auth, vault=vault_path)
    main = log_in(qtbot, controller, *ADMIN)
    main.lock_action.trigger()
    assert main.locked and main.pages == {}
    assert main.lock_screen is not None
    qtbot.mouseClick(main.lock_screen.switch_button, Qt.MouseButton.LeftButton)
    assert isinstance(controller.window, LoginWindow)
    assert controller.window.user_name.text() == ""
    manager = log_in(qtbot, controller, *USERS[Role.SALES_MANAGER])
    assert list(manager.pages) == ["customers", "today", "contracts", "receivables", "funds",
                                  "credit", "templates", "account", "users"]


def test_admin_adds_a_user_who_must_change_the_password_and_sees_only_their_pages(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    controller = make_controller(auth, vault=vault_path)
    main = log_in(qtbot, controller, *ADMIN)
    main.show_page("users")
    users = main.pages["users"]
    assert isinstance(users, UsersPage) and users.add_button is not None
    qtbot.waitUntil(lambda: ADMIN[0] in users.model.names())
    qtbot.mouseClick(users.add_button, Qt.MouseButton.LeftButton)
    dialog = users.add_dialog
    qtbot.keyClicks(dialog.name, NEW_USER[0])
    dialog.role.setCurrentIndex(dialog.role.findData(Role.SALES_REP))
    qtbot.keyClicks(dialog.password, "short")
    assert not dialog.ok_button.isEnabled() and "12 characters" in dialog.feedback.text()
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, NEW_USER[1])
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: NEW_USER[0] in users.model.names(), timeout=5000)
    assert not dialog.isVisible()
    row = users.model.names().index(NEW_USER[0])
    assert users.model.data(users.model.index(row, 2)) == "Must change password"

    main.logout_action.trigger()
    login = controller.window
    assert isinstance(login, LoginWindow)
    assert main.session.locked  # logging out closed the session
    login.user_name.setText(NEW_USER[0])
    qtbot.keyClicks(login.password, NEW_USER[1])
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(controller.dialog, ChangePasswordDialog)
                    and controller.dialog.isVisible(), timeout=5000)
    forced = controller.dialog
    assert isinstance(forced, ChangePasswordDialog)
    assert controller.window is login  # nothing is shown before the change
    assert not forced.ok_button.isEnabled()
    qtbot.keyClicks(forced.form.current, NEW_USER[1])
    qtbot.keyClicks(forced.form.fields.new, NINA_OWN)
    qtbot.keyClicks(forced.form.fields.confirm, NINA_OWN)
    assert forced.ok_button.isEnabled()
    qtbot.mouseClick(forced.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow), timeout=5000)
    rep = controller.window
    assert isinstance(rep, MainWindow)
    assert list(rep.pages) == ["customers", "today", "contracts", "receivables", "account"]
    assert not rep.session.user.must_change_password


def test_cancelling_the_forced_change_logs_out(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    admin = auth.login(vault_path, *ADMIN)
    nina = admin.accounts.add_user(admin.user, NEW_USER[0], Role.FINANCE, NEW_USER[1])
    admin.close()
    assert nina.must_change_password
    controller = make_controller(auth, vault=vault_path)
    login = controller.window
    assert isinstance(login, LoginWindow)
    login.user_name.setText(NEW_USER[0])
    qtbot.keyClicks(login.password, NEW_USER[1])
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(controller.dialog, ChangePasswordDialog), timeout=5000)
    forced = controller.dialog
    assert isinstance(forced, ChangePasswordDialog)
    session = forced.form._session
    qtbot.mouseClick(forced.cancel_button, Qt.MouseButton.LeftButton)
    assert session.locked
    assert controller.window is login
    assert "logged out" in login.message.text()


def test_auditor_sees_the_audit_trail_and_no_user_management(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    controller = make_controller(auth, vault=vault_path)
    main = log_in(qtbot, controller, *USERS[Role.AUDITOR])
    assert list(main.pages) == ["customers", "contracts", "receivables", "account", "users",
                                "audit"]
    users = main.pages["users"]
    assert isinstance(users, UsersPage)
    assert users.add_button is None and users.manage_buttons == []
    qtbot.waitUntil(lambda: users.model.rowCount() == 1 + len(USERS))
    audit = main.pages["audit"]
    assert isinstance(audit, AuditPage)
    assert not audit.verify_button.isHidden() and not audit.export_button.isHidden()


def test_disabling_a_user_asks_first_then_rekeys(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    controller = make_controller(auth, vault=vault_path)
    main = log_in(qtbot, controller, *ADMIN)
    finance = USERS[Role.FINANCE][0]
    users = select_user(qtbot, main, finance)
    qtbot.mouseClick(users.disable_button, Qt.MouseButton.LeftButton)
    question = users.question
    assert isinstance(question, QMessageBox) and "re-encrypted" in question.text()
    qtbot.mouseClick(yes_button(question), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "was disabled" in users.message.text(), timeout=10_000)

    def status() -> str:
        return users.model.data(users.model.index(users.model.names().index(finance), 2))

    qtbot.waitUntil(lambda: status() == "Disabled")


def test_remember_me_is_disabled_with_the_reason_when_no_credential_store(
        qtbot: QtBot, rules: PasswordRules, vault_path: Path, make_controller: Make) -> None:
    auth = make_authenticator(rules, credentials=KeyringCredentials(fail.Keyring()))
    controller = make_controller(auth, vault=vault_path)
    login = controller.window
    assert isinstance(login, LoginWindow)
    qtbot.waitUntil(lambda: login.remembered_reason.isVisible())
    assert "no usable credential store" in login.remembered_reason.text()
    assert not login.remembered_button.isEnabled()
    main = log_in(qtbot, controller, *ADMIN)
    main.show_page("account")
    account = main.pages["account"]
    assert isinstance(account, AccountPage)
    qtbot.waitUntil(lambda: account.remember_reason.isVisible())
    assert "no usable credential store" in account.remember_reason.text()
    assert not account.remember.isEnabled()


def test_remember_me_then_unlock_with_this_computer_account(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    controller = make_controller(auth, vault=vault_path)
    main = log_in(qtbot, controller, *ADMIN)
    account = main.pages["account"]
    assert isinstance(account, AccountPage)
    qtbot.waitUntil(account.remember.isEnabled)
    assert account.remember_reason.isHidden() and not account.remember.isChecked()
    # On the box itself: the widget is wider than its box and label.
    qtbot.mouseClick(account.remember, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, account.remember.height() // 2))
    qtbot.waitUntil(lambda: "computer account" in account.remember_message.text(),
                    timeout=5000)
    assert account.remember.isChecked()

    main.logout_action.trigger()
    login = controller.window
    assert isinstance(login, LoginWindow)
    assert login.user_name.text() == ADMIN[0]
    qtbot.waitUntil(login.remembered_button.isEnabled)
    qtbot.mouseClick(login.remembered_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow), timeout=5000)
    assert controller.window.session.user.name == ADMIN[0]

    # Another user of the same vault is not remembered: the button goes off as the name changes.
    controller.window.logout_action.trigger()
    login = controller.window
    assert isinstance(login, LoginWindow)
    qtbot.waitUntil(login.remembered_button.isEnabled)
    login.user_name.setText(USERS[Role.AUDITOR][0])
    qtbot.waitUntil(lambda: not login.remembered_button.isEnabled())
