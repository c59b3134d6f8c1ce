"""The fraud watch, the session's `session.fraud`: every fraud signal of core/money/signals.py
over a period, for the customers the actor may see — receipt references used twice (against
any earlier receipt too), cash at or above the threshold (one receipt or a day's total),
payers unlike the customer, refunds shortly after a bank-account change, and refunds to an
account the customer never paid from. Warnings for a person to look into; nothing is blocked
or changed by reading them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol, cast

from core.customers.access import Scope
from core.customers.service import CustomerService
from core.errors import InvalidInput
from core.money.signals import (
    HIGH,
    AccountChange,
    ReceiptRecord,
    RefundRecord,
    Signal,
    SignalConfig,
    account_changed_before_refund,
    cash_above_threshold,
    duplicate_receipt_references,
    payer_unlike_customer,
    refund_to_other_account,
)
from core.ports import Repositories, Store
from core.roles import Permission
from core.trail import Clock, Guard
from core.users import User

DEFAULT_DAYS = 90
MAX_DAYS = 366


class WatchRepository(Protocol):
    def receipt_day(self, receipt_id: int) -> date | None: ...
    def receipts(self, scope: Scope, since: date, until: date) -> list[ReceiptRecord]: ...
    def paying_receipts(self, customer_ids: list[str]) -> list[ReceiptRecord]: ...
    def refunds(self, scope: Scope, since: date, until: date) -> list[RefundRecord]: ...
    def account_changes(self, customer_ids: list[str], since: date) -> list[AccountChange]: ...


class WatchRepositories(Repositories, Protocol):
    watch: WatchRepository


class FraudWatch:
    def __init__(self, store: Store, guard: Guard, clock: Clock,
                 customers: CustomerService) -> None:
        self._store, self._guard, self._clock = store, guard, clock
        self._customers = customers

    def signals(self, actor: User, since: date | None = None, until: date | None = None,
                config: SignalConfig | None = None) -> list[Signal]:
        """Signals of receipts received and refunds paid in [since, until] (default: the last
        90 days), high severity first."""
        self._guard.require(actor, Permission.RECEIVABLE_READ)
        c = config or SignalConfig()
        until = until or self._clock().astimezone().date()
        since = since or until - timedelta(days=DEFAULT_DAYS)
        if since > until:
            raise InvalidInput("The period starts after it ends.")
        if (until - since).days > MAX_DAYS:
            raise InvalidInput(f"Look at {MAX_DAYS} days at most at a time.")
        scope = self._customers.read_scope(actor)
        with self._store.reader() as plain:
            watch = cast(WatchRepositories, plain).watch
            receipts = watch.receipts(scope, since, until)
            refunds = watch.refunds(scope, since, until)
            refunded = [r.customer_id for r in refunds]
            paid_from = watch.paying_receipts(refunded)
            changes = watch.account_changes(refunded,
                                            since - timedelta(days=c.account_change_days))
        recent = [r for r in receipts if since <= r.date <= until]
        found = [*account_changed_before_refund(refunds, changes, c.account_change_days),
                 *duplicate_receipt_references(receipts),
                 *payer_unlike_customer(recent, c.unlike_below),
                 *refund_to_other_account(refunds, paid_from),
                 *cash_above_threshold(recent, c.cash_threshold, c.cash_currency)]
        return sorted(found, key=lambda s: (s.severity != HIGH, s.code, s.refs))

    def receipt_warnings(self, actor: User, receipt_id: int,
                         config: SignalConfig | None = None) -> list[Signal]:
        """The signals that name this receipt (its reference on another receipt, cash at or
        above the threshold alone or with the customer's other cash that day, a payer unlike
        the customer): shown when it is recorded."""
        self._guard.require(actor, Permission.RECEIVABLE_READ)
        with self._store.reader() as plain:
            day = cast(WatchRepositories, plain).watch.receipt_day(int(receipt_id))
        if day is None:
            return []
        mine = f"receipt #{int(receipt_id)}"
        return [s for s in self.signals(actor, day, day, config) if mine in s.refs]
