"""The credit hold: a contract over the customer's available credit is held when it is entered
(the risk says so and the strictest chain applies), and its last approval releases it only
with a reason for the override, from someone who may manage credit; the reason is sealed in
the audit trail with the figures it overrode. A covered contract, or a customer without a
limit, is not held."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from core.audit import AuditFilter
from core.contracts.credit_hold import OverrideReasonNeeded
from core.contracts.risk import ReasonCode, RiskLevel
from core.contracts.workflow import ContractState
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, drive, make_world


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def _limit(w: World, amount: str) -> None:
    limit = w.manager.credit.set_limit(w.manager.user, w.customer_id, Decimal(amount), "授信")
    w.finance.credit.approve_limit(w.finance.user, limit.id, w.password(w.finance), "ok")


def _approve_until_last(w: World, cid: int) -> Session:
    """Every step but the last approved; returns whoever takes the last one."""
    by_step = {"manager": w.manager, "finance": w.finance, "administrator": w.admin}
    while True:
        progress = w.admin.contracts.approval_progress(w.admin.user, cid)
        approver = by_step[progress.next_step]
        if len(progress.steps) - len(progress.approved) == 1:
            return approver
        approver.contracts.approve(approver.user, cid, w.password(approver), "ok")


def test_a_contract_over_available_credit_is_held_until_an_override_with_a_reason(
        w: World) -> None:
    _limit(w, "1000")  # the contract is 2,260.00
    cid = drive(w, ContractState.DRAFT)
    hold = w.rep.contracts.credit_hold(w.rep.user, cid)
    assert hold is not None and hold.over_by == Decimal("1260.00")
    assert "1,260.00 CNY" in hold.message()
    risk = w.rep.contracts.risk_preview(w.rep.user, cid)
    assert risk.level == RiskLevel.HIGH
    assert ReasonCode.OVER_CREDIT in {r.code for r in risk.reasons}
    w.rep.contracts.submit(w.rep.user, cid)
    last = _approve_until_last(w, cid)
    with pytest.raises(OverrideReasonNeeded, match=r"1,260\.00"):
        last.contracts.approve(last.user, cid, w.password(last), "ok")
    with pytest.raises(OverrideReasonNeeded):
        last.contracts.approve(last.user, cid, w.password(last), "ok", override_reason="  ")
    assert w.admin.contracts.get(w.admin.user, cid).state == ContractState.IN_REVIEW.value
    done = last.contracts.approve(last.user, cid, w.password(last), "ok",
                                  override_reason="老客户，已承诺月底前付清上期欠款")
    assert done.state == ContractState.APPROVED.value
    (entry,) = w.admin.audit.page(w.admin.user, AuditFilter(action="contract.approved",
                                                            object_text=str(cid)))[:1]
    assert entry.details["credit_override"] == {"total": "2260.00", "available": "1000.00",
                                                "over_by": "1260.00", "currency": "CNY"}
    # Sealed under the customer's key (the trail shows it opened while the key exists).
    assert entry.details["credit_override_reason"] == "老客户，已承诺月底前付清上期欠款"


def test_a_covered_contract_or_a_customer_without_a_limit_is_not_held(w: World) -> None:
    cid = drive(w, ContractState.DRAFT)
    assert w.rep.contracts.credit_hold(w.rep.user, cid) is None  # no limit known
    _limit(w, "5000")
    assert w.rep.contracts.credit_hold(w.rep.user, cid) is None
    assert drive(w, ContractState.APPROVED)  # no override asked for


def test_approved_unsigned_contracts_count_against_the_credit(w: World) -> None:
    _limit(w, "3000")
    drive(w, ContractState.APPROVED)  # 2,260.00 approved, not signed: exposure
    cid = drive(w, ContractState.DRAFT)
    hold = w.rep.contracts.credit_hold(w.rep.user, cid)
    assert hold is not None and hold.available == Decimal("740.00")
