"""Collection as the core sees it: notes taken while chasing money (each an interaction with
the customer, linked to the instalments it was about, with the promise to pay if one was made)
and escalations of long-overdue instalments to the manager; and what the collection service
needs from storage (storage/collection_repo.py, hung off the repositories as `collection`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, cast

from core.customers.access import Scope
from core.ports import Repositories

ESCALATE_KEY = "collection_escalate_after_days"
DEFAULT_ESCALATE_AFTER = 30
DEFAULT_DUE_WITHIN = 7


@dataclass(frozen=True)
class CollectionNote:
    interaction_id: int
    customer_id: int
    kind: str  # the interaction's kind: call, visit, meeting, email, note
    at: datetime
    author_name: str
    summary: str
    receivable_ids: tuple[int, ...]
    promised_on: date | None = None
    promised_amount: Decimal | None = None
    currency: str = ""


@dataclass(frozen=True)
class ChaseState:
    """The latest collection note and escalation of one instalment, for the lists."""

    receivable_id: int
    last_note_at: datetime | None = None
    promised_on: date | None = None
    escalated_at: datetime | None = None
    manager_id: int | None = None


@dataclass(frozen=True)
class OverdueItem:
    """An open instalment overdue past the escalation setting, not escalated yet."""

    receivable_id: int
    manager_id: int | None  # the customer owner's manager
    due: date
    open_minor: int


@dataclass(frozen=True)
class Reminders:
    """What the Today page tells someone who chases money."""

    as_of: date
    due_soon: int  # open instalments due within the next days
    overdue: int
    escalated: int
    promises_due: int  # promises to pay falling due by today on instalments still open


class CollectionRepository(Protocol):
    def add_note(self, interaction_id: int, receivable_id: int, promised_on: date | None,
                 promised_minor: int | None) -> None: ...
    def notes(self, customer_id: int, limit: int) -> list[CollectionNote]:
        """Newest first."""
        ...
    def chase_states(self, receivable_ids: list[int]) -> dict[int, ChaseState]: ...
    def to_escalate(self, due_before: date, limit: int) -> list[OverdueItem]:
        """Open instalments due before the date and not escalated yet, oldest first."""
        ...
    def add_escalation(self, item: OverdueItem, days_overdue: int, at: datetime) -> None: ...
    def counts(self, scope: Scope, as_of: date, due_until: date) -> tuple[int, int, int, int]:
        """(due soon, overdue, escalated, promises due) over the open instalments in scope."""
        ...


class CollectionRepositories(Repositories, Protocol):
    collection: CollectionRepository


def collection_repos(repos: Repositories) -> CollectionRepositories:
    return cast(CollectionRepositories, repos)
