"""The money invariants through the real service and vault, for any sequence of operations
(Hypothesis): receipts allocated oldest first or by hand (refusals included), later allocations
of credit, reversals. After every step, for the customer: billed = received (allocated) +
written off + open, received = allocated + credit, nothing negative; and ageing buckets sum to
the open balance for any as-of date."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.money.model import ReceivableFilter
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world
from tests.core.money_support import draft, signed

_REFS = itertools.count(1)
_CENTS = st.integers(1, 300_000).map(lambda c: Decimal(c).scaleb(-2))
_OPS = st.lists(st.one_of(
    st.tuples(st.just("auto"), _CENTS),
    st.tuples(st.just("hand"), _CENTS, st.lists(st.tuples(st.integers(0, 3), _CENTS),
                                                max_size=3)),
    st.tuples(st.just("allocate"), st.integers(0, 50)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
), min_size=1, max_size=6)


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    world = make_world(login)
    signed(world)
    signed(world)  # two contracts, four instalments
    return world


def _check(w: World, as_of: date) -> None:
    fin = w.finance
    for balance in fin.money.customer_balance(fin.user, w.customer_id, as_of):
        assert balance.billed == balance.allocated + balance.written_off + balance.open
        assert balance.received == balance.allocated + balance.credit
        assert min(balance.open, balance.credit, balance.allocated, balance.overdue) >= 0
        assert balance.overdue <= balance.open
        report = fin.money.ageing(fin.user, as_of)
        for rows in (report.by_customer, report.by_rep, report.total):
            assert sum(r.open for r in rows) == balance.open
            assert all(min(r.buckets) >= 0 for r in rows)
    for receipt in fin.money.receipts(fin.user, w.customer_id):
        assert 0 <= receipt.allocated <= receipt.amount
        assert receipt.unallocated >= 0
    for r in fin.money.receivables(fin.user, ReceivableFilter(open_only=False), limit=500):
        assert r.amount == r.allocated + r.written_off + r.open and r.open >= 0


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS, as_of_offset=st.integers(-400, 800))
def test_property_the_books_always_balance(w: World, ops: list[tuple[object, ...]],
                                           as_of_offset: int) -> None:
    fin = w.finance
    items = [r.id for r in fin.money.receivables(
        fin.user, ReceivableFilter(open_only=False), limit=500)]
    for op in ops:
        receipts = fin.money.receipts(fin.user, w.customer_id)
        try:
            if op[0] == "auto":
                fin.money.record_receipt(fin.user, w.customer_id,
                                         draft(str(op[1]), reference=f"P-{next(_REFS)}"))
            elif op[0] == "hand":
                wanted: dict[int, Decimal] = {}
                for index, amount in op[2]:  # type: ignore[union-attr]
                    wanted[items[index]] = amount
                fin.money.record_receipt(fin.user, w.customer_id,
                                         draft(str(op[1]), reference=f"P-{next(_REFS)}"),
                                         allocation=wanted)
            elif receipts:
                target = receipts[int(op[1]) % len(receipts)].id  # type: ignore[call-overload]
                if op[0] == "allocate":
                    fin.money.allocate(fin.user, target)
                else:
                    fin.money.reverse_receipt(fin.user, target, "property test")
        except InvalidInput:
            pass  # a refused step must leave the books as they were: checked below
        _check(w, date(2030, 1, 1) + timedelta(days=as_of_offset))
