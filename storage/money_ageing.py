"""Ageing of the open instalments in SQL: the storage side of core/money/ageing.py.

One aggregate per grouping over the open rows of a covering index (migration 0010), never a
walk over instalments in Python. At the benchmark's size (1M instalments, 100k customers) the
cost is per row of that index and per result row, so both are kept small:

- per customer and currency, SQLite sums the open balance once and, with FILTER, the part due
  before each bucket bound (four comparisons a row rather than eight); the buckets are the
  differences of those cumulative sums, taken once per result row;
- reps and totals are sums of the per-customer rows (far fewer than the instalments);
- result rows become Decimals by one exact multiplication each, not by re-rounding."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from decimal import Context, Decimal
from itertools import pairwise
from typing import Any

import sqlcipher3

from core.contracts.money import MINOR_UNITS
from core.customers.access import Scope
from core.money.ageing import due_bounds
from core.money.model import AgeingGroup, AgeingRow
from storage.customer_sql import scope_clause

# Wide enough for any 64-bit count of minor units: the multiplication never rounds, whatever
# the thread's decimal context.
_EXACT = Context(prec=40)
_QUANTUM = {cur: Decimal(1).scaleb(-places) for cur, places in MINOR_UNITS.items()}
_ZERO = {cur: Decimal(0).scaleb(-places) for cur, places in MINOR_UNITS.items()}

# Per customer and currency: all open minor units (t) and those due before each bound (u0 =
# overdue, u30 = more than 30 days overdue, ...). FILTER skips the sum for the rows it rejects.
_CUMULATIVE = ", ".join(
    ["sum(r.open_minor) AS t"]
    + [f"ifnull(sum(r.open_minor) FILTER (WHERE r.due_date < :{b}), 0) AS u{b[1:]}"
       for b in ("b0", "b30", "b60", "b90")])
_PARTS = ("t", "u0", "u30", "u60", "u90")


def _buckets(column: str) -> str:
    """The five disjoint buckets from the cumulative sums named by `column` ("a.{}" or
    "sum(a.{})"): current = t - u0, 1-30 = u0 - u30, ..., over 90 = u90."""
    cols = [column.format(p) for p in _PARTS]
    return ", ".join([f"{hi} - {lo}" for hi, lo in pairwise(cols)]
                     + [cols[-1]])


def _range_sum(low: str | None, high: str | None) -> str:
    """Open minor units in the currency k.value due in [low, high): one range of the
    receivables_open_currency index."""
    where = ["r.open_minor > 0", "r.currency = k.value"]
    if low:
        where.append(f"r.due_date >= :{low}")
    if high:
        where.append(f"r.due_date < :{high}")
    # Named: on a small or unanalysed table the planner may take another open-rows index
    # (receivables_open_amount) for these ranges, reading all of a currency five times.
    return ("(SELECT COALESCE(sum(r.open_minor), 0) FROM receivables AS r "  # noqa: S608
            f"INDEXED BY receivables_open_currency WHERE {' AND '.join(where)})")


# Everyone's total: for each known currency, one index range per bucket, so the open rows are
# read once and never grouped or sorted.
_TOTAL_EVERYONE = (
    "SELECT NULL, '', t.currency, t.a0, t.a1, t.a2, t.a3, t.a4 FROM ("  # noqa: S608
    f"SELECT k.value AS currency, {_range_sum('b0', None)} AS a0, "
    f"{_range_sum('b30', 'b0')} AS a1, {_range_sum('b60', 'b30')} AS a2, "
    f"{_range_sum('b90', 'b60')} AS a3, {_range_sum(None, 'b90')} AS a4 "
    "FROM json_each(:codes) AS k) AS t ORDER BY t.currency")


def _scope_filter(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The scope as a condition on r.customer_id with named parameters."""
    if scope.everyone:
        return "", {}
    clause = scope_clause(scope)
    sql = clause.sql()
    named: dict[str, Any] = {}
    for n, value in enumerate(clause.params):
        sql = sql.replace("?", f":s{n}", 1)
        named[f"s{n}"] = value
    return (f" AND r.customer_id IN (SELECT c.id FROM customers AS c WHERE {sql})",  # noqa: S608
            named)


