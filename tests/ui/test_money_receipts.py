"""Recording receipts through the dialog as finance does: oldest-first allocation shows up on
the Receivables page and in the customer's Payments tab; a by-hand allocation over the amount,
a float-looking or garbage amount and a missing reference are refused in the dialog; a
duplicate receipt shows core's message and is not stored twice; a reversal needs a reason."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.money.model import PaymentMethod
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world
from tests.core.money_support import draft, receivables_of, signed
from tests.ui.money_ui_support import (
    CUSTOMER_NAME,
    fill_receipt,
    open_balances,
    payments_tab,
    receivables_page,
)
from ui.money.receipt_dialog import ReceiptDialog


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def test_finance_records_a_receipt_oldest_first_and_page_and_tab_follow(
        qtbot: QtBot, w: World) -> None:
    cid = signed(w)
    page = receivables_page(qtbot, w.finance)
    assert open_balances(page) == ["1,130.00 CNY", "1,130.00 CNY"]
    assert page.record_button is not None and page.record_button.isVisible()
    dialog = page.record_receipt()
    assert dialog is not None
    assert not dialog.ok_button.isEnabled()  # nothing chosen or typed yet
    fill_receipt(qtbot, dialog, w.customer_id, "1,500.00")
    assert dialog.oldest_first.isChecked() and dialog.table.rowCount() == 2
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "was recorded" in page.message.text(), timeout=5000)
    assert "1,500.00 CNY" in page.message.text()
    # The first instalment is paid (it leaves the open list), the second has 760.00 open.
    qtbot.waitUntil(lambda: open_balances(page) == ["760.00 CNY"], timeout=5000)
    assert [r.open for r in receivables_of(w.finance, cid)] == [Decimal("0.00"),
                                                                Decimal("760.00")]

    tab = payments_tab(qtbot, w.finance, w.customer_id)
    assert tab.balances.cells() == [("CNY", "2,260.00", "1,500.00", "760.00", "0.00",
                                     "0.00")]
    assert [c[4] for c in tab.open_items.cells()] == ["760.00 CNY"]
    [receipt_row] = tab.receipts.cells()
    assert receipt_row[1:5] == ("1,500.00 CNY", "Bank transfer", "BOC-2026-0001",
                                CUSTOMER_NAME)
    assert tab.record_button.isVisible() and not tab.reverse_button.isEnabled()

    # Reversal: only with a reason; then the money is open again.
    tab.receipt_view.selectRow(0)
    assert tab.reverse_button.isEnabled()
    reverse = tab.reverse_selected()
    assert reverse is not None and not reverse.ok_button.isEnabled()
    reverse.reason.setText("   ")
    assert not reverse.ok_button.isEnabled()
    reverse.reason.setText("录错了客户")
    qtbot.mouseClick(reverse.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.balances.cells()[0][3] == "2,260.00", timeout=5000)
    assert tab.receipts.cells()[0][7] == "Reversed: 录错了客户"
    qtbot.waitUntil(lambda: open_balances(page) == ["1,130.00 CNY", "1,130.00 CNY"])


def test_by_hand_allocation_over_the_amount_is_refused_in_the_dialog(
        qtbot: QtBot, w: World) -> None:
    cid = signed(w)
    ids = [r.id for r in receivables_of(w.finance, cid)]
    dialog = ReceiptDialog(w.finance)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_receipt(qtbot, dialog, w.customer_id, "100.00")
    dialog.by_hand.setChecked(True)
    assert not dialog.table.isColumnHidden(3)
    dialog.set_allocation(1, "150.00")
    assert not dialog.ok_button.isEnabled()
    assert "exceed the amount received (100.00 CNY)" in dialog.message.text()
    dialog.submit()  # refused before core is asked
    assert dialog.saved is None
    dialog.set_allocation(1, "2,000.00")
    assert "only 1,130.00 CNY is open" in dialog.message.text()
    dialog.set_allocation(1, "80.00")
    assert dialog.ok_button.isEnabled()
    assert "20.00 CNY stays as the customer's credit" in dialog.summary.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=5000)
    receipt = dialog.saved
    assert [(a.receivable_id, a.amount) for a in receipt.allocations] == [
        (ids[1], Decimal("80.00"))]
    assert receipt.unallocated == Decimal("20.00")


@pytest.mark.parametrize(("typed", "expected"), [
    ("12.5e3", "plain number"), ("abc", "plain number"), ("-5", "plain number"),
    ("100.005", "more decimals than CNY allows"), ("0", "more than zero")])
def test_garbage_and_float_amounts_are_refused_with_a_message(
        qtbot: QtBot, w: World, typed: str, expected: str) -> None:
    signed(w)
    dialog = ReceiptDialog(w.finance, (w.customer_id, CUSTOMER_NAME))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.loading and bool(dialog.instalments))
    dialog.reference.setText("REF-1")
    dialog.amount.setText(typed)
    assert not dialog.ok_button.isEnabled()
    assert expected in dialog.message.text()
    dialog.amount.setText("１,２００.５０")  # full-width digits are folded, not refused
    assert dialog.receipt_amount() == Decimal("1200.50")
    assert dialog.ok_button.isEnabled()
    # Only cash comes without a reference.
    dialog.reference.clear()
    assert not dialog.ok_button.isEnabled() and "reference" in dialog.message.text()
    dialog.method.setCurrentIndex(dialog.method.findData(PaymentMethod.CASH.value))
    assert dialog.ok_button.isEnabled()
    assert dialog.method.currentText() == "Cash"
    # Never dated in the future.
    assert dialog.received_on.maximumDate() == dialog.received_on.date()


def test_a_duplicate_receipt_shows_cores_message(qtbot: QtBot, w: World) -> None:
    signed(w)
    fin = w.finance
    first = fin.money.record_receipt(fin.user, w.customer_id,
                                     draft("300.00", reference="BOC 2026/0042",
                                           received_on=fin.money.today()))
    dialog = ReceiptDialog(fin)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_receipt(qtbot, dialog, w.customer_id, "300.00", reference="boc-2026-0042")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "already recorded" in dialog.message.text(), timeout=5000)
    assert f"receipt #{first.id}" in dialog.message.text()
    assert dialog.saved is None and dialog.isVisible() and dialog.ok_button.isEnabled()
    assert [r.id for r in fin.money.receipts(fin.user, w.customer_id)] == [first.id]


def test_a_receipt_from_a_stranger_is_recorded_with_a_warning(qtbot: QtBot, w: World) -> None:
    signed(w)
    page = receivables_page(qtbot, w.finance)
    dialog = page.record_receipt()
    assert dialog is not None
    fill_receipt(qtbot, dialog, w.customer_id, "100.00", payer="张三个人账户")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "was recorded" in page.message.text(), timeout=5000)
    assert "unlike the customer" in page.message.text()
    assert page.message.property("kind") == "warning"
    assert [s.code for s in dialog.warnings] == ["payer_unlike_customer"]
