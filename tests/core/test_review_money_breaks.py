"""An adversarial review of the money features (issue 5): what a dishonest sales rep, a careless
finance clerk or someone with a Python shell on an unlocked session's services could do to
collection, fund approvals, the credit hold and the fraud signals. Each test is a hole found
by the review; those left open for a design decision are marked xfail (strict)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core.contracts.workflow import ContractState
from core.customers.collected import as_draft
from core.customers.model import BANK_ACCOUNT, CustomerDraft, CustomerKind
from core.errors import InvalidInput, NotFound
from core.money.funds_model import FundDraft, FundKind
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, drive, make_world, small_terms
from tests.core.money_support import draft, receivables_of, signed

ACCOUNT = "6217 0000 9999 4242"


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def _limit(w: World, amount: str, currency: str = "CNY") -> None:
    limit = w.manager.credit.set_limit(w.manager.user, w.customer_id, Decimal(amount), "授信",
                                       currency=currency)
    w.finance.credit.approve_limit(w.finance.user, limit.id, w.password(w.finance), "ok")


def _outsider(w: World) -> int:
    """A customer of the administrator's: not the rep's, not shared with them."""
    return w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="北京另一家公司")).id


def _set_account(w: World, customer_id: int, account: str) -> None:
    admin = w.admin
    view = admin.customers.get(admin.user, customer_id)
    base = as_draft(view.customer)
    admin.customers.update(admin.user, customer_id, dataclasses.replace(
        base, sensitive={**base.sensitive, BANK_ACCOUNT: account}), view.version)


# -- the credit hold -----------------------------------------------------------------------------
def test_a_contract_in_a_currency_without_a_limit_is_not_a_way_around_the_hold(
        w: World) -> None:
    """A customer whose credit is capped at 1,000 CNY: the rep writes the same deal in USD
    (about 16,000 CNY). No USD limit was set, so no hold was raised at all."""
    _limit(w, "1000")
    cid = drive(w, ContractState.DRAFT, small_terms(currency="USD"))
    hold = w.rep.contracts.credit_hold(w.rep.user, cid)
    assert hold is not None and hold.currency == "USD"


# -- fund requests: NotFound tells nothing ---------------------------------------------------
def test_fund_request_ids_of_other_reps_customers_cannot_be_probed(w: World) -> None:
    """Another rep's request and a request that does not exist must look the same."""
    outsider = _outsider(w)
    fin = w.finance
    receipt = fin.money.record_receipt(fin.user, outsider, draft("100.00"))
    theirs = fin.funds.request(fin.user, FundDraft(
        FundKind.REFUND, outsider, Decimal("10.00"), "多付退回", receipt_id=receipt.id,
        destination=ACCOUNT))
    rep = w.rep
    messages = []
    for request_id in (theirs.id, theirs.id + 1000):
        with pytest.raises(NotFound) as caught:
            rep.funds.get(rep.user, request_id)
        messages.append(str(caught.value))
    for receipt_id in (receipt.id, receipt.id + 1000):
        with pytest.raises(NotFound) as caught:
            rep.funds.refundable(rep.user, receipt_id)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and messages[2] == messages[3]


# -- collection ------------------------------------------------------------------------------
def test_chase_states_of_another_reps_instalments_are_not_given(w: World) -> None:
    """chase_states takes rows 'the actor was given' but trusted them: a rep passing another
    customer's instalments learnt their promises, notes and escalations."""
    cid = signed(w)
    fin = w.finance
    rows = receivables_of(fin, cid)
    fin.collection.add_note(fin.user, w.customer_id, [rows[0].id], "call", "催款",
                            promised_on=date.today() + timedelta(days=3))
    assert w.rep.collection.chase_states(w.rep.user, rows)  # their own customer: shown
    # The customer goes to another owner: the rep may no longer see it, nor its chase.
    w.admin.customers.transfer_all(w.admin.user, w.rep.user.id, w.admin.user.id)
    assert w.rep.collection.chase_states(w.rep.user, rows) == {}
    assert fin.collection.chase_states(fin.user, rows)  # finance still sees everyone's


def test_a_backdated_note_cannot_carry_a_promise_already_past(w: World) -> None:
    cid = signed(w)
    rep = w.rep
    first = receivables_of(rep, cid)[0]
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with pytest.raises(InvalidInput, match="promise"):
        rep.collection.add_note(rep.user, w.customer_id, [first.id], "call", "催款",
                                at=long_ago, promised_on=long_ago.date() + timedelta(days=1))


def _until_last(w: World, cid: int) -> Session:
    """Every approval step but the last taken; returns whoever takes the last one."""
    by_step = {"manager": w.manager, "finance": w.finance, "administrator": w.admin}
    while True:
        progress = w.admin.contracts.approval_progress(w.admin.user, cid)
        approver = by_step[progress.next_step]
        if len(progress.steps) - len(progress.approved) == 1:
            return approver
        approver.contracts.approve(approver.user, cid, w.password(approver), "ok")


