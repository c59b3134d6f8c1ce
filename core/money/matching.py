"""Matching the money in on a bank statement to receipts already recorded and to instalments
still expected: an exact reference first, then amount and payer within a date window, a split
over several instalments of one customer when their sum is the amount, and amounts a little
off (bank fees) flagged. Each rule runs over every line before the next, weaker one, so a
strong match is never taken by a weak one; everything is looked up in dictionaries (by
reference, by payer, by amount), so 10,000 lines against 10,000 instalments stay linear.
A person's match or split of one line is checked here too. Given a CandidateSource instead of
every open instalment, each rule first fetches what its pending lines can reach
(core/money/candidates.py), with the same result.

Deterministic: lines in (date, row) order, ties broken by date distance, due date and id.
Names and references are compared through core.money.names, as the fraud signals do; the
inputs and results are in core.money.match_model."""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from core.contracts.money import quantize
from core.errors import InvalidInput
from core.money import candidates as want
from core.money.match_model import (
    INSTALMENT,
    RECEIPT,
    Allocation,
    CandidateSource,
    Match,
    MatchConfig,
    MatchResult,
    NearWant,
    OpenInstalment,
    OpenReceipt,
    PayerRow,
    Suggestion,
    Target,
)
from core.money.match_targets import FIRST as _FIRST
from core.money.match_targets import Candidate as _T
from core.money.match_targets import RowCandidate as _Row
from core.money.match_targets import cached_reference_key as _reference_key
from core.money.match_targets import candidate as _target
from core.money.match_targets import check_unique as _check_unique
from core.money.match_targets import cover as _cover
from core.money.match_targets import labels as _labels
from core.money.match_targets import make_match as _make
from core.money.match_targets import minor_of as _minor
from core.money.match_targets import money_text as _money
from core.money.match_targets import sorted_payer_keys as _sorted_payer_keys
from core.money.match_targets import split as _split
from core.money.names import best_similarity
from core.money.statement import StatementLine

MAX_SCAN = 256  # candidates of one amount looked at per line: more is a pathological file


class _Matcher:
    def __init__(self, targets: list[_T], config: MatchConfig) -> None:
        self.config = config
        self.used: set[tuple[str, str]] = set()
        self.by_ref: dict[str, list[_T]] = defaultdict(list)
        self.by_payer: dict[tuple[str, str], list[_T]] = defaultdict(list)
        self.by_amount: dict[tuple[str, int], list[_T]] = defaultdict(list)
        self.amounts: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        # Receipts alone by amount, and per statement row the instalments the amount-range
        # walk would see, when the instalments come from a CandidateSource.
        self.receipt_amounts: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        self.near_scans: dict[int, list[tuple[int, str, str]]] | None = None
        self.payer_rows: dict[str, list[_Row]] | None = None
        self.index: dict[tuple[str, str], _T] = {}
        self.add(targets)

    def add(self, targets: Iterable[_T]) -> None:
        """Index targets not indexed yet; the buckets stay in the order one build gives."""
        new = {t.key: t for t in targets if t.key not in self.index}
        if not new:
            return
        self.index.update(new)
        buckets, currencies = set(), set()
        for t in sorted(new.values(), key=lambda t: (t.when, t.kind, t.id)):
            src = t.source
            refs = [src.reference] if isinstance(src, OpenReceipt) else list(src.references)
            for ref in {_reference_key(r) for r in refs}:
                if len(ref) >= 4:
                    self.by_ref[ref].append(t)
            accounts = ([src.payer_account] if isinstance(src, OpenReceipt)
                        else list(src.payer_accounts))
            for key in _sorted_payer_keys(t.names, tuple(accounts)):
                self.by_payer[(t.currency, key)].append(t)
            self.by_amount[(t.currency, t.minor)].append(t)
            self.amounts[t.currency].append((t.minor, t.kind, t.id))
            if t.kind == RECEIPT:
                self.receipt_amounts[t.currency].append((t.minor, t.kind, t.id))
            buckets.add((t.currency, t.minor))
            currencies.add(t.currency)
        for bucket in buckets:
            self.by_amount[bucket].sort(key=lambda t: (t.when, t.kind, t.id))
        for currency in currencies:
            self.amounts[currency].sort()
            self.receipt_amounts[currency].sort()

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
        for key in _sorted_payer_keys((line.payer_name,), (line.payer_account,)):
            for t in self.by_payer.get((line.currency, key), ()):
                found.setdefault(t.key, t)
        return self.free(found.values(), line)

    def known_payer(self, line: StatementLine) -> list[_T]:
        """payer_candidates, the instalments as bare rows when they come from a source."""
        if self.payer_rows is None:
            return self.payer_candidates(line)
        found: dict[tuple[str, str], Any] = {}
        for key in _sorted_payer_keys((line.payer_name,), (line.payer_account,)):
            for t in self.by_payer.get((line.currency, key), ()):
                found.setdefault(t.key, t)
            for row in self.payer_rows.get(key, ()):
                found.setdefault(row.key, row)
        return self.free(found.values(), line)

    def tolerance(self, expected: Decimal) -> Decimal:
        return want.tolerance(self.config, expected)

    # rules: each returns a Match or None
    def by_reference(self, line: StatementLine) -> Match | None:
        keys = want.line_reference_keys(line)
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
        cands = self.known_payer(line)
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
        lo, hi = want.tolerance_range(line, self.config)
        for minor, kind, tid in itertools.islice(self.walk(line, lo), MAX_SCAN):
            if minor > hi:
                break
            t = self.index.get((kind, tid))
            if t is None:
                continue  # an instalment the source left out: due outside the window
            if (t.key not in self.used and self.in_window(line, t)
                    and best_similarity(line.payer_name, t.names) >= self.config.similar):
                cands.append(t)
        found = self.near(line, cands)
        return None if found is None else self.off_by(line, found)

    def walk(self, line: StatementLine, lo: int) -> Iterator[tuple[int, str, str]]:
        """Receipts and instalments of the line's currency from amount `lo` up, in (amount,
        kind, id) order."""
        if self.near_scans is None:
            values = self.amounts.get(line.currency, [])
            return iter(values[bisect.bisect_left(values, (lo,)):])
        receipts = self.receipt_amounts.get(line.currency, [])
        return heapq.merge(self.near_scans.get(line.row, []),
                           receipts[bisect.bisect_left(receipts, (lo,)):])

    def receipts_between(self, currency: str, lo: int, hi: int) -> bool:
        values = self.receipt_amounts.get(currency, [])
        at = bisect.bisect_left(values, (lo,))
        return at < len(values) and values[at][0] <= hi

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


