"""What statement matching takes and gives: the receipts and instalments still open, the
configuration (date windows, tolerance), the matches with their allocations and reasons,
suggestions for the lines left over, the MatchResult, and a person's edits to a result
(apply_manual, unmatch)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from core.money.statement import StatementLine

RECEIPT, INSTALMENT = "receipt", "instalment"


@dataclass(frozen=True)
class OpenReceipt:
    """A receipt recorded (by hand, say) and not yet confirmed by the bank."""

    id: str
    customer_id: str
    customer_name: str
    date: date
    amount: Decimal
    currency: str
    reference: str = ""
    payer_name: str = ""
    payer_account: str = ""


@dataclass(frozen=True)
class OpenInstalment:
    """An instalment still (partly) unpaid; `references` are the contract and invoice (fapiao)
    numbers a payer may write in the remark; `payer_names`/`payer_accounts` the other names
    and accounts this customer is known to pay from."""

    id: str
    customer_id: str
    customer_name: str
    due_date: date
    open_amount: Decimal
    currency: str
    references: tuple[str, ...] = ()
    payer_names: tuple[str, ...] = ()
    payer_accounts: tuple[str, ...] = ()


Target = OpenReceipt | OpenInstalment


@dataclass(frozen=True)
class Allocation:
    kind: str  # RECEIPT or INSTALMENT
    target_id: str
    amount: Decimal


@dataclass(frozen=True)
class Match:
    line: StatementLine
    allocations: tuple[Allocation, ...]
    rule: str  # reference, payer, split, amount_payer, tolerance, manual
    reason: str
    confidence: float
    difference: Decimal  # line amount − amount the targets expected; 0 when exact

    @property
    def flagged(self) -> bool:
        return self.difference != 0


@dataclass(frozen=True)
class Suggestion:
    """A candidate for a line left unmatched, for the person matching by hand."""

    row: int
    kind: str
    target_id: str
    reason: str
    confidence: float


@dataclass(frozen=True)
class MatchConfig:
    days_early: int = 5  # a payment this many days before an instalment's due date matches
    days_late: int = 5  # ... and this many after (a known payer matches any overdue one)
    receipt_days: int = 5  # bank date vs a recorded receipt's date
    tolerance: Decimal = Decimal("50.00")  # an amount this far off is a difference, flagged
    tolerance_ratio: Decimal = Decimal("0.01")  # ... and at most this share of the amount
    similar: float = 0.8  # payer name similarity that counts as the customer
    max_split: int = 12  # instalments of one customer searched for a split


@dataclass
class MatchResult:
    matches: list[Match]
    outgoing: list[StatementLine]  # money out: not matched here
    suggestions: list[Suggestion]
    lines: tuple[StatementLine, ...] = field(default=(), repr=False)
    receipts: tuple[OpenReceipt, ...] = field(default=(), repr=False)
    instalments: tuple[OpenInstalment, ...] = field(default=(), repr=False)

    @property
    def unmatched_lines(self) -> list[StatementLine]:
        rows = {m.line.row for m in self.matches}
        return [line for line in self.lines if line.amount > 0 and line.row not in rows]

    @property
    def unmatched_receipts(self) -> list[OpenReceipt]:
        used = self._used(RECEIPT)
        return [r for r in self.receipts if r.id not in used]

    @property
    def unmatched_instalments(self) -> list[OpenInstalment]:
        used = self._used(INSTALMENT)
        return [i for i in self.instalments if i.id not in used]

    @property
    def differences(self) -> list[Match]:
        return [m for m in self.matches if m.flagged]

    @property
    def used_instalments(self) -> set[str]:
        return self._used(INSTALMENT)

    def _used(self, kind: str) -> set[str]:
        return {a.target_id for m in self.matches for a in m.allocations if a.kind == kind}



@dataclass(frozen=True)
class AmountWant:
    """Open instalments of exactly `minor` in `currency` due from `due_from` to `due_to`
    (None: no bound): the first `limit` of them in (due date, id as text) order."""

    currency: str
    minor: int
    due_from: date | None
    due_to: date | None
    limit: int


@dataclass(frozen=True)
class NearWant:
    """For statement row `row`: the first `limit` open instalments in `currency` whose open
    amount is from `lo` to `hi` minor units, in (amount, id as text) order."""

    row: int
    currency: str
    lo: int
    hi: int
    limit: int
    due_from: date  # ... of which those due in this window are wanted whole
    due_to: date
    # The (amount, id) of all `limit` are wanted (receipts are interleaved with them), else
    # of those due in the window only.
    every: bool = True


# An open instalment as (id, customer id, due date, open amount in minor units, currency).
PayerRow = tuple[str, str, date, int, str]


class CandidateSource(Protocol):
    """Where a long statement's matching fetches the open instalments it can reach, instead
    of being handed every open one (core/money/candidates.py says what each rule needs).
    Each method returns every open instalment that fits (more does no harm)."""

    def by_reference(self, keys: set[str]) -> Sequence[OpenInstalment]:
        """Those whose contract or invoice number's names.reference_key is one of `keys`."""
        ...

    def by_payer(self, keys: Mapping[str, date | None]) -> Sequence[OpenInstalment]:
        """Those of the customers with a payer key (matching._payer_keys of their name, the
        names and accounts they paid under) in `keys`, due on or before the key's date (None:
        all)."""
        ...

    def payer_rows(self, keys: Mapping[str, date | None]) -> Mapping[str, Sequence[PayerRow]]:
        """What by_payer finds, per key, as bare rows: enough for the known-payer rule, which
        reads amounts and due dates only (thousands of customers share a common name)."""
        ...

    def instalments(self, ids: Sequence[str]) -> Sequence[OpenInstalment]:
        """These open instalments whole."""
        ...

    def by_amount(self, wants: Sequence[AmountWant]) -> Sequence[OpenInstalment]: ...

    def near_amount(self, wants: Sequence[NearWant]) -> tuple[
            Sequence[OpenInstalment], Mapping[int, Sequence[tuple[int, str]]]]:
        """The instalments due within each want's window among its first `limit`, and per
        row the (open minor, id) of all its first `limit` (or, unless `every`, of those due
        in the window), in order."""
        ...


def apply_manual(result: MatchResult, match: Match) -> MatchResult:
    """`result` with `match` in place of any match that used its line or any of its targets
    (their lines and other targets become unmatched again)."""
    keys = {(a.kind, a.target_id) for a in match.allocations}
    kept = [m for m in result.matches if m.line.row != match.line.row
            and not keys & {(a.kind, a.target_id) for a in m.allocations}]
    kept.append(match)
    kept.sort(key=lambda x: (x.line.date, x.line.row))
    return MatchResult(kept, result.outgoing, [s for s in result.suggestions
                                               if s.row != match.line.row],
                       result.lines, result.receipts, result.instalments)


def unmatch(result: MatchResult, row: int) -> MatchResult:
    """`result` without the match of statement row `row`."""
    kept = [m for m in result.matches if m.line.row != row]
    return MatchResult(kept, result.outgoing, result.suggestions, result.lines,
                       result.receipts, result.instalments)
