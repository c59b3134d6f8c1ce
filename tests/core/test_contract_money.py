"""Money rules contracts rely on: half-up rounding to the minor unit, exact minor-unit storage,
line and contract totals, even splits whose parts sum exactly, schedules that must sum."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.contracts.model import Instalment
from core.contracts.money import (
    fraction,
    from_minor,
    line_net,
    quantize,
    split_evenly,
    tax_on,
    to_minor,
    totals,
)
from core.contracts.schedule import (
    ScheduleInvalid,
    check_schedule,
    even_schedule,
    payment_days,
    schedule_problems,
)
from core.errors import InvalidInput


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    ("0.005", "CNY", "0.01"),  # half-up, where banker's rounding would give 0.00
    ("2.675", "CNY", "2.68"),  # binary floats famously give 2.67 here
    ("0.125", "USD", "0.13"),
    ("-0.005", "CNY", "-0.01"),  # half away from zero for refunds too
    ("0.0049", "CNY", "0.00"),
    ("1234.5", "JPY", "1235"),  # no minor unit
])
def test_rounding_is_half_up_to_the_minor_unit(amount: str, currency: str,
                                               expected: str) -> None:
    assert quantize(Decimal(amount), currency) == Decimal(expected)
    assert str(quantize(Decimal(amount), currency)) == expected


def test_minor_units_round_trip_exactly() -> None:
    assert to_minor(Decimal("1234567.89"), "CNY") == 123456789
    assert from_minor(123456789, "CNY") == Decimal("1234567.89")
    assert to_minor(Decimal("0.015"), "CNY") == 2
    assert to_minor(Decimal("500"), "JPY") == 500
    with pytest.raises(InvalidInput):
        to_minor(Decimal("1e20"), "CNY")
    with pytest.raises(InvalidInput):
        to_minor(Decimal("1"), "XXX")


def test_floats_are_refused_and_fractions_bounded() -> None:
    with pytest.raises(InvalidInput):
        quantize(0.1, "CNY")  # type: ignore[arg-type]
    assert fraction("0.13", "tax rate") == Decimal("0.13")
    for bad in ("-0.01", "1.5", "13"):
        with pytest.raises(InvalidInput):
            fraction(bad, "discount")


def test_line_and_contract_totals() -> None:
    # 3 × 33.33 with 10 % off = 89.991 → 89.99; 13 % VAT of that = 11.6987 → 11.70
    net = line_net(Decimal("3"), Decimal("33.33"), Decimal("0.10"), "CNY")
    tax = tax_on(net, Decimal("0.13"), "CNY")
    assert (net, tax) == (Decimal("89.99"), Decimal("11.70"))
    result = totals([(net, tax), (Decimal("10.00"), Decimal("0.60"))], "CNY")
    assert (result.net, result.tax, result.gross) == (Decimal("99.99"), Decimal("12.30"),
                                                      Decimal("112.29"))


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=60))
def test_split_evenly_sums_exactly(minor: int, parts: int) -> None:
    total = from_minor(minor, "CNY")
    amounts = split_evenly(total, parts, "CNY")
    assert len(amounts) == parts
    assert sum(amounts, Decimal(0)) == total
    assert max(amounts) - min(amounts) <= Decimal("0.01")
    assert all(a == quantize(a, "CNY") for a in amounts)


def test_split_of_one_hundred_in_three() -> None:
    assert split_evenly(Decimal("100.00"), 3) == [Decimal("33.34"), Decimal("33.33"),
                                                  Decimal("33.33")]


def test_schedule_must_sum_be_ordered_and_not_empty() -> None:
    gross = Decimal("100.00")
    good = (Instalment(date(2030, 1, 1), Decimal("40.00")),
            Instalment(date(2030, 2, 1), Decimal("60.00")))
    check_schedule(good, gross, "CNY")
    with pytest.raises(ScheduleInvalid) as info:
        check_schedule(good[:1], gross, "CNY")
    assert "add up to 40.00 CNY" in str(info.value)
    with pytest.raises(ScheduleInvalid):
        check_schedule((Instalment(date(2030, 1, 1), Decimal("99.99")),), gross, "CNY")
    assert schedule_problems((), gross, "CNY") == [
        "A payment schedule needs at least one instalment."]
    backwards = (good[1], good[0])
    assert any("order" in p for p in schedule_problems(backwards, gross, "CNY"))
    fractional = (Instalment(date(2030, 1, 1), Decimal("33.333")),
                  Instalment(date(2030, 1, 2), Decimal("66.667")))
    assert any("decimals" in p for p in schedule_problems(fractional, gross, "CNY"))


def test_even_schedule_and_payment_days() -> None:
    schedule = even_schedule(Decimal("1000.00"), 3, date(2030, 1, 31), 30)
    assert sum((i.amount for i in schedule), Decimal(0)) == Decimal("1000.00")
    check_schedule(schedule, Decimal("1000.00"), "CNY")
    assert [i.label for i in schedule] == ["Instalment 1", "Instalment 2", "Instalment 3"]
    assert payment_days(schedule, date(2030, 1, 1)) == 90


_amounts = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False,
                       allow_infinity=False)
_fractions = st.decimals(min_value=0, max_value=1, places=3, allow_nan=False,
                         allow_infinity=False)


@given(st.lists(st.tuples(st.integers(min_value=1, max_value=1000), _amounts, _fractions,
                          _fractions), min_size=1, max_size=20),
       st.integers(min_value=1, max_value=24))
def test_any_contract_splits_into_a_schedule_that_sums(lines: list[Any], parts: int) -> None:
    priced = []
    for quantity, price, discount, rate in lines:
        net = line_net(Decimal(quantity), price, discount, "CNY")
        priced.append((net, tax_on(net, rate, "CNY")))
    result = totals(priced, "CNY")
    assert result.gross == result.net + result.tax
    assert from_minor(to_minor(result.gross, "CNY"), "CNY") == result.gross
    schedule = even_schedule(result.gross, parts, date(2030, 1, 1), 30)
    if result.gross > 0:
        check_schedule(schedule, result.gross, "CNY")
    assert sum((i.amount for i in schedule), Decimal(0)) == result.gross