# -- public ----------------------------------------------------------------------------------
def match_statement(lines: Sequence[StatementLine], receipts: Sequence[OpenReceipt],
                    instalments: Sequence[OpenInstalment],
                    config: MatchConfig | None = None,
                    source: CandidateSource | None = None) -> MatchResult:
    """Match the money-in lines to receipts and instalments; see the module's docstring. With
    a `source`, the instalments the lines can reach are fetched from it as well (the result's
    `instalments` are those given and fetched)."""
    config = config or MatchConfig()
    targets = [_target(t) for t in [*receipts, *instalments]]
    _check_unique(lines, targets)
    # Nothing is expected of a settled instalment or a zero receipt: not matched automatically.
    m = _Matcher([t for t in targets if t.minor > 0], config)
    pending = sorted((line for line in lines if line.amount > 0), key=lambda x: (x.date, x.row))
    fetched: dict[str, OpenInstalment] = {i.id: i for i in instalments}

    def fetch(found: Iterable[OpenInstalment]) -> None:
        new = [i for i in found if i.id not in fetched]
        fetched.update((i.id, i) for i in new)
        m.add(t for t in map(_target, new) if t.minor > 0)

    if source is not None:
        m.near_scans = {}
    stages: list[Callable[[list[StatementLine]], None]] = [
        lambda todo: fetch(source.by_reference(want.reference_request(todo))),
        lambda todo: _rows(m, source.payer_rows(want.payer_request(todo, config, False))),
        lambda todo: fetch(source.by_amount(want.amount_request(todo, config, MAX_SCAN))),
        lambda todo: (fetch(source.by_payer(want.payer_request(todo, config, False))),
                      _near(m, source, want.near_request(todo, config, MAX_SCAN,
                                                         m.receipts_between), fetch)),
    ] if source is not None else []
    matches: list[Match] = []
    for n, rule in enumerate((m.by_reference, m.by_payer_exact, m.by_amount_payer,
                              m.by_tolerance)):
        if stages and pending:
            stages[n](pending)
        still = []
        for line in pending:
            found = rule(line)
            if found is None:
                still.append(line)
                continue
            matches.append(found)
            m.used.update((a.kind, a.target_id) for a in found.allocations)
        pending = still
        if source is not None and m.payer_rows is not None:
            m.payer_rows = None  # the rows' rule is done: what it picked is read whole
            picked = sorted({a.target_id for x in matches for a in x.allocations
                             if a.kind == INSTALMENT and a.target_id not in fetched})
            if picked:
                fetch(source.instalments(picked))
    if source is not None and pending:
        fetch(source.by_amount(want.suggestion_request(pending, MAX_SCAN)))
        fetch(source.by_payer(want.payer_request(pending, config, True)))
    suggestions = [s for line in pending for s in m.suggest(line)]
    matches.sort(key=lambda x: (x.line.date, x.line.row))
    return MatchResult(matches, [line for line in lines if line.amount <= 0], suggestions,
                       tuple(lines), tuple(receipts), tuple(fetched.values()))


def _rows(m: _Matcher, rows: Mapping[str, Sequence[PayerRow]]) -> None:
    m.payer_rows = {key: [_Row(r) for r in found] for key, found in rows.items()}


def _near(m: _Matcher, source: CandidateSource, wants: list[NearWant],
          fetch: Callable[[Iterable[OpenInstalment]], None]) -> None:
    found, scans = source.near_amount(wants)
    fetch(found)
    assert m.near_scans is not None
    for row, scan in scans.items():
        m.near_scans[row] = [(minor, INSTALMENT, tid) for minor, tid in scan]


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

