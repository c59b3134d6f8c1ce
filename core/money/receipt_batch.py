"""Recording many receipts in one transaction (a statement import proves thousands): each is
checked, refused or planned as MoneyService.record_receipt would one after the other, and
the batch writes them together at flush: receipts, then their allocations, then the audit
entries, each with one statement (the triggers still check every allocation row, the trail
still links and seals every entry). The ids are given in advance, so a receipt's allocations,
audit entry and the caller's matches can name it before it is written.

What the batch has planned but not written counts as if it were: a later receipt's duplicate
check sees the earlier ones, and its allocation sees the instalments' balances after them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, cast

from core.audit import AuditEvent
from core.contracts.money import from_minor
from core.customers.access import Scope, can_see
from core.customers.ports import CustomerRepositories
from core.errors import InvalidInput, NotFound
from core.money import allocation as alloc
from core.money.allocation import OpenItem
from core.money.amounts import exact_minor
from core.money.model import ReceiptDraft
from core.money.ports import MoneyRepository, money_repos
from core.money.receipts import (
    CheckedReceipt,
    DuplicateReceipt,
    NewReceipt,
    check_receipt,
    duplicate_key,
)
from core.ports import Repositories
from core.trail import append_many
from core.users import User


@dataclass(frozen=True)
class ReceiptOrder:
    """One receipt of MoneyService.record_many: record_receipt's arguments."""

    customer_id: int
    draft: ReceiptDraft
    allocation: Mapping[int, Decimal] | None = None


class BatchMoney(MoneyRepository, Protocol):
    """What the batch needs of storage beside MoneyRepository (storage/money_repo.py)."""

    def next_receipt_id(self) -> int: ...
    def add_receipts(self, receipts: Sequence[NewReceipt]) -> None: ...
    def add_allocations(self, parts: Sequence[tuple[int, int, int]], allocated_by: int,
                        allocated_at: datetime) -> None: ...
    def open_balances(self, ids: Sequence[int]) -> list[tuple[int, int, str, OpenItem]]:
        """(id, customer id, currency, open item) of those of the receivables still open."""
        ...
    def duplicates(self, keys: Sequence[tuple[str, str, int, str, date]]
                   ) -> dict[tuple[str, str, int, str, date], int]:
        """find_duplicate for many keys: those with a stored receipt, and its id."""
        ...


