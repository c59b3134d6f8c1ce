"""Customers for the customer UI tests: two reps with their own customers, made through the
service before the window opens, and helpers that drive the Customers page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.customers.model import Contact, CustomerDraft, CustomerKind, CustomerStatus
from core.roles import Role
from tests.conftest import ADMIN, USERS
from ui.controller import AppController
from ui.customers.page import CustomersPage
from ui.login_window import LoginWindow
from ui.main_window import MainWindow

REP = USERS[Role.SALES_REP]
OTHER_REP = ("Li Lei", "another rep pass phrase 7")
NATIONAL_ID = "11010519491231002X"
MOBILE = "13812345678"
MASKED_MOBILE = "138****5678"
MASKED_ID = "110***********002X"

REP_CUSTOMERS = {
    "王芳": CustomerDraft(
        kind=CustomerKind.INDIVIDUAL, name="王芳", status=CustomerStatus.ACTIVE,
        phones=("13900001111",), city="上海", email="wangfang@example.cn",
        sensitive={"personal_mobile": MOBILE, "national_id": NATIONAL_ID}),
    "Acme Trading Co": CustomerDraft(
        kind=CustomerKind.COMPANY, name="Acme Trading Co", status=CustomerStatus.PROSPECT,
        phones=("021-62345678",), city="北京", credit_code="91310000MA1FL1234Q",
        contacts=(Contact(name="Zhou Min", title="Buyer", phone="13700002222"),)),
    "Blue Harbour Logistics": CustomerDraft(
        kind=CustomerKind.COMPANY, name="Blue Harbour Logistics", city="深圳"),
    "陈静": CustomerDraft(kind=CustomerKind.INDIVIDUAL, name="陈静", city="上海",
                        status=CustomerStatus.LEAD),
    "Nordic Paper Ltd": CustomerDraft(kind=CustomerKind.COMPANY, name="Nordic Paper Ltd",
                                      city="广州", status=CustomerStatus.INACTIVE),
}
OTHER_CUSTOMERS = {
    "Rival Secret Holdings": CustomerDraft(kind=CustomerKind.COMPANY,
                                           name="Rival Secret Holdings", city="上海"),
    "王芳华": CustomerDraft(kind=CustomerKind.INDIVIDUAL, name="王芳华", city="上海"),
}


@dataclass(frozen=True)
class Seeded:
    ids: dict[str, int]  # every customer's id by name


def seed(auth: Authenticator, vault: Path) -> Seeded:
    """A second rep, five customers of 王芳 (the fixtures' rep) and two of the other rep."""
    admin = auth.login(vault, *ADMIN)
    admin.accounts.add_user(admin.user, OTHER_REP[0], Role.SALES_REP, OTHER_REP[1],
                            must_change=False)
    admin.close()
    ids: dict[str, int] = {}
    for user, customers in ((REP, REP_CUSTOMERS), (OTHER_REP, OTHER_CUSTOMERS)):
        session = auth.login(vault, *user)
        for name, draft in customers.items():
            ids[name] = session.customers.create(session.user, draft).id
        session.close()
    return Seeded(ids)


def log_in_as(qtbot: QtBot, controller: AppController, user: tuple[str, str]) -> MainWindow:
    """Log in through the login window. The text is set rather than typed: QtTest's key
    clicks cannot type Chinese (the rep's name and password are)."""
    window = controller.window
    assert isinstance(window, LoginWindow)
    window.user_name.setText(user[0])
    window.password.setText(user[1])
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow), timeout=10_000)
    main = controller.window
    assert isinstance(main, MainWindow)
    return main


def customers_page(qtbot: QtBot, main: MainWindow, rows: int | None = None) -> CustomersPage:
    page = main.pages["customers"]
    assert isinstance(page, CustomersPage)
    main.show_page("customers")
    if rows is not None:
        qtbot.waitUntil(lambda: page.model.rowCount() == rows and not page.model.loading,
                        timeout=5000)
    return page


def names(page: CustomersPage) -> list[str]:
    return [page.model.summary(r).name for r in range(page.model.rowCount())]


def search(qtbot: QtBot, page: CustomersPage, text: str) -> list[str]:
    """Type into the search box and wait for the debounced search (ASCII is typed key by key;
    QtTest cannot type Chinese, so that is inserted as an input method would)."""
    page.search.clear()
    if text.isascii():
        qtbot.keyClicks(page.search, text)
    else:
        for ch in text:
            page.search.insert(ch)
    qtbot.waitUntil(lambda: page.model.query == text.strip() and not page.model.loading,
                    timeout=5000)
    return names(page)


def visible_texts() -> list[str]:
    """Every piece of text any live widget holds, including the rows of item views."""
    found: list[str] = []
    for widget in QApplication.allWidgets():
        found.append(widget.windowTitle())
        found.append(widget.toolTip())
        if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
            found.append(widget.text())
        if isinstance(widget, QLineEdit):
            found.append(widget.placeholderText())
        if isinstance(widget, QPlainTextEdit | QTextEdit):
            found.append(widget.toPlainText())
        if isinstance(widget, QComboBox):
            found.extend(widget.itemText(i) for i in range(widget.count()))
            found.append(widget.currentText())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model, root = widget.model(), widget.rootIndex()
            # A list model (a completer's, a combo box's) hides columnCount from Python.
            columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(root)
            for row in range(model.rowCount(root)):
                for column in range(columns):
                    found.append(str(model.index(row, column, root).data() or ""))
    return found


def find_child(parent: QWidget, kind: type, name: str) -> QWidget:
    child = parent.findChild(kind, name)
    assert child is not None, f"no {kind.__name__} named {name!r}"
    return child
