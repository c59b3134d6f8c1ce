"""Start window, vault creation, login, throttling, recovery and the demo vault."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.demo import DEMO_USERS
from tests.conftest import ADMIN, USERS
from tests.ui.conftest import Make, log_in, type_login
from ui.controller import LAST_VAULT_KEY
from ui.login_window import LoginWindow
from ui.main_window import MainWindow
from ui.secret_dialog import SecretDialog
from ui.start_window import StartWindow

PASSWORD = "a long and private phrase 7"


def test_without_a_known_vault_the_start_window_shows(auth: Authenticator, make_controller: Make,
                                                      tmp_path: Path) -> None:
    controller = make_controller(auth, vault=tmp_path / "gone")
    assert isinstance(controller.window, StartWindow)


def test_create_a_vault_shows_the_recovery_key_once_then_the_main_window(
        qtbot: QtBot, auth: Authenticator, make_controller: Make, tmp_path: Path) -> None:
    controller = make_controller(auth)
    start = controller.window
    assert isinstance(start, StartWindow)
    qtbot.mouseClick(start.create_button, Qt.MouseButton.LeftButton)
    dialog = start.create_dialog
    assert dialog is not None and dialog.isVisible()

    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "note.txt").write_text("x")
    dialog.folder.setText(str(occupied))
    assert "not empty" in dialog.folder_feedback.text()
    folder = tmp_path / "new vault"
    dialog.folder.setText(str(folder))
    qtbot.keyClicks(dialog.admin_name, "Olga Owner")
    qtbot.keyClicks(dialog.fields.new, "short")
    assert "at least 12 characters" in dialog.fields.feedback.text()
    assert not dialog.create_button.isEnabled()
    dialog.fields.new.clear()
    qtbot.keyClicks(dialog.fields.new, PASSWORD)
    qtbot.keyClicks(dialog.fields.confirm, PASSWORD)
    assert dialog.create_button.isEnabled()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: isinstance(controller.dialog, SecretDialog), timeout=10_000)
    key_dialog = controller.dialog
    assert isinstance(key_dialog, SecretDialog) and key_dialog.isVisible()
    key = key_dialog.secret_edit.text()
    assert len(key) > 20
    assert not key_dialog.ok_button.isEnabled()
    key_dialog.reject()  # Esc does not dismiss it before the user confirms
    assert key_dialog.isVisible()
    qtbot.mouseClick(key_dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == key
    assert "clipboard" in key_dialog.warning.text()
    assert key_dialog.confirm_box is not None
    key_dialog.confirm_box.setChecked(True)
    qtbot.mouseClick(key_dialog.ok_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow))
    main = controller.window
    assert isinstance(main, MainWindow)
    assert main.session.user.name == "Olga Owner"
    assert set(main.pages) == {"customers", "today", "contracts", "receivables",
                              "reconciliation", "funds", "credit", "templates", "account",
                              "users", "policies", "privacy", "recovery", "audit", "signing"}
    assert key_dialog.secret_edit.text() == ""  # the widget forgot the key
    assert controller.settings.value(LAST_VAULT_KEY) == str(folder)
    QApplication.clipboard().clear()


def test_a_wrong_password_shows_the_error_and_no_main_window(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    controller = make_controller(auth, vault=vault_path)
    login = controller.window
    assert isinstance(login, LoginWindow)
    type_login(qtbot, login, ADMIN[0], "not the password at all")
    qtbot.waitUntil(lambda: login.message.isVisible() and not login.busy.active)
    assert login.message.text() == "Unknown user or wrong password."
    assert login.password.text() == ""
    assert controller.window is login
    assert not any(isinstance(w, MainWindow) for w in QApplication.topLevelWidgets())


def test_repeated_failures_show_a_countdown_and_disable_log_in(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    controller = make_controller(auth, vault=vault_path)
    login = controller.window
    assert isinstance(login, LoginWindow)
    for _ in range(4):  # three free attempts, then a wait
        type_login(qtbot, login, ADMIN[0], "wrong password again")
        qtbot.waitUntil(lambda: not login.busy.active)
    assert "Try again in" in login.message.text()
    assert not login.login_button.isEnabled()
    qtbot.waitUntil(login.login_button.isEnabled, timeout=5000)  # the wait is short at first


def test_admin_logs_in_and_sees_every_page(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    controller = make_controller(auth, vault=vault_path)
    main = log_in(qtbot, controller, *ADMIN)
    titles = [main.nav.item(i).text() for i in range(main.nav.count())]
    assert titles == ["Customers", "Today", "Contracts", "Receivables", "Reconciliation",
                      "Fund approvals", "Credit", "Contract templates", "My account",
                      "Users and roles", "Policies", "Privacy", "Recovery key", "Audit trail",
                      "Signing certificates"]
    assert main.user_status.text() == ADMIN[0]
    assert main.role_status.text() == "Administrator"
    assert main.lock_status.text().startswith("Locks in ")


def test_recovery_key_sets_a_new_administrator_password(
        qtbot: QtBot, auth: Authenticator, tmp_path: Path, make_controller: Make) -> None:
    folder = tmp_path / "vault"
    session, key = auth.create(folder, *ADMIN)
    session.close()
    controller = make_controller(auth, vault=folder)
    login = controller.window
    assert isinstance(login, LoginWindow)
    qtbot.mouseClick(login.forgot_button, Qt.MouseButton.LeftButton)
    dialog = login.recover_dialog
    assert dialog is not None
    dialog.key.setText(key)
    dialog.admin_name.setText(ADMIN[0])
    qtbot.keyClicks(dialog.fields.new, PASSWORD)
    qtbot.keyClicks(dialog.fields.confirm, PASSWORD)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert "Log in with the new password" in login.message.text()
    main = log_in(qtbot, controller, ADMIN[0], PASSWORD)
    assert main.session.user.name == ADMIN[0]


def test_demo_vault_is_created_and_its_users_fill_the_form(
        qtbot: QtBot, auth: Authenticator, make_controller: Make) -> None:
    controller = make_controller(auth)
    start = controller.window
    assert isinstance(start, StartWindow)
    qtbot.mouseClick(start.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginWindow), timeout=20_000)
    login = controller.window
    assert isinstance(login, LoginWindow) and login.demo_table is not None
    assert login.demo_table.rowCount() == len(DEMO_USERS)
    rep = next(i for i, u in enumerate(DEMO_USERS) if u.name == "rep")
    login.demo_table.cellClicked.emit(rep, 0)
    assert login.user_name.text() == "rep"
    assert login.password.text() == DEMO_USERS[rep].password
    qtbot.mouseClick(login.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow), timeout=10_000)
    assert isinstance(controller.window, MainWindow)
    assert list(controller.window.pages) == ["customers", "today", "contracts", "receivables",
                                             "account"]


def test_open_a_folder_that_is_not_a_vault_says_so(
        auth: Authenticator, make_controller: Make, tmp_path: Path) -> None:
    controller = make_controller(auth)
    start = controller.window
    assert isinstance(start, StartWindow)
    start.open_folder(str(tmp_path))
    assert "is not a Strongroom vault" in start.message.text()
    assert controller.window is start


def test_opening_an_existing_vault_goes_to_its_login(
        auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    controller = make_controller(auth)
    start = controller.window
    assert isinstance(start, StartWindow)
    start.open_folder(str(vault_path))
    assert isinstance(controller.window, LoginWindow)
    assert controller.window.vault_path == str(vault_path)
    assert USERS  # the template vault has the other roles' users too
