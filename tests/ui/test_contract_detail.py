"""A contract's detail: header and tabs, editing a clause (flagged non-standard, its difference
coloured) and resetting it, editing the terms through the drafting dialog, the life-cycle
buttons offered per state and role, and the lock wiping every open contract window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QTextBrowser
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.contracts.workflow import ContractState
from core.roles import Role
from core.session import Session
from tests.conftest import USERS
from tests.core.contract_support import drive, make_world, small_terms
from tests.ui.conftest import Make, yes_button
from tests.ui.contracts_ui_support import contracts_page, open_detail, reloaded
from tests.ui.customers_support import log_in_as
from ui.bus import BusBridge
from ui.contracts import detail_data as d
from ui.contracts.clauses_tab import DELETE_STYLE, INSERT_STYLE
from ui.contracts.detail import APPROVALS, CLAUSES
from ui.contracts.draft_dialog import DraftDialog
from ui.contracts.page import ContractsPage
from ui.contracts.terms_tables import PRICE, PRODUCT, QUANTITY
from ui.customers.detail import CustomerDialog

Login = Callable[[Role], Session]


def visible_buttons(dialog: object) -> set[str]:
    return {k for k, b in dialog.workflow.buttons.items()  # type: ignore[attr-defined]
            if not b.isHidden()}


def test_the_detail_shows_header_terms_risk_and_history(qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.DRAFT)
    page = contracts_page(qtbot, w.rep)
    dialog = open_detail(qtbot, page, cid)
    number = dialog.snapshot.contract.number  # type: ignore[union-attr]
    assert number in dialog.title.text() and "年度维护合同" in dialog.title.text()
    assert "上海明珠贸易有限公司" in dialog.subtitle.text()
    assert "Draft" in dialog.subtitle.text() and "total 2,260.00 CNY" in dialog.subtitle.text()
    assert dialog.risk_badge.text().endswith("risk")
    terms = dialog.terms.text()
    assert "服务器维护服务" in terms and "2030-01-10" in terms and "1,130.00 CNY" in terms
    assert "13" in terms and "卖方负责送货至买方仓库" in terms
    risk = dialog.risk.text()
    assert "preview" in risk and "new customer" in risk.lower()
    assert dialog.history.model.texts() == ["Drafted"]
    assert not dialog.edit_button.isHidden()
    assert visible_buttons(dialog) == {d.SUBMIT}
    assert dialog.approvals.approve_button.isHidden()  # a rep approves nothing


def test_editing_a_clause_flags_it_and_shows_the_difference_in_colour(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.DRAFT)
    page = contracts_page(qtbot, w.rep)
    dialog = open_detail(qtbot, page, cid)
    dialog.tabs.setCurrentIndex(CLAUSES)
    clauses = dialog.clauses
    first = dialog.snapshot.contract.clauses[0]  # type: ignore[union-attr]
    clauses.select(first.position)
    assert "non-standard" not in clauses.list.currentItem().text()
    assert not clauses.reset_button.isEnabled()

    editor = clauses.edit_clause()
    assert editor is not None and editor.text.toPlainText() == first.text
    changed = first.text[:10] + "<b>加急</b>" + first.text[14:]  # markup stays text
    editor.text.setPlainText(changed)
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    reloaded(qtbot, dialog, revision=2)
    clauses.select(first.position)
    assert "non-standard" in clauses.list.currentItem().text()
    html = clauses.diff_view.toHtml()
    assert "&lt;b&gt;加急&lt;/b&gt;" in html  # escaped, never rendered as markup
    assert clauses.diff_view.toPlainText().count("<b>加急</b>") == 1
    assert "#c8f0c8" in html and "#f6c6c6" in html  # insertion green, deletion red
    assert INSERT_STYLE and DELETE_STYLE
    assert "differs from the standard clause" in clauses.heading.text()
    clauses.unified.setChecked(True)
    assert clauses.diff_view.toPlainText().startswith("--- standard")

    assert clauses.reset_button.isEnabled()
    qtbot.mouseClick(clauses.reset_button, Qt.MouseButton.LeftButton)
    reloaded(qtbot, dialog, revision=3)
    clauses.select(first.position)
    assert "non-standard" not in clauses.list.currentItem().text()
    assert "standard wording" in clauses.heading.text()


def test_edit_reopens_the_drafting_dialog_with_the_terms_and_saves_a_new_revision(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.DRAFT)
    page = contracts_page(qtbot, w.rep)
    dialog = open_detail(qtbot, page, cid)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.draft_dialog is not None)  # a button's shortcut animates
    editor = dialog.draft_dialog
    assert editor is not None and editor.isVisible()
    assert editor.items.table.item(0, QUANTITY).text() == "2"
    assert editor.schedule_ok
    editor.items.table.item(0, QUANTITY).setText("3")  # total 3,390: schedule no longer sums
    assert not editor.schedule_ok
    split = editor.split_evenly()
    assert split is not None
    split.accept()
    assert editor.schedule_ok
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    reloaded(qtbot, dialog, revision=2)
    assert "total 3,390.00 CNY" in dialog.subtitle.text()

    # Someone else saved meanwhile: the stale form is refused, not silently overwritten.
    stale = dialog._open_draft()
    assert stale is not None
    w.rep.contracts.update(w.rep.user, cid, stale.terms()[0])
    stale._submit()
    qtbot.waitUntil(lambda: not stale.busy.active)
    assert stale.saved is None and "changed this contract" in stale.message.text()


def test_buttons_follow_the_state_and_the_role(qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    signed = drive(w, ContractState.SIGNED)
    rep_page = contracts_page(qtbot, w.rep)
    dialog = open_detail(qtbot, rep_page, signed)
    assert visible_buttons(dialog) == {d.ACTIVATE, d.TERMINATE, d.AMEND, d.RENEW}
    assert dialog.edit_button.isHidden() and dialog.clauses.edit_button.isHidden()
    qtbot.mouseClick(dialog.workflow.buttons[d.ACTIVATE], Qt.MouseButton.LeftButton)
    reloaded(qtbot, dialog, state="active")
    assert visible_buttons(dialog) == {d.COMPLETE, d.TERMINATE, d.AMEND, d.RENEW}

    reason = dialog.workflow.terminate()
    assert reason is not None and not reason.ok_button.isEnabled()  # a reason is required
    reason.reason.setPlainText("客户违约")
    qtbot.mouseClick(reason.ok_button, Qt.MouseButton.LeftButton)
    reloaded(qtbot, dialog, state="terminated")
    assert visible_buttons(dialog) == set()
    assert dialog.history.model.texts()[-1] == "Terminated"

    auditor_page = contracts_page(qtbot, w.auditor)  # reads everything, changes nothing
    seen = open_detail(qtbot, auditor_page, signed)
    assert visible_buttons(seen) == set() and seen.edit_button.isHidden()
    assert auditor_page.new_button is None


def test_locking_wipes_every_open_contract_window(
        qtbot: QtBot, login: Login, auth: Authenticator, vault_path: Path,
        make_controller: Make) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.IN_REVIEW)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), USERS[Role.SALES_MANAGER])
    page = main.pages["contracts"]
    assert isinstance(page, ContractsPage)
    main.show_page("contracts")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    dialog = open_detail(qtbot, page, cid)
    dialog.tabs.setCurrentIndex(APPROVALS)
    approve = dialog.approvals.decide(False)
    assert approve is not None
    approve.password.setText("half typed")
    number = dialog.snapshot.contract.number  # type: ignore[union-attr]
    main.lock("manual")
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
    assert not shiboken6.isValid(approve) or (not approve.isVisible()
                                              and approve.password.text() == "")
    for widget in QApplication.allWidgets():
        if isinstance(widget, QLabel | QTextBrowser) and widget.isVisible():
            text = widget.toPlainText() if isinstance(widget, QTextBrowser) else widget.text()
            assert number not in text


def test_the_customer_detail_drafts_a_contract_for_that_customer(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    bridge = BusBridge(w.rep.bus)
    customer = CustomerDialog(w.rep, bridge, w.customer_id)
    bridge.setParent(customer)
    qtbot.addWidget(customer)
    customer.show()
    qtbot.waitUntil(lambda: customer.view is not None)
    assert not customer.contract_button.isHidden()
    draft = customer.new_contract()
    assert isinstance(draft, DraftDialog) and draft.customer_id == w.customer_id
    qtbot.waitUntil(lambda: draft.version.count() > 0)
    draft.items.table.item(0, PRODUCT).setText("咨询服务")
    draft.items.table.item(0, QUANTITY).setText("1")
    draft.items.table.item(0, PRICE).setText("800")
    qtbot.mouseClick(draft.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: draft.saved is not None)
    saved = draft.saved
    assert saved is not None and saved.customer_id == w.customer_id
    assert saved.number in customer.message.text()

    auditor = CustomerDialog(w.auditor, bridge, w.customer_id)
    qtbot.addWidget(auditor)
    qtbot.waitUntil(lambda: auditor.view is not None)
    assert auditor.contract_button.isHidden() and auditor.new_contract() is None


def test_amending_a_signed_contract_opens_the_new_linked_draft(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    signed = drive(w, ContractState.SIGNED)
    page = contracts_page(qtbot, w.rep)
    dialog = open_detail(qtbot, page, signed)
    question = dialog.workflow.amend()
    assert question is not None
    qtbot.mouseClick(yes_button(question), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.windows.dialogs) == 2)
    new_id = next(cid for cid in page.windows.dialogs if cid != signed)
    amendment = open_detail(qtbot, page, new_id)
    original = dialog.snapshot.contract.number  # type: ignore[union-attr]
    assert amendment.snapshot.contract.number == f"{original}-V2"  # type: ignore[union-attr]
    assert "amendment, version 2" in amendment.subtitle.text()
    assert "Draft" in amendment.subtitle.text()
    assert w.rep.contracts.get(w.rep.user, signed).state == "signed"  # the original stays


def test_a_clause_of_the_parties_own_is_added_as_non_standard(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.DRAFT)
    page = contracts_page(qtbot, w.rep)
    dialog = open_detail(qtbot, page, cid)
    count = dialog.clauses.list.count()
    adder = dialog.clauses.add_clause()
    assert adder is not None
    adder.title.setText("特别约定")
    adder.text.setPlainText("买方可提前三十日书面通知解除本合同。")
    qtbot.mouseClick(adder.ok_button, Qt.MouseButton.LeftButton)
    reloaded(qtbot, dialog, revision=2)
    assert dialog.clauses.list.count() == count + 1
    last = dialog.clauses.list.item(count)
    assert "特别约定" in last.text() and "non-standard" in last.text()
    dialog.clauses.list.setCurrentRow(count)
    assert "no standard wording" in dialog.clauses.heading.text()
    assert not dialog.clauses.reset_button.isEnabled()


def test_text_typed_by_people_is_shown_as_written_never_as_markup(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    title = "<b>粗体</b><img src='file:///etc/passwd'>"
    cid = drive(w, ContractState.DRAFT, small_terms(title=title, delivery_terms="<i>送货</i>"))
    page = contracts_page(qtbot, w.rep)
    dialog = open_detail(qtbot, page, cid)
    assert title in dialog.title.text()
    assert dialog.title.textFormat() == Qt.TextFormat.PlainText
    shown = dialog.terms.text()
    assert title in shown and "<i>送货</i>" in shown  # escaped in the HTML view
