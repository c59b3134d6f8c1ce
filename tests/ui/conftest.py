"""UI fixtures: an application controller with its settings in a temporary file, helpers that
drive the login window like a person, and a teardown that leaves no worker running."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings, QStandardPaths, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from ui.controller import LAST_VAULT_KEY, AppController
from ui.login_window import LoginWindow
from ui.main_window import MainWindow
from ui.pages.users import UsersPage
from ui.worker import wait_for_workers

Make = Callable[..., AppController]


@pytest.fixture(autouse=True)
def _quiet_app(qapp: QApplication) -> Iterator[None]:
    QStandardPaths.setTestModeEnabled(True)
    # Tests open and close many windows without an event loop of their own.
    qapp.setQuitOnLastWindowClosed(False)
    yield
    assert wait_for_workers(10_000), "a worker was still running at the end of the test"
    for widget in QApplication.topLevelWidgets():
        if shiboken6.isValid(widget) and widget.isVisible():
            widget.close()
    wait_for_workers(10_000)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_controller(qtbot: QtBot, settings: QSettings, tmp_path: Path) -> Iterator[Make]:
    made: list[AppController] = []

    def make(auth: Authenticator, vault: Path | None = None,
             idle_ms: int | None = 600_000) -> AppController:
        if vault is not None:
            settings.setValue(LAST_VAULT_KEY, str(vault))
        controller = AppController(auth, settings, demo_path=str(tmp_path / "demo-vault"),
                                   idle_ms=idle_ms)
        controller.start()
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.shutdown()
    wait_for_workers()


def type_login(qtbot: QtBot, window: LoginWindow, name: str, password: str) -> None:
    window.user_name.clear()
    window.user_name.setText(name)
    window.password.clear()
    qtbot.keyClicks(window.password, password)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)


def log_in(qtbot: QtBot, controller: AppController, name: str, password: str) -> MainWindow:
    """Log in through the login window and return the main window it opens."""
    window = controller.window
    assert isinstance(window, LoginWindow)
    type_login(qtbot, window, name, password)
    qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow), timeout=10_000)
    main = controller.window
    assert isinstance(main, MainWindow)
    return main


def yes_button(question: QMessageBox) -> QAbstractButton:
    """The confirming button of a question asked with ui.widgets.ask."""
    return next(b for b in question.buttons() if b.objectName() == "yes")


def select_user(qtbot: QtBot, main: MainWindow, name: str) -> UsersPage:
    """The Users page of `main` once it lists `name`, with that user selected."""
    page = main.pages["users"]
    assert isinstance(page, UsersPage)
    qtbot.waitUntil(lambda: name in page.model.names())
    page.select(name)
    return page