class ReceiptBatch:
    """Receipts recorded inside the caller's transaction by `actor` at `now`, written at
    flush(). record() refuses (InvalidInput) before planning anything, so after a refusal
    the batch goes on as if that receipt had not been asked for; a duplicate's refusal is
    audited, as record_receipt audits it. Between record() and flush() nothing else in the
    transaction may record receipts or allocations (the ids and balances are the batch's)."""

    def __init__(self, plain: Repositories, actor: User, scope: Scope, now: datetime,
                 today: date) -> None:
        self._plain, self._actor, self._scope = plain, actor, scope
        self._now, self._today = now, today
        self._money = cast(BatchMoney, money_repos(plain).money)
        self._next_id: int | None = None
        self._receipts: list[NewReceipt] = []
        self._parts: list[tuple[int, int, int]] = []
        self._events: list[AuditEvent] = []
        self._paid: dict[int, int] = {}  # receivable id -> minor units allocated here
        self._keys: dict[tuple[Any, ...], int] = {}  # duplicate key -> receipt id
        self._visible: dict[int, bool] = {}
        self._known: dict[int, tuple[int, str, OpenItem] | None] = {}
        # From prefetch_duplicates: drafts checked already (by identity), and whether the
        # vault holds each payment (None: it does not).
        self._checked: dict[int, tuple[ReceiptDraft, CheckedReceipt]] = {}
        self._twins: dict[tuple[Any, ...], int | None] = {}

    def prefetch(self, receivable_ids: Sequence[int]) -> None:
        """Read the balances of instalments the receipts will name by hand in one query
        instead of one per receipt."""
        wanted = [int(i) for i in receivable_ids if int(i) not in self._known]
        for i in wanted:
            self._known[i] = None
        for rid, customer_id, currency, item in self._money.open_balances(wanted):
            self._known[rid] = (customer_id, currency, item)

    def prefetch_duplicates(self, drafts: Iterable[ReceiptDraft]) -> None:
        """Check the drafts about to be recorded (record() then takes each of these very
        objects as checked) and look their payments up among the stored receipts in one
        query instead of one per receipt."""
        keys = []
        for draft in drafts:
            try:
                clean = check_receipt(draft, self._today)
            except InvalidInput:
                continue  # record() refuses it again
            self._checked[id(draft)] = (draft, clean)
            key = duplicate_key(clean)
            if key is not None and key not in self._twins:
                keys.append(key)
        found = self._money.duplicates(keys)
        self._twins.update((key, found.get(key)) for key in keys)

    def record(self, customer_id: int, draft: ReceiptDraft,
               allocation: Mapping[int, Decimal] | None = None,
               context: Mapping[str, Any] | None = None) -> int:
        """record_receipt's checks, duplicate refusal, allocation (None: oldest due first;
        else the amounts per receivable id) and audit entry (`context` added to its
        details); returns the id the receipt will have."""
        checked = self._checked.pop(id(draft), None)
        clean = (checked[1] if checked is not None and checked[0] is draft
                 else check_receipt(draft, self._today))
        by_hand = minor_map(allocation, clean.currency)
        cid = int(customer_id)
        self._check_visible(cid)
        key = duplicate_key(clean)
        if key is not None:
            # Planned in this batch, else stored (looked up in advance or now).
            twin = self._keys.get(key)
            if twin is None:
                twin = (self._twins[key] if key in self._twins
                        else self._money.find_duplicate(*key))
            if twin is not None:
                self._events.append(duplicate_event(cid, clean, twin))
                raise DuplicateReceipt(twin)
        plan = self._plan(cid, clean.currency, clean.amount_minor, by_hand)
        receipt_id = self._new_id()
        self._receipts.append(NewReceipt(receipt_id, cid, clean, self._actor.id, self._now))
        for receivable_id, minor in plan.parts:
            self._parts.append((receipt_id, receivable_id, minor))
            self._paid[receivable_id] = self._paid.get(receivable_id, 0) + minor
        self._events.append(recorded_event(cid, receipt_id, clean, by_hand is not None, plan,
                                           context))
        if key is not None:
            self._keys[key] = receipt_id
        return receipt_id

    def audit(self, event: AuditEvent) -> None:
        """An audit entry of the caller's, kept in its place among the receipts' entries."""
        self._events.append(event)

    def flush(self) -> None:
        """Write what is planned (the batch is empty again afterwards, ids go on)."""
        if self._receipts:
            self._money.add_receipts(self._receipts)
        if self._parts:
            self._money.add_allocations(self._parts, self._actor.id, self._now)
        append_many(self._plain, self._actor, self._events, self._now)
        self._receipts, self._parts, self._events = [], [], []
        self._paid.clear()
        self._known.clear()
        self._checked.clear()
        self._twins.clear()

    # -- inside record -----------------------------------------------------------------------
    def _new_id(self) -> int:
        if self._next_id is None:
            self._next_id = self._money.next_receipt_id()
        self._next_id += 1
        return self._next_id - 1

    def _check_visible(self, customer_id: int) -> None:
        if self._scope.everyone:
            return
        if customer_id not in self._visible:
            customers = cast(CustomerRepositories, self._plain).customers
            customer = customers.get(customer_id)
            shared = customers.shared_with(customer_id) if customer else set()
            self._visible[customer_id] = customer is not None and can_see(self._scope,
                                                                         customer, shared)
        if not self._visible[customer_id]:
            raise NotFound("No such customer.")

    def _plan(self, customer_id: int, currency: str, amount_minor: int,
              by_hand: dict[int, int] | None) -> alloc.Plan:
        # By hand only the instalments named matter (a customer may have thousands open).
        if by_hand is not None and all(i in self._known for i in by_hand):
            found = [self._known[i] for i in sorted(by_hand)]
            items = sorted((k[2] for k in found
                            if k is not None and k[0] == customer_id and k[1] == currency),
                           key=lambda i: (i.due, i.receivable_id))
        else:
            items = self._money.open_items(customer_id, currency,
                                           None if by_hand is None else sorted(by_hand))
        if self._paid:
            items = [OpenItem(i.receivable_id, i.due,
                              i.open_minor - self._paid.get(i.receivable_id, 0)) for i in items]
            items = [i for i in items if i.open_minor > 0]
        return (alloc.oldest_first(items, amount_minor) if by_hand is None
                else alloc.by_hand(items, amount_minor, by_hand, currency))


def minor_map(amounts: Mapping[int, Decimal] | None, currency: str) -> dict[int, int] | None:
    if amounts is None:
        return None
    out: dict[int, int] = {}
    for receivable_id, amount in dict(amounts).items():
        out[int(receivable_id)] = exact_minor(amount, currency,
                                              f"amount for instalment {receivable_id}")
    return out


def recorded_event(customer_id: int, receipt_id: int, clean: CheckedReceipt, by_hand: bool,
                   plan: alloc.Plan, context: Mapping[str, Any] | None) -> AuditEvent:
    currency = clean.currency
    return AuditEvent(
        "receipt.recorded", "receipt", str(receipt_id), {
            "customer_id": customer_id, "currency": currency,
            "amount": str(from_minor(clean.amount_minor, currency)),
            "method": clean.method.value, "reference": clean.reference,
            "received_on": clean.received_on.isoformat(),
            "allocation": "by hand" if by_hand else "oldest first",
            **plan_details(plan, currency), **(context or {})},
        personal={"payer_name": clean.payer_name},
        subject=f"customer:{customer_id}")


def duplicate_event(customer_id: int, clean: CheckedReceipt, receipt_id: int) -> AuditEvent:
    # Kept in the trail: a payment entered twice is a fraud signal as well as a slip.
    return AuditEvent("receipt.duplicate", "receipt", str(receipt_id), {
        "customer_id": customer_id, "reference": clean.reference,
        "amount": str(from_minor(clean.amount_minor, clean.currency))}, outcome="refused")


def plan_details(plan: alloc.Plan, currency: str) -> dict[str, Any]:
    return {"allocated": {str(rid): str(from_minor(m, currency)) for rid, m in plan.parts},
            "credit": str(from_minor(plan.credit_minor, currency))}
