"""What the money service needs from storage (implemented in storage/money_repo.py); it hangs
off the repositories object as `money`, and `money_repos(repos)` gives it typed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol, cast

from core.customers.access import Scope
from core.money.allocation import OpenItem
from core.money.model import (
    AgeingGroup,
    AgeingRow,
    CustomerBalance,
    PaymentMethod,
    Receipt,
    Receivable,
    ReceivableCursor,
    ReceivableFilter,
)
from core.ports import Repositories


class MoneyRepository(Protocol):
    def add_receivables(self, contract_id: int, customer_id: int, currency: str,
                        instalments: Sequence[tuple[int, date, int, str]],
                        at: datetime) -> int:
        """One receivable per (position, due date, minor units, label); returns how many."""
        ...
    def receivable(self, receivable_id: int) -> Receivable | None: ...
    def receivables(self, scope: Scope, flt: ReceivableFilter, after: ReceivableCursor | None,
                    limit: int) -> list[Receivable]:
        """By (due date, id), strictly after `after`; only customers in `scope`."""
        ...
    def open_items(self, customer_id: int, currency: str,
                   only: Sequence[int] | None = None) -> list[OpenItem]:
        """The customer's open instalments in the currency, oldest due first; with `only`,
        just those of them (what an allocation by hand names)."""
        ...
    def set_invoice_number(self, receivable_id: int, number: str) -> None: ...
    def find_duplicate(self, payer_key: str, reference_key: str, amount_minor: int,
                       currency: str, received_on: date) -> int | None:
        """The receipt (not reversed) with this payer, reference, amount and date."""
        ...
    def add_receipt(self, customer_id: int, received_on: date, currency: str,
                    amount_minor: int, method: PaymentMethod, reference: str,
                    reference_key: str, payer_name: str, payer_key: str, recorded_by: int,
                    recorded_at: datetime) -> int: ...
    def add_allocation(self, receipt_id: int, receivable_id: int, amount_minor: int,
                       allocated_by: int, allocated_at: datetime) -> int: ...
    def add_reversal(self, receipt_id: int, reason: str, reversed_by: int,
                     reversed_at: datetime) -> None: ...
    def receipt(self, receipt_id: int) -> Receipt | None: ...
    def receipts(self, customer_id: int) -> list[Receipt]: ...
    def balances(self, customer_id: int, as_of: date) -> list[CustomerBalance]: ...
    def ageing(self, scope: Scope, as_of: date, group: AgeingGroup) -> list[AgeingRow]:
        """One SQL aggregate over the open instalments of customers in `scope`."""
        ...


class MoneyRepositories(Repositories, Protocol):
    money: MoneyRepository


def money_repos(repos: Repositories) -> MoneyRepositories:
    return cast(MoneyRepositories, repos)
