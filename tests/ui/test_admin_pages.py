"""Administration pages (policies, recovery key, password reset) and the window's life cycle:
shortcuts, activity keeping the vault open, closing, a damaged vault."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.roles import Role
from tests.conftest import ADMIN, USERS
from tests.ui.conftest import Make, log_in, select_user, type_login, yes_button
from ui.login_window import LoginWindow
from ui.pages.policies import PoliciesPage
from ui.pages.recovery import RecoveryPage
from ui.secret_dialog import SecretDialog


def test_policies_are_saved_and_the_idle_time_follows(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    main = log_in(qtbot, make_controller(auth, vault=vault_path, idle_ms=None), *ADMIN)
    assert main.idle.idle_ms == 10 * 60_000
    page = main.pages["policies"]
    assert isinstance(page, PoliciesPage)
    page.idle_minutes.setValue(5)
    page.history.setValue(8)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text() == "Policies saved.")
    policy = main.session.policies.get()
    assert (policy.idle_minutes, policy.password_history) == (5, 8)
    qtbot.waitUntil(lambda: main.idle.idle_ms == 5 * 60_000)
    assert main.lock_status.text() in ("Locks in 5:00", "Locks in 4:59")


def test_regenerating_the_recovery_key_shows_the_new_key_once(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    main = log_in(qtbot, make_controller(auth, vault=vault_path), *ADMIN)
    page = main.pages["recovery"]
    assert isinstance(page, RecoveryPage)
    qtbot.mouseClick(page.regenerate_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(yes_button(page.question), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.key_dialog is not None, timeout=10_000)
    dialog = page.key_dialog
    assert isinstance(dialog, SecretDialog) and dialog.confirm_box is not None
    key = dialog.secret_edit.text()
    dialog.confirm_box.setChecked(True)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    main.logout_action.trigger()  # the new key works: it recovers the administrator
    auth.recover(vault_path, key, ADMIN[0], "a brand new admin phrase 5")


def test_reset_password_shows_the_temporary_password(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    main = log_in(qtbot, make_controller(auth, vault=vault_path), *ADMIN)
    rep = USERS[Role.SALES_REP][0]
    page = select_user(qtbot, main, rep)
    qtbot.mouseClick(page.reset_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(yes_button(page.question), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(page, "secret_dialog", None) is not None, timeout=5000)
    temporary = page.secret_dialog.secret_edit.text()
    assert len(temporary) >= 12
    page.secret_dialog.accept()
    other = auth.login(vault_path, rep, temporary)
    assert other.user.must_change_password
    other.close()


def test_ctrl_l_locks_and_input_keeps_the_vault_open(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    main = log_in(qtbot, make_controller(auth, vault=vault_path, idle_ms=900), *ADMIN)
    main.activateWindow()
    for _ in range(8):  # ~1.6 s of typing, longer than the idle time
        qtbot.keyClick(main.nav, Qt.Key.Key_Down)
        qtbot.wait(200)
    assert not main.locked
    main.idle_ms_override = 600_000
    main.idle.set_idle_ms(600_000)
    qtbot.keyClick(main.nav, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main.locked, timeout=2000)
    assert main.pages == {}


def test_closing_the_main_window_closes_the_session_and_checkpoints(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    main = log_in(qtbot, make_controller(auth, vault=vault_path), *ADMIN)
    session = main.session
    main.close()
    assert session.locked
    wal = [p for p in vault_path.glob("*-wal") if p.stat().st_size > 0]
    assert wal == []


def test_a_damaged_vault_is_reported_plainly(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    controller = make_controller(auth, vault=vault_path)
    slots = vault_path / "keyslots.json"
    slots.write_bytes(slots.read_bytes()[:-40] + b"garbage")
    login = controller.window
    assert isinstance(login, LoginWindow)
    type_login(qtbot, login, *ADMIN)
    qtbot.waitUntil(lambda: login.message.isVisible() and not login.busy.active)
    assert "damaged or has been tampered with" in login.message.text()
    assert "Traceback" not in login.message.text()
    assert controller.window is login