def ageing_sql(scope: Scope, group: AgeingGroup) -> tuple[str, dict[str, Any]]:
    """The statement and its parameters (but the bounds) for one grouping over the scope's
    customers; rows are (key, name, currency, five buckets in minor units)."""
    scoped, params = _scope_filter(scope)
    if group == AgeingGroup.TOTAL and scope.everyone:
        params["codes"] = json.dumps(sorted(MINOR_UNITS))
        return _TOTAL_EVERYONE, params
    # Per customer first, over the open rows of the covering index in its own order (no sort
    # of a million rows); names, owners and totals are then taken over those per-customer
    # rows, far fewer than the instalments.
    inner = (f"SELECT r.customer_id, r.currency, {_CUMULATIVE} "  # noqa: S608
             "FROM receivables AS r "
             f"WHERE r.open_minor > 0{scoped} GROUP BY r.customer_id, r.currency")
    if group == AgeingGroup.TOTAL:
        sql = (f"SELECT NULL, '', a.currency, {_buckets('sum(a.{})')} "  # noqa: S608
               f"FROM ({inner}) AS a GROUP BY a.currency ORDER BY a.currency")
    elif group == AgeingGroup.CUSTOMER:
        sql = (f"SELECT a.customer_id, c.name, a.currency, {_buckets('a.{}')} "  # noqa: S608
               f"FROM ({inner}) AS a JOIN customers AS c ON c.id = a.customer_id "
               "ORDER BY c.name_key, a.customer_id, a.currency")
    else:
        sql = ("SELECT c.owner_id, COALESCE(u.name, ''), a.currency, "  # noqa: S608
               f"{_buckets('sum(a.{})')} "
               f"FROM ({inner}) AS a JOIN customers AS c ON c.id = a.customer_id "
               "LEFT JOIN users AS u ON u.id = c.owner_id "
               "GROUP BY c.owner_id, a.currency ORDER BY u.name_key, c.owner_id, a.currency")
    return sql, params


def ageing_rows(group: AgeingGroup, rows: Iterable[tuple[Any, ...]]) -> list[AgeingRow]:
    """Rows of (key, name, currency, five buckets in minor units) as AgeingRows; buckets of
    nothing owed share one zero, the rest are exact Decimals of the currency's precision.

    A frozen dataclass's __init__ sets each field through object.__setattr__, about a third
    of this function's time at 100k rows; AgeingRow has no __post_init__ or slots, so its
    instances are made with their __dict__ directly (tests/storage/test_money_ageing.py
    checks they equal constructed ones and that the fields are still these)."""
    mul = _EXACT.multiply
    new, put = object.__new__, object.__setattr__
    out = []
    for key, name, cur, a0, a1, a2, a3, a4 in rows:
        q, zero = _QUANTUM[cur], _ZERO[cur]
        row = new(AgeingRow)
        put(row, "__dict__", {
            "group": group, "key": key, "name": name, "currency": cur,
            "current": mul(Decimal(a0), q) if a0 else zero,
            "days_1_30": mul(Decimal(a1), q) if a1 else zero,
            "days_31_60": mul(Decimal(a2), q) if a2 else zero,
            "days_61_90": mul(Decimal(a3), q) if a3 else zero,
            "over_90": mul(Decimal(a4), q) if a4 else zero})
        out.append(row)
    return out


def ageing(conn: sqlcipher3.Connection, scope: Scope, as_of: date,
           group: AgeingGroup) -> list[AgeingRow]:
    """Open balances by days overdue as of `as_of`, one row per key and currency owed in."""
    if scope.empty:
        return []
    group = AgeingGroup(group)
    sql, params = ageing_sql(scope, group)
    params.update(zip(("b0", "b30", "b60", "b90"),
                      (d.isoformat() for d in due_bounds(as_of)), strict=True))
    rows = conn.execute(sql, params).fetchall()
    if group == AgeingGroup.TOTAL:
        # Currencies nothing is owed in are dropped here: a WHERE on the sums would have
        # SQLite evaluate every range twice.
        rows = [r for r in rows if any(r[3:8])]
    return ageing_rows(group, rows)
