"""Fund requests (refunds, discounts after signing, rebates, bad-debt provisions, write-offs) as
the core sees them, and what the fund service needs from storage (storage/funds_repo.py, hung
off the repositories object as `funds`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, cast

from core.contracts.money import DEFAULT_CURRENCY
from core.customers.access import Scope
from core.ports import Repositories


class FundKind(StrEnum):
    REFUND = "refund"
    DISCOUNT = "discount"  # a discount granted after signing, against one instalment
    REBATE = "rebate"  # a credit note against one instalment
    PROVISION = "provision"  # a bad-debt allowance: the customer still owes the instalment
    WRITE_OFF = "write_off"


class FundState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


# Kinds that take money off an instalment's open balance (receivables.written_off).
REDUCES_OPEN = frozenset({FundKind.DISCOUNT, FundKind.REBATE, FundKind.WRITE_OFF})
ON_INSTALMENT = REDUCES_OPEN | {FundKind.PROVISION}

KIND_LABELS: dict[FundKind, str] = {
    FundKind.REFUND: "Refund",
    FundKind.DISCOUNT: "Discount after signing",
    FundKind.REBATE: "Rebate",
    FundKind.PROVISION: "Bad-debt provision",
    FundKind.WRITE_OFF: "Write-off",
}


@dataclass(frozen=True)
class FundDraft:
    """What the requester types. An instalment (`receivable_id`) is the target of every kind
    but a refund; a refund names the receipt whose unallocated money goes back and the account
    it goes to."""

    kind: FundKind | str
    customer_id: int
    amount: Decimal
    reason: str
    currency: str = DEFAULT_CURRENCY
    receivable_id: int | None = None
    receipt_id: int | None = None
    destination: str = ""  # refunds: the account the money is paid to


@dataclass(frozen=True)
class FundDecision:
    actor_id: int
    actor_name: str
    decision: str  # approved, rejected, cancelled
    comment: str
    at: datetime


@dataclass(frozen=True)
class FundRequest:
    id: int
    kind: FundKind
    customer_id: int
    currency: str
    amount: Decimal
    reason: str
    receivable_id: int | None
    receipt_id: int | None
    destination: str
    approvals_needed: int
    state: FundState
    requested_by: int
    requested_at: datetime
    decided_at: datetime | None = None
    decisions: tuple[FundDecision, ...] = ()
    requested_by_name: str = ""  # as stored when read
    customer_name: str = ""
    customer_anonymised: bool = False

    @property
    def approvers(self) -> tuple[int, ...]:
        return tuple(d.actor_id for d in self.decisions if d.decision == "approved")


class FundRepository(Protocol):
    def add(self, kind: FundKind, customer_id: int, currency: str, amount_minor: int,
            reason: str, receivable_id: int | None, receipt_id: int | None, destination: str,
            approvals_needed: int, requested_by: int, at: datetime) -> int: ...
    def get(self, request_id: int) -> FundRequest | None: ...
    def page(self, scope: Scope, state: FundState | None, customer_id: int | None,
             limit: int) -> list[FundRequest]:
        """Newest first, only customers in `scope`."""
        ...
    def add_decision(self, request_id: int, actor_id: int, decision: str, comment: str,
                     at: datetime) -> None: ...
    def set_state(self, request_id: int, state: FundState, at: datetime) -> None: ...
    def write_off(self, request_id: int, receivable_id: int, amount_minor: int,
                  at: datetime) -> None:
        """Take the amount off the instalment's open balance (into written_off)."""
        ...
    def provide(self, request_id: int, receivable_id: int, amount_minor: int,
                at: datetime) -> None: ...
    def refund(self, request_id: int, receipt_id: int, amount_minor: int, destination: str,
               at: datetime) -> None: ...
    def refundable_minor(self, receipt_id: int) -> int:
        """What is left of the receipt after its allocations and refunds (0 once reversed)."""
        ...
    def recent_minor(self, kind: FundKind, customer_id: int, currency: str,
                     since: datetime) -> int: ...
    def refunded_minor(self, customer_id: int, currency: str) -> int: ...
    def provided_minor(self, receivable_id: int) -> int:
        """The bad-debt provisions made against the instalment so far."""
        ...


class FundRepositories(Repositories, Protocol):
    funds: FundRepository


def fund_repos(repos: Repositories) -> FundRepositories:
    return cast(FundRepositories, repos)
