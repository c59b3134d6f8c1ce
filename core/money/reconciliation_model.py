"""What reconciliation stores and returns: imported statements and their lines as kept in the
vault, matches, the import's outcome, what is left unmatched, and the storage interface
(implemented in storage/reconciliation_repo.py, on the repositories object as
`reconciliation`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, cast

from core.errors import InvalidInput
from core.money.match_model import CandidateSource, OpenInstalment, OpenReceipt
from core.money.signals import ReceiptRecord, Signal
from core.money.statement import LineProblem, StatementLine
from core.ports import Repositories


@dataclass(frozen=True)
class StoredStatement:
    id: int
    bank: str
    file_name: str
    period_from: date
    period_to: date
    line_count: int
    imported_by: int
    imported_at: datetime


@dataclass(frozen=True)
class StoredLine:
    """A statement line as kept: `id` is what manual matching names."""

    id: int
    statement_id: int
    row: int
    date: date
    amount: Decimal  # positive money in, negative money out
    currency: str
    reference: str = ""
    payer_name: str = ""
    payer_account: str = ""
    description: str = ""

    def as_line(self) -> StatementLine:
        return StatementLine(self.row, self.date, self.amount, self.currency, self.reference,
                             self.payer_name, self.payer_account, self.description)


@dataclass(frozen=True)
class StoredMatch:
    id: int
    line_id: int
    kind: str  # "receipt" or "instalment"
    target_id: int
    receipt_id: int | None  # the receipt confirmed, or recorded for the instalment's money
    amount: Decimal
    difference: Decimal
    rule: str
    reason: str


@dataclass(frozen=True)
class MatchTarget:
    """A receipt or an instalment a person chooses for a line; `amount` only for a split (then
    every target of the line carries one)."""

    kind: str  # "receipt" or "instalment"
    id: int
    amount: Decimal | None = None


@dataclass(frozen=True)
class ImportedStatement:
    statement_id: int
    bank: str
    file_name: str
    period_from: date
    period_to: date
    lines: int  # every line stored (money in and out)
    matched: int  # lines matched
    unmatched_lines: int  # money-in lines left unmatched
    unmatched_receipts: int  # receipts still unconfirmed by a bank line
    unmatched_instalments: int  # instalments still open and unmatched
    differences: int  # matches whose amount differs from what was expected
    receipts_recorded: int  # receipts recorded for lines that paid instalments
    signals: tuple[Signal, ...] = ()
    outgoing: int = 0  # money-out lines (not matched here)


@dataclass(frozen=True)
class Unmatched:
    lines: tuple[StoredLine, ...]
    receipts: tuple[OpenReceipt, ...]
    instalments: tuple[OpenInstalment, ...]


class StatementRejected(InvalidInput):
    """The statement cannot be read whole: nothing was imported. `problems` lists rejected
    rows (row, column, reason), `file_problems` what kept the file from being read."""

    def __init__(self, message: str, problems: Sequence[LineProblem] = (),
                 rejected: int = 0, file_problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)
        self.rejected = rejected
        self.file_problems = tuple(file_problems)


class AlreadyImported(InvalidInput):
    def __init__(self, statement_id: int) -> None:
        self.statement_id = statement_id
        super().__init__(f"This statement was imported already (statement #{statement_id}); "
                         "nothing was imported a second time.")


class PeriodNotReconciled(InvalidInput):
    """Closing refused: lines up to that date are unmatched or matched with a difference."""

    def __init__(self, until: date, unmatched: Sequence[StoredLine],
                 differences: Sequence[StoredLine]) -> None:
        self.until, self.unmatched, self.differences = until, tuple(unmatched), tuple(differences)
        listed = "; ".join(
            [f"line {x.id} (row {x.row}, {x.date.isoformat()}, {x.amount} {x.currency}) "
             "unmatched" for x in unmatched[:10]]
            + [f"line {x.id} (row {x.row}, {x.date.isoformat()}) matched with a difference"
               for x in differences[:10]])
        super().__init__(f"The period up to {until.isoformat()} is not reconciled: "
                         f"{len(unmatched)} unmatched line(s), {len(differences)} "
                         f"difference(s): {listed}. Match them, or close with force and a "
                         "reason.")


@dataclass
class NewMatch:
    """A match part to store."""

    line_id: int
    kind: str
    target_id: int
    receipt_id: int | None
    amount_minor: int
    difference_minor: int
    rule: str
    reason: str
    extra: dict[str, str] = field(default_factory=dict)


class ReconciliationRepository(Protocol):
    def mapping(self, bank_key: str) -> dict[str, object] | None: ...
    def save_mapping(self, bank_key: str, bank: str, mapping: dict[str, object], by: int,
                     at: datetime) -> None: ...
    def statement_by_hash(self, content_hash: str) -> int | None: ...
    def add_statement(self, bank: str, bank_key: str, file_name: str, period_from: date,
                      period_to: date, lines: Sequence[StatementLine], content_hash: str,
                      by: int, at: datetime) -> int: ...
    def statement(self, statement_id: int) -> StoredStatement | None: ...
    def statements(self) -> list[StoredStatement]: ...
    def lines(self, statement_id: int) -> list[StoredLine]: ...
    def line(self, line_id: int) -> StoredLine | None: ...
    def open_receipts(self) -> list[OpenReceipt]:
        """Receipts not reversed and not matched to a statement line."""
        ...
    def open_instalments(self) -> list[OpenInstalment]:
        """Instalments with an open balance, with the contract and invoice numbers and the
        names the customer has paid under."""
        ...
    def candidates(self) -> CandidateSource:
        """Where matching fetches the open instalments a statement's lines can reach."""
        ...
    def open_instalment_count(self) -> int: ...
    def add_match(self, match: NewMatch, by: int, at: datetime) -> int: ...
    def add_matches(self, matches: Sequence[NewMatch], by: int, at: datetime) -> int: ...
    def matches(self, line_id: int) -> list[StoredMatch]: ...
    def matched_line_ids(self, statement_id: int) -> set[int]: ...
    def undo_matches(self, line_id: int, by: int, at: datetime) -> int: ...
    def closed_until(self) -> date | None: ...
    def add_close(self, until: date, forced: bool, reason: str, by: int,
                  at: datetime) -> None: ...
    def unreconciled(self, until: date) -> tuple[list[StoredLine], list[StoredLine]]:
        """Money-in lines dated up to `until`: (unmatched, matched with a difference)."""
        ...
    def receipt_records(self, receipt_ids: Sequence[int], since: date,
                        until: date) -> list[ReceiptRecord]:
        """For the fraud signals: the receipts given, and every receipt (not reversed) dated
        from `since` to `until`, with their customers' names."""
        ...


class ReconciliationRepositories(Repositories, Protocol):
    reconciliation: ReconciliationRepository


def reconciliation_repos(repos: Repositories) -> ReconciliationRepositories:
    return cast(ReconciliationRepositories, repos)
