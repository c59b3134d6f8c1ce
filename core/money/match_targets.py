"""What statement matching works on: each receipt and instalment as a candidate (its amount in
minor units, the names it is known by, the date it is due or was received), an instalment as
the known-payer rule reads it from a bare row, and the pieces a match is made of (a split
over several instalments, the oldest ones an amount covers, the allocations and the reason).
Used by core/money/matching.py."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.contracts.money import MINOR_UNITS, format_amount, quantize, to_minor
from core.errors import InvalidInput
from core.money.candidates import payer_keys
from core.money.match_model import (
    INSTALMENT,
    RECEIPT,
    Allocation,
    Match,
    OpenReceipt,
    PayerRow,
    Target,
)
from core.money.names import reference_key
from core.money.statement import StatementLine

# On a tie a recorded receipt is confirmed before an instalment is paid: the receipt is the
# same money, already booked.
FIRST = {RECEIPT: 0, INSTALMENT: 1}


@dataclass(frozen=True, eq=False)
class Candidate:
    kind: str
    id: str
    customer: str
    names: tuple[str, ...]
    when: date
    minor: int
    amount: Decimal
    currency: str
    source: Target

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.id

    def label(self) -> str:
        if self.kind == RECEIPT:
            return f"receipt {self.id} of {self.when.isoformat()}"
        return f"instalment {self.id} due {self.when.isoformat()}"


class RowCandidate:
    """An instalment as the known-payer rule reads it (a PayerRow): made whole if picked."""

    __slots__ = ("currency", "customer", "id", "minor", "when")
    kind = INSTALMENT

    def __init__(self, row: PayerRow) -> None:
        self.id, self.customer, self.when, self.minor, self.currency = row

    @property
    def key(self) -> tuple[str, str]:
        return INSTALMENT, self.id

    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-MINOR_UNITS[self.currency])

    def label(self) -> str:
        return f"instalment {self.id} due {self.when.isoformat()}"


def candidate(t: Target) -> Candidate:
    if isinstance(t, OpenReceipt):
        names = tuple(n for n in (t.customer_name, t.payer_name) if n)
        return Candidate(RECEIPT, t.id, t.customer_id, names, t.date,
                         minor_of(t.amount, t.currency), quantize(t.amount, t.currency),
                         t.currency, t)
    return Candidate(INSTALMENT, t.id, t.customer_id, (t.customer_name, *t.payer_names),
                     t.due_date, minor_of(t.open_amount, t.currency),
                     quantize(t.open_amount, t.currency), t.currency, t)


@functools.lru_cache(maxsize=1 << 16)
def minor_of(amount: Decimal, currency: str) -> int:
    return to_minor(amount, currency)


# A customer's instalments share their names; a contract's, its number.
cached_reference_key = functools.lru_cache(maxsize=1 << 16)(reference_key)


@functools.lru_cache(maxsize=1 << 16)
def sorted_payer_keys(names: tuple[str, ...], accounts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(payer_keys(names, accounts)))


def money_text(amount: Decimal, currency: str) -> str:
    return f"{format_amount(amount, currency)} {currency}"


def labels(ts: Sequence[Candidate]) -> str:
    return ", ".join(f"{t.label()} ({money_text(t.amount, t.currency)})" for t in ts)


def cover(amount: Decimal, ts: Sequence[Candidate]) -> list[Candidate]:
    """The oldest instalments the amount reaches (all of them when it is more)."""
    out, total = [], Decimal(0)
    for t in ts:
        if total >= amount:
            break
        out.append(t)
        total += t.amount
    return out


def split(ts: Sequence[Candidate], minor: int, max_split: int) -> list[Candidate]:
    """Instalments (in due order) whose open amounts sum to `minor`: a run of consecutive ones
    first (the usual "the oldest two"), earliest first; then any subset of the first
    `max_split`, fewest first."""
    runs = ts[:64]
    for i in range(len(runs)):
        total = 0
        for j in range(i, len(runs)):
            total += runs[j].minor
            if total == minor and j > i:
                return list(runs[i:j + 1])
            if total > minor and runs[j].minor > 0:
                break
    small = [t for t in ts[:max_split] if 0 < t.minor <= minor]
    # Whether any subset sums to the amount at all (both halves' subset sums, 2 x 64 at
    # most), before walking up to 4,095 subsets in order for the first one that does.
    half = len(small) // 2
    left = subset_sums([t.minor for t in small[:half]])
    if not any(minor - s in left for s in subset_sums([t.minor for t in small[half:]])):
        return []
    for size in range(2, len(small) + 1):
        for combo in itertools.combinations(small, size):
            if sum(t.minor for t in combo) == minor:
                return list(combo)
    return []


def subset_sums(values: Sequence[int]) -> set[int]:
    sums = {0}
    for v in values:
        sums |= {s + v for s in sums}
    return sums


def make_match(line: StatementLine, ts: Sequence[Candidate], rule: str, reason: str,
          confidence: float) -> Match:
    allocations, left = [], line.amount
    for i, t in enumerate(ts):
        part = t.amount if i < len(ts) - 1 or left >= t.amount else left
        part = min(part, left)
        allocations.append(Allocation(t.kind, t.id, part))
        left -= part
    difference = line.amount - sum((t.amount for t in ts), Decimal(0))
    if difference:
        word = "more" if difference > 0 else "less"
        reason += f"; {money_text(abs(difference), line.currency)} {word} than expected"
    return Match(line, tuple(allocations), rule, reason, confidence, difference)


def check_unique(lines: Sequence[StatementLine], targets: Sequence[Candidate]) -> None:
    rows = [line.row for line in lines]
    if len(set(rows)) != len(rows):
        raise InvalidInput("Two statement lines share a row number; match one statement at "
                           "a time.")
    keys = [t.key for t in targets]
    if len(set(keys)) != len(keys):
        raise InvalidInput("Two receipts or two instalments share an id.")
