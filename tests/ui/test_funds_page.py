"""The Fund approvals page as people use it: a finance user asks for a write-off through the
dialog (amounts checked as typed, never above what is open), never sees Approve on their own
request and can withdraw it; a second finance user approves it with their password typed again
(a wrong one is refused and changes nothing) and the page refreshes by itself; above the
threshold two approvers are needed; a refund names a receipt with money left and the account
it is paid to; sales reps and auditors get no page at all; locking wipes what was shown."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.customers.collected import as_draft
from core.customers.model import BANK_ACCOUNT
from core.money.funds_model import FundDraft, FundKind, FundState
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world
from tests.core.money_support import draft, receivables_of, signed
from tests.ui.money_ui_support import CUSTOMER_NAME, choose_customer
from ui.bus import BusBridge
from ui.money.fund_decision_dialog import FundDecisionDialog
from ui.money.fund_request_dialog import FundRequestDialog
from ui.money.funds_model import APPROVALS, CUSTOMER, REQUESTER, STATE, WARNINGS
from ui.money.funds_page import FundsPage
from ui.pages import allowed_pages
from ui.widgets import MessageLabel

NEW_ACCOUNT = "6217 0000 9999 4242"
SECOND = ("Fiona Second", "second finance pass phrase 7")
WRITE_OFF_REASON = "客户破产，无法收回"


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


@pytest.fixture
def second(w: World, auth: Authenticator, vault_path: Path) -> Iterator[Session]:
    """Another finance user: an approver who did not ask."""
    w.admin.accounts.add_user(w.admin.user, SECOND[0], Role.FINANCE, SECOND[1],
                              must_change=False)
    session = auth.login(vault_path, *SECOND)
    yield session
    session.close()


def funds_page(qtbot: QtBot, session: Session) -> FundsPage:
    bridge = BusBridge(session.bus)
    page = FundsPage(session, bridge)
    bridge.setParent(page)
    qtbot.addWidget(page)
    page.resize(1100, 650)
    page.show()
    qtbot.waitUntil(lambda: not page.loading)
    return page


def ids(page: FundsPage, key: str) -> list[int]:
    model = page.models[key]
    return [row.request.id for i in range(model.rowCount()) if (row := model.row_at(i))]


def request_write_off(qtbot: QtBot, page: FundsPage, customer_id: int,
                      amount: str) -> FundRequestDialog:
    dialog = page.new_request()
    assert dialog is not None
    assert dialog.chosen_kind() == FundKind.WRITE_OFF
    choose_customer(qtbot, dialog.customer, "明珠贸易", customer_id)
    qtbot.waitUntil(lambda: not dialog.loading and bool(dialog.targets))
    dialog.amount.setText(amount)
    dialog.reason.setPlainText(WRITE_OFF_REASON)
    return dialog


def submit(qtbot: QtBot, dialog: FundRequestDialog) -> None:
    assert dialog.ok_button.isEnabled(), dialog.message.text()
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.saved is not None)


def decide(qtbot: QtBot, page: FundsPage, request_id: int, password: str,
           comment: str = "同意", reject: bool = False) -> FundDecisionDialog:
    assert page.select(request_id, "awaiting")
    dialog = page.decide(reject)
    assert dialog is not None
    dialog.password.setText(password)
    dialog.comment.setPlainText(comment)
    dialog.ok_button.click()
    # Accepted, the dialog deletes itself.
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.busy.active)
    return dialog


def shown(message: MessageLabel) -> str:
    return message.text() if not message.isHidden() else ""


def test_finance_requests_a_write_off_and_a_colleague_approves_it(
        qtbot: QtBot, w: World, second: Session) -> None:
    cid = signed(w)
    first = receivables_of(w.finance, cid)[0]
    page = funds_page(qtbot, w.finance)
    dialog = request_write_off(qtbot, page, w.customer_id, "1,130.01")
    # Checked as typed: never more than the instalment's open balance, never a float.
    assert not dialog.ok_button.isEnabled()
    assert "1,130.00 CNY" in dialog.message.text() and "1,130.00 CNY" in dialog.available.text()
    for bad in ("abc", "-5", "1e3", "0", "1.001"):
        dialog.amount.setText(bad)
        assert not dialog.ok_button.isEnabled(), bad
    dialog.amount.setText("100.00")
    dialog.reason.setPlainText("  ")
    assert not dialog.ok_button.isEnabled()
    dialog.reason.setPlainText(WRITE_OFF_REASON)
    assert "colleague" in dialog.approvals.text()
    submit(qtbot, dialog)
    request = dialog.saved
    assert request is not None and request.amount == Decimal("100.00")
    assert (request.kind, request.receivable_id) == (FundKind.WRITE_OFF, first.id)
    # The page refreshes from the change bus.
    qtbot.waitUntil(lambda: ids(page, "pending") == [request.id])
    assert ids(page, "awaiting") == []  # their own request never awaits them
    assert page.select(request.id, "pending")
    cells = page.models["pending"].cells()[0]
    assert (cells[CUSTOMER], cells[REQUESTER], cells[APPROVALS]) == (
        CUSTOMER_NAME, w.finance.user.name, "0 of 1")
    assert page.approve_button is not None and page.reject_button is not None
    assert page.approve_button.isHidden() and page.reject_button.isHidden()
    assert page.decide(False) is None and page.decide(True) is None
    assert not page.cancel_button.isHidden()  # but they may withdraw it
    assert "客户破产" in page.details.text()  # core folds the full-width comma

    approver = funds_page(qtbot, second)
    assert ids(approver, "awaiting") == [request.id]
    assert approver.select(request.id, "awaiting")
    assert not approver.approve_button.isHidden() and approver.approve_button.isEnabled()
    assert approver.cancel_button.isHidden()  # not theirs to withdraw
    wrong = decide(qtbot, approver, request.id, "not my password at all")
    assert wrong.isVisible() and wrong.saved is None
    assert "Wrong password" in shown(wrong.message) and wrong.password.text() == ""
    assert w.admin.funds.get(w.admin.user, request.id).state == FundState.PENDING
    assert receivables_of(w.finance, cid)[0].written_off == 0
    wrong.password.setText(SECOND[1])
    wrong.ok_button.click()
    qtbot.waitUntil(lambda: wrong.saved is not None)
    assert wrong.saved.state == FundState.APPROVED
    assert "approved" in shown(approver.message)
    qtbot.waitUntil(lambda: ids(approver, "decided") == [request.id])
    assert ids(approver, "awaiting") == [] and ids(approver, "pending") == []
    assert approver.models["decided"].cells()[0][STATE] == "Approved"
    after = receivables_of(w.finance, cid)[0]
    assert (after.written_off, after.open) == (Decimal("100.00"), first.open - 100)
    page.refresh()
    qtbot.waitUntil(lambda: ids(page, "decided") == [request.id])
    assert page.select(request.id, "decided") and page.cancel_button.isHidden()
    assert SECOND[0] in page.details.text()


def test_rejecting_needs_a_comment_and_the_requester_may_withdraw(
        qtbot: QtBot, w: World, second: Session) -> None:
    cid = signed(w)
    rows = receivables_of(w.finance, cid)
    asked = [w.finance.funds.request(w.finance.user, FundDraft(
        FundKind.DISCOUNT, w.customer_id, Decimal("50.00"), "补偿折扣",
        receivable_id=r.id)) for r in rows]
    approver = funds_page(qtbot, second)
    assert ids(approver, "awaiting") == [asked[1].id, asked[0].id]  # newest first
    approver.select(asked[0].id, "awaiting")
    dialog = approver.decide(True)
    assert dialog is not None
    dialog.password.setText(SECOND[1])
    assert not dialog.ok_button.isEnabled()  # a rejection says why
    dialog.comment.setPlainText("没有依据")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.saved is not None)
    assert dialog.saved.state == FundState.REJECTED
    qtbot.waitUntil(lambda: ids(approver, "awaiting") == [asked[1].id])

    page = funds_page(qtbot, w.finance)
    assert page.select(asked[1].id, "pending")
    page.cancel_request()
    box = next(b for b in page.findChildren(object) if type(b).__name__ == "QMessageBox")
    next(b for b in box.buttons() if b.objectName() == "yes").click()
    qtbot.waitUntil(lambda: w.finance.funds.get(w.finance.user, asked[1].id).state
                    == FundState.CANCELLED)
    qtbot.waitUntil(lambda: ids(page, "pending") == [])
    assert all(r.written_off == 0 for r in receivables_of(w.finance, cid))


def test_above_the_threshold_two_approvers_neither_the_requester(
        qtbot: QtBot, w: World, second: Session) -> None:
    w.admin.funds.set_threshold(w.admin.user, Decimal("500"))
    cid = signed(w)
    rid = receivables_of(w.finance, cid)[0].id
    page = funds_page(qtbot, w.manager)
    assert page.approve_button is None and "awaiting" not in page.models  # managers ask only
    dialog = request_write_off(qtbot, page, w.customer_id, "600.00")
    assert "two colleagues" in dialog.approvals.text()
    submit(qtbot, dialog)
    request = dialog.saved
    assert request is not None and request.approvals_needed == 2

    first = funds_page(qtbot, second)
    decide(qtbot, first, request.id, SECOND[1])
    qtbot.waitUntil(lambda: ids(first, "awaiting") == [])
    assert "needs 1 more" in shown(first.message)
    assert first.select(request.id, "pending")
    assert first.approve_button.isHidden()  # nobody approves twice
    assert first.models["pending"].cells()[0][APPROVALS] == "1 of 2"
    assert receivables_of(w.finance, cid)[0].written_off == 0

    admin = funds_page(qtbot, w.admin)
    decide(qtbot, admin, request.id, w.password(w.admin))
    qtbot.waitUntil(lambda: ids(admin, "decided") == [request.id])
    stored = w.admin.funds.get(w.admin.user, request.id)
    assert stored.state == FundState.APPROVED and len(set(stored.approvers)) == 2
    assert receivables_of(w.finance, cid)[0].written_off == Decimal("600.00")
    assert rid == stored.receivable_id


def _set_account(w: World, account: str) -> None:
    admin = w.admin
    view = admin.customers.get(admin.user, w.customer_id)
    base = as_draft(view.customer)
    admin.customers.update(admin.user, w.customer_id, dataclasses.replace(
        base, sensitive={**base.sensitive, BANK_ACCOUNT: account}), view.version)


def test_a_refund_names_a_receipt_with_money_left_and_the_approver_sees_the_warnings(
        qtbot: QtBot, w: World) -> None:
    signed(w)
    fin = w.finance
    receipt = fin.money.record_receipt(fin.user, w.customer_id, draft("2500.00"))
    _set_account(w, "6222 0210 0000 1111")
    _set_account(w, NEW_ACCOUNT)  # changed just before the refund asks to pay it there
    page = funds_page(qtbot, w.manager)
    dialog = page.new_request((w.customer_id, CUSTOMER_NAME))
    assert dialog is not None
    dialog.kind.setCurrentIndex(dialog.kind.findData(FundKind.REFUND))
    qtbot.waitUntil(lambda: not dialog.loading and bool(dialog.targets))
    assert [t.id for t in dialog.targets] == [receipt.id]
    assert "240.00 CNY" in dialog.available.text()
    dialog.amount.setText("240.01")
    dialog.reason.setPlainText("多付退回")
    assert not dialog.ok_button.isEnabled()
    dialog.amount.setText("240.00")
    assert not dialog.ok_button.isEnabled()  # where the money goes is required
    dialog.destination.setText(NEW_ACCOUNT)
    submit(qtbot, dialog)
    saved = dialog.saved
    assert saved is not None and (saved.kind, saved.receipt_id, saved.destination) == (
        FundKind.REFUND, receipt.id, NEW_ACCOUNT)
    qtbot.waitUntil(lambda: ids(page, "pending") == [saved.id])
    assert page.select(saved.id, "pending") and NEW_ACCOUNT in page.details.text()

    approver = funds_page(qtbot, fin)
    assert approver.models["awaiting"].cells()[0][WARNINGS] != ""
    assert approver.select(saved.id, "awaiting") and "****4242" in approver.details.text()
    decision = approver.decide(False)
    assert decision is not None
    qtbot.waitUntil(lambda: not decision.warnings_loading)
    shown_warnings = shown(decision.warnings)
    assert "****4242" in shown_warnings and "****1111" in shown_warnings
    assert "6222" not in shown_warnings  # accounts by their last four digits only
    # A warning, not a block: the approver still decides.
    decision.password.setText(w.password(fin))
    decision.ok_button.click()
    qtbot.waitUntil(lambda: decision.saved is not None)
    assert decision.saved.state == FundState.APPROVED
    assert fin.funds.refundable(fin.user, receipt.id) == 0


def test_only_those_who_ask_or_approve_get_the_page_and_locking_wipes_it(
        qtbot: QtBot, w: World) -> None:
    def keys(session: Session) -> set[str]:
        return {p.key for p in allowed_pages(session)}

    assert "funds" not in keys(w.rep) and "funds" not in keys(w.auditor)
    assert {"funds"} <= keys(w.finance) & keys(w.manager) & keys(w.admin)
    cid = signed(w)
    rid = receivables_of(w.finance, cid)[0].id
    request = w.manager.funds.request(w.manager.user, FundDraft(
        FundKind.PROVISION, w.customer_id, Decimal("10.00"), "坏账准备", receivable_id=rid))
    (spec,) = [p for p in allowed_pages(w.finance) if p.key == "funds"]
    bridge = BusBridge(w.finance.bus)
    page = spec.factory(w.finance, bridge)  # the registered page, built as the window does
    assert isinstance(page, FundsPage)
    bridge.setParent(page)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: not page.loading)
    assert ids(page, "awaiting") == [request.id]
    (new,) = [a for a in page.actions()
              if a.shortcut() == QKeySequence(QKeySequence.StandardKey.New)]
    new.trigger()
    assert isinstance(page.dialog, FundRequestDialog) and page.dialog.isVisible()
    page.dialog.reject()
    page.select(request.id, "awaiting")
    dialog = page.decide(False)
    assert dialog is not None and "坏账准备" in dialog.details.text()
    dialog.password.setText("typed half")
    page.wipe()
    assert all(m.rowCount() == 0 for m in page.models.values())
    assert page.details.text() == "" and dialog.password.text() == ""
    assert not dialog.isVisible()
