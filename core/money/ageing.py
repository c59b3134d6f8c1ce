"""Ageing of open balances by days overdue: current (not yet due, or due today), 1–30, 31–60,
61–90 and over 90 days. Buckets are disjoint and cover every day, so they always sum to the
open balance.

Storage ages with one SQL aggregate using `due_bounds` (the same definition, as due dates:
text comparison of ISO dates; storage/money_ageing.py sums what is due before each bound and
takes the buckets as differences), so ageing a million instalments never loops over them in
Python; `age` is the reference the tests compare it with."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

BUCKETS = ("current", "1-30", "31-60", "61-90", "over 90")
# Upper limits of days overdue of every bucket but the last.
LIMITS = (0, 30, 60, 90)


def bucket_of(days: int) -> int:
    """The bucket index (0..4) of `days` overdue (0 or less is current)."""
    for index, limit in enumerate(LIMITS):
        if days <= limit:
            return index
    return len(LIMITS)


def due_bounds(as_of: date) -> tuple[date, ...]:
    """For each bucket but the last, the earliest due date that still falls in it (or in a
    younger one): an instalment is in bucket k when due >= bounds[k] and due < bounds[k-1]."""
    return tuple(as_of - timedelta(days=limit) for limit in LIMITS)


def age(items: Iterable[tuple[date, int]], as_of: date) -> list[int]:
    """Minor units per bucket of (due date, open minor units) pairs."""
    buckets = [0] * len(BUCKETS)
    for due, open_minor in items:
        buckets[bucket_of((as_of - due).days)] += open_minor
    return buckets
