"""What statement matching takes and gives: the receipts and instalments still open, the
configuration (date windows, tolerance), the matches with their allocations and reasons,
suggestions for the lines left over, the MatchResult, and a person's edits to a result
(apply_manual, unmatch)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

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

    def _used(self, kind: str) -> set[str]:
        return {a.target_id for m in self.matches for a in m.allocations if a.kind == kind}



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
