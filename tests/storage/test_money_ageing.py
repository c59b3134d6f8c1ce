"""storage/money_ageing.py: the SQL ageing (cumulative sums per customer, buckets as their
differences) equals the pure rules (core/money/ageing.age) for any book, any day and any scope,
including days on a bucket's edge, closed instalments and several currencies; a rep's scope
never shows another rep's customers; the amounts are exact Decimals of the currency's precision
whatever the thread's decimal context."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from datetime import date, timedelta
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.contracts.money import MINOR_UNITS, from_minor
from core.customers.access import Scope
from core.money.ageing import LIMITS, age
from core.money.model import AgeingGroup, AgeingRow
from storage.money_ageing import ageing_rows
from storage.money_repo import SqlMoney
from tests.storage.test_money_repo import DAY, NOW, _contract, _customer, _database, _receipt

# Customer -> owner; customer 4 (rep 2's) is shared with rep 1.
OWNERS = {1: 1, 2: 2, 3: 1, 4: 2}
SCOPES = {
    "everyone": Scope(everyone=True),
    "rep 1": Scope(owners=frozenset({1}), shared_with=1),
    "rep 2 alone": Scope(owners=frozenset({2})),
    "team": Scope(owners=frozenset({1, 2})),
}
VISIBLE = {"everyone": {1, 2, 3, 4}, "rep 1": {1, 3, 4}, "rep 2 alone": {2, 4},
           "team": {1, 2, 3, 4}}
# Offsets from the day asked that sit on and beside every bucket edge.
EDGES = sorted({d + e for d in (0, *LIMITS) for e in (-1, 0, 1)} | {-400, 400})


def _book(conn: object, receivables: list[tuple[int, str, int, int, int]]) -> SqlMoney:
    money = SqlMoney(conn)  # type: ignore[arg-type]
    for cid, owner in OWNERS.items():
        _customer(conn, cid, owner)  # type: ignore[arg-type]
        _contract(conn, cid, cid)  # type: ignore[arg-type]
    conn.execute("INSERT INTO customer_shares (customer_id, user_id) VALUES (4, 1)")  # type: ignore[attr-defined]
    for n, (cid, cur, due, minor, paid) in enumerate(receivables, start=1):
        money.add_receivables(cid, cid, cur, [(n, DAY + timedelta(days=due), minor, "")], NOW)
        if paid:  # some paid in part, some in full (closed: never aged)
            [item] = [i for i in money.open_items(cid, cur) if i.receivable_id == n]
            rid = _receipt(money, cid, min(paid, minor), ref=f"R{n}", currency=cur)
            money.add_allocation(rid, item.receivable_id, min(paid, minor), 1, NOW)
    return money


@st.composite
def _books(draw: st.DrawFn) -> tuple[list[tuple[int, str, int, int, int]], date]:
    offsets = st.one_of(st.sampled_from(EDGES), st.integers(-500, 500))
    rows = draw(st.lists(st.tuples(
        st.sampled_from(sorted(OWNERS)), st.sampled_from(["CNY", "JPY", "USD"]), offsets,
        st.integers(1, 10**12), st.sampled_from([0, 0, 1, 10**12])), max_size=30))
    return rows, DAY + timedelta(days=draw(st.sampled_from([0, 1, -1, 30, 31, 90, 91])))


@settings(max_examples=60, deadline=None)
@given(_books())
def test_property_sql_ageing_equals_the_rules_in_every_scope(
        book: tuple[list[tuple[int, str, int, int, int]], date]) -> None:
    receivables, as_of = book
    conn = _database()
    money = _book(conn, receivables)
    open_rows = conn.execute(
        "SELECT r.customer_id, c.owner_id, r.currency, r.due_date, r.open_minor "
        "FROM receivables AS r JOIN customers AS c ON c.id = r.customer_id "
        "WHERE r.open_minor > 0").fetchall()
    for name, scope in SCOPES.items():
        seen = [r for r in open_rows if r[0] in VISIBLE[name]]
        for group, key_of in ((AgeingGroup.CUSTOMER, 0), (AgeingGroup.REP, 1),
                              (AgeingGroup.TOTAL, None)):
            items: dict[tuple[int | None, str], list[tuple[date, int]]] = {}
            for r in seen:
                key = None if key_of is None else r[key_of]
                items.setdefault((key, r[2]), []).append((date.fromisoformat(r[3]), r[4]))
            expected = {k: tuple(from_minor(b, k[1]) for b in age(v, as_of))
                        for k, v in items.items()}
            got = money.ageing(scope, as_of, group)
            assert {(r.key, r.currency): r.buckets for r in got} == expected, (name, group)
            assert len(got) == len(expected), (name, group)  # one row per key and currency
            for row in got:
                assert row.open == sum(row.buckets, Decimal(0)) > 0
                places = MINOR_UNITS[row.currency]
                assert all(b.as_tuple().exponent == -places for b in row.buckets), row
    conn.close()


def test_rows_come_in_name_order_and_a_rep_sees_only_their_customers() -> None:
    conn = _database()
    money = _book(conn, [(cid, "CNY", -45, 1000 * cid, 0) for cid in OWNERS])
    rows = money.ageing(SCOPES["rep 2 alone"], DAY, AgeingGroup.CUSTOMER)
    assert [(r.key, r.name) for r in rows] == [(2, "Customer 2"), (4, "Customer 4")]
    assert [r.days_31_60 for r in rows] == [Decimal("20.00"), Decimal("40.00")]
    reps = money.ageing(SCOPES["rep 1"], DAY, AgeingGroup.REP)
    # Rep 1 sees customer 4 (shared) under its owner, rep 2, and nothing else of rep 2's.
    assert [(r.key, r.name, r.open) for r in reps] == [(1, "Rep One", Decimal("40.00")),
                                                        (2, "Rep Two", Decimal("40.00"))]
    [total] = money.ageing(SCOPES["rep 1"], DAY, AgeingGroup.TOTAL)
    assert (total.key, total.name, total.open) == (None, "", Decimal("80.00"))
    assert money.ageing(Scope(), DAY, AgeingGroup.TOTAL) == []
    conn.close()


def test_amounts_are_exact_whatever_the_decimal_context() -> None:
    rows = [(1, "a", "CNY", 10**17 + 1, 0, 7, 0, 123456789012345678),
            (2, "b", "JPY", 0, 10**17 + 3, 0, 5, 0)]
    with localcontext() as ctx:
        ctx.prec = 3
        cny, jpy = ageing_rows(AgeingGroup.CUSTOMER, rows)
    assert cny == AgeingRow(AgeingGroup.CUSTOMER, 1, "a", "CNY", Decimal("1000000000000000.01"),
                            Decimal("0.00"), Decimal("0.07"), Decimal("0.00"),
                            Decimal("1234567890123456.78"))
    assert [str(b) for b in cny.buckets] == ["1000000000000000.01", "0.00", "0.07", "0.00",
                                             "1234567890123456.78"]
    assert [str(b) for b in jpy.buckets] == ["0", "100000000000000003", "0", "5", "0"]


def test_rows_made_without_the_constructor_are_ordinary_rows() -> None:
    """ageing_rows skips AgeingRow.__init__ for speed: the rows must still be frozen, equal
    and hash like constructed ones, and the model must not have grown fields or checks."""
    assert [f.name for f in fields(AgeingRow)] == [
        "group", "key", "name", "currency", "current", "days_1_30", "days_31_60",
        "days_61_90", "over_90"]
    assert not hasattr(AgeingRow, "__post_init__") and not hasattr(AgeingRow, "__slots__")
    [row] = ageing_rows(AgeingGroup.REP, [(7, "Rep", "USD", 1, 2, 3, 4, 5)])
    made = AgeingRow(AgeingGroup.REP, 7, "Rep", "USD", Decimal("0.01"), Decimal("0.02"),
                     Decimal("0.03"), Decimal("0.04"), Decimal("0.05"))
    assert row == made and hash(row) == hash(made) and repr(row) == repr(made)
    assert row.open == Decimal("0.15")
    with pytest.raises(FrozenInstanceError):
        row.current = Decimal(0)  # type: ignore[misc]
