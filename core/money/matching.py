"""Matching the money in on a bank statement to receipts already recorded and to instalments
still expected: an exact reference first, then amount and payer within a date window, a split
over several instalments of one customer when their sum is the amount, and amounts a little
off (bank fees) flagged. Each rule runs over every line before the next, weaker one, so a
strong match is never taken by a weak one; everything is looked up in dictionaries (by
reference, by payer, by amount), so 10,000 lines against 10,000 instalments stay linear.
A person's match or split of one line is checked here too.

Deterministic: lines in (date, row) order, ties broken by date distance, due date and id.
Names and references are compared through core.money.names, as the fraud signals do; the
inputs and results are in core.money.match_model."""

from __future__ import annotations

import bisect
import functools
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.contracts.money import format_amount, quantize, to_minor
from core.errors import InvalidInput
from core.money.match_model import (
    INSTALMENT,
    RECEIPT,
    Allocation,
    Match,
    MatchConfig,
    MatchResult,
    OpenInstalment,
    OpenReceipt,
    Suggestion,
    Target,
)
from core.money.names import (
    account_key,
    best_similarity,
    normalize_name,
    reference_key,
    reference_tokens,
)
from core.money.statement import StatementLine

# On a tie a recorded receipt is confirmed before an instalment is paid: the receipt is the
# same money, already booked.
_FIRST = {RECEIPT: 0, INSTALMENT: 1}
MAX_SCAN = 256  # candidates of one amount looked at per line: more is a pathological file


# -- internals -------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _T:
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


def _target(t: Target) -> _T:
    if isinstance(t, OpenReceipt):
        names = tuple(n for n in (t.customer_name, t.payer_name) if n)
        return _T(RECEIPT, t.id, t.customer_id, names, t.date, _minor(t.amount, t.currency),
                  quantize(t.amount, t.currency), t.currency, t)
    return _T(INSTALMENT, t.id, t.customer_id, (t.customer_name, *t.payer_names), t.due_date,
              _minor(t.open_amount, t.currency), quantize(t.open_amount, t.currency),
              t.currency, t)


@functools.lru_cache(maxsize=1 << 16)
def _minor(amount: Decimal, currency: str) -> int:
    return to_minor(amount, currency)


def _money(amount: Decimal, currency: str) -> str:
    return f"{format_amount(amount, currency)} {currency}"


