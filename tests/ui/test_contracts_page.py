"""The Contracts page: drafting through the dialog (items, an even split, live totals and the
schedule check), the list and its row-level scope, and the views of contracts awaiting the
user's approval."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem
from pytestqt.qtbot import QtBot

from core.contracts.model import ContractFilter, Instalment
from core.contracts.workflow import ContractState
from core.customers.model import CustomerDraft, CustomerKind
from core.roles import Role
from core.session import Session
from tests.core.contract_support import drive, make_world, small_terms
from tests.ui.contracts_ui_support import contracts_page
from ui.contracts.customer_picker import ChooseCustomerDialog
from ui.contracts.draft_dialog import DraftDialog
from ui.contracts.list_model import AWAITING, EXPIRING_30, EXPIRING_60, ContractListModel
from ui.contracts.terms_tables import AMOUNT, DISCOUNT, PRICE, PRODUCT, QUANTITY, TAX

Login = Callable[[Role], Session]


def type_row(editor: object, row: int, values: dict[int, str]) -> None:
    table = editor.table  # type: ignore[attr-defined]
    for column, text in values.items():
        table.setItem(row, column, QTableWidgetItem(text))


def test_a_rep_drafts_a_contract_with_an_even_split_and_it_is_listed_with_its_total(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    page = contracts_page(qtbot, w.rep)
    assert page.model.rowCount() == 0
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    picker = page.dialog
    assert isinstance(picker, ChooseCustomerDialog) and picker.isVisible()
    picker.search.setText("明珠贸易")
    qtbot.waitUntil(lambda: picker.results.count() == 1)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    draft = page.dialog
    assert isinstance(draft, DraftDialog) and draft.customer_id == w.customer_id
    qtbot.waitUntil(lambda: draft.version.count() > 0)  # templates read on a worker

    draft.title.setText("设备采购合同")
    type_row(draft.items, 0, {PRODUCT: "服务器", QUANTITY: "2", PRICE: "1,000", TAX: "13"})
    draft.items.add_row()
    type_row(draft.items, 1, {PRODUCT: "安装调试", QUANTITY: "1", PRICE: "500",
                              DISCOUNT: "10", TAX: "13"})
    # 2,000 + 260 tax; 450 + 58.50 tax (13 % of the discounted net): core's rounding per line.
    assert "Total 2,768.50 CNY" in draft.totals_label.text()
    assert not draft.schedule_ok  # no schedule yet

    split = draft.split_evenly()
    assert split is not None
    split.count.setValue(3)
    split.accept()
    rows = draft.schedule.table.rowCount()
    amounts = [draft.schedule.table.item(r, AMOUNT).text() for r in range(rows)]
    assert amounts == ["922.84", "922.83", "922.83"]
    assert draft.schedule_ok and "sum to the total" in draft.schedule_state.text()
    # A typo breaks the sum, and the dialog says so while typing.
    draft.schedule.table.item(2, AMOUNT).setText("900.00")
    assert not draft.schedule_ok and "add up to" in draft.schedule_state.text()
    draft.schedule.table.item(2, AMOUNT).setText("922.83")
    assert draft.schedule_ok

    qtbot.mouseClick(draft.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: draft.saved is not None)
    saved = draft.saved
    assert saved is not None and saved.gross == Decimal("2768.50")
    assert [i.discount for i in saved.items] == [Decimal(0), Decimal("0.1")]  # percent → fraction
    assert saved.items[0].tax_rate == Decimal("0.13")
    qtbot.waitUntil(lambda: saved.number in page.model.numbers())
    row = page.model.row_of(saved.id)
    assert row is not None
    texts = [page.model.index(row, c).data() for c in range(6)]
    assert texts[:4] == [saved.number, "上海明珠贸易有限公司", "设备采购合同", "Draft"]
    assert texts[4] == "2,768.50 CNY"
    assert saved.id in page.windows.dialogs  # the new contract's detail opened


def test_core_refusals_are_shown_beside_the_part_of_the_form_they_are_about(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    page = contracts_page(qtbot, w.rep)
    draft = page.draft_for(w.customer_id, "上海明珠贸易有限公司")
    type_row(draft.items, 0, {PRODUCT: "服务器", QUANTITY: "abc", PRICE: "100"})
    assert "Line 1" in draft.items_problems.text()
    draft._submit()
    assert draft.saved is None and "Line 1" in draft.message.text()  # nothing sent to core

    type_row(draft.items, 0, {QUANTITY: "1e30", PRICE: "1e30"})  # absurd: no crash, a word
    assert "too large" in draft.totals_label.text()
    type_row(draft.items, 0, {QUANTITY: "1", PRICE: "100.001"})  # more decimals than CNY has
    draft._submit()
    qtbot.waitUntil(lambda: not draft.busy.active)
    assert draft.saved is None and "decimals" in draft.items_problems.text()

    type_row(draft.items, 0, {PRICE: "100"})
    draft.schedule.add_row(["2030-01-10", "60", "a"])
    draft.schedule.add_row(["2030-01-01", "40", "b"])  # out of order: core's own rule
    assert "due before instalment 1" in draft.schedule_state.text()
    draft._submit()
    qtbot.waitUntil(lambda: not draft.busy.active)
    assert draft.saved is None
    assert "due before instalment 1" in draft.schedule_state.text()
    assert draft.tabs.currentIndex() == 2


def test_a_rep_sees_only_the_contracts_of_customers_they_may_see(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    mine = w.rep.contracts.draft(w.rep.user, w.customer_id, small_terms(title="我的合同"))
    other_rep = w.admin.accounts.add_user(w.admin.user, "Li Lei", Role.SALES_REP,
                                          "another rep pass phrase 7", must_change=False)
    other_customer = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="Rival Secret Holdings"), owner_id=other_rep.id)
    theirs = w.admin.contracts.draft(w.admin.user, other_customer.id,
                                     small_terms(title="Secret deal"))
    rep_page = contracts_page(qtbot, w.rep)
    assert rep_page.model.numbers() == [mine.number]
    # Not by searching for it either.
    rep_page.search.setText(theirs.number)
    rep_page.apply_filter()
    qtbot.waitUntil(lambda: not rep_page.model.loading)
    assert rep_page.model.numbers() == []

    finance_page = contracts_page(qtbot, w.finance)
    assert set(finance_page.model.numbers()) == {mine.number, theirs.number}
    finance_page.state.setCurrentIndex(finance_page.state.findData("in_review"))
    qtbot.waitUntil(lambda: not finance_page.model.loading)
    assert finance_page.model.numbers() == []
    assert w.rep.contracts.page(w.rep.user, ContractFilter()) != []


def test_the_manager_finds_a_submitted_contract_under_awaiting_my_approval(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    draft_only = drive(w, ContractState.DRAFT)
    submitted = drive(w, ContractState.IN_REVIEW)
    manager = contracts_page(qtbot, w.manager)
    manager.show_view(AWAITING)
    qtbot.waitUntil(lambda: not manager.model.loading and manager.model.mode == AWAITING)
    numbers = manager.model.numbers()
    assert numbers == [w.rep.contracts.get(w.rep.user, submitted).number]
    assert w.rep.contracts.get(w.rep.user, draft_only).number not in numbers
    assert not manager.search.isEnabled()  # the view is core's list, not a filter
    # Enter on the row opens its detail.
    manager.view.setFocus()
    manager.view.selectRow(0)
    qtbot.keyClick(manager.view, Qt.Key.Key_Return)
    assert submitted in manager.windows.dialogs

    rep = contracts_page(qtbot, w.rep)
    assert rep.show_combo.findData(AWAITING) == -1  # a rep approves nothing


def test_expiring_views_list_running_contracts_ending_within_30_or_60_days(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    today = date.today()

    def running(days_left: int, title: str) -> str:
        terms = small_terms(
            title=title, contract_date=today - timedelta(days=200),
            start_date=today - timedelta(days=200), end_date=today + timedelta(days=days_left),
            instalments=(Instalment(today - timedelta(days=100), Decimal("2260.00"), "全款"),))
        cid = drive(w, ContractState.ACTIVE, terms)
        return w.rep.contracts.get(w.rep.user, cid).number

    soon, later = running(20, "快到期"), running(45, "稍后到期")
    running(200, "还早")
    page = contracts_page(qtbot, w.rep)
    page.show_view(EXPIRING_30)
    qtbot.waitUntil(lambda: page.model.mode == EXPIRING_30 and not page.model.loading)
    assert page.model.numbers() == [soon]
    page.show_view(EXPIRING_60)
    qtbot.waitUntil(lambda: page.model.mode == EXPIRING_60 and not page.model.loading)
    assert page.model.numbers() == [soon, later]  # soonest first


def test_the_list_reads_by_key_a_page_at_a_time(qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    for n in range(5):
        w.rep.contracts.draft(w.rep.user, w.customer_id, small_terms(title=f"合同 {n}"))
    model = ContractListModel(w.rep)  # no view: the test asks for more, as scrolling would
    model.PAGE = 2
    model.reload()
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() == 2)
    assert model.canFetchMore()
    model.fetchMore()
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() == 4)
    model.fetchMore()
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() == 5)
    assert not model.canFetchMore()
    titles = [model.index(r, 2).data() for r in range(5)]
    assert titles == [f"合同 {n}" for n in (4, 3, 2, 1, 0)]  # newest first, no repeats
