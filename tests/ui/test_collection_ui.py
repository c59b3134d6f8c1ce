"""Collection as people use it: the Receivables page's Collection tab lists the overdue
instalments (looked at on a later day: the contract's instalments fall due in 2030), a rep adds
a collection note about both instalments with a promise to pay (a malformed amount and core's
refusals are shown in the dialog, nothing is stored), the list then shows the note and the
promise and the customer's timeline holds the note; the manager finds the long-overdue
instalment in their escalated list, and more of them once the administrator shortens the
escalation setting on the Policies page; the Today page counts what there is to chase; an
auditor reads the lists but cannot add a note; locking wipes what was shown."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.audit import AuditFilter
from core.auth import Authenticator
from core.customers.interactions import MAX_SUMMARY
from core.customers.model import CustomerDraft, CustomerKind
from core.roles import Permission, Role
from core.session import Session
from tests.conftest import MovableClock
from tests.core.contract_support import World, make_world
from tests.core.money_support import receivables_of, signed
from tests.ui.conftest import Make
from tests.ui.customers_support import REP, log_in_as
from tests.ui.money_ui_support import CUSTOMER_NAME, receivables_page
from ui.bus import BusBridge
from ui.customers.detail import CustomerDialog
from ui.customers.today import TodayPage
from ui.money.collection_list_model import (
    CUSTOMER,
    DAYS_OVERDUE,
    DUE_SOON,
    ESCALATED,
    ESCALATED_ON,
    LAST_NOTE,
    OPEN,
    OVERDUE,
    PROMISED,
)
from ui.money.collection_note_dialog import CollectionNoteDialog
from ui.money.collection_view import CollectionView
from ui.money.receivables_page import ReceivablesPage
from ui.pages.policies import PoliciesPage
from ui.worker import wait_for_workers

FIRST_DUE, SECOND_DUE = date(2030, 1, 10), date(2030, 2, 10)
AS_OF = date(2030, 3, 1)  # first instalment 50 days overdue (escalated after 30), second 19


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def collection_tab(qtbot: QtBot, session: Session, as_of: date | None = AS_OF,
                   ) -> tuple[ReceivablesPage, CollectionView]:
    page = receivables_page(qtbot, session)
    view = page.collection
    page.tabs.setCurrentWidget(view)  # read when first shown
    view.set_as_of(as_of)
    qtbot.waitUntil(lambda: not view.model.loading)
    return page, view


def days_overdue(view: CollectionView) -> list[str]:
    return [cells[DAYS_OVERDUE] for cells in view.model.cells()]


def test_a_rep_notes_a_promise_and_the_list_and_the_timeline_show_it(
        qtbot: QtBot, w: World, clock: MovableClock) -> None:
    contract = signed(w)
    clock.set_day(AS_OF)  # escalations are recorded as of today only
    first, second = receivables_of(w.rep, contract)
    page, view = collection_tab(qtbot, w.rep)
    assert days_overdue(view) == ["50", "19"]
    assert [c[CUSTOMER] for c in view.model.cells()] == [CUSTOMER_NAME] * 2
    assert view.model.cells()[0][OPEN] == "1,130.00 CNY"
    # Listing them escalated the first (over 30 days overdue) to the manager.
    assert view.model.cells()[0][ESCALATED_ON] and not view.model.cells()[1][ESCALATED_ON]

    view.select_rows(0, 1)
    qtbot.keyClick(view.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = view.dialog
    assert isinstance(dialog, CollectionNoteDialog) and dialog.isVisible()
    assert dialog.chosen_ids() == [first.id, second.id]
    dialog.summary.setPlainText("电话催款：财务说下周五付首付款")
    dialog.promise.setChecked(True)
    promise = AS_OF + timedelta(days=10)
    dialog.promised_on.setDate(dialog.promised_on.date().addDays(3))  # offered: a week on
    for bad, said in (("12 元", "plain number"), ("1,130.005", "more decimals"),
                      ("0", "more than zero")):
        dialog.promised_amount.setText(bad)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert said in dialog.message.text() and dialog.isVisible()
    # Core's own refusal is shown in the dialog too.
    dialog.promised_amount.setText("１,１３０.00")  # full-width digits are read as digits
    dialog.summary.setPlainText("长" * (MAX_SUMMARY + 1))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "too long" in dialog.message.text())
    assert dialog.isVisible() and w.rep.collection.notes(w.rep.user, w.customer_id) == []

    dialog.summary.setPlainText("电话催款：财务说下周五付首付款")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.saved is not None)
    note = dialog.saved
    assert note is not None and note.receivable_ids == (first.id, second.id)
    assert (note.promised_on, str(note.promised_amount)) == (promise, "1130.00")
    assert "saved" in view.message.text()
    # The list re-reads itself (the change is published) and shows the note and promise.
    qtbot.waitUntil(lambda: [c[PROMISED] for c in view.model.cells()]
                    == [promise.isoformat()] * 2)
    assert all(c[LAST_NOTE] for c in view.model.cells())

    # Enter opens the customer, whose timeline holds the note.
    view.view.setFocus()
    view.view.setCurrentIndex(view.model.index(0, 0))
    qtbot.keyClick(view.view, Qt.Key.Key_Return)
    customer = view.windows.dialogs.get(w.customer_id)
    assert isinstance(customer, CustomerDialog)
    qtbot.waitUntil(lambda: customer.timeline.rowCount() == 1)
    assert customer.timeline.interaction(0).summary == "电话催款：财务说下周五付首付款"

    page.wipe()  # locking: nothing of the list stays
    assert view.model.rowCount() == 0 and view.dialog is None


def test_a_note_is_about_one_customer(qtbot: QtBot, w: World) -> None:
    signed(w)
    other = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="北京第二家公司"), owner_id=w.rep.user.id)
    signed(dataclasses.replace(w, customer_id=other.id))
    _page, view = collection_tab(qtbot, w.finance)
    rows = view.model.rows()
    assert len(rows) == 4
    view.select_rows()
    assert view.note_button is not None and not view.note_button.isEnabled()
    assert view.add_note() is None and "Choose" in view.message.text()
    mixed = [i for i, r in enumerate(rows) if r.customer_id == other.id][:1] + [
        i for i, r in enumerate(rows) if r.customer_id == w.customer_id][:1]
    view.select_rows(*mixed)
    assert not view.note_button.isEnabled() and view.hint.isVisible()
    assert view.add_note() is None and view.dialog is None
    theirs = [i for i, r in enumerate(rows) if r.customer_id == other.id]
    view.select_rows(*theirs)
    assert view.note_button.isEnabled() and view.hint.isHidden()
    dialog = view.add_note()
    assert dialog is not None and "北京第二家公司" in dialog.windowTitle()
    assert dialog.chosen_ids() == sorted(rows[i].id for i in theirs)
    # Leaving every instalment out leaves nothing to save.
    for i in range(dialog.instalment_list.count()):
        dialog.instalment_list.item(i).setCheckState(Qt.CheckState.Unchecked)
    dialog.summary.setPlainText("催款")
    assert not dialog.ok_button.isEnabled()
    dialog.reject()


def test_the_manager_sees_the_escalated_instalments_and_the_setting_moves_the_line(
        qtbot: QtBot, w: World, clock: MovableClock) -> None:
    contract = signed(w)
    clock.set_day(AS_OF)
    first, second = receivables_of(w.manager, contract)
    page, view = collection_tab(qtbot, w.manager)
    view.show_view(ESCALATED)
    qtbot.waitUntil(lambda: not view.model.loading)
    assert [r.id for r in view.model.rows()] == [first.id]
    assert not view.within.isEnabled()

    # The administrator escalates after 10 days instead of 30, on the Policies page.
    bridge = BusBridge(w.admin.bus)
    policies = PoliciesPage(w.admin, bridge)
    bridge.setParent(policies)
    qtbot.addWidget(policies)
    assert policies.escalate_after.value() == 30
    policies.escalate_after.setValue(10)
    qtbot.mouseClick(policies.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: policies.message.text() == "Policies saved.")
    assert w.admin.collection.escalate_after() == 10
    (entry,) = w.admin.audit.page(w.admin.user,
                                  AuditFilter(action="collection.setting_changed"))
    assert entry.details == {"before": 30, "after": 10}

    qtbot.keyClick(page, Qt.Key.Key_F5)  # refresh: the second is 19 days overdue now
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows()] == [first.id, second.id])
    assert all(c[ESCALATED_ON] for c in view.model.cells())

    # Due within the next days, on a day before the first falls due.
    view.set_as_of(FIRST_DUE - timedelta(days=3))
    view.show_view(DUE_SOON, 7)
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == 1)
    assert view.within.isEnabled() and days_overdue(view) == [""]
    view.within.setValue(40)
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == 2)


def test_an_auditor_reads_the_lists_but_adds_no_note(qtbot: QtBot, w: World) -> None:
    signed(w)
    page, view = collection_tab(qtbot, w.auditor)
    assert days_overdue(view) == ["50", "19"]
    assert view.note_button is None
    view.select_rows(0)
    assert view.add_note() is None
    qtbot.keyClick(view.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert view.dialog is None and page.dialog is None


def test_finance_ctrl_n_on_the_collection_tab_adds_a_note_not_a_receipt(
        qtbot: QtBot, w: World) -> None:
    signed(w)
    page, view = collection_tab(qtbot, w.finance)
    view.select_rows(1)
    qtbot.keyClick(view.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(view.dialog, CollectionNoteDialog) and page.dialog is None
    view.dialog.reject()


def test_the_today_page_counts_what_there_is_to_chase(qtbot: QtBot, w: World,
                                                     clock: MovableClock) -> None:
    contract = signed(w)
    _first, second = receivables_of(w.rep, contract)
    bridge = BusBridge(w.rep.bus)
    page = TodayPage(w.rep, bridge)
    bridge.setParent(page)
    qtbot.addWidget(page)
    payments = page.payments
    payments.as_of = FIRST_DUE - timedelta(days=3)
    page.show()  # showing reads
    qtbot.waitUntil(lambda: payments.reads >= 1 and payments.isVisible())
    assert payments.line.text() == "Payments: 1 due within 7 days"

    clock.set_day(AS_OF)
    w.rep.collection.add_note(w.rep.user, w.customer_id, [second.id], "call", "承诺今天付款",
                              promised_on=AS_OF)
    payments.as_of = AS_OF
    reads = payments.reads
    payments.reload()
    qtbot.waitUntil(lambda: payments.reads > reads)
    assert payments.line.text() == (
        "Payments: 2 overdue, 1 escalated to a manager, 1 with a promise to pay due")

    page.wipe()
    assert payments.isHidden() and payments.line.text() == ""


def test_the_line_leads_to_the_collection_tab_and_hides_when_nothing_is_due(
        qtbot: QtBot, w: World, auth: Authenticator, vault_path: Path,
        make_controller: Make) -> None:
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    main.show_page("today")
    today = main.pages["today"]
    assert isinstance(today, TodayPage)
    payments = today.payments
    qtbot.waitUntil(lambda: payments.reads >= 1)
    assert payments.isHidden()  # nothing signed yet

    signed(w)  # published on another session's bus: this one re-reads when shown
    payments.as_of = AS_OF
    payments.reload()
    qtbot.waitUntil(lambda: payments.isVisible())
    qtbot.mouseClick(payments.open_button, Qt.MouseButton.LeftButton)
    assert main.current_page_key() == "receivables"
    page = main.pages["receivables"]
    assert isinstance(page, ReceivablesPage)
    assert page.tabs.currentWidget() is page.collection
    assert page.collection.mode.currentData() == OVERDUE


def test_no_line_for_someone_who_may_not_see_receivables(
        qtbot: QtBot, w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    signed(w)
    rep = w.rep
    real = rep.can
    monkeypatch.setattr(rep, "can", lambda p: p != Permission.RECEIVABLE_READ and real(p))
    bridge = BusBridge(rep.bus)
    page = TodayPage(rep, bridge)
    bridge.setParent(page)
    qtbot.addWidget(page)
    page.payments.as_of = AS_OF  # there would be something to chase
    page.show()
    wait_for_workers()
    assert page.payments.reads == 0 and page.payments.isHidden()
