"""The credit hold in the approval dialog: a contract over the customer's available credit
says so to every approver, and the last approver must give an override reason before Approve
is enabled; the reason reaches core, which records it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.audit import AuditFilter
from core.contracts.workflow import ContractState
from core.roles import Role
from core.session import Session
from tests.core.contract_support import drive, make_world
from tests.ui.contracts_ui_support import contracts_page, open_detail

Login = Callable[[Role], Session]


def test_the_last_approver_gives_a_reason_to_release_a_held_contract(
        qtbot: QtBot, login: Login) -> None:
    w = make_world(login)
    limit = w.manager.credit.set_limit(w.manager.user, w.customer_id, Decimal("1000"), "授信")
    w.finance.credit.approve_limit(w.finance.user, limit.id, w.password(w.finance), "ok")
    cid = drive(w, ContractState.IN_REVIEW)
    by_step = {"manager": w.manager, "finance": w.finance, "administrator": w.admin}
    while True:
        progress = w.admin.contracts.approval_progress(w.admin.user, cid)
        approver = by_step[progress.next_step]
        last = len(progress.steps) - len(progress.approved) == 1
        page = contracts_page(qtbot, approver)
        dialog = open_detail(qtbot, page, cid)
        approve = dialog.approvals.decide(False)
        assert approve is not None
        qtbot.waitUntil(lambda a=approve: not a.hold_loading)
        assert "Credit hold" in approve.hold_message.text()
        assert "1,260.00" in approve.hold_message.text()
        approve.password.setText(w.password(approver))
        assert approve.override.isVisible() == last
        if not last:
            qtbot.mouseClick(approve.ok_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda a=approve: a.saved is not None)
            continue
        assert not approve.ok_button.isEnabled()  # no reason yet
        approve.override.setPlainText("客户承诺月底付清")
        assert approve.ok_button.isEnabled()
        qtbot.mouseClick(approve.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda a=approve: a.saved is not None)
        assert approve.saved.state == ContractState.APPROVED.value
        break
    entry = w.admin.audit.page(w.admin.user, AuditFilter(action="contract.approved"))[0]
    assert entry.details["credit_override_reason"] == "客户承诺月底付清"
