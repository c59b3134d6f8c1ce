"""session.money end to end on a real vault: receivables appear when (and only when) a contract
is signed, receipts are allocated oldest first or by hand with overpayments kept as credit,
balances keep billed = received + written off + open, duplicates and bad amounts are refused
with nothing written, and every change is in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core.audit import AuditFilter
from core.contracts.workflow import ContractState
from core.errors import InvalidInput, NotFound
from core.money.allocation import AllocationInvalid
from core.money.model import AgeingGroup, PaymentMethod, ReceiptDraft, ReceivableFilter
from core.money.service import DuplicateReceipt
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world, small_terms
from tests.core.money_support import TODAY, draft, receivables_of, signed


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


@pytest.mark.parametrize("state", [ContractState.SIGNED, ContractState.ACTIVE,
                                   ContractState.COMPLETED])
def test_a_signed_contract_owes_one_receivable_per_instalment(w: World,
                                                              state: ContractState) -> None:
    cid = signed(w, state)
    contract = w.finance.contracts.get(w.finance.user, cid)
    rows = receivables_of(w.finance, cid)
    assert [(r.position, r.due, r.amount, r.label) for r in rows] == [
        (n, i.due, i.amount, i.label) for n, i in enumerate(contract.instalments, start=1)]
    assert sum(r.amount for r in rows) == contract.gross == Decimal("2260.00")
    assert all(r.open == r.amount and r.allocated == 0 and r.written_off == 0 for r in rows)
    assert {(r.contract_number, r.customer_id, r.customer_name) for r in rows} == {
        (contract.number, w.customer_id, "上海明珠贸易有限公司")}


@pytest.mark.parametrize("state", [ContractState.DRAFT, ContractState.IN_REVIEW,
                                   ContractState.REJECTED, ContractState.APPROVED])
def test_an_unsigned_contract_owes_nothing(w: World, state: ContractState) -> None:
    cid = signed(w, state)
    assert receivables_of(w.finance, cid) == []
    assert w.finance.money.customer_balance(w.finance.user, w.customer_id) == []


def test_uneven_schedule_sums_to_the_total(w: World) -> None:
    from core.contracts.model import Instalment

    terms = small_terms(instalments=(Instalment(date(2030, 1, 10), Decimal("0.01")),
                                     Instalment(date(2030, 3, 1), Decimal("2259.99"))))
    from tests.core.contract_support import drive

    cid = drive(w, ContractState.SIGNED, terms)
    assert [r.amount for r in receivables_of(w.admin, cid)] == [Decimal("0.01"),
                                                                 Decimal("2259.99")]


def test_partial_payments_go_oldest_first_and_an_overpayment_becomes_credit(w: World) -> None:
    cid = signed(w)
    fin = w.finance
    first = fin.money.record_receipt(fin.user, w.customer_id, draft("1500.00"))
    first_ids = [r.id for r in receivables_of(fin, cid)]
    assert [(a.receivable_id, a.amount) for a in first.allocations] == [
        (first_ids[0], Decimal("1130.00")), (first_ids[1], Decimal("370.00"))]
    assert first.unallocated == 0 and first.method == PaymentMethod.BANK_TRANSFER
    assert [r.open for r in receivables_of(fin, cid)] == [Decimal("0.00"), Decimal("760.00")]
    # Paid instalments leave the open list.
    open_rows = fin.money.receivables(fin.user, ReceivableFilter(contract_id=cid))
    assert [r.id for r in open_rows] == [first_ids[1]]

    second = fin.money.record_receipt(fin.user, w.customer_id,
                                      draft("1000.00", reference="BOC-2026-0002"))
    assert [(a.receivable_id, a.amount) for a in second.allocations] == [
        (first_ids[1], Decimal("760.00"))]
    assert second.unallocated == Decimal("240.00")
    [balance] = fin.money.customer_balance(fin.user, w.customer_id)
    assert (balance.billed, balance.allocated, balance.written_off, balance.open) == (
        Decimal("2260.00"), Decimal("2260.00"), Decimal("0.00"), Decimal("0.00"))
    assert (balance.received, balance.credit) == (Decimal("2500.00"), Decimal("240.00"))
    assert balance.billed == balance.allocated + balance.written_off + balance.open
    assert balance.received == balance.allocated + balance.credit
    [credit] = fin.money.credits(fin.user, w.customer_id)
    assert (credit.currency, credit.amount) == ("CNY", Decimal("240.00"))


def test_allocation_by_hand_and_later_from_credit(w: World) -> None:
    cid = signed(w)
    fin = w.finance
    first_id, second_id = (r.id for r in receivables_of(fin, cid))
    receipt = fin.money.record_receipt(fin.user, w.customer_id, draft("800.00"),
                                       allocation={second_id: Decimal("500.00")})
    assert [(a.receivable_id, a.amount) for a in receipt.allocations] == [
        (second_id, Decimal("500.00"))]
    assert receipt.unallocated == Decimal("300.00")
    assert [r.open for r in receivables_of(fin, cid)] == [Decimal("1130.00"), Decimal("630.00")]

    # The 300.00 credit, allocated later, oldest first.
    later = fin.money.allocate(fin.user, receipt.id)
    assert [(a.receivable_id, a.amount) for a in later.allocations][-1] == (
        first_id, Decimal("300.00"))
    assert later.unallocated == 0
    with pytest.raises(InvalidInput, match="fully allocated"):
        fin.money.allocate(fin.user, receipt.id)

    kept = fin.money.record_receipt(fin.user, w.customer_id,
                                    draft("100.00", reference="BOC-X"), allocation={})
    assert kept.allocations == () and kept.unallocated == Decimal("100.00")
    done = fin.money.allocate(fin.user, kept.id, {first_id: Decimal("40.00")})
    assert done.unallocated == Decimal("60.00")
    trail = w.admin.audit.page(w.admin.user, AuditFilter(action="receipt."))
    assert [e.action for e in trail] == ["receipt.allocated", "receipt.recorded",
                                         "receipt.allocated", "receipt.recorded"]


@pytest.mark.parametrize("allocation, words", [
    ({"second": Decimal("1130.01")}, "only 1130.00 CNY open"),
    ({"first": Decimal("1130.00"), "second": Decimal("1.00")}, "exceed"),
    ({"first": Decimal("0")}, "more than zero"),
    ({"first": Decimal("-1.00")}, "more than zero"),
    ({"first": Decimal("1.001")}, "more decimals"),
    ({"first": 1.5}, "floating-point"),
    ({"unknown": Decimal("1.00")}, "not an open instalment"),
])
def test_a_bad_allocation_by_hand_records_nothing(w: World, allocation: dict[str, Any],
                                                  words: str) -> None:
    cid = signed(w)
    fin = w.finance
    first_id, second_id = (r.id for r in receivables_of(fin, cid))
    ids = {"first": first_id, "second": second_id, "unknown": 999_999}
    with pytest.raises(InvalidInput, match=words):
        fin.money.record_receipt(fin.user, w.customer_id, draft("1130.00"),
                                 allocation={ids[k]: v for k, v in allocation.items()})
    assert fin.money.receipts(fin.user, w.customer_id) == []
    assert [r.open for r in receivables_of(fin, cid)] == [Decimal("1130.00")] * 2
    assert not w.admin.audit.page(w.admin.user, AuditFilter(action="receipt.recorded"))


def test_an_allocation_to_another_customers_instalment_is_refused(w: World) -> None:
    from core.customers.model import CustomerDraft, CustomerKind

    cid = signed(w)
    other = w.rep.customers.create(w.rep.user, CustomerDraft(kind=CustomerKind.COMPANY,
                                                             name="另一家公司"))
    target = receivables_of(w.finance, cid)[0].id
    with pytest.raises(AllocationInvalid, match="not an open instalment"):
        w.finance.money.record_receipt(w.finance.user, other.id, draft("10.00"),
                                       allocation={target: Decimal("10.00")})


@pytest.mark.parametrize("change", [
    {}, {"reference": "boc-2026-0001"}, {"reference": " BOC 2026-0001 "},
    {"reference": "ＢＯＣ－２０２６－０００１"}, {"payer": "上海明珠贸易有限公司 "},
])
def test_the_same_receipt_twice_is_refused_and_audited(w: World, change: dict[str, str]) -> None:
    cid = signed(w)
    fin = w.finance
    first = fin.money.record_receipt(fin.user, w.customer_id, draft("500.00"))
    with pytest.raises(DuplicateReceipt, match=f"already recorded as receipt #{first.id}"):
        fin.money.record_receipt(fin.user, w.customer_id, draft("500.00", **change))
    assert [r.id for r in fin.money.receipts(fin.user, w.customer_id)] == [first.id]
    assert receivables_of(fin, cid)[0].open == Decimal("630.00")
    refused = w.admin.audit.page(w.admin.user, AuditFilter(action="receipt.duplicate"))
    assert len(refused) == 1 and refused[0].outcome == "refused"
    assert refused[0].object_id == str(first.id)


def test_a_double_submission_from_two_windows_is_caught(w: World) -> None:
    signed(w)
    w.admin.money.record_receipt(w.admin.user, w.customer_id, draft("500.00"))
    with pytest.raises(DuplicateReceipt):
        w.finance.money.record_receipt(w.finance.user, w.customer_id, draft("500.00"))
    assert len(w.finance.money.receipts(w.finance.user, w.customer_id)) == 1


@pytest.mark.parametrize("change", [
    {"amount": "500.01"}, {"received_on": date(2026, 1, 4)}, {"reference": "BOC-2026-0002"},
    {"payer": "另一个付款人"}])
def test_a_different_payment_is_not_a_duplicate(w: World, change: dict[str, Any]) -> None:
    signed(w)
    fin = w.finance
    fin.money.record_receipt(fin.user, w.customer_id, draft("500.00"))
    fin.money.record_receipt(fin.user, w.customer_id, draft(**{"amount": "500.00", **change}))
    assert len(fin.money.receipts(fin.user, w.customer_id)) == 2


def _receipt(**overrides: Any) -> ReceiptDraft:
    values: dict[str, Any] = dict(received_on=TODAY, amount=Decimal("10.00"),
                                  method=PaymentMethod.BANK_TRANSFER, reference="R-1",
                                  payer_name="付款人", currency="CNY")
    values.update(overrides)
    return ReceiptDraft(**values)


@pytest.mark.parametrize("overrides, words", [
    ({"amount": 10.0}, "floating-point"), ({"amount": Decimal("0")}, "more than zero"),
    ({"amount": Decimal("-10.00")}, "more than zero"),
    ({"amount": Decimal("10.001")}, "more decimals"),
    ({"amount": Decimal("10.5"), "currency": "JPY"}, "more decimals"),
    ({"amount": "ten"}, "not a number"), ({"currency": "BTC"}, "Unsupported currency"),
    ({"method": "bitcoin"}, "Unknown payment method"),
    ({"reference": ""}, "reference"), ({"reference": "   "}, "reference"),
    ({"reference": "x" * 101}, "at most 100"), ({"payer_name": "x" * 201}, "at most 200"),
    ({"received_on": date(2099, 1, 1)}, "future"),
    ({"received_on": "2026-01-05"}, "calendar date"),
])
def test_bad_receipts_are_refused(w: World, overrides: dict[str, Any], words: str) -> None:
    fin = w.finance
    with pytest.raises(InvalidInput, match=words):
        fin.money.record_receipt(fin.user, w.customer_id, _receipt(**overrides))
    assert fin.money.receipts(fin.user, w.customer_id) == []


def test_every_method_is_accepted_and_cash_needs_no_reference(w: World) -> None:
    fin = w.finance
    for n, method in enumerate(PaymentMethod):
        fin.money.record_receipt(fin.user, w.customer_id, _receipt(
            method=method, reference="" if method == PaymentMethod.CASH else f"R-{n}"))
    got = fin.money.receipts(fin.user, w.customer_id)
    assert [r.method for r in got] == list(PaymentMethod)
    [balance] = fin.money.customer_balance(fin.user, w.customer_id)
    assert balance.credit == balance.received == Decimal("50.00") and balance.billed == 0


def test_ageing_per_customer_rep_and_total(w: World) -> None:
    signed(w)
    fin = w.finance
    fin.money.record_receipt(fin.user, w.customer_id, draft("130.00"))
    # As of 2030-02-20 the first instalment (due 01-10, 1000.00 open) is 41 days late, the
    # second (due 02-10, 1130.00) 10 days.
    report = fin.money.ageing(fin.user, date(2030, 2, 20))
    [customer] = report.by_customer
    [rep] = report.by_rep
    [total] = report.total
    assert customer.buckets == (Decimal("0.00"), Decimal("1130.00"), Decimal("1000.00"),
                                Decimal("0.00"), Decimal("0.00"))
    assert (customer.key, customer.name, customer.currency) == (w.customer_id,
                                                                "上海明珠贸易有限公司", "CNY")
    assert rep.buckets == customer.buckets == total.buckets
    assert (rep.key, rep.name) == (w.rep.user.id, w.rep.user.name)
    assert total.key is None and total.group == AgeingGroup.TOTAL
    assert total.open == Decimal("2130.00")
    # Before anything is due, everything is current; long after, everything is over 90.
    early = fin.money.ageing(fin.user, date(2029, 1, 1)).total[0]
    late = fin.money.ageing(fin.user, date(2031, 1, 1)).total[0]
    assert early.current == late.over_90 == Decimal("2130.00")


def test_invoice_numbers_are_recorded_and_audited(w: World) -> None:
    cid = signed(w)
    fin = w.finance
    target = receivables_of(fin, cid)[0]
    updated = fin.money.set_invoice_number(fin.user, target.id, " 04401234 ")
    assert updated.invoice_number == "04401234"
    entry = w.admin.audit.page(w.admin.user, AuditFilter(action="receivable.invoiced"))[0]
    assert entry.details["invoice_number"] == {"before": "", "after": "04401234"}


def test_receipts_are_audited_with_the_payer_sealed(w: World) -> None:
    signed(w)
    fin = w.finance
    receipt = fin.money.record_receipt(fin.user, w.customer_id, draft("1500.00"))
    [entry] = w.admin.audit.page(w.admin.user, AuditFilter(action="receipt.recorded"))
    assert entry.object_id == str(receipt.id) and entry.actor_id == fin.user.id
    assert entry.details["amount"] == "1500.00" and entry.details["credit"] == "0.00"
    assert entry.details["reference"] == "BOC-2026-0001"
    assert sorted(entry.details["allocated"].values()) == ["1130.00", "370.00"]
    assert w.admin.audit.verify(w.admin.user).ok
    # The payer's name is personal data: kept sealed under the customer's key in the stored
    # trail, not in the entry's plain details.
    with w.admin._store.reader() as repos:
        stored = next(e for e in repos.audit.iter_all() if e.action == "receipt.recorded")
    assert "上海明珠贸易有限公司" not in str(stored.details)


def test_unknown_ids_are_not_found(w: World) -> None:
    fin = w.finance
    with pytest.raises(NotFound):
        fin.money.receipt(fin.user, 12345)
    with pytest.raises(NotFound):
        fin.money.receivable(fin.user, 12345)
    with pytest.raises(NotFound):
        fin.money.allocate(fin.user, 12345)
    with pytest.raises(NotFound):
        fin.money.record_receipt(fin.user, 12345, draft("1.00"))


def test_a_receipt_entered_by_mistake_is_reversed_not_deleted(w: World) -> None:
    cid = signed(w)
    fin = w.finance
    wrong = fin.money.record_receipt(fin.user, w.customer_id, draft("1500.00"))
    with pytest.raises(InvalidInput, match="Say why"):
        fin.money.reverse_receipt(fin.user, wrong.id, "  ")
    undone = fin.money.reverse_receipt(fin.user, wrong.id, "录错客户 / wrong customer")
    assert undone.reversed and undone.reversal_reason == "录错客户 / wrong customer"
    assert undone.allocated == 0 and undone.unallocated == 0
    assert [a.amount for a in undone.allocations] == [Decimal("1130.00"), Decimal("370.00"),
                                                      Decimal("-1130.00"), Decimal("-370.00")]
    assert [r.open for r in receivables_of(fin, cid)] == [Decimal("1130.00")] * 2
    [balance] = fin.money.customer_balance(fin.user, w.customer_id)
    assert (balance.received, balance.allocated, balance.credit, balance.open) == (
        Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("2260.00"))
    with pytest.raises(InvalidInput, match="reversed already"):
        fin.money.reverse_receipt(fin.user, wrong.id, "again")
    with pytest.raises(InvalidInput, match="was reversed"):
        fin.money.allocate(fin.user, wrong.id)
    # The same payment, entered again correctly, is not a duplicate of the reversed one.
    right = fin.money.record_receipt(fin.user, w.customer_id, draft("1500.00"))
    assert right.id != wrong.id and right.allocated == Decimal("1500.00")
    [entry] = w.admin.audit.page(w.admin.user, AuditFilter(action="receipt.reversed"))
    assert entry.object_id == str(wrong.id)
    first_id, second_id = (r.id for r in receivables_of(fin, cid))
    assert entry.details["unallocated"] == {str(first_id): "1130.00", str(second_id): "370.00"}
    assert entry.details["reason"] == "录错客户 / wrong customer"  # opened for readers
    with w.admin._store.reader() as repos:  # the stored form: the reason sealed, not plain
        stored = next(e for e in repos.audit.iter_all() if e.action == "receipt.reversed")
    assert "wrong customer" not in str(stored.details)
    assert w.admin.audit.verify(w.admin.user).ok