class _Matcher:
    def __init__(self, targets: list[_T], config: MatchConfig) -> None:
        self.config = config
        self.used: set[tuple[str, str]] = set()
        self.by_ref: dict[str, list[_T]] = defaultdict(list)
        self.by_payer: dict[tuple[str, str], list[_T]] = defaultdict(list)
        self.by_amount: dict[tuple[str, int], list[_T]] = defaultdict(list)
        self.amounts: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        self.index = {t.key: t for t in targets}
        for t in sorted(targets, key=lambda t: (t.when, t.kind, t.id)):
            src = t.source
            refs = [src.reference] if isinstance(src, OpenReceipt) else list(src.references)
            for ref in {reference_key(r) for r in refs}:
                if len(ref) >= 4:
                    self.by_ref[ref].append(t)
            accounts = ([src.payer_account] if isinstance(src, OpenReceipt)
                        else list(src.payer_accounts))
            for key in sorted(_payer_keys(t.names, accounts)):
                self.by_payer[(t.currency, key)].append(t)
            self.by_amount[(t.currency, t.minor)].append(t)
            self.amounts[t.currency].append((t.minor, t.kind, t.id))
        for values in self.amounts.values():
            values.sort()

    # windows
    def in_window(self, line: StatementLine, t: _T, overdue_ok: bool = False) -> bool:
        days = (line.date - t.when).days
        if t.kind == RECEIPT:
            return abs(days) <= self.config.receipt_days
        return -self.config.days_early <= days and (overdue_ok or days <= self.config.days_late)

    def free(self, ts: Iterable[_T], line: StatementLine) -> list[_T]:
        return [t for t in ts if t.key not in self.used and t.currency == line.currency]

    def payer_candidates(self, line: StatementLine) -> list[_T]:
        found: dict[tuple[str, str], _T] = {}
        for key in sorted(_payer_keys([line.payer_name], [line.payer_account])):
            for t in self.by_payer.get((line.currency, key), ()):
                found.setdefault(t.key, t)
        return self.free(found.values(), line)

    def tolerance(self, expected: Decimal) -> Decimal:
        return min(self.config.tolerance, abs(expected) * self.config.tolerance_ratio)

    # rules: each returns a Match or None
    def by_reference(self, line: StatementLine) -> Match | None:
        keys = reference_tokens(line.reference, line.description)
        own = reference_key(line.reference)
        if len(own) >= 4:
            keys.add(own)
        cands = self.free({t.key: t for k in sorted(keys) for t in self.by_ref.get(k, ())}
                          .values(), line)
        receipts = [t for t in cands if t.kind == RECEIPT]
        if receipts:
            exact = [t for t in receipts if t.minor == _minor(line.amount, line.currency)]
            pick = sorted(exact or receipts, key=lambda t: (abs((line.date - t.when).days),
                                                            t.id))
            if len(exact) != 1 and len(receipts) != 1:
                return None  # several receipts carry it: a person decides
            t = pick[0]
            return _make(line, [t], "reference", f"reference matches {t.label()}",
                         1.0 if t.amount == line.amount else 0.8)
        customers = {t.customer for t in cands}
        if len(customers) != 1:
            return None
        cands.sort(key=lambda t: (t.when, t.id))
        picked = self.exact_or_split(line, cands, overdue_ok=True, window=False)
        if picked:
            what = "reference and amount match " if len(picked) == 1 else "reference; split over "
            return _make(line, picked, "reference", what + _labels(picked),
                         0.95 if len(picked) == 1 else 0.9)
        covered = _cover(line.amount, cands)
        return _make(line, covered, "reference", "reference matches; paid oldest first: "
                     + _labels(covered), 0.7)

    def exact_or_split(self, line: StatementLine, cands: list[_T], *, overdue_ok: bool,
                       window: bool = True) -> list[_T]:
        minor = _minor(line.amount, line.currency)
        fits = [t for t in cands if not window or self.in_window(line, t, overdue_ok)]
        exact = [t for t in fits if t.minor == minor]
        if exact:
            return [min(exact, key=lambda t: (_FIRST[t.kind], abs((line.date - t.when).days),
                                              t.when, t.id))]
        instalments = [t for t in fits if t.kind == INSTALMENT]
        return _split(instalments, minor, self.config.max_split)

    def by_payer_exact(self, line: StatementLine) -> Match | None:
        cands = self.payer_candidates(line)
        by_customer: dict[str, list[_T]] = defaultdict(list)
        for t in cands:
            by_customer[t.customer].append(t)
        found = []
        for customer in sorted(by_customer):
            group = sorted(by_customer[customer], key=lambda t: (t.when, t.id))
            picked = self.exact_or_split(line, group, overdue_ok=True)
            if picked:
                found.append(picked)
        if len(found) != 1:
            return None  # nothing, or one payer account shared by customers: a person decides
        picked = found[0]
        if len(picked) > 1:
            return _make(line, picked, "split", "payer known; the amount is the sum of "
                         + _labels(picked), 0.85)
        t = picked[0]
        late = (line.date - t.when).days > self.config.days_late and t.kind == INSTALMENT
        return _make(line, picked, "payer", f"amount and payer match {t.label()}"
                     + (" (paid late)" if late else ""), 0.85 if late else 0.9)

    def by_amount_payer(self, line: StatementLine) -> Match | None:
        bucket = self.by_amount.get((line.currency, _minor(line.amount, line.currency)), [])
        lo = line.date.toordinal() - max(self.config.days_late, self.config.receipt_days)
        hi = line.date.toordinal() + max(self.config.days_early, self.config.receipt_days)
        start = bisect.bisect_left(bucket, lo, key=lambda t: t.when.toordinal())
        scored = []
        for t in itertools.islice(bucket, start, start + MAX_SCAN):
            if t.when.toordinal() > hi:
                break
            if t.key in self.used or not self.in_window(line, t):
                continue
            score = best_similarity(line.payer_name, t.names)
            if score >= self.config.similar:
                scored.append((-score, _FIRST[t.kind], abs((line.date - t.when).days), t.when,
                               t.id, t))
        if not scored:
            return None
        scored.sort(key=lambda s: s[:5])
        best = scored[0]
        if len(scored) > 1 and scored[1][0] == best[0] and scored[1][5].customer != \
                best[5].customer:
            return None
        t = best[5]
        return _make(line, [t], "amount_payer", f"amount matches {t.label()}; payer "
                     f"{line.payer_name!r} is like {t.names[0]!r} ({-best[0]:.2f})",
                     round(0.8 * -best[0], 2))

    def by_tolerance(self, line: StatementLine) -> Match | None:
        known = self.near(line, [t for t in self.payer_candidates(line)
                                 if self.in_window(line, t, True)])
        if known is not None:
            return self.off_by(line, known)
        cands: list[_T] = []
        tol = self.tolerance(line.amount)
        lo, hi = _minor(line.amount - tol, line.currency), _minor(line.amount + tol,
                                                                     line.currency)
        values = self.amounts.get(line.currency, [])
        start = bisect.bisect_left(values, (lo,))
        for minor, kind, tid in itertools.islice(values, start, start + MAX_SCAN):
            if minor > hi:
                break
            t = self.index[(kind, tid)]
            if (t.key not in self.used and self.in_window(line, t)
                    and best_similarity(line.payer_name, t.names) >= self.config.similar):
                cands.append(t)
        found = self.near(line, cands)
        return None if found is None else self.off_by(line, found)

    def near(self, line: StatementLine, cands: list[_T]) -> _T | None:
        near = sorted((t for t in cands
                       if 0 < abs(t.amount - line.amount) <= self.tolerance(t.amount)),
                      key=lambda t: (abs(t.amount - line.amount), _FIRST[t.kind],
                                     abs((line.date - t.when).days), t.when, t.id))
        if not near or (len(near) > 1 and near[1].customer != near[0].customer
                        and near[1].amount == near[0].amount):
            return None
        return near[0]

    def off_by(self, line: StatementLine, t: _T) -> Match:
        return _make(line, [t], "tolerance", f"payer matches {t.label()}; the amount is off by "
                     f"{_money(line.amount - t.amount, line.currency)}", 0.6)

    def suggest(self, line: StatementLine, limit: int = 3) -> list[Suggestion]:
        out: dict[tuple[str, str], Suggestion] = {}
        bucket = self.by_amount.get((line.currency, _minor(line.amount, line.currency)), [])
        near = sorted((t for t in itertools.islice(bucket, MAX_SCAN) if t.key not in self.used),
                      key=lambda t: (abs((line.date - t.when).days), t.kind, t.id))
        for t in near[:limit]:
            out[t.key] = Suggestion(line.row, t.kind, t.id, f"same amount: {t.label()}, "
                                    f"customer {t.names[0] if t.names else t.customer}", 0.4)
        for t in sorted(self.payer_candidates(line), key=lambda t: (t.when, t.kind, t.id))[:limit]:
            out.setdefault(t.key, Suggestion(line.row, t.kind, t.id, f"same payer: {t.label()} "
                           f"of {_money(t.amount, t.currency)}", 0.3))
        return list(out.values())


