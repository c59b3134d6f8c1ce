"""session.funds end to end on a real vault: segregation of duties on every decision (the
requester never approves, nobody approves twice, two approvers above the threshold, the password
asked again), a write-off or discount never exceeds the instalment's open balance (at request,
at final approval, and in the database), refunds only pay back unallocated money, every step is
audited, and billed = received + written off + open holds after it all."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from core.audit import AuditFilter
from core.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from core.money.funds_model import FundDraft, FundKind, FundState
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world
from tests.core.money_support import draft, receivables_of, signed


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def _write_off(w: World, receivable_id: int, amount: str,
               kind: FundKind = FundKind.WRITE_OFF) -> FundDraft:
    return FundDraft(kind, w.customer_id, Decimal(amount), "客户破产，无法收回",
                     receivable_id=receivable_id)


def _actions(s: Session, prefix: str) -> list[Any]:
    return s.audit.page(s.user, AuditFilter(action=prefix))


def _balance(w: World) -> Any:
    (balance,) = w.finance.money.customer_balance(w.finance.user, w.customer_id)
    return balance


# -- segregation of duties, table-driven -------------------------------------------------------
# (requester, amount, threshold, [(approver, password ok, expected outcome)], final state)
SOD_CASES = {
    "requester cannot approve own": (
        "finance", "100.00", None, [("finance", True, "denied:requester")], "pending"),
    "manager requests, finance approves": (
        "manager", "100.00", None, [("finance", True, "ok")], "approved"),
    "rep may not approve at all": (
        "manager", "100.00", None, [("rep", True, "denied:permission")], "pending"),
    "wrong password refused": (
        "manager", "100.00", None, [("finance", False, "password")], "pending"),
    "above threshold: two approvers": (
        "manager", "600.00", "500", [("finance", True, "ok"), ("admin", True, "ok")],
        "approved"),
    "above threshold: one approval is not enough": (
        "manager", "600.00", "500", [("finance", True, "ok")], "pending"),
    "same approver cannot approve twice": (
        "manager", "600.00", "500", [("finance", True, "ok"),
                                     ("finance", True, "denied:second_approval")], "pending"),
    "above threshold: requester is never the second": (
        "finance", "600.00", "500", [("admin", True, "ok"), ("finance", True,
                                                             "denied:requester")], "pending"),
    "at the threshold: one approver": (
        "manager", "500.00", "500", [("finance", True, "ok")], "approved"),
}


@pytest.mark.parametrize("case", list(SOD_CASES), ids=str)
def test_separation_of_duties(w: World, case: str) -> None:
    requester, amount, threshold, steps, final = SOD_CASES[case]
    if threshold:
        w.admin.funds.set_threshold(w.admin.user, Decimal(threshold))
    cid = signed(w)
    first = receivables_of(w.finance, cid)[0]
    asker: Session = getattr(w, requester)
    request = asker.funds.request(asker.user, _write_off(w, first.id, amount))
    assert request.state == FundState.PENDING
    assert request.approvals_needed == (2 if threshold and Decimal(amount) > Decimal(threshold)
                                        else 1)
    for name, good, outcome in steps:
        actor: Session = getattr(w, name)
        password = w.password(actor) if good else "not my password at all"
        denials = len(_actions(w.admin, "permission.denied"))
        if outcome == "ok":
            actor.funds.approve(actor.user, request.id, password, "同意")
        elif outcome.startswith("denied"):
            with pytest.raises(PermissionDenied):
                actor.funds.approve(actor.user, request.id, password, "同意")
            denied = _actions(w.admin, "permission.denied")
            assert len(denied) == denials + 1
            reason = outcome.split(":")[1]
            if reason != "permission":
                assert denied[0].details["reason"] == reason
                assert denied[0].object_id == str(request.id)
        else:
            with pytest.raises(AuthenticationFailed):
                actor.funds.approve(actor.user, request.id, password)
            failed = _actions(w.admin, "fund.approve_failed")
            assert [(e.actor_id, e.outcome) for e in failed] == [(actor.user.id, "failed")]
    stored = w.admin.funds.get(w.admin.user, request.id)
    assert stored.state == final
    after = receivables_of(w.finance, cid)[0]
    if final == "approved":
        assert after.written_off == Decimal(amount) and after.open == first.open - Decimal(
            amount)
        assert requester not in {d.actor_name for d in stored.decisions}
        assert len(set(stored.approvers)) == stored.approvals_needed
        assert request.requested_by not in stored.approvers
    else:
        assert after.written_off == 0 and after.open == first.open
    assert w.admin.audit.verify(w.admin.user).ok


def test_the_database_refuses_a_requester_deciding_their_own_request(w: World) -> None:
    """Below the service: even a bug there cannot let the requester approve."""
    cid = signed(w)
    rid = receivables_of(w.finance, cid)[0].id
    request = w.finance.funds.request(w.finance.user, _write_off(w, rid, "10.00"))
    with pytest.raises(Exception, match="requester"), w.admin._store.transaction() as repos:
        repos.funds.add_decision(request.id, w.finance.user.id, "approved", "",
                                 w.finance.user.created_at)
    assert w.admin.funds.get(w.admin.user, request.id).state == FundState.PENDING


def test_reject_needs_a_comment_and_the_password_and_is_final(w: World) -> None:
    cid = signed(w)
    rid = receivables_of(w.finance, cid)[0].id
    request = w.manager.funds.request(w.manager.user, _write_off(w, rid, "100.00"))
    fin = w.finance
    with pytest.raises(InvalidInput):
        fin.funds.reject(fin.user, request.id, w.password(fin), "  ")
    with pytest.raises(AuthenticationFailed):
        fin.funds.reject(fin.user, request.id, "wrong words", "不同意")
    rejected = fin.funds.reject(fin.user, request.id, w.password(fin), "金额不对")
    assert rejected.state == FundState.REJECTED
    assert [(d.decision, d.comment) for d in rejected.decisions] == [("rejected", "金额不对")]
    with pytest.raises(InvalidInput):
        w.admin.funds.approve(w.admin.user, request.id, w.password(w.admin))
    assert receivables_of(fin, cid)[0].written_off == 0
    assert [e.object_id for e in _actions(w.admin, "fund.rejected")] == [str(request.id)]


def test_only_the_requester_cancels_a_pending_request(w: World) -> None:
    cid = signed(w)
    rid = receivables_of(w.finance, cid)[0].id
    request = w.manager.funds.request(w.manager.user, _write_off(w, rid, "100.00"))
    with pytest.raises(PermissionDenied):
        w.finance.funds.cancel(w.finance.user, request.id, "not mine")
    cancelled = w.manager.funds.cancel(w.manager.user, request.id, "填错了")
    assert cancelled.state == FundState.CANCELLED
    with pytest.raises(InvalidInput):
        w.finance.funds.approve(w.finance.user, request.id, w.password(w.finance))
    assert [e.action for e in _actions(w.admin, "fund.")] == ["fund.cancelled",
                                                              "fund.requested"]


# -- open balance ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", [FundKind.WRITE_OFF, FundKind.DISCOUNT, FundKind.REBATE,
                                  FundKind.PROVISION])
def test_a_request_cannot_exceed_the_open_balance(w: World, kind: FundKind) -> None:
    cid = signed(w)
    fin = w.finance
    fin.money.record_receipt(fin.user, w.customer_id, draft("1000.00"))
    first = receivables_of(fin, cid)[0]
    assert first.open == Decimal("130.00")
    with pytest.raises(InvalidInput, match="open balance"):
        w.manager.funds.request(w.manager.user, _write_off(w, first.id, "130.01", kind))
    assert w.admin.funds.requests(w.admin.user, None) == []
    request = w.manager.funds.request(w.manager.user, _write_off(w, first.id, "130.00", kind))
    fin.funds.approve(fin.user, request.id, w.password(fin))
    after = receivables_of(fin, cid)[0]
    if kind == FundKind.PROVISION:  # an allowance: the customer still owes it
        assert (after.open, after.written_off) == (Decimal("130.00"), 0)
    else:
        assert (after.open, after.written_off) == (0, Decimal("130.00"))


def test_double_approval_of_two_write_offs_of_one_balance_takes_it_once(w: World) -> None:
    """Two requests each for the whole open balance, both looking fine when made: the second
    final approval re-checks inside its transaction and is refused, nothing half-applied."""
    cid = signed(w)
    rid = receivables_of(w.finance, cid)[0].id
    one = w.manager.funds.request(w.manager.user, _write_off(w, rid, "1130.00"))
    two = w.manager.funds.request(w.manager.user, _write_off(w, rid, "1130.00",
                                                             FundKind.DISCOUNT))
    w.finance.funds.approve(w.finance.user, one.id, w.password(w.finance))
    with pytest.raises(InvalidInput, match="open balance"):
        w.admin.funds.approve(w.admin.user, two.id, w.password(w.admin))
    assert w.admin.funds.get(w.admin.user, two.id).state == FundState.PENDING
    assert w.admin.funds.get(w.admin.user, two.id).decisions == ()
    row = receivables_of(w.finance, cid)[0]
    assert (row.written_off, row.open) == (Decimal("1130.00"), 0)
    assert not _actions(w.admin, "fund.approved") or all(
        e.object_id == str(one.id) for e in _actions(w.admin, "fund.approved"))


def test_the_same_request_approved_from_two_windows_applies_once(w: World,
                                                                 login: Any) -> None:
    """Both windows read the request pending; the second to write finds it decided."""
    cid = signed(w)
    rid = receivables_of(w.finance, cid)[0].id
    request = w.manager.funds.request(w.manager.user, _write_off(w, rid, "500.00"))
    stale = w.admin.funds.get(w.admin.user, request.id)
    w.finance.funds.approve(w.finance.user, request.id, w.password(w.finance))
    with pytest.raises(InvalidInput, match="approved already"):
        w.admin.funds._decide(w.admin.user, stale, "approved", "")
    assert receivables_of(w.finance, cid)[0].written_off == Decimal("500.00")


def test_the_database_refuses_writing_off_more_than_is_open(w: World) -> None:
    cid = signed(w)
    rid = receivables_of(w.finance, cid)[0].id
    request = w.manager.funds.request(w.manager.user, _write_off(w, rid, "1000.00"))
    with pytest.raises(Exception, match=r"CHECK|constraint"), \
            w.admin._store.transaction() as repos:
        repos.funds.write_off(request.id, rid, 113001, w.admin.user.created_at)
    assert receivables_of(w.finance, cid)[0].written_off == 0


def test_billed_is_received_plus_written_off_plus_open_after_write_offs(w: World) -> None:
    cid = signed(w)
    fin = w.finance
    fin.money.record_receipt(fin.user, w.customer_id, draft("1200.00"))
    rows = receivables_of(fin, cid)
    for row, amount, kind in ((rows[1], "60.00", FundKind.DISCOUNT),
                              (rows[1], "0.01", FundKind.REBATE),
                              (rows[1], "100.00", FundKind.WRITE_OFF)):
        request = w.manager.funds.request(w.manager.user, _write_off(w, row.id, amount, kind))
        fin.funds.approve(fin.user, request.id, w.password(fin))
    for row in receivables_of(fin, cid):
        assert row.amount == row.allocated + row.written_off + row.open
    balance = _balance(w)
    assert balance.written_off == Decimal("160.01")
    assert balance.billed == balance.allocated + balance.written_off + balance.open
    assert balance.open == Decimal("2260.00") - Decimal("1200.00") - Decimal("160.01")


# -- refunds -----------------------------------------------------------------------------------
def _refund(w: World, receipt_id: int, amount: str, destination: str = "6222 0000 1111") -> Any:
    return FundDraft(FundKind.REFUND, w.customer_id, Decimal(amount), "多付退回",
                     receipt_id=receipt_id, destination=destination)


def test_a_refund_pays_back_only_unallocated_credit_and_it_cannot_be_allocated_again(
        w: World) -> None:
    cid = signed(w)
    fin = w.finance
    receipt = fin.money.record_receipt(fin.user, w.customer_id, draft("2500.00"))
    assert receipt.unallocated == Decimal("240.00")  # overpaid: credit
    with pytest.raises(InvalidInput, match="more than"):
        w.manager.funds.request(w.manager.user, _refund(w, receipt.id, "240.01"))
    with pytest.raises(InvalidInput, match="account"):
        w.manager.funds.request(w.manager.user, _refund(w, receipt.id, "10.00", ""))
    request = w.manager.funds.request(w.manager.user, _refund(w, receipt.id, "240.00"))
    assert request.destination == "6222 0000 1111"
    second = w.manager.funds.request(w.manager.user, _refund(w, receipt.id, "1.00"))
    assert fin.funds.refundable(fin.user, receipt.id) == Decimal("240.00")
    fin.funds.approve(fin.user, request.id, w.password(fin))
    assert fin.funds.refundable(fin.user, receipt.id) == 0
    # Paid back, it is no longer the customer's credit with us, anywhere it is shown.
    assert fin.money.receipt(fin.user, receipt.id).unallocated == 0
    assert fin.money.credits(fin.user, w.customer_id) == []
    (balance,) = fin.money.customer_balance(fin.user, w.customer_id)
    assert balance.credit == 0 and balance.received == Decimal("2500.00")
    # The credit is gone: a second refund of it is refused at final approval.
    with pytest.raises(InvalidInput, match="more than"):
        fin.funds.approve(fin.user, second.id, w.password(fin))
    # The account is a protected value: masked for a reader who neither asked nor approves.
    assert w.rep.funds.get(w.rep.user, request.id).destination == "**********1111"
    assert w.manager.funds.get(w.manager.user, request.id).destination == "6222 0000 1111"
    refunded = w.admin.audit.page(w.admin.user, AuditFilter(action="fund.approved"))
    assert refunded[0].details["final"] is True
    assert all(r.open == 0 for r in receivables_of(fin, cid))


def test_a_refund_of_another_customers_receipt_is_refused(w: World) -> None:
    from core.customers.model import CustomerDraft, CustomerKind

    signed(w)
    fin = w.finance
    receipt = fin.money.record_receipt(fin.user, w.customer_id, draft("3000.00"))
    other = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="别的公司"))
    with pytest.raises(InvalidInput, match="not one of this customer"):
        fin.funds.request(fin.user, FundDraft(FundKind.REFUND, other.id, Decimal("1.00"),
                                              "退款", receipt_id=receipt.id,
                                              destination="6222"))


# -- reading follows customer visibility -------------------------------------------------------
def test_requests_follow_customer_visibility(w: World, login: Any) -> None:
    from core.customers.model import CustomerDraft, CustomerKind

    cid = signed(w)
    rid = receivables_of(w.finance, cid)[0].id
    request = w.finance.funds.request(w.finance.user, _write_off(w, rid, "1.00"))
    # A customer of the administrator, outside the manager's team.
    other = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="Outside Co"))
    assert [r.id for r in w.manager.funds.requests(w.manager.user)] == [request.id]
    assert [r.id for r in w.rep.funds.requests(w.rep.user)] == [request.id]
    assert w.manager.funds.requests(w.manager.user, customer_id=w.customer_id)
    with pytest.raises(NotFound):
        w.manager.funds.requests(w.manager.user, customer_id=other.id)
    assert [r.id for r in w.admin.funds.awaiting(w.admin.user)] == [request.id]
    assert w.finance.funds.awaiting(w.finance.user) == []  # their own
    with pytest.raises(PermissionDenied):
        w.rep.funds.request(w.rep.user, _write_off(w, rid, "1.00"))


def test_wrong_passwords_are_throttled_and_each_is_audited(w: World) -> None:
    from core.errors import UnlockThrottled

    cid = signed(w)
    rid = receivables_of(w.finance, cid)[0].id
    request = w.manager.funds.request(w.manager.user, _write_off(w, rid, "10.00"))
    fin = w.finance
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            fin.funds.approve(fin.user, request.id, "guessing words")
    with pytest.raises(UnlockThrottled):
        fin.funds.approve(fin.user, request.id, w.password(fin))
    assert len(_actions(w.admin, "fund.approve_failed")) == 3
    assert w.admin.funds.get(w.admin.user, request.id).state == FundState.PENDING


def test_one_throttle_for_every_password_typed_again(w: World) -> None:
    """Guessing at fund approvals, then trying a credit limit or a contract, meets the same
    delay: the throttle is the session's, not each service's."""
    from core.contracts.workflow import ContractState
    from core.errors import UnlockThrottled
    from tests.core.contract_support import drive

    cid = signed(w)
    rid = receivables_of(w.finance, cid)[0].id
    request = w.manager.funds.request(w.manager.user, _write_off(w, rid, "10.00"))
    limit = w.manager.credit.set_limit(w.manager.user, w.customer_id, Decimal("1000"), "授信")
    in_review = drive(w, ContractState.IN_REVIEW)
    fin = w.finance
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            fin.funds.approve(fin.user, request.id, "guessing words")
    with pytest.raises(UnlockThrottled):
        fin.credit.approve_limit(fin.user, limit.id, w.password(fin))
    # The manager guessing at a credit limit finance proposed, then at a contract.
    theirs = fin.credit.set_limit(fin.user, w.customer_id, Decimal("2000"), "授信")
    manager = w.manager
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            manager.credit.approve_limit(manager.user, theirs.id, "guessing words")
    with pytest.raises(UnlockThrottled):
        manager.contracts.approve(manager.user, in_review, w.password(manager))


def test_the_threshold_is_an_administrators_setting(w: World) -> None:
    assert w.finance.funds.threshold() == Decimal("50000")
    with pytest.raises(PermissionDenied):
        w.finance.funds.set_threshold(w.finance.user, Decimal("1"))
    with pytest.raises(InvalidInput):
        w.admin.funds.set_threshold(w.admin.user, Decimal("0"))
    w.admin.funds.set_threshold(w.admin.user, Decimal("20000"))
    assert w.finance.funds.approvals_needed(Decimal("20000"), "CNY") == 1
    assert w.finance.funds.approvals_needed(Decimal("20000.01"), "CNY") == 2
    # Other currencies at the policy's rough rates (20,000 CNY is about 2,800 USD).
    assert w.finance.funds.approvals_needed(Decimal("3000"), "USD") == 2
    assert w.finance.funds.approvals_needed(Decimal("2000"), "USD") == 1
    (changed,) = _actions(w.admin, "fund.threshold_changed")
    assert changed.details == {"before": "50000", "after": "20000"}
