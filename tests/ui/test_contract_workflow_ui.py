"""The approval workflow through the UI: submitting, approving with the password typed again (on
a worker), a wrong password refused with the state unchanged and then throttled, the author
never offered an enabled Approve (and refused by core when forcing it), rejecting only with a
comment."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.contracts.workflow import ContractState
from core.roles import Role
from core.session import Session
from tests.core.contract_support import drive, make_world, small_terms
from tests.ui.contracts_ui_support import contracts_page, open_detail, reloaded
from ui.contracts import detail_data as d
from ui.contracts.list_model import AWAITING

Login = Callable[[Role], Session]


def state_of(session: Session, cid: int) -> str:
    return session.contracts.get(session.user, cid).state


def test_submit_then_the_manager_approves_with_the_password_and_a_wrong_one_changes_nothing(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.DRAFT)
    rep_page = contracts_page(qtbot, w.rep)
    mine = open_detail(qtbot, rep_page, cid)
    qtbot.mouseClick(mine.workflow.buttons[d.SUBMIT], Qt.MouseButton.LeftButton)
    reloaded(qtbot, mine, state="in_review")
    assert "Submitted for review." in mine.message.text()
    assert mine.edit_button.isVisible()  # editing withdraws it, after a question
    assert "assessed when the contract was submitted" in mine.risk.text().lower()

    page = contracts_page(qtbot, w.manager)
    page.show_view(AWAITING)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    dialog = open_detail(qtbot, page, cid)
    tab = dialog.approvals
    assert tab.approve_button.isEnabled() and tab.reject_button.isEnabled()
    assert "yours to decide" in tab.hint.text()

    approve = tab.decide(False)
    assert approve is not None and not approve.ok_button.isEnabled()  # no password yet
    qtbot.keyClicks(approve.password, "not my password")
    qtbot.mouseClick(approve.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not approve.busy.active)
    assert "Wrong password" in approve.message.text() and approve.isVisible()
    assert approve.password.text() == ""
    assert state_of(w.admin, cid) == "in_review"
    assert w.admin.contracts.approval_progress(w.admin.user, cid).approved == ()

    approve.password.setText(w.password(w.manager))
    approve.comment.setPlainText("价格合理")
    qtbot.mouseClick(approve.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: approve.saved is not None)
    progress = w.admin.contracts.approval_progress(w.admin.user, cid)
    assert [e.actor_name for e in progress.approved] == ["Mei Manager"]
    # The risk (new customer, no business licence on file) asks finance too: still in review.
    reloaded(qtbot, dialog, state="in_review")
    qtbot.waitUntil(lambda: "approved by Mei Manager" in tab.view.toPlainText())
    assert "价格合理" in tab.view.toPlainText()
    assert not tab.approve_button.isEnabled()  # one step per person
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)  # no longer awaiting the manager

    finance = contracts_page(qtbot, w.finance)
    finance.show_view(AWAITING)
    qtbot.waitUntil(lambda: finance.model.rowCount() == 1)
    last = open_detail(qtbot, finance, cid).approvals.decide(False)
    assert last is not None
    last.password.setText(w.password(w.finance))
    qtbot.mouseClick(last.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: last.saved is not None)
    assert state_of(w.admin, cid) == "approved"


def test_repeated_wrong_passwords_are_throttled_with_the_time_to_wait(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.IN_REVIEW)
    page = contracts_page(qtbot, w.manager)
    approve = open_detail(qtbot, page, cid).approvals.decide(False)
    assert approve is not None
    for _ in range(3):
        approve.password.setText("guess")
        approve._submit()
        qtbot.waitUntil(lambda: not approve.busy.active)
    approve.password.setText(w.password(w.manager))
    approve._submit()
    qtbot.waitUntil(lambda: not approve.busy.active)
    assert "Try again in" in approve.message.text()
    assert not approve.ok_button.isEnabled()
    assert state_of(w.admin, cid) == "in_review"


def test_the_author_gets_no_enabled_approve_and_core_refuses_when_forced(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    # The manager drafts for the rep's customer (their team) and submits it.
    cid = w.manager.contracts.draft(w.manager.user, w.customer_id, small_terms()).id
    w.manager.contracts.submit(w.manager.user, cid)
    page = contracts_page(qtbot, w.manager)
    dialog = open_detail(qtbot, page, cid)
    tab = dialog.approvals
    assert not tab.approve_button.isHidden() and not tab.approve_button.isEnabled()
    assert not tab.reject_button.isEnabled()
    assert "You wrote this contract" in tab.hint.text()

    forced = tab.decide(False)
    assert forced is not None
    forced.password.setText(w.password(w.manager))
    forced._submit()
    qtbot.waitUntil(lambda: not forced.busy.active)
    assert forced.saved is None
    assert "permission to approve a contract you wrote" in forced.message.text()
    assert state_of(w.admin, cid) == "in_review"
    assert w.admin.contracts.approval_progress(w.admin.user, cid).approved == ()


def test_rejecting_needs_a_comment_and_sends_it_back(qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.IN_REVIEW)
    page = contracts_page(qtbot, w.manager)
    dialog = open_detail(qtbot, page, cid)
    reject = dialog.approvals.decide(True)
    assert reject is not None
    reject.password.setText(w.password(w.manager))
    assert not reject.ok_button.isEnabled()  # no comment, no reject
    reject._submit()  # forced: core refuses too
    qtbot.waitUntil(lambda: not reject.busy.active)
    assert reject.saved is None and "comment is required" in reject.message.text()
    assert state_of(w.admin, cid) == "in_review"

    reject.password.setText(w.password(w.manager))
    reject.comment.setPlainText("折扣过高，请重新报价")
    assert reject.ok_button.isEnabled()
    qtbot.mouseClick(reject.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reject.saved is not None)
    reloaded(qtbot, dialog, state="rejected")
    assert "折扣过高" in dialog.approvals.view.toPlainText()
    assert dialog.history.model.texts()[-1].startswith("Rejected")

    rep_page = contracts_page(qtbot, w.rep)
    mine = open_detail(qtbot, rep_page, cid)
    assert mine.edit_button.isVisible()  # the author may edit it (back to draft)
    assert mine.workflow.buttons[d.SUBMIT].isHidden()  # but not resubmit it unchanged
