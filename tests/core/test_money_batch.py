"""Recording receipts in a batch (a statement import records thousands in one transaction):
what is stored and audited is what record_receipt would store and audit one by one, the
trail's chain still verifies, a failure anywhere leaves nothing, and a payment entered twice
is caught inside the batch as well as against the receipts already stored."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from core.audit import AuditEntry, AuditEvent, AuditFilter, verify_chain
from core.contracts.model import Instalment
from core.contracts.workflow import ContractState
from core.customers.model import CustomerDraft, CustomerKind
from core.errors import InvalidInput
from core.money import receipt_batch
from core.money.allocation import AllocationInvalid
from core.money.model import ReceivableFilter
from core.money.receipt_batch import ReceiptOrder
from core.money.receipts import DuplicateReceipt
from core.roles import Role
from core.session import Session
from core.trail import append, append_many
from tests.conftest import USERS
from tests.core.contract_support import World, drive, make_world, small_terms
from tests.core.money_support import draft, receivables_of

TERMS = small_terms(instalments=(Instalment(small_terms().contract_date.replace(month=2),
                                            Decimal("500.00"), "一"),
                                 Instalment(small_terms().contract_date.replace(month=3),
                                            Decimal("760.00"), "二"),
                                 Instalment(small_terms().contract_date.replace(month=4),
                                            Decimal("1000.00"), "三")))


PAYER = "杭州西湖电子有限公司"


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def second_customer(w: World) -> int:
    rep_id = next(u.id for u in w.admin.accounts.list_users(w.admin.user)
                  if u.name == USERS[Role.SALES_REP][0])
    return w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name=PAYER, city="杭州",
        address="西湖区文三路1号"), owner_id=rep_id).id


def book(w: World, customer_id: int) -> list[int]:
    """A signed contract of three instalments for the customer; their receivable ids."""
    cid = drive(dataclasses.replace(w, customer_id=customer_id), ContractState.SIGNED, TERMS)
    return [r.id for r in receivables_of(w.finance, cid)]


def orders(customer_id: int, ids: list[int],
           payer: str = "上海明珠贸易有限公司") -> list[ReceiptOrder]:
    """Oldest first, by hand, a second one to the same instalment, all credit, cash."""
    def d(amount: str, reference: str, **kw: Any) -> Any:
        return draft(amount, reference=reference, payer=payer, **kw)
    return [
        ReceiptOrder(customer_id, d("700.00", "BOC-1")),
        ReceiptOrder(customer_id, d("300.00", "BOC-2"), {ids[2]: Decimal("250.00")}),
        ReceiptOrder(customer_id, d("900.00", "BOC-3"), {ids[2]: Decimal("750.00")}),
        ReceiptOrder(customer_id, d("2000.00", "BOC-4")),
        ReceiptOrder(customer_id, d("80.00", "BOC-5"), {}),
        ReceiptOrder(customer_id, d("12.50", "", method="cash")),
    ]


def receipt_trail(session: Session, customer_id: int) -> list[AuditEntry]:
    entries = session.audit.page(session.user, AuditFilter(action="receipt."), limit=500)
    return [e for e in reversed(entries) if e.details.get("customer_id") == customer_id]


def portable(entry: AuditEntry, receipt_no: dict[str, int],
             position: dict[str, int]) -> tuple[Any, ...]:
    """An entry with the ids that differ between two customers' books replaced by the
    receipt's place in its batch and the instalment's position in its contract."""
    details = dict(entry.details)
    details.pop("customer_id")
    details.pop("payer_name")  # one payer per customer (the same one would be a duplicate)
    if "allocated" in details:
        details["allocated"] = {position[k]: v for k, v in details["allocated"].items()}
    return (entry.action, entry.outcome, receipt_no[entry.object_id], details)


def test_a_batch_stores_and_audits_what_one_by_one_recording_would(w: World) -> None:
    fin = w.finance
    one, many = w.customer_id, second_customer(w)
    ids_one, ids_many = book(w, one), book(w, many)

    singles = [fin.money.record_receipt(fin.user, o.customer_id, o.draft, o.allocation)
               for o in orders(one, ids_one)]
    batch = fin.money.record_many(fin.user, orders(many, ids_many, PAYER))

    def shape(receipts: list[Any], ids: list[int]) -> list[Any]:
        return [(r.amount, r.method, r.reference, r.received_on, r.unallocated,
                 [(ids.index(a.receivable_id), a.amount) for a in r.allocations])
                for r in receipts]
    assert shape(batch, ids_many) == shape(singles, ids_one)
    assert shape(fin.money.receipts(fin.user, many), ids_many) == shape(singles, ids_one)
    # Receipt ids follow one another, as one-by-one recording numbers them.
    assert [r.id for r in batch] == list(range(batch[0].id, batch[0].id + len(batch)))
    assert [(r.allocated, r.open) for r in receivables_of(fin, contract_of(fin, many))] \
        == [(r.allocated, r.open) for r in receivables_of(fin, contract_of(fin, one))]
    [b_one] = fin.money.customer_balance(fin.user, one)
    [b_many] = fin.money.customer_balance(fin.user, many)
    assert dataclasses.replace(b_many, customer_id=one) == b_one
    assert b_one.credit == Decimal("1732.50") and b_one.open == 0

    trail_one, trail_many = receipt_trail(w.admin, one), receipt_trail(w.admin, many)
    numbered_one = {str(r.id): n for n, r in enumerate(singles)}
    numbered_many = {str(r.id): n for n, r in enumerate(batch)}
    assert [portable(e, numbered_many, {str(i): n for n, i in enumerate(ids_many)})
            for e in trail_many] == [
        portable(e, numbered_one, {str(i): n for n, i in enumerate(ids_one)})
        for e in trail_one]
    assert [e.details.pop("payer_name") for e in trail_many] == [PAYER] * 6
    assert [e.details.pop("payer_name") for e in trail_one] == ["上海明珠贸易有限公司"] * 6
    # Consecutive entries of one chain, each sealed: the whole trail still verifies.
    assert [e.seq for e in trail_many] == list(range(trail_many[0].seq,
                                                     trail_many[0].seq + 6))
    assert w.admin.audit.verify(w.admin.user).ok


def contract_of(fin: Session, customer_id: int) -> int:
    [contract_id] = {r.contract_id for r in fin.money.receivables(
        fin.user, ReceivableFilter(customer_id=customer_id, open_only=False))}
    return contract_id


def test_a_refusal_mid_batch_leaves_nothing(w: World) -> None:
    fin = w.finance
    ids = book(w, w.customer_id)
    before = w.admin.audit.count(w.admin.user, AuditFilter())
    bad = [*orders(w.customer_id, ids)[:2],
           # More than the batch's first receipt left open of the second instalment.
           ReceiptOrder(w.customer_id, draft("600.00", reference="BOC-9"),
                        {ids[1]: Decimal("600.00")})]
    with pytest.raises(AllocationInvalid, match=r"only 560\.00 CNY open"):
        fin.money.record_many(fin.user, bad)
    assert fin.money.receipts(fin.user, w.customer_id) == []
    assert [r.open for r in receivables_of(fin, contract_of(fin, w.customer_id))] == [
        Decimal("500.00"), Decimal("760.00"), Decimal("1000.00")]
    assert w.admin.audit.count(w.admin.user, AuditFilter(action="receipt.")) == 0
    assert w.admin.audit.count(w.admin.user, AuditFilter()) == before


def test_a_failure_while_writing_the_batch_rolls_everything_back(
        w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    fin = w.finance
    ids = book(w, w.customer_id)

    def written_then_broken(*args: Any, **kwargs: Any) -> Any:
        append_many(*args, **kwargs)  # receipts, allocations and entries are in: then fail
        raise OSError("disk full")
    monkeypatch.setattr(receipt_batch, "append_many", written_then_broken)
    with pytest.raises(OSError):
        fin.money.record_many(fin.user, orders(w.customer_id, ids))
    monkeypatch.undo()
    assert fin.money.receipts(fin.user, w.customer_id) == []
    assert all(r.allocated == 0 for r in receivables_of(fin, contract_of(fin, w.customer_id)))
    assert w.admin.audit.count(w.admin.user, AuditFilter(action="receipt.")) == 0
    assert w.admin.audit.verify(w.admin.user).ok
    # Nothing half-written blocks doing it again.
    assert len(fin.money.record_many(fin.user, orders(w.customer_id, ids))) == 6


def test_a_payment_twice_in_one_batch_is_refused_and_audited(w: World) -> None:
    fin = w.finance
    book(w, w.customer_id)
    twice = [ReceiptOrder(w.customer_id, draft("100.00", reference="BOC 2026/7")),
             ReceiptOrder(w.customer_id, draft("50.00", reference="BOC-2")),
             # The same payment typed again: other width, case and separators.
             ReceiptOrder(w.customer_id, draft("100.00", reference="boc-2026-7"))]
    first_id = fin.money.record_many(fin.user, [ReceiptOrder(
        w.customer_id, draft("50.00", reference="BOC-1"))])[0].id + 1
    with pytest.raises(DuplicateReceipt) as caught:
        fin.money.record_many(fin.user, twice)
    assert caught.value.receipt_id == first_id  # the id the first would have had
    assert [r.reference for r in fin.money.receipts(fin.user, w.customer_id)] == ["BOC-1"]
    [refused] = w.admin.audit.page(w.admin.user, AuditFilter(action="receipt.duplicate"))
    assert refused.outcome == "refused" and refused.details["amount"] == "100.00"
    assert receivables_of(fin, contract_of(fin, w.customer_id))[0].open == Decimal("450.00")


def test_a_payment_already_stored_is_refused_in_a_batch(w: World) -> None:
    fin = w.finance
    book(w, w.customer_id)
    stored = fin.money.record_receipt(fin.user, w.customer_id, draft("100.00"))
    with pytest.raises(DuplicateReceipt) as caught:
        fin.money.record_many(fin.user, [
            ReceiptOrder(w.customer_id, draft("5.00", reference="OTHER")),
            ReceiptOrder(w.customer_id, draft("100.00", payer=" 上海明珠贸易有限公司 "))])
    assert caught.value.receipt_id == stored.id
    assert [r.id for r in fin.money.receipts(fin.user, w.customer_id)] == [stored.id]
    # After a reversal the same payment may be entered again, in a batch too.
    fin.money.reverse_receipt(fin.user, stored.id, "录错了")
    [again] = fin.money.record_many(fin.user, [ReceiptOrder(w.customer_id, draft("100.00"))])
    assert again.id != stored.id and again.allocations[0].amount == Decimal("100.00")


def test_a_batch_goes_on_after_a_refusal_inside_the_callers_transaction(w: World) -> None:
    """As the statement import uses it: a refused receipt is skipped, its duplicate refusal
    audited in its place, the rest written at flush."""
    fin = w.finance
    ids = book(w, w.customer_id)
    scope = fin.money.recording_scope(fin.user)
    store = fin._store
    now = fin._ctx.clock()
    made = []
    with store.transaction() as plain:
        batch = fin.money.batch(plain, fin.user, scope, now)
        made.append(batch.record(w.customer_id, draft("500.00", reference="A"),
                                 {ids[0]: Decimal("500.00")}))
        with pytest.raises(AllocationInvalid):  # the instalment this batch has just paid
            batch.record(w.customer_id, draft("1.00", reference="B"),
                         {ids[0]: Decimal("1.00")})
        with pytest.raises(DuplicateReceipt):
            batch.record(w.customer_id, draft("500.00", reference="a"))
        batch.audit(AuditEvent("statement.line_matched", "statement_line", "7"))
        made.append(batch.record(w.customer_id, draft("800.00", reference="C")))
        batch.flush()
    receipts = fin.money.receipts(fin.user, w.customer_id)
    assert [r.id for r in receipts] == made
    assert [[(a.receivable_id, a.amount) for a in r.allocations] for r in receipts] == [
        [(ids[0], Decimal("500.00"))], [(ids[1], Decimal("760.00")), (ids[2], Decimal("40.00"))]]
    trail = w.admin.audit.page(w.admin.user, AuditFilter(), limit=4)
    assert [e.action for e in reversed(trail)] == [
        "receipt.recorded", "receipt.duplicate", "statement.line_matched", "receipt.recorded"]
    assert w.admin.audit.verify(w.admin.user).ok


def test_append_many_links_and_seals_as_append_does(w: World) -> None:
    store = w.admin._store
    actor = w.admin.user
    events = [AuditEvent("test.one", "thing", "1", {"n": 1, "password": "hunter2"}),
              AuditEvent("test.two", "customer", str(w.customer_id), {"n": 2},
                         personal={"name": "韩梅梅"}),
              AuditEvent("test.three", "customer", str(w.customer_id), {"n": 3},
                         personal={"name": "李雷"})]
    at = w.admin._ctx.clock()
    with store.transaction() as repos:
        made = append_many(repos, actor, events, at)
        single = append(repos, actor, AuditEvent("test.four"), at)
        assert append_many(repos, actor, [], at) == []
    assert [e.seq for e in made] == [made[0].seq, made[0].seq + 1, made[0].seq + 2]
    assert [e.prev_hash for e in made[1:]] + [single.prev_hash] == [e.hash for e in made]
    assert made[0].details["password"] == "[redacted]"
    with store.reader() as repos:
        result = verify_chain(repos.audit.iter_all(), repos.audit.seal_key())
    assert result.ok
    shown = w.admin.audit.page(w.admin.user, AuditFilter(action="test."))
    assert [(e.action, e.details.get("name")) for e in reversed(shown)] == [
        ("test.one", None), ("test.two", "韩梅梅"), ("test.three", "李雷"), ("test.four", None)]
    # Sealed under the customer's key: anonymising the customer would erase them.
    assert all("sealed" in str(e.details.get("personal", "")) for e in made[1:])


def test_payments_looked_up_in_advance_are_refused_as_duplicates_all_the_same(
        w: World) -> None:
    fin = w.finance
    book(w, w.customer_id)
    stored = fin.money.record_receipt(fin.user, w.customer_id, draft("100.00"))
    again, fresh = draft("100.00"), draft("200.00", reference="NEW-1")
    with fin._store.transaction() as plain:
        batch = fin.money.batch(plain, fin.user, fin.money.recording_scope(fin.user),
                                fin._ctx.clock())
        batch.prefetch_duplicates([again, fresh, draft("1.001", reference="BAD")])
        with pytest.raises(DuplicateReceipt) as caught:
            batch.record(w.customer_id, again)
        assert caught.value.receipt_id == stored.id
        # Only the very draft checked in advance counts as checked: an equal one is checked
        # on its own (a float amount compares equal to a Decimal, and is refused).
        floating = dataclasses.replace(fresh, amount=200.0)
        assert floating == fresh
        with pytest.raises(InvalidInput, match="floating-point"):
            batch.record(w.customer_id, floating)
        first = batch.record(w.customer_id, fresh)
        with pytest.raises(DuplicateReceipt) as twice:
            batch.record(w.customer_id, draft("200.00", reference="new 1"))
        assert twice.value.receipt_id == first
        batch.flush()
    assert [r.reference for r in fin.money.receipts(fin.user, w.customer_id)] == [
        "BOC-2026-0001", "NEW-1"]
