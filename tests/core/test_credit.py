"""Credit: the pure scorecard (rating boundaries, payment history, recommended limits) and
session.credit end to end: limits set by CREDIT_MANAGE only, audited with an annual review,
the over-limit list, reviews due, scorecards following customer visibility, and the contract
risk assessment seeing the limit (available credit) and the rating."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from core.audit import AuditFilter
from core.contracts.model import Instalment, QualificationKind
from core.contracts.risk import ReasonCode, RiskLevel
from core.contracts.workflow import ContractState
from core.customers.model import CustomerDraft, CustomerKind
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.money.credit import (
    CreditInputs,
    PaymentHistory,
    PaymentRecord,
    payment_history,
    rating_for,
    recommended_limit,
    score,
)
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, drive, make_world, small_terms
from tests.core.money_support import draft, signed

NO_HISTORY = PaymentHistory(0, 0, Decimal(0), 0)
PERFECT = PaymentHistory(20, 20, Decimal(0), 0)


# -- pure --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("points", "rating"), [
    (100, "A"), (70, "A"), (69, "B"), (50, "B"), (49, "C"), (30, "C"), (29, "D"), (0, "D"),
    (-25, "D")])
def test_rating_boundaries(points: int, rating: str) -> None:
    assert rating_for(points) == rating


@pytest.mark.parametrize(("rating", "capital", "limit"), [
    ("A", Decimal("100000000"), Decimal("5000000")),  # capped
    ("A", Decimal("1000000"), Decimal("300000")),
    ("B", Decimal("1000000"), Decimal("200000")),
    ("C", Decimal("1234567"), Decimal("120000")),  # rounded down to 10,000s
    ("D", Decimal("100000000"), Decimal("0")),
    ("B", None, Decimal("200000")),  # a tenth of the cap when capital is unknown
    ("C", Decimal("0"), Decimal("0")),
])
def test_recommended_limit(rating: str, capital: Decimal | None, limit: Decimal) -> None:
    assert recommended_limit(rating, capital) == limit


def test_payment_history_counts_late_and_open_overdue_and_ignores_not_yet_due() -> None:
    day = date(2026, 6, 30)
    records = [PaymentRecord(date(2026, 1, 1), date(2026, 1, 1)),  # on time
               PaymentRecord(date(2026, 2, 1), date(2026, 1, 20)),  # early
               PaymentRecord(date(2026, 3, 1), date(2026, 3, 11)),  # 10 days late
               PaymentRecord(date(2026, 6, 20), None),  # open, 10 days overdue
               PaymentRecord(date(2026, 6, 30), None),  # due today: not late yet
               PaymentRecord(date(2026, 7, 1), None)]  # not due
    h = payment_history(records, day)
    assert (h.due_count, h.on_time, h.average_days_late, h.max_days_late) == (
        5, 2, Decimal("10.0"), 10)
    assert h.on_time_ratio == Decimal("0.4")
    assert payment_history([], day).on_time_ratio is None


def _inputs(licence: bool = True, years: str | None = "12", capital: str | None = "20000000",
            history: PaymentHistory = PERFECT,
            exposure: str = "0") -> CreditInputs:
    return CreditInputs(licence, None if years is None else Decimal(years),
                        None if capital is None else Decimal(capital), history,
                        Decimal(exposure))


SCORECARDS = {
    # name: (inputs, score, rating, reason codes with negative points)
    "best": (_inputs(), 90, "A", ()),
    "nothing known": (_inputs(False, None, None, NO_HISTORY), 15, "D", ()),
    "new but solid": (_inputs(history=NO_HISTORY), 65, "B", ()),
    "slow payer": (_inputs(history=PaymentHistory(10, 7, Decimal("45"), 120)), 40, "C",
                   ("average_late", "max_late")),
    "80% on time": (_inputs(history=PaymentHistory(10, 8, Decimal("5"), 9)), 78, "A", ()),
    "no licence": (_inputs(licence=False), 75, "A", ()),
    "small young firm": (_inputs(years="1", capital="50000"), 55, "B", ()),
    "exposure above what the score allows": (
        _inputs(years="1", capital="50000", exposure="20000"), 45, "C", ("exposure",)),
}


@pytest.mark.parametrize("name", list(SCORECARDS), ids=str)
def test_scorecard(name: str) -> None:
    inputs, points, rating, penalties = SCORECARDS[name]
    card = score(7, "CNY", inputs)
    assert (card.score, card.rating) == (points, rating)
    assert card.score == sum(r.points for r in card.reasons)
    assert tuple(r.code for r in card.reasons if r.points < 0) == penalties
    assert {"licence", "years", "capital"} <= {r.code for r in card.reasons}
    assert card.recommended_limit == recommended_limit(rating, inputs.registered_capital)


# -- service -----------------------------------------------------------------------------------
@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def _in_force(w: World, proposer: Session, customer_id: int, amount: str, reason: str,
              **kw: Any) -> Any:
    """A limit proposed by `proposer` and approved by another credit manager."""
    limit = proposer.credit.set_limit(proposer.user, customer_id, Decimal(amount), reason,
                                      **kw)
    approver = w.finance if proposer is not w.finance else w.manager
    if proposer is w.admin or customer_id != w.customer_id:
        approver = w.finance if proposer is not w.finance else w.admin
    return approver.credit.approve_limit(approver.user, limit.id, w.password(approver), "ok")


# (proposer, approver, password ok, expected)
LIMIT_CASES = {
    "manager proposes, finance approves": ("manager", "finance", True, "approved"),
    "finance proposes, manager approves": ("finance", "manager", True, "approved"),
    "proposer cannot approve": ("manager", "manager", True, "denied"),
    "a rep cannot approve": ("manager", "rep", True, "denied"),
    "wrong password": ("manager", "finance", False, "password"),
}


@pytest.mark.parametrize("case", list(LIMIT_CASES), ids=str)
def test_a_limit_is_in_force_only_once_someone_else_approves_it(w: World, case: str) -> None:
    from core.errors import AuthenticationFailed

    proposer_name, approver_name, good, expected = LIMIT_CASES[case]
    proposer: Session = getattr(w, proposer_name)
    approver: Session = getattr(w, approver_name)
    proposed = proposer.credit.set_limit(proposer.user, w.customer_id, Decimal("9000"), "授信")
    assert proposed.state == "pending"
    assert w.rep.credit.scorecard(w.rep.user, w.customer_id).approved_limit is None
    password = w.password(approver) if good else "not the password"
    if expected == "approved":
        done = approver.credit.approve_limit(approver.user, proposed.id, password, "同意")
        assert (done.state, done.decided_by) == ("approved", approver.user.id)
        assert w.rep.credit.scorecard(w.rep.user, w.customer_id).approved_limit == Decimal(
            "9000.00")
        assert [p.id for p in w.admin.credit.pending_limits(w.admin.user)] == []
        return
    if expected == "denied":
        with pytest.raises(PermissionDenied):
            approver.credit.approve_limit(approver.user, proposed.id, password)
        assert w.admin.audit.page(w.admin.user, AuditFilter(action="permission.denied"))
    else:
        with pytest.raises(AuthenticationFailed):
            approver.credit.approve_limit(approver.user, proposed.id, password)
        assert w.admin.audit.page(w.admin.user, AuditFilter(
            action="credit.limit_approve_failed"))
    assert w.rep.credit.scorecard(w.rep.user, w.customer_id).approved_limit is None
    assert [p.id for p in w.admin.credit.pending_limits(w.admin.user)] == [proposed.id]


def test_rejecting_a_limit_needs_a_comment_and_an_older_proposal_cannot_win(w: World) -> None:
    first = w.manager.credit.set_limit(w.manager.user, w.customer_id, Decimal("1000"), "一")
    second = w.manager.credit.set_limit(w.manager.user, w.customer_id, Decimal("2000"), "二")
    fin = w.finance
    with pytest.raises(InvalidInput, match="newer"):
        fin.credit.approve_limit(fin.user, first.id, w.password(fin))
    with pytest.raises(InvalidInput):
        fin.credit.reject_limit(fin.user, first.id, w.password(fin), "")
    assert fin.credit.reject_limit(fin.user, first.id, w.password(fin), "旧的").state == (
        "rejected")
    fin.credit.approve_limit(fin.user, second.id, w.password(fin))
    with pytest.raises(InvalidInput):
        w.admin.credit.approve_limit(w.admin.user, second.id, w.password(w.admin))
    assert w.rep.credit.scorecard(w.rep.user, w.customer_id).approved_limit == Decimal(
        "2000.00")


def test_set_limit_is_audited_with_an_annual_review_and_only_for_credit_managers(
        w: World) -> None:
    with pytest.raises(PermissionDenied):
        w.rep.credit.set_limit(w.rep.user, w.customer_id, Decimal("1000"), "想要")
    with pytest.raises(PermissionDenied):
        w.auditor.credit.set_limit(w.auditor.user, w.customer_id, Decimal("1000"), "x")
    with pytest.raises(InvalidInput):
        w.manager.credit.set_limit(w.manager.user, w.customer_id, Decimal("1000"), " ")
    with pytest.raises(InvalidInput):
        w.manager.credit.set_limit(w.manager.user, w.customer_id, Decimal("-1"), "负数")
    with pytest.raises(InvalidInput):
        w.manager.credit.set_limit(w.manager.user, w.customer_id, Decimal("1.001"), "分")
    first = _in_force(w, w.manager, w.customer_id, "100000", "年度授信")
    today = w.manager.credit.today()
    assert first.review_on == today + timedelta(days=365)
    assert first.limit == Decimal("100000.00") and first.rating in "ABCD"
    second = _in_force(w, w.finance, w.customer_id, "50000", "降低额度",
                       review_on=today + timedelta(days=90))
    assert [x.id for x in w.rep.credit.limits(w.rep.user, w.customer_id)] == [second.id,
                                                                              first.id]
    card = w.rep.credit.scorecard(w.rep.user, w.customer_id)
    assert (card.approved_limit, card.review_on) == (Decimal("50000.00"), second.review_on)
    proposed = w.admin.audit.page(w.admin.user, AuditFilter(action="credit.limit_proposed"))
    assert [(e.actor_id, e.details["in_force"], e.details["proposed"]) for e in proposed] == [
        (w.finance.user.id, "100000.00", "50000.00"), (w.manager.user.id, None, "100000.00")]
    approved = w.admin.audit.page(w.admin.user, AuditFilter(action="credit.limit_approved"))
    assert [(e.actor_id, e.details["before"], e.details["limit"]) for e in approved] == [
        (w.manager.user.id, "100000.00", "50000.00"),
        (w.finance.user.id, None, "100000.00")]
    assert w.admin.audit.verify(w.admin.user).ok


def test_over_limit_list_and_reviews_due(w: World) -> None:
    signed(w)  # 2,260.00 open
    assert w.finance.credit.over_limit(w.finance.user) == []
    _in_force(w, w.finance, w.customer_id, "2000", "试用额度",
              review_on=w.finance.credit.today() + timedelta(days=20))
    (over,) = w.finance.credit.over_limit(w.finance.user)
    assert (over.limit.customer_id, over.exposure.total, over.available) == (
        w.customer_id, Decimal("2260.00"), Decimal("-260.00"))
    assert [s.limit.customer_id for s in w.manager.credit.over_limit(w.manager.user)] == [
        w.customer_id]
    assert [s.limit.customer_id for s in w.finance.credit.reviews_due(w.finance.user, 30)] == [
        w.customer_id]
    assert w.finance.credit.reviews_due(w.finance.user, 10) == []
    # Paying brings the customer back under the limit.
    w.finance.money.record_receipt(w.finance.user, w.customer_id, draft("1130.00"))
    assert w.finance.credit.over_limit(w.finance.user) == []


def test_scorecards_and_lists_follow_customer_visibility(w: World) -> None:
    outside = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="Outside Co"))
    _in_force(w, w.admin, outside.id, "0", "不授信")
    with pytest.raises(NotFound):
        w.rep.credit.scorecard(w.rep.user, outside.id)
    with pytest.raises(NotFound):
        w.manager.credit.set_limit(w.manager.user, outside.id, Decimal("1"), "x")
    assert w.rep.credit.reviews_due(w.rep.user, 400) == []
    assert [s.limit.customer_id for s in w.finance.credit.reviews_due(w.finance.user, 400)
            ] == [outside.id]
    assert w.rep.credit.scorecard(w.rep.user, w.customer_id).rating in "ABCD"


def test_scorecard_reads_licence_profile_and_payment_history(w: World) -> None:
    terms = small_terms(contract_date=date(2025, 5, 1), start_date=date(2025, 5, 1),
                        end_date=date(2025, 12, 31),
                        instalments=(Instalment(date(2025, 6, 1), Decimal("1130.00"), "首付款"),
                                     Instalment(date(2025, 7, 1), Decimal("1130.00"), "尾款")))
    drive(w, ContractState.SIGNED, terms)
    fin = w.finance
    fin.money.record_receipt(fin.user, w.customer_id, draft(
        "1130.00", received_on=date(2025, 6, 1)))
    as_of = date(2025, 8, 1)
    before = fin.credit.scorecard(fin.user, w.customer_id, as_of=as_of)
    codes = {r.code: r.points for r in before.reasons}
    assert codes["licence"] == 0 and codes["years"] == 0 and codes["capital"] == 0
    assert codes["on_time"] == 0  # 1 of 2 on time: 50%
    assert before.exposure == Decimal("1130.00") and before.rating == "D"
    codes_before = codes
    w.rep.contracts.add_qualification(w.rep.user, w.customer_id,
                                      QualificationKind.BUSINESS_LICENCE, "91310000X")
    fin.credit.set_profile(fin.user, w.customer_id, date(2010, 1, 1), Decimal("5000000"))
    after = fin.credit.scorecard(fin.user, w.customer_id, as_of=as_of)
    codes = {r.code: r.points for r in after.reasons}
    assert (codes["licence"], codes["years"], codes["capital"]) == (15, 15, 12)
    # 42 points more, and the exposure now fits the recommended limit: no exposure penalty.
    assert "exposure" in codes_before and "exposure" not in codes
    assert (after.score, after.rating) == (before.score + 42 + 10, "C")
    assert after.recommended_limit == Decimal("500000")
    with pytest.raises(PermissionDenied):
        w.rep.credit.set_profile(w.rep.user, w.customer_id, None, None)
    assert w.admin.audit.page(w.admin.user, AuditFilter(action="credit.profile_changed"))


# -- the contract risk sees the limit ----------------------------------------------------------
def test_contract_risk_sees_available_credit_and_rating(w: World) -> None:
    rep = w.rep
    cid = rep.contracts.draft(rep.user, w.customer_id, small_terms()).id  # 2,260.00
    codes = rep.contracts.risk_preview(rep.user, cid).codes()
    assert ReasonCode.NO_CREDIT_LIMIT in codes
    _in_force(w, w.manager, w.customer_id, "10000", "授信")
    preview = rep.contracts.risk_preview(rep.user, cid)
    assert ReasonCode.NO_CREDIT_LIMIT not in preview.codes()
    assert ReasonCode.OVER_CREDIT not in preview.codes()
    # No profile, no licence, no history: rated D, and the contracts see the rating.
    assert ReasonCode.RATING in preview.codes()
    # An approved contract not yet signed and open receivables use up the credit.
    signed(w)  # 2,260.00 open
    drive(w, ContractState.APPROVED)  # 2,260.00 approved
    drive(w, ContractState.APPROVED)
    assert w.rep.credit.scorecard(w.rep.user, w.customer_id).available == Decimal("3220.00")
    drive(w, ContractState.APPROVED)  # 960.00 left
    preview = rep.contracts.risk_preview(rep.user, cid)
    assert ReasonCode.OVER_CREDIT in preview.codes() and preview.level == RiskLevel.HIGH
    submitted = rep.contracts.submit(rep.user, cid)
    assert submitted.risk is not None and submitted.risk.level == RiskLevel.HIGH.value
    assert "over_credit" in [r[0] for r in submitted.risk.reasons]
