"""Credit limits, profiles and exposure as the core sees them, and the repository the credit
service needs (implemented by storage/funds_repo.py SqlCredit, hung off the repositories
object as `credit`, where it is also the contracts' CreditSource)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, cast

from core.customers.access import Scope
from core.money.credit import PaymentRecord
from core.ports import Repositories


@dataclass(frozen=True)
class CreditProfile:
    """What the scorecard needs that the customer record does not hold."""

    customer_id: int
    established_on: date | None = None
    registered_capital: Decimal | None = None  # CNY


@dataclass(frozen=True)
class CreditLimit:
    id: int
    customer_id: int
    currency: str
    limit: Decimal
    reason: str
    rating: str  # the scorecard's rating when the limit was set
    review_on: date
    set_by: int  # who proposed it
    set_at: datetime
    state: str = "pending"  # pending, approved, rejected
    decided_by: int | None = None
    decided_at: datetime | None = None
    comment: str = ""
    set_by_name: str = ""  # the users' names when the limit was read
    decided_by_name: str = ""


@dataclass(frozen=True)
class Exposure:
    customer_id: int
    currency: str
    open_receivables: Decimal
    approved_contracts: Decimal  # approved, not signed yet (not billed)

    @property
    def total(self) -> Decimal:
        return self.open_receivables + self.approved_contracts


@dataclass(frozen=True)
class LimitStatus:
    """A limit in force with the customer's exposure now."""

    limit: CreditLimit
    customer_name: str
    exposure: Exposure

    @property
    def available(self) -> Decimal:
        return self.limit.limit - self.exposure.total

    @property
    def over(self) -> bool:
        return self.exposure.total > self.limit.limit


class CreditRepository(Protocol):
    def profile(self, customer_id: int) -> CreditProfile | None: ...
    def set_profile(self, customer_id: int, established_on: date | None,
                    capital_minor: int | None, by: int, at: datetime) -> None: ...
    def limit(self, customer_id: int, currency: str) -> CreditLimit | None:
        """The newest approved limit of the customer in `currency` (the one in force)."""
        ...
    def proposal(self, limit_id: int) -> CreditLimit | None: ...
    def newest(self, customer_id: int, currency: str) -> CreditLimit | None:
        """The newest limit proposed for the customer in `currency`, whatever its state."""
        ...
    def limits(self, customer_id: int) -> list[CreditLimit]:
        """Every limit ever proposed for the customer, newest first."""
        ...
    def pending(self, scope: Scope) -> list[CreditLimit]: ...
    def decide(self, limit_id: int, decision: str, by: int, comment: str,
               at: datetime) -> None: ...
    def add_limit(self, customer_id: int, currency: str, limit_minor: int, reason: str,
                  rating: str, review_on: date, by: int, at: datetime) -> CreditLimit: ...
    def exposure(self, customer_id: int, currency: str) -> Exposure: ...
    def payment_records(self, customer_id: int, currency: str) -> list[PaymentRecord]: ...
    def in_force(self, scope: Scope) -> list[LimitStatus]:
        """The limit in force per customer and currency, customers in `scope` only."""
        ...
    # The contracts' CreditSource (core/contracts/ports.py).
    def available_credit(self, customer_id: int, currency: str) -> Decimal | None: ...
    def rating(self, customer_id: int) -> str | None: ...


class CreditRepositories(Repositories, Protocol):
    credit: CreditRepository


def credit_repos(repos: Repositories) -> CreditRepositories:
    return cast(CreditRepositories, repos)
