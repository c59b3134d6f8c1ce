"""What each matching rule can reach of the open instalments, as requests a CandidateSource
(the vault, in SQL) answers, so a long statement is matched against the few instalments its
lines can reach instead of every open one.

A rule looks instalments up by key only: by reference key (rule 1), by payer key within the
date window of a known payer (rules 2 and 4), by exact amount within a date window (rule 3),
by amount range (rule 4) and, for the suggestions, by exact amount and by payer at any date.
Before each rule the lines still pending ask for exactly what that rule can look up, so every
instalment a rule could consider is there when it runs: the result is the one matching every
open instalment gives (tests/core/test_money_matching_prefilter.py compares them). The scan
caps (matching.MAX_SCAN) are kept: an amount bucket is fetched in the same order the matcher
walks it, and the amount-range walk is given the exact instalments the unfiltered walk would
see (near_amount), those outside the date window as keys only."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from core.contracts.money import to_minor
from core.money.match_model import AmountWant, MatchConfig, NearWant
from core.money.names import account_key, normalize_name, reference_key, reference_tokens
from core.money.statement import StatementLine


def payer_keys(names: Iterable[str], accounts: Iterable[str]) -> set[str]:
    # A one-character name or a short (masked, truncated) account number identifies nobody.
    keys = {"n:" + n for n in map(normalize_name, names) if len(n) >= 2}
    return keys | {"a:" + a for a in map(account_key, accounts) if len(a) >= 8}


def line_reference_keys(line: StatementLine) -> set[str]:
    return set(_reference_keys(line.reference, line.description))


@functools.lru_cache(maxsize=1 << 14)  # asked once for the request, once by the rule
def _reference_keys(reference: str, description: str) -> frozenset[str]:
    keys = reference_tokens(reference, description)
    own = reference_key(reference)
    if len(own) >= 4:
        keys.add(own)
    return frozenset(keys)


def tolerance(config: MatchConfig, expected: Decimal) -> Decimal:
    return min(config.tolerance, abs(expected) * config.tolerance_ratio)


def tolerance_range(line: StatementLine, config: MatchConfig) -> tuple[int, int]:
    tol = tolerance(config, line.amount)
    return (to_minor(line.amount - tol, line.currency),
            to_minor(line.amount + tol, line.currency))


def amount_days(line: StatementLine, config: MatchConfig) -> tuple[date, date]:
    """The due dates rule 3 walks for the line (the wider of the two windows)."""
    return (line.date - timedelta(days=max(config.days_late, config.receipt_days)),
            line.date + timedelta(days=max(config.days_early, config.receipt_days)))


def instalment_days(line: StatementLine, config: MatchConfig) -> tuple[date, date]:
    """The due dates of the instalments a payment on the line's date may pay on time."""
    return (line.date - timedelta(days=config.days_late),
            line.date + timedelta(days=config.days_early))


# -- requests, one set per rule --------------------------------------------------------------
def reference_request(lines: Sequence[StatementLine]) -> set[str]:
    return {k for line in lines for k in line_reference_keys(line)}


def payer_request(lines: Sequence[StatementLine], config: MatchConfig,
                  any_date: bool) -> dict[str, date | None]:
    """Payer keys with the latest due date wanted: the window of a known payer (anything
    overdue, up to days_early ahead), or any date for the suggestions."""
    wanted: dict[str, date | None] = {}
    for line in lines:
        until = None if any_date else line.date + timedelta(days=config.days_early)
        for key in payer_keys([line.payer_name], [line.payer_account]):
            if key in wanted:
                before = wanted[key]
                wanted[key] = None if before is None or until is None else max(before, until)
            else:
                wanted[key] = until
    return wanted


def amount_request(lines: Sequence[StatementLine], config: MatchConfig,
                   limit: int) -> list[AmountWant]:
    """Rule 3 walks the line's amount bucket from the window's first day, `limit` at most."""
    out = []
    for line in lines:
        lo, hi = amount_days(line, config)
        out.append(AmountWant(line.currency, to_minor(line.amount, line.currency), lo, hi,
                              limit))
    return out


def suggestion_request(lines: Sequence[StatementLine], limit: int) -> list[AmountWant]:
    """The suggestions look at the first `limit` of the line's amount bucket, any date."""
    return [AmountWant(c, m, None, None, limit) for c, m in
            sorted({(x.currency, to_minor(x.amount, x.currency)) for x in lines})]


def near_request(lines: Sequence[StatementLine], config: MatchConfig, limit: int,
                 receipts_between: Callable[[str, int, int], bool]) -> list[NearWant]:
    """Rule 4 walks the amounts from the line's lower bound, `limit` at most, receipts and
    instalments interleaved: every instalment's place counts only where receipts are among
    them (`receipts_between(currency, lo, hi)`); otherwise the walk skips all but those due
    in the window."""
    out = []
    for line in lines:
        lo, hi = tolerance_range(line, config)
        first, last = instalment_days(line, config)
        out.append(NearWant(line.row, line.currency, lo, hi, limit, first, last,
                            receipts_between(line.currency, lo, hi)))
    return out
