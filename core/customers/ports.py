"""What the customer services need from storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.customers.access import Scope
from core.customers.model import Customer, CustomerDraft, CustomerStatus, CustomerSummary
from core.ports import Repositories


class SortKey:
    NAME = "name"
    UPDATED = "updated"
    CITY = "city"
    ALL = (NAME, UPDATED, CITY)


@dataclass(frozen=True)
class CustomerFilter:
    status: CustomerStatus | None = None
    owner_id: int | None = None
    city: str = ""
    tag: str = ""


@dataclass(frozen=True)
class PageCursor:
    """Keyset position: the sort value and id of the last row of the previous page."""

    value: str
    id: int


class CustomerRepository(Protocol):
    def add(self, draft: CustomerDraft, owner_id: int, at: datetime) -> Customer: ...
    def get(self, customer_id: int) -> Customer | None: ...
    def save(self, customer: Customer, draft: CustomerDraft, at: datetime) -> Customer:
        """Replace the editable fields; raises EditConflict when the stored version moved."""
        ...
    def shared_with(self, customer_id: int) -> set[int]: ...
    def set_shared(self, customer_id: int, user_id: int, shared: bool) -> None: ...
    def transfer(self, from_owner: int, to_owner: int, at: datetime) -> list[int]: ...
    def page(self, scope: Scope, flt: CustomerFilter, sort: str, descending: bool,
             after: PageCursor | None, limit: int) -> list[CustomerSummary]: ...
    def cursor_of(self, summary: CustomerSummary, sort: str) -> PageCursor: ...
    def count(self, scope: Scope, flt: CustomerFilter) -> int: ...
    def search(self, scope: Scope, query: str, limit: int) -> list[CustomerSummary]: ...
    def search_sensitive(self, scope: Scope, query: str,
                         limit: int) -> list[CustomerSummary]: ...


@dataclass(frozen=True)
class AccountChange:
    """A customer's bank account changed (from the customer form; read by the refund fraud
    signals)."""

    customer_id: int
    changed_at: datetime
    old_account: str
    new_account: str
    changed_by: int


class BankAccountHistory(Protocol):
    def add_change(self, customer_id: int, old_account: str, new_account: str, at: datetime,
                   by: int) -> None: ...
    def changes(self, customer_id: int, since: datetime) -> list[AccountChange]:
        """Oldest first."""
        ...
    def paying_accounts(self, customer_id: int) -> list[str]:
        """Accounts this customer's receipts came from (their matched statement lines)."""
        ...
    def move(self, from_customer: int, to_customer: int) -> None:
        """A merge: the removed record's changes become the kept one's."""
        ...


class CustomerRepositories(Repositories, Protocol):
    customers: CustomerRepository
    bank_accounts: BankAccountHistory
