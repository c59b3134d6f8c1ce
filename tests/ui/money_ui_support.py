"""Helpers for the money UI tests: the Receivables page, a customer's Payments tab and the
receipt dialog of a session of the contract test world (tests/core/contract_support.py),
waited for until loaded."""

from __future__ import annotations

from decimal import Decimal

from pytestqt.qtbot import QtBot

from core.session import Session
from ui.bus import BusBridge
from ui.customers.detail import CustomerDialog
from ui.money.customer_choice import CustomerChoice
from ui.money.payments_tab import PaymentsTab
from ui.money.receipt_dialog import ReceiptDialog
from ui.money.receivables_model import OPEN
from ui.money.receivables_page import ReceivablesPage

CUSTOMER_NAME = "上海明珠贸易有限公司"


def receivables_page(qtbot: QtBot, session: Session) -> ReceivablesPage:
    bridge = BusBridge(session.bus)
    page = ReceivablesPage(session, bridge)
    bridge.setParent(page)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    qtbot.waitUntil(lambda: not page.model.loading and not page.ageing.loading)
    return page


def open_balances(page: ReceivablesPage) -> list[str]:
    return [cells[OPEN] for cells in page.model.cells()]


def payments_tab(qtbot: QtBot, session: Session, customer_id: int) -> PaymentsTab:
    bridge = BusBridge(session.bus)
    dialog = CustomerDialog(session, bridge, customer_id)
    bridge.setParent(dialog)
    qtbot.addWidget(dialog)
    dialog.show()
    tab = dialog.payments
    assert tab is not None
    dialog.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.account is not None and not tab.loading)
    return tab


def choose_customer(qtbot: QtBot, choice: CustomerChoice, text: str, customer_id: int) -> None:
    choice.search.setText(text)
    choice.search_now()
    qtbot.waitUntil(lambda: choice.customer_id() == customer_id)


def fill_receipt(qtbot: QtBot, dialog: ReceiptDialog, customer_id: int, amount: str,
                 reference: str = "BOC-2026-0001", payer: str = CUSTOMER_NAME) -> None:
    choose_customer(qtbot, dialog.customer, "明珠贸易", customer_id)
    qtbot.waitUntil(lambda: not dialog.loading and bool(dialog.instalments))
    dialog.amount.setText(amount)
    dialog.reference.setText(reference)
    dialog.payer.setText(payer)


def number(text: str) -> Decimal:
    return Decimal(text.split()[0].replace(",", ""))