def test_two_final_approvals_at_once_cannot_both_use_the_same_credit(
        w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two contracts of 2,260.00 against 3,000.00 of credit, each covered alone. Their last
    approvals are taken at the same moment (two windows, or two workers): the hold was judged
    before the write, so both were approved and the customer ended 1,520.00 over the limit
    without anyone overriding anything."""
    _limit(w, "3000")
    first, second = drive(w, ContractState.IN_REVIEW), drive(w, ContractState.IN_REVIEW)
    last_first, last_second = _until_last(w, first), _until_last(w, second)
    assert last_second.contracts.credit_hold(last_second.user, second) is None
    judged = type(last_second.contracts)._hold

    def meanwhile(self: object, contract: object, customer: object) -> object:
        result = judged(self, contract, customer)  # type: ignore[arg-type]
        monkeypatch.setattr(type(last_second.contracts), "_hold", judged)
        # The other window approves the first contract between the judgement and the write.
        last_first.contracts.approve(last_first.user, first, w.password(last_first), "ok")
        return result

    monkeypatch.setattr(type(last_second.contracts), "_hold", meanwhile)
    with pytest.raises(InvalidInput, match="Credit hold"):
        last_second.contracts.approve(last_second.user, second, w.password(last_second), "ok")
    assert w.admin.contracts.get(w.admin.user, second).state == ContractState.IN_REVIEW.value
    assert w.admin.contracts.get(w.admin.user, first).state == ContractState.APPROVED.value


# -- bank-account history --------------------------------------------------------------------
def _refund_warnings(w: World, account: str) -> list[str]:
    fin = w.finance
    receipt = fin.money.record_receipt(fin.user, w.customer_id, draft("100.00"))
    request = w.manager.funds.request(w.manager.user, FundDraft(
        FundKind.REFUND, w.customer_id, Decimal("100.00"), "多付退回", receipt_id=receipt.id,
        destination=account))
    return [s.code for s in fin.funds.warnings(fin.user, request.id)]


def test_a_merge_cannot_give_a_customer_a_bank_account_behind_the_history(w: World) -> None:
    """The rep creates a look-alike record holding their own account and merges it into the
    real customer: the kept record gains the account, and no change was recorded, so a refund
    to it right after raised no 'account changed' warning."""
    rep = w.rep
    twin = rep.customers.create(rep.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="上海明珠贸易有限公司（财务部）",
        sensitive={BANK_ACCOUNT: ACCOUNT}))
    rep.customers.merge(rep.user, w.customer_id, twin.id)
    assert "account_changed_before_refund" in _refund_warnings(w, ACCOUNT)


def test_a_customer_whose_account_changed_can_still_be_merged_away(w: World) -> None:
    """The removed record's account history follows it into the kept one (its rows pointed
    at the removed customer, so the merge failed on the foreign key)."""
    rep = w.rep
    twin = rep.customers.create(rep.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="上海明珠贸易有限公司（财务部）"))
    _set_account(w, twin.id, ACCOUNT)
    rep.customers.merge(rep.user, w.customer_id, twin.id)
    assert "account_changed_before_refund" in _refund_warnings(w, ACCOUNT)


# -- fund approvals --------------------------------------------------------------------------
def test_provisions_cannot_add_up_to_more_than_the_instalment_owes(w: World) -> None:
    """A provision leaves the open balance as it is, so each new one was measured against the
    whole balance again: 1,130.00 owed could carry 2,260.00 (or any multiple) of bad-debt
    allowance, each approved by one person, each looking small and covered."""
    cid = signed(w)
    first = receivables_of(w.finance, cid)[0]
    provision = FundDraft(FundKind.PROVISION, w.customer_id, Decimal("1130.00"), "客户经营困难",
                          receivable_id=first.id)
    made = w.manager.funds.request(w.manager.user, provision)
    pending = w.manager.funds.request(w.manager.user, provision)  # both fit while pending
    w.finance.funds.approve(w.finance.user, made.id, w.password(w.finance))
    with pytest.raises(InvalidInput, match="provi"):
        w.finance.funds.approve(w.finance.user, pending.id, w.password(w.finance))
    with pytest.raises(InvalidInput, match="provi"):
        w.manager.funds.request(w.manager.user, dataclasses.replace(
            provision, amount=Decimal("0.01")))


def test_no_new_refund_is_requested_for_an_anonymised_customer(w: World) -> None:
    """After anonymisation the account history is blanked, so the 'account changed' warning
    is blind; a refund to whatever account a requester types then goes unchecked, and it
    records a new bank account of a person whose data was erased."""
    cid = signed(w)
    fin = w.finance
    receipt = fin.money.record_receipt(fin.user, w.customer_id, draft("3000.00"))
    w.admin.subject_rights.anonymise(w.admin.user, w.customer_id, "客户要求删除个人信息")
    with pytest.raises(InvalidInput, match="anonymised"):
        w.manager.funds.request(w.manager.user, FundDraft(
            FundKind.REFUND, w.customer_id, Decimal("10.00"), "多付退回",
            receipt_id=receipt.id, destination=ACCOUNT))
    (first, _second) = receivables_of(fin, cid)
    assert first.open == 0  # paid; 740.00 of the receipt is left as credit


def test_anonymisation_hides_the_refund_account_and_reason(w: World) -> None:
    """Kept in storage (an accounting record: 会计档案管理办法), shown to nobody (PIPL art. 47:
    only storing them goes on)."""
    fin = w.finance
    receipt = fin.money.record_receipt(fin.user, w.customer_id, draft("100.00"))
    request = w.manager.funds.request(w.manager.user, FundDraft(
        FundKind.REFUND, w.customer_id, Decimal("10.00"), "张伟本人要求退回到其个人账户",
        receipt_id=receipt.id, destination=ACCOUNT))
    fin.funds.approve(fin.user, request.id, w.password(fin))
    w.admin.subject_rights.anonymise(w.admin.user, w.customer_id, "客户要求删除个人信息")
    seen = fin.funds.get(fin.user, request.id)
    assert "9999" not in seen.destination.replace(" ", "")
    assert "张伟" not in seen.reason
    assert (seen.destination, seen.reason) == ("[anonymised]", "[anonymised]")
    assert all("张伟" not in r.reason for r in fin.funds.requests(fin.user, None))


# -- designs to decide -----------------------------------------------------------------------
def test_a_rep_cannot_escalate_instalments_not_yet_overdue(w: World) -> None:
    """A day typed ahead would escalate everyone's instalments, permanently: escalation is
    as of today at the latest."""
    cid = signed(w)  # due in 2030
    rep = w.rep
    assert rep.collection.escalate(rep.user, date(2099, 1, 1)) == 0
    state = w.finance.collection.chase_states(w.finance.user, receivables_of(w.finance, cid))
    assert all(s.escalated_at is None for s in state.values())


def test_a_write_off_split_under_the_threshold_still_needs_two_approvers(w: World) -> None:
    w.admin.funds.set_threshold(w.admin.user, Decimal("500"))
    cid = signed(w)
    first = receivables_of(w.finance, cid)[0]
    half = FundDraft(FundKind.WRITE_OFF, w.customer_id, Decimal("400.00"), "客户破产",
                     receivable_id=first.id)
    first_half = w.manager.funds.request(w.manager.user, half)
    assert first_half.approvals_needed == 1
    second = w.manager.funds.request(w.manager.user, half)
    assert second.approvals_needed == 2
    # A rejected or withdrawn request no longer counts.
    w.manager.funds.cancel(w.manager.user, second.id, "重复")
    w.manager.funds.cancel(w.manager.user, first_half.id, "重复")
    assert w.manager.funds.request(w.manager.user, half).approvals_needed == 1


@pytest.mark.xfail(strict=True, reason=(
    "design: exposure is counted per currency (SqlCredit._exposure_minor), so receivables "
    "and approved contracts in USD do not use up a CNY limit; counting them needs converting "
    "at the rough rates that core/contracts/risk.py keeps for thresholds only"))
def test_exposure_in_another_currency_counts_against_the_limit(w: World) -> None:
    _limit(w, "3000")
    usd = drive(w, ContractState.IN_REVIEW, small_terms(currency="USD"))
    last = _until_last(w, usd)
    last.contracts.approve(last.user, usd, w.password(last), "ok",
                           override_reason="美元合同，另行担保")
    cny = drive(w, ContractState.DRAFT)  # 2,260 CNY beside 2,260 USD (~16,000 CNY) approved
    assert w.rep.contracts.credit_hold(w.rep.user, cny) is not None


# -- fraud watch -----------------------------------------------------------------------------
def test_the_fraud_watch_does_not_print_an_anonymised_customers_real_name(w: World) -> None:
    """After anonymisation the customer is 'Customer #1', but its receipts still hold the
    payer's name: every receipt then looked 'unlike the customer', and the warning printed the
    erased name (and the reference) to anyone reading the watch or `reports warnings`."""
    fin = w.finance
    fin.money.record_receipt(fin.user, w.customer_id, draft("100.00", payer="张伟"))
    w.admin.subject_rights.anonymise(w.admin.user, w.customer_id, "客户要求删除个人信息")
    found = fin.fraud.signals(fin.user, until=date(2026, 1, 5))
    assert all("张伟" not in s.message and "上海明珠" not in s.message for s in found)