def _payer_keys(names: Iterable[str], accounts: Iterable[str]) -> set[str]:
    # A one-character name or a short (masked, truncated) account number identifies nobody.
    keys = {"n:" + n for n in map(normalize_name, names) if len(n) >= 2}
    return keys | {"a:" + a for a in map(account_key, accounts) if len(a) >= 8}


def _labels(ts: Sequence[_T]) -> str:
    return ", ".join(f"{t.label()} ({_money(t.amount, t.currency)})" for t in ts)


def _cover(amount: Decimal, ts: Sequence[_T]) -> list[_T]:
    """The oldest instalments the amount reaches (all of them when it is more)."""
    out, total = [], Decimal(0)
    for t in ts:
        if total >= amount:
            break
        out.append(t)
        total += t.amount
    return out


def _split(ts: Sequence[_T], minor: int, max_split: int) -> list[_T]:
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
    for size in range(2, len(small) + 1):
        for combo in itertools.combinations(small, size):
            if sum(t.minor for t in combo) == minor:
                return list(combo)
    return []


def _make(line: StatementLine, ts: Sequence[_T], rule: str, reason: str,
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
        reason += f"; {_money(abs(difference), line.currency)} {word} than expected"
    return Match(line, tuple(allocations), rule, reason, confidence, difference)


def _check_unique(lines: Sequence[StatementLine], targets: Sequence[_T]) -> None:
    rows = [line.row for line in lines]
    if len(set(rows)) != len(rows):
        raise InvalidInput("Two statement lines share a row number; match one statement at "
                           "a time.")
    keys = [t.key for t in targets]
    if len(set(keys)) != len(keys):
        raise InvalidInput("Two receipts or two instalments share an id.")


# -- public ----------------------------------------------------------------------------------
def match_statement(lines: Sequence[StatementLine], receipts: Sequence[OpenReceipt],
                    instalments: Sequence[OpenInstalment],
                    config: MatchConfig | None = None) -> MatchResult:
    """Match the money-in lines to receipts and instalments; see the module's docstring."""
    config = config or MatchConfig()
    targets = [_target(t) for t in [*receipts, *instalments]]
    _check_unique(lines, targets)
    # Nothing is expected of a settled instalment or a zero receipt: not matched automatically.
    m = _Matcher([t for t in targets if t.minor > 0], config)
    pending = sorted((line for line in lines if line.amount > 0), key=lambda x: (x.date, x.row))
    matches: list[Match] = []
    for rule in (m.by_reference, m.by_payer_exact, m.by_amount_payer, m.by_tolerance):
        still = []
        for line in pending:
            found = rule(line)
            if found is None:
                still.append(line)
                continue
            matches.append(found)
            m.used.update((a.kind, a.target_id) for a in found.allocations)
        pending = still
    suggestions = [s for line in pending for s in m.suggest(line)]
    matches.sort(key=lambda x: (x.line.date, x.line.row))
    return MatchResult(matches, [line for line in lines if line.amount <= 0], suggestions,
                       tuple(lines), tuple(receipts), tuple(instalments))


def manual_match(line: StatementLine, targets: Sequence[Target], note: str = "") -> Match:
    """A person's match of `line` to `targets` (allocated oldest first; a difference is
    flagged, not refused)."""
    ts = _manual_targets(line, targets)
    ts.sort(key=lambda t: (t.when, t.kind, t.id))
    return _make(line, ts, "manual", note or "matched by hand", 1.0)


def manual_split(line: StatementLine, parts: Sequence[tuple[Target, Decimal]],
                 note: str = "") -> Match:
    """A person's split of `line` over targets with the amount for each: every part above zero
    and within what its target expects, the parts summing exactly to the line."""
    ts = _manual_targets(line, [p[0] for p in parts])
    allocations = []
    for t, (_, raw) in zip(ts, parts, strict=True):
        amount = quantize(raw, line.currency)
        if amount <= 0 or amount > t.amount:
            raise InvalidInput(f"The part for {t.label()} must be above zero and at most "
                               f"{_money(t.amount, t.currency)}; it is "
                               f"{_money(amount, line.currency)}.")
        allocations.append(Allocation(t.kind, t.id, amount))
    total = sum((a.amount for a in allocations), Decimal(0))
    if total != line.amount:
        raise InvalidInput(f"The parts add up to {_money(total, line.currency)}, not to the "
                           f"line's {_money(line.amount, line.currency)}.")
    return Match(line, tuple(allocations), "manual", note or "split by hand", 1.0, Decimal(0))


def _manual_targets(line: StatementLine, targets: Sequence[Target]) -> list[_T]:
    if line.amount <= 0:
        raise InvalidInput(f"Row {line.row} is money out; only money in is matched.")
    if not targets:
        raise InvalidInput("Choose at least one receipt or instalment.")
    ts = [_target(t) for t in targets]
    if len({t.key for t in ts}) != len(ts):
        raise InvalidInput("The same receipt or instalment is chosen twice.")
    for t in ts:
        if t.currency != line.currency:
            raise InvalidInput(f"The {t.label()} is in {t.currency}; the line is in "
                               f"{line.currency}.")
    return ts

