"""The pure money rules: exact amounts (no floats, no extra decimals, nothing zero or negative),
allocation oldest first and by hand, and ageing buckets — with the invariants as Hypothesis
properties: allocated + credit = received for any sequence of receipts; billed = received +
written off + open; ageing buckets always sum to the open balance."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.money.ageing import BUCKETS, age, bucket_of, due_bounds
from core.money.allocation import AllocationInvalid, OpenItem, by_hand, oldest_first
from core.money.amounts import exact_minor
from core.money.model import days_overdue

D = date(2030, 6, 30)


# -- amounts -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value, currency, minor", [
    (Decimal("1130.00"), "CNY", 113000), ("0.01", "CNY", 1), (Decimal("5"), "CNY", 500),
    (Decimal("1.10"), "USD", 110), ("1500", "JPY", 1500), (7, "CNY", 700),
    (Decimal("2.500"), "CNY", 250),  # trailing zeros are not extra precision
])
def test_exact_amounts_become_minor_units(value: object, currency: str, minor: int) -> None:
    assert exact_minor(value, currency) == minor


@pytest.mark.parametrize("value, currency, words", [
    (0.1, "CNY", "floating-point"), (100.0, "CNY", "floating-point"),
    (True, "CNY", "floating-point"),
    (Decimal("0"), "CNY", "more than zero"), (Decimal("-5.00"), "CNY", "more than zero"),
    ("-0.01", "CNY", "more than zero"),
    (Decimal("100.005"), "CNY", "more decimals"), (Decimal("1.5"), "JPY", "more decimals"),
    ("1e-9", "CNY", "more decimals"),
    ("abc", "CNY", "not a number"), ("NaN", "CNY", "finite"), ("Infinity", "CNY", "finite"),
    (Decimal("1e16"), "CNY", "too large"), ("1", "XXX", "Unsupported currency"),
])
def test_bad_amounts_are_refused_not_rounded(value: object, currency: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        exact_minor(value, currency)


# -- allocation --------------------------------------------------------------------------------
def _items() -> list[OpenItem]:
    # Given out of order on purpose: the oldest due date is paid first, whatever the order.
    return [OpenItem(3, date(2030, 3, 1), 300), OpenItem(1, date(2030, 1, 1), 100),
            OpenItem(2, date(2030, 2, 1), 200)]


def test_a_partial_payment_goes_to_the_oldest_instalment_first() -> None:
    plan = oldest_first(_items(), 250)
    assert plan.parts == ((1, 100), (2, 150))
    assert plan.credit_minor == 0


def test_an_overpayment_leaves_credit() -> None:
    plan = oldest_first(_items(), 1000)
    assert plan.parts == ((1, 100), (2, 200), (3, 300))
    assert plan.credit_minor == 400


def test_same_due_date_is_paid_in_id_order() -> None:
    items = [OpenItem(9, D, 50), OpenItem(4, D, 50)]
    assert oldest_first(items, 60).parts == ((4, 50), (9, 10))


def test_by_hand_takes_exactly_what_is_asked_and_keeps_the_rest_as_credit() -> None:
    plan = by_hand(_items(), 500, {3: 300, 1: 50})
    assert plan.parts == ((1, 50), (3, 300))
    assert plan.credit_minor == 150


@pytest.mark.parametrize("requested, words", [
    ({1: 101}, "only 1.00 CNY open"),
    ({7: 10}, "not an open instalment"),
    ({1: 0}, "more than zero"),
    ({1: -5}, "more than zero"),
    ({2: 200, 3: 300}, "exceed the 4.00 available"),
])
def test_by_hand_refuses_what_cannot_stand(requested: dict[int, int], words: str) -> None:
    with pytest.raises(AllocationInvalid, match=words):
        by_hand(_items(), 400, requested)


def test_by_hand_lists_every_problem() -> None:
    with pytest.raises(AllocationInvalid) as info:
        by_hand(_items(), 50, {1: 500, 8: 1})
    assert len(info.value.problems) == 3


def test_a_paid_instalment_takes_no_more() -> None:
    items = [OpenItem(1, D, 0), OpenItem(2, D, 10)]
    assert oldest_first(items, 20).parts == ((2, 10),)
    with pytest.raises(AllocationInvalid):
        by_hand(items, 20, {1: 1})


@st.composite
def _ledger(draw: st.DrawFn) -> tuple[list[OpenItem], list[tuple[int, dict[int, int] | None]]]:
    count = draw(st.integers(0, 8))
    items = [OpenItem(i + 1, D + timedelta(days=draw(st.integers(-200, 200))),
                      draw(st.integers(1, 10**7))) for i in range(count)]
    receipts = []
    for _ in range(draw(st.integers(1, 6))):
        amount = draw(st.integers(1, 2 * 10**7))
        hand = None
        if items and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from([i.receivable_id for i in items]),
                                   unique=True, max_size=3))
            hand = {rid: draw(st.integers(1, 10**7)) for rid in chosen}
        receipts.append((amount, hand))
    return items, receipts


@settings(max_examples=300, deadline=None)
@given(_ledger())
def test_property_allocated_plus_credit_equals_received(
        ledger: tuple[list[OpenItem], list[tuple[int, dict[int, int] | None]]]) -> None:
    """Any sequence of receipts, automatic or by hand (refused plans change nothing): what was
    received = allocated + credit, and billed = allocated + written off (0) + open, for every
    instalment and in total; no instalment is ever paid beyond its amount."""
    items, receipts = ledger
    billed = {i.receivable_id: i.open_minor for i in items}
    open_now = dict(billed)
    received = allocated = credit = 0
    for amount, hand in receipts:
        current = [OpenItem(i.receivable_id, i.due, open_now[i.receivable_id]) for i in items]
        try:
            plan = oldest_first(current, amount) if hand is None else by_hand(current, amount,
                                                                               hand)
        except AllocationInvalid:
            continue
        received += amount
        for rid, minor in plan.parts:
            assert 0 < minor <= open_now[rid]
            open_now[rid] -= minor
        allocated += plan.allocated_minor
        credit += plan.credit_minor
        assert plan.allocated_minor + plan.credit_minor == amount
        if hand is None and plan.credit_minor:
            assert all(v == 0 for v in open_now.values())  # credit only once all is paid
    written_off = 0
    assert allocated + credit == received
    assert sum(billed.values()) == allocated + written_off + sum(open_now.values())


# -- ageing ------------------------------------------------------------------------------------
@pytest.mark.parametrize("days, bucket", [
    (-400, 0), (-1, 0), (0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3), (90, 3), (91, 4),
    (5000, 4)])
def test_bucket_edges(days: int, bucket: int) -> None:
    assert bucket_of(days) == bucket
    assert len(BUCKETS) == 5


def test_days_overdue_counts_from_the_day_after_the_due_date() -> None:
    assert days_overdue(D, D) == 0
    assert days_overdue(D, D + timedelta(days=1)) == 1
    assert days_overdue(D, D - timedelta(days=9)) == 0


def test_due_bounds_agree_with_buckets() -> None:
    bounds = due_bounds(D)
    for offset in range(-5, 130):
        due = D - timedelta(days=offset)
        # The first bound the due date reaches is its bucket (the SQL's definition).
        by_bounds = next((k for k, b in enumerate(bounds) if due >= b), len(bounds))
        assert by_bounds == bucket_of(offset)


_DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_DAYS, st.integers(0, 10**12)), max_size=40), _DAYS)
def test_property_buckets_sum_to_the_open_balance(items: list[tuple[date, int]],
                                                  as_of: date) -> None:
    buckets = age(items, as_of)
    assert sum(buckets) == sum(minor for _due, minor in items)
    assert all(b >= 0 for b in buckets)
