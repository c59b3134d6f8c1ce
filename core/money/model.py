"""Receivables, receipts, allocations, customer credit and ageing as the core sees them.

Amounts are Decimals of the row's currency (stored as integer minor units); dates are calendar
dates; times are timezone-aware UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from core.contracts.money import DEFAULT_CURRENCY


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    CHEQUE = "cheque"
    ALIPAY = "alipay"
    WECHAT_PAY = "wechat_pay"


METHOD_LABELS: dict[PaymentMethod, str] = {
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.ALIPAY: "Alipay",
    PaymentMethod.WECHAT_PAY: "WeChat Pay",
}


def days_overdue(due: date, as_of: date) -> int:
    """Whole days past the due date; 0 on the due date and before it."""
    return max(0, (as_of - due).days)


@dataclass(frozen=True)
class Receivable:
    """One instalment of a signed contract's payment schedule, as owed by the customer.

    billed (amount) = allocated (received) + written_off + open, always (the database checks
    it too)."""

    id: int
    contract_id: int
    contract_number: str
    position: int
    customer_id: int
    customer_name: str
    owner_id: int
    currency: str
    amount: Decimal
    allocated: Decimal
    written_off: Decimal
    open: Decimal
    due: date
    label: str = ""
    invoice_number: str = ""  # the fapiao (or other invoice) number, when issued

    def days_overdue(self, as_of: date) -> int:
        return days_overdue(self.due, as_of) if self.open > 0 else 0


@dataclass(frozen=True)
class ReceivableFilter:
    customer_id: int | None = None
    contract_id: int | None = None
    open_only: bool = True
    overdue_on: date | None = None  # only instalments past due on this date
    due_from: date | None = None  # due on or after
    due_until: date | None = None  # due on or before
    escalated_only: bool = False  # only instalments escalated to a manager (collection)


@dataclass(frozen=True)
class ReceivableCursor:
    """Where the next page starts: after this (due date, id)."""

    due: date
    id: int


@dataclass(frozen=True)
class ReceiptDraft:
    """What finance types for money that came in."""

    received_on: date
    amount: Decimal
    method: PaymentMethod | str
    reference: str = ""  # bank serial, cheque number, Alipay/WeChat transaction number
    payer_name: str = ""
    currency: str = DEFAULT_CURRENCY


@dataclass(frozen=True)
class Allocation:
    id: int
    receipt_id: int
    receivable_id: int
    amount: Decimal
    allocated_by: int
    allocated_at: datetime


@dataclass(frozen=True)
class Receipt:
    id: int
    customer_id: int
    received_on: date
    currency: str
    amount: Decimal
    method: PaymentMethod
    reference: str
    payer_name: str
    recorded_by: int
    recorded_at: datetime
    allocations: tuple[Allocation, ...] = ()  # reversing ones (negative) included
    reversed_at: datetime | None = None  # a receipt entered by mistake, undone
    reversal_reason: str = ""
    refunded: Decimal | None = None  # paid back to the customer (approved refunds)

    @property
    def reversed(self) -> bool:
        return self.reversed_at is not None

    @property
    def allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), Decimal(0) * self.amount)

    @property
    def unallocated(self) -> Decimal:
        """What is left of the receipt after its allocations: the customer's credit from it
        (nothing once the receipt is reversed)."""
        if self.reversed:
            return self.amount * 0
        return self.amount - self.allocated - (self.refunded or self.amount * 0)


@dataclass(frozen=True)
class CustomerCredit:
    customer_id: int
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class CustomerBalance:
    """A customer's account in one currency. billed = allocated + written_off + open;
    received = allocated + credit."""

    customer_id: int
    currency: str
    billed: Decimal
    allocated: Decimal
    written_off: Decimal
    open: Decimal
    overdue: Decimal  # part of `open` past due on the day asked
    received: Decimal
    credit: Decimal


class AgeingGroup(StrEnum):
    CUSTOMER = "customer"
    REP = "rep"
    TOTAL = "total"


@dataclass(frozen=True)
class AgeingRow:
    """Open balances of one customer, one rep (the customers' owner) or everything, in one
    currency, by days overdue."""

    group: AgeingGroup
    key: int | None  # customer or rep id; None for the total
    name: str
    currency: str
    current: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal

    @property
    def buckets(self) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
        return (self.current, self.days_1_30, self.days_31_60, self.days_61_90, self.over_90)

    @property
    def open(self) -> Decimal:
        return sum(self.buckets[1:], self.current)


@dataclass(frozen=True)
class AgeingReport:
    as_of: date
    by_customer: tuple[AgeingRow, ...]
    by_rep: tuple[AgeingRow, ...]
    total: tuple[AgeingRow, ...]  # one row per currency
