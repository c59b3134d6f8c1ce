"""The money service a session exposes as `session.money`: receivables as the acting user may
see them (whoever sees the customer sees what it owes), receipts and their allocation (finance),
balances and ageing. Every change is audited in its own transaction; a refusal is audited too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.customers.access import Scope
from core.customers.service import CustomerService
from core.errors import InvalidInput, NotFound
from core.money import allocation as alloc
from core.money import reports
from core.money.amounts import exact_minor
from core.money.model import (
    AgeingGroup,
    AgeingReport,
    CustomerBalance,
    CustomerCredit,
    Receipt,
    ReceiptDraft,
    Receivable,
    ReceivableCursor,
    ReceivableFilter,
)
from core.money.ports import MoneyRepositories, money_repos
from core.money.receipt_batch import (
    ReceiptBatch,
    ReceiptOrder,
    duplicate_event,
    minor_map,
    plan_details,
    recorded_event,
)
from core.money.receipts import (
    MAX_REASON,
    MAX_REFERENCE,
    CheckedReceipt,
    DuplicateReceipt,
    check_receipt,
    text_field,
)
from core.ports import Repositories, Store
from core.roles import Permission
from core.trail import Clock, Guard, append
from core.users import User

MAX_PAGE = 500
ALL_OPEN = ReceivableFilter()


class MoneyService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 customers: CustomerService) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._customers = customers

    # -- access ------------------------------------------------------------------------------
    def today(self) -> date:
        """Today in local time: what "overdue" means to the person asking."""
        return self._clock().astimezone().date()

    def _read_scope(self, actor: User) -> Scope:
        self._guard.require(actor, Permission.RECEIVABLE_READ)
        return self._customers.read_scope(actor)

    def _visible_customer(self, actor: User, customer_id: int) -> None:
        self._customers.visible(actor, int(customer_id))  # NotFound (audited) if not theirs

    def _audit(self, actor: User, event: AuditEvent) -> None:
        with self._store.transaction() as repos:
            append(repos, actor, event, self._clock())

    # -- reading -----------------------------------------------------------------------------
    def receivables(self, actor: User, flt: ReceivableFilter = ALL_OPEN,
                    after: ReceivableCursor | None = None,
                    limit: int = 200) -> list[Receivable]:
        """Instalments of the customers the actor may see, by due date (keyset paging: pass
        `cursor_after(last row)` for the next page)."""
        scope = self._read_scope(actor)
        if flt.customer_id is not None:
            self._visible_customer(actor, flt.customer_id)
        with self._store.reader() as repos:
            return money_repos(repos).money.receivables(scope, flt, after,
                                                        max(1, min(int(limit), MAX_PAGE)))

    @staticmethod
    def cursor_after(row: Receivable) -> ReceivableCursor:
        return ReceivableCursor(row.due, row.id)

    def receivable(self, actor: User, receivable_id: int) -> Receivable:
        self._read_scope(actor)
        with self._store.reader() as repos:
            found = money_repos(repos).money.receivable(int(receivable_id))
        if found is None:
            raise NotFound("No such receivable.")
        self._visible_customer_as(actor, found.customer_id, "receivable")
        return found

    def _visible_customer_as(self, actor: User, customer_id: int, kind: str) -> None:
        """Another's record and a missing one give the same answer (ids cannot be probed)."""
        try:
            self._visible_customer(actor, customer_id)
        except NotFound:
            raise NotFound(f"No such {kind}.") from None

    def receipts(self, actor: User, customer_id: int) -> list[Receipt]:
        self._read_scope(actor)
        self._visible_customer(actor, customer_id)
        with self._store.reader() as repos:
            return money_repos(repos).money.receipts(int(customer_id))

    def receipt(self, actor: User, receipt_id: int) -> Receipt:
        self._read_scope(actor)
        with self._store.reader() as repos:
            found = money_repos(repos).money.receipt(int(receipt_id))
        if found is None:
            raise NotFound("No such receipt.")
        self._visible_customer_as(actor, found.customer_id, "receipt")
        return found

    def customer_balance(self, actor: User, customer_id: int,
                         as_of: date | None = None) -> list[CustomerBalance]:
        """The customer's account per currency (overdue as of `as_of`, default today)."""
        self._read_scope(actor)
        self._visible_customer(actor, customer_id)
        with self._store.reader() as repos:
            return money_repos(repos).money.balances(int(customer_id), as_of or self.today())

    def credits(self, actor: User, customer_id: int) -> list[CustomerCredit]:
        """Unallocated money the customer has with us (overpayments), per currency."""
        return [CustomerCredit(b.customer_id, b.currency, b.credit)
                for b in self.customer_balance(actor, customer_id) if b.credit > 0]

    def ageing(self, actor: User, as_of: date | None = None,
               groups: tuple[AgeingGroup, ...] = tuple(AgeingGroup)) -> AgeingReport:
        """Open balances by days overdue as of `as_of` (default today), per customer, per rep
        and in total, over the customers the actor may see; one aggregate query per group."""
        scope = self._read_scope(actor)
        day = as_of or self.today()
        found: dict[AgeingGroup, tuple[Any, ...]] = {}
        with self._store.reader() as repos:
            money = money_repos(repos).money
            for group in groups:
                found[AgeingGroup(group)] = tuple(money.ageing(scope, day, AgeingGroup(group)))
        return AgeingReport(day, found.get(AgeingGroup.CUSTOMER, ()),
                            found.get(AgeingGroup.REP, ()), found.get(AgeingGroup.TOTAL, ()))

    # -- receipts ----------------------------------------------------------------------------
    def record_receipt(self, actor: User, customer_id: int, draft: ReceiptDraft,
                       allocation: Mapping[int, Decimal] | None = None) -> Receipt:
        """Record money received from the customer and allocate it: with `allocation` None, to
        the open instalments oldest due first; otherwise exactly the amounts given per
        receivable id (an empty mapping keeps it all as credit). What is not allocated stays
        as the customer's credit. The same payer's same reference for the same amount on the
        same day is refused as a duplicate."""
        self._guard.require(actor, Permission.PAYMENT_RECORD, "customer", str(customer_id))
        self._visible_customer(actor, customer_id)
        clean = check_receipt(draft, self.today())
        by_hand = minor_map(allocation, clean.currency)
        try:
            stored = self._record(actor, int(customer_id), clean, by_hand)
        except DuplicateReceipt as exc:
            self._audit(actor, duplicate_event(int(customer_id), clean, exc.receipt_id))
            raise
        self._bus.publish(Changes(money=True))
        return stored

    def _record(self, actor: User, customer_id: int, clean: CheckedReceipt,
                by_hand: dict[int, int] | None) -> Receipt:
        with self._store.transaction() as plain:
            receipt_id = self._record_in(plain, actor, customer_id, clean, by_hand,
                                         self._clock())
            stored = money_repos(plain).money.receipt(receipt_id)
        assert stored is not None
        return stored

    def _record_in(self, plain: Repositories, actor: User, customer_id: int,
                   clean: CheckedReceipt, by_hand: dict[int, int] | None,
                   now: datetime, context: Mapping[str, Any] | None = None) -> int:
        """Record inside the caller's transaction. Everything that can refuse (a duplicate, an
        allocation that cannot stand) is checked before anything is written, so a refusal
        leaves the transaction as it was and a batch may go on."""
        currency = clean.currency
        money = money_repos(plain).money
        # Inside the writing transaction (BEGIN IMMEDIATE): a second submission, from this
        # window or another, waits for the first and then finds it.
        duplicate = money.find_duplicate(clean.payer_key, clean.reference_key,
                                         clean.amount_minor, currency, clean.received_on)
        if duplicate is not None:
            raise DuplicateReceipt(duplicate)
        plan = self._plan(money_repos(plain), customer_id, currency, clean.amount_minor,
                          by_hand)
        receipt_id = money.add_receipt(
            customer_id, clean.received_on, currency, clean.amount_minor, clean.method,
            clean.reference, clean.reference_key, clean.payer_name, clean.payer_key,
            actor.id, now)
        self._allocate_plan(money_repos(plain), actor, receipt_id, plan, now)
        append(plain, actor, recorded_event(customer_id, receipt_id, clean, by_hand is not None,
                                            plan, context), now)
        return receipt_id

    # -- receipts in a caller's transaction (a statement import records thousands at once) --
    def recording_scope(self, actor: User) -> Scope:
        """Check, before a batch's transaction, that the actor may record receipts; the scope
        returned is what the batch checks each customer against."""
        self._guard.require(actor, Permission.PAYMENT_RECORD)
        return self._customers.read_scope(actor)

    def batch(self, plain: Repositories, actor: User, scope: Scope,
              now: datetime) -> ReceiptBatch:
        """Receipts recorded as record_receipt records them, many inside the caller's
        transaction and written together at ReceiptBatch.flush (a statement import);
        `scope` from recording_scope."""
        return ReceiptBatch(plain, actor, scope, now, self.today())

    def record_many(self, actor: User, orders: Sequence[ReceiptOrder]) -> list[Receipt]:
        """record_receipt for each order, in one transaction: all are recorded or, at the
        first refusal (raised as record_receipt raises it, a duplicate audited), none."""
        self._guard.require(actor, Permission.PAYMENT_RECORD)
        for cid in dict.fromkeys(int(o.customer_id) for o in orders):
            self._visible_customer(actor, cid)
        scope = self._customers.read_scope(actor)
        now = self._clock()
        refused: ReceiptOrder | None = None
        try:
            with self._store.transaction() as plain:
                batch = self.batch(plain, actor, scope, now)
                ids = []
                for order in orders:
                    refused = order
                    ids.append(batch.record(order.customer_id, order.draft, order.allocation))
                refused = None
                batch.flush()
                money = money_repos(plain).money
                stored = [money.receipt(i) for i in ids]
        except DuplicateReceipt as exc:
            # Rolled back with the batch: audited on its own, as record_receipt does.
            assert refused is not None
            self._audit(actor, duplicate_event(int(refused.customer_id),
                                               check_receipt(refused.draft, self.today()),
                                               exc.receipt_id))
            raise
        self._bus.publish(Changes(money=True))
        return [r for r in stored if r is not None]

    def allocate(self, actor: User, receipt_id: int,
                 allocations: Mapping[int, Decimal] | None = None) -> Receipt:
        """Allocate what is still unallocated of a receipt (the customer's credit from it):
        oldest due first when `allocations` is None, else the amounts given per receivable."""
        self._guard.require(actor, Permission.PAYMENT_RECORD, "receipt", str(receipt_id))
        with self._store.reader() as repos:
            seen = money_repos(repos).money.receipt(int(receipt_id))
        if seen is None:
            raise NotFound("No such receipt.")
        self._visible_customer_as(actor, seen.customer_id, "receipt")
        by_hand = minor_map(allocations, seen.currency)
        now = self._clock()
        with self._store.transaction() as plain:
            repos = money_repos(plain)
            current = repos.money.receipt(seen.id)
            assert current is not None
            if current.reversed:
                raise InvalidInput(f"Receipt #{seen.id} was reversed; it cannot be allocated.")
            left = exact_or_zero(current.unallocated, current.currency)
            if left == 0:
                raise InvalidInput(f"Receipt #{seen.id} is fully allocated already.")
            plan = self._apply(repos, actor, current.customer_id, current.currency, current.id,
                               left, by_hand, now)
            if not plan.parts:
                raise InvalidInput(f"The customer of receipt #{seen.id} has no open "
                                   f"instalment in {current.currency} to allocate it to.")
            append(plain, actor, AuditEvent(
                "receipt.allocated", "receipt", str(current.id), {
                    "customer_id": current.customer_id, "currency": current.currency,
                    "allocation": "by hand" if by_hand is not None else "oldest first",
                    **plan_details(plan, current.currency)}), now)
            stored = repos.money.receipt(current.id)
        self._bus.publish(Changes(money=True))
        assert stored is not None
        return stored

    def reverse_receipt(self, actor: User, receipt_id: int, reason: str) -> Receipt:
        """Undo a receipt entered by mistake: reversing allocations give back to each instalment
        what the receipt paid it, and the receipt no longer counts as received. Nothing is
        deleted; the reversal and its reason are audited. The same payment may then be entered
        again correctly."""
        self._guard.require(actor, Permission.PAYMENT_RECORD, "receipt", str(receipt_id))
        with self._store.reader() as repos:
            seen = money_repos(repos).money.receipt(int(receipt_id))
        if seen is None:
            raise NotFound("No such receipt.")
        self._visible_customer_as(actor, seen.customer_id, "receipt")
        why = text_field(reason, MAX_REASON, "The reason")
        if not why:
            raise InvalidInput("Say why the receipt is reversed.")
        now = self._clock()
        with self._store.transaction() as plain:
            repos = money_repos(plain)
            current = repos.money.receipt(seen.id)
            assert current is not None
            if current.reversed:
                raise InvalidInput(f"Receipt #{seen.id} is reversed already.")
            net: dict[int, Decimal] = {}
            for a in current.allocations:
                net[a.receivable_id] = net.get(a.receivable_id, Decimal(0)) + a.amount
            undone = {rid: amount for rid, amount in net.items() if amount > 0}
            for rid, amount in undone.items():
                repos.money.add_allocation(current.id, rid,
                                           -exact_minor(amount, current.currency), actor.id, now)
            repos.money.add_reversal(current.id, why, actor.id, now)
            append(plain, actor, AuditEvent("receipt.reversed", "receipt", str(current.id), {
                "customer_id": current.customer_id, "currency": current.currency,
                "amount": str(current.amount), "reference": current.reference,
                "unallocated": {str(r): str(a) for r, a in undone.items()}},
                # Free text may name people: sealed under the customer's key (erasable).
                personal={"reason": why}, subject=f"customer:{current.customer_id}"), now)
            stored = repos.money.receipt(current.id)
        self._bus.publish(Changes(money=True))
        assert stored is not None
        return stored

    @staticmethod
    def _apply(repos: MoneyRepositories, actor: User, customer_id: int, currency: str,
               receipt_id: int, amount_minor: int, by_hand: dict[int, int] | None,
               now: datetime) -> alloc.Plan:
        plan = MoneyService._plan(repos, customer_id, currency, amount_minor, by_hand)
        MoneyService._allocate_plan(repos, actor, receipt_id, plan, now)
        return plan

    @staticmethod
    def _plan(repos: MoneyRepositories, customer_id: int, currency: str, amount_minor: int,
              by_hand: dict[int, int] | None) -> alloc.Plan:
        # By hand only the instalments named matter: a customer with thousands open (a long
        # statement paying them) is not read whole for every receipt.
        items = repos.money.open_items(customer_id, currency,
                                       None if by_hand is None else sorted(by_hand))
        return (alloc.oldest_first(items, amount_minor) if by_hand is None
                else alloc.by_hand(items, amount_minor, by_hand, currency))

    @staticmethod
    def _allocate_plan(repos: MoneyRepositories, actor: User, receipt_id: int,
                       plan: alloc.Plan, now: datetime) -> None:
        for receivable_id, minor in plan.parts:
            repos.money.add_allocation(receipt_id, receivable_id, minor, actor.id, now)

    def set_invoice_number(self, actor: User, receivable_id: int, number: str) -> Receivable:
        """Record the fapiao (or other invoice) number issued for an instalment."""
        self._guard.require(actor, Permission.PAYMENT_RECORD, "receivable", str(receivable_id))
        before = self.receivable(actor, receivable_id)
        text = text_field(number, MAX_REFERENCE, "An invoice number")
        now = self._clock()
        with self._store.transaction() as plain:
            money_repos(plain).money.set_invoice_number(before.id, text)
            append(plain, actor, AuditEvent("receivable.invoiced", "receivable", str(before.id), {
                "invoice_number": {"before": before.invoice_number, "after": text}}), now)
        self._bus.publish(Changes(money=True))
        return self.receivable(actor, receivable_id)

    # -- reports -----------------------------------------------------------------------------
    def export_receivables(self, actor: User, path: Path, as_of: date | None = None,
                           flt: ReceivableFilter = ALL_OPEN) -> int:
        """The open instalments the actor may see to a CSV file (audited); returns the rows."""
        self._read_scope(actor)
        day = as_of or self.today()

        def pages() -> Any:
            after: ReceivableCursor | None = None
            while True:
                batch = self.receivables(actor, flt, after, MAX_PAGE)
                if not batch:
                    return
                yield batch
                after = self.cursor_after(batch[-1])

        return reports.write_receivables(self._store, actor, self._clock, Path(path), day,
                                         pages())

    def export_ageing(self, actor: User, path: Path, as_of: date | None = None) -> int:
        """The ageing report (every customer, rep and the total) to a CSV file (audited)."""
        report = self.ageing(actor, as_of)
        return reports.write_ageing(self._store, actor, self._clock, Path(path), report)


def exact_or_zero(amount: Decimal, currency: str) -> int:
    return 0 if amount <= 0 else exact_minor(amount, currency)
