"""SQL pieces shared by the customer repository and its search: the summary row, a Scope and a
CustomerFilter as WHERE clauses, and the ordered keyset walk.

Only column and index names from fixed tables below are ever formatted into SQL; every value
(ids, cursors, filter text, search terms) is a bound parameter."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlcipher3

from core.customers.access import Scope
from core.customers.model import CustomerKind, CustomerStatus, CustomerSummary
from core.customers.ports import CustomerFilter, PageCursor, SortKey

# Sort key -> (columns before the id, index for everyone's list, index for one owner's list).
# The city sort is by name within a city.
SORTS: dict[str, tuple[tuple[str, ...], str, str]] = {
    SortKey.NAME: (("name_key",), "customers_name", "customers_owner_name"),
    SortKey.UPDATED: (("updated_at",), "customers_updated", "customers_owner_updated"),
    SortKey.CITY: (("city", "name_key"), "customers_city", "customers_owner_city"),
}
# A cursor holds one text value; the city sort's two are joined by a character that cleaned
# text never contains (clean_text drops control characters).
CURSOR_SEPARATOR = "\x00"

# Above this many owners in one scope (a huge team) one branch per owner stops paying off, and
# SQLite's compound-select limit (500) comes into view: fall back to a single OR clause.
MAX_BRANCHES = 64

SUMMARY = (
    "SELECT c.id, c.kind, c.name, c.status, c.city, c.phone, c.email, c.owner_id, "
    "COALESCE(u.name, ''), c.updated_at "
    "FROM customers AS c {hint} LEFT JOIN users AS u ON u.id = c.owner_id"
)


def name_key(name: str) -> str:
    """The sort key of a name: compatibility-folded and casefolded, so "ACME" and "acme" (and
    full-width Ａｃｍｅ) sort together."""
    return unicodedata.normalize("NFKC", name).casefold()


def utc_text(value: datetime) -> str:
    """Stored times are UTC ISO text of fixed width, so text order is time order."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def summary(row: tuple[Any, ...]) -> CustomerSummary:
    return CustomerSummary(id=row[0], kind=CustomerKind(row[1]), name=row[2],
                           status=CustomerStatus(row[3]), city=row[4], phone=row[5],
                           email=row[6], owner_id=row[7], owner_name=row[8],
                           updated_at=datetime.fromisoformat(row[9]))


def cursor_value(item: CustomerSummary, sort: str) -> str:
    if sort == SortKey.NAME:
        return name_key(item.name)
    if sort == SortKey.UPDATED:
        return utc_text(item.updated_at)
    return item.city + CURSOR_SEPARATOR + name_key(item.name)


def cursor_values(cursor: PageCursor, sort: str) -> list[Any]:
    """The cursor as one value per sort column, then the id (garbage in a cursor only moves
    the page; it is a bound value like any other)."""
    count = len(SORTS[sort][0])
    values = str(cursor.value).split(CURSOR_SEPARATOR, count - 1) if count > 1 else [
        str(cursor.value)]
    values += [""] * (count - len(values))
    return [*values, int(cursor.id)]


@dataclass
class Clause:
    """A fragment of WHERE with its parameters, built up and joined with AND."""

    parts: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, sql: str, *params: Any) -> Clause:
        self.parts.append(sql)
        self.params.extend(params)
        return self

    def extend(self, other: Clause) -> Clause:
        self.parts.extend(other.parts)
        self.params.extend(other.params)
        return self

    def sql(self) -> str:
        return " AND ".join(self.parts) if self.parts else "1"


def placeholders(count: int) -> str:
    return ", ".join("?" * count)


def scope_clause(scope: Scope) -> Clause:
    """Everyone: no condition. Otherwise owned by someone in scope or shared with the user; an
    empty scope matches nothing."""
    if scope.everyone:
        return Clause()
    alternatives = Clause()
    if scope.owners:
        owners = sorted(scope.owners)
        alternatives.add(f"c.owner_id IN ({placeholders(len(owners))})", *owners)
    if scope.shared_with is not None:
        alternatives.add("c.id IN (SELECT customer_id FROM customer_shares WHERE user_id = ?)",
                         scope.shared_with)
    if not alternatives.parts:
        return Clause(["0"])
    return Clause([f"({' OR '.join(alternatives.parts)})"], alternatives.params)


def filter_clause(flt: CustomerFilter) -> Clause:
    where = Clause()
    if flt.status is not None:
        where.add("c.status = ?", str(flt.status))
    if flt.owner_id is not None:
        where.add("c.owner_id = ?", int(flt.owner_id))
    if flt.city:
        where.add("c.city = ?", flt.city)
    if flt.tag:
        where.add("c.id IN (SELECT customer_id FROM customer_tags WHERE tag = ?)", flt.tag)
    return where


@dataclass(frozen=True)
class Branch:
    """A part of the visible rows that one index walks in sort order: everyone's rows, one
    owner's rows, or the rows shared with the user."""

    where: Clause
    index: str | None


def branches(scope: Scope, sort: str, flt: CustomerFilter) -> list[Branch]:
    """Why branches: `owner_id IN (a, b) OR shared` has no index in sort order, so SQLite would
    fetch and sort every visible row for each page. One ordered, limited walk per owner (and
    one over the shares), merged by the outer query, costs a page per branch instead."""
    _columns, everyone_index, owner_index = SORTS[sort]
    if scope.everyone:
        if flt.owner_id is not None:
            return [Branch(Clause(["c.owner_id = ?"], [int(flt.owner_id)]), owner_index)]
        # A filter with an index already in name order.
        index = everyone_index
        if sort == SortKey.NAME and flt.city:
            index = "customers_city"
        elif sort == SortKey.NAME and flt.status is not None:
            index = "customers_status"
        return [Branch(Clause(), index)]
    owners = sorted(o for o in scope.owners if flt.owner_id is None or o == flt.owner_id)
    if len(owners) > MAX_BRANCHES:
        where = scope_clause(scope)
        if flt.owner_id is not None:
            where.add("c.owner_id = ?", int(flt.owner_id))
        return [Branch(where, None)]
    found = [Branch(Clause(["c.owner_id = ?"], [o]), owner_index) for o in owners]
    if scope.shared_with is not None:
        shared = Clause(["c.id IN (SELECT customer_id FROM customer_shares WHERE user_id = ?)"],
                        [scope.shared_with])
        if flt.owner_id is not None:
            shared.add("c.owner_id = ?", int(flt.owner_id))
        found.append(Branch(shared, None))
    return found


def ordered_page(conn: sqlcipher3.Connection, scope: Scope, flt: CustomerFilter, sort: str,
                 descending: bool, after: PageCursor | None, limit: int,
                 extra: Clause | None = None) -> list[CustomerSummary]:
    """One keyset page: rows after the cursor, in (sort columns, id) order, never OFFSET.
    `extra` narrows the rows further (search: the ids a name prefix's hits)."""
    if scope.empty:
        return []
    columns = [f"c.{column}" for column in SORTS[sort][0]] + ["c.id"]
    direction = "DESC" if descending else "ASC"
    common = Clause()
    if after is not None:
        common.add(f"({', '.join(columns)}) {'<' if descending else '>'} "
                   f"({placeholders(len(columns))})", *cursor_values(after, sort))
    common.extend(filter_clause(CustomerFilter(status=flt.status, city=flt.city, tag=flt.tag)))
    if extra is not None:
        common.extend(extra)
    order = "ORDER BY " + ", ".join(f"{column} {direction}" for column in columns)
    parts = branches(scope, sort, flt)
    if not parts:
        return []
    if len(parts) == 1:
        where = Clause().extend(parts[0].where).extend(common)
        hint = f"INDEXED BY {parts[0].index}" if parts[0].index else ""
        sql = f"{SUMMARY.format(hint=hint)} WHERE {where.sql()} {order} LIMIT ?"
        return [summary(r) for r in conn.execute(sql, (*where.params, limit))]
    # Each branch yields its first `limit` (sort values, id) from its index alone; only the
    # overall first `limit` are then read in full.
    keys = ", ".join(f"{column} AS k{i}" for i, column in enumerate(columns))
    merged_order = "ORDER BY " + ", ".join(f"k{i} {direction}" for i in range(len(columns)))
    selects, params = [], []
    for part in parts:
        where = Clause().extend(part.where).extend(common)
        hint = f"INDEXED BY {part.index}" if part.index else ""
        selects.append(f"SELECT * FROM (SELECT {keys} FROM customers AS c {hint} "  # noqa: S608
                       f"WHERE {where.sql()} {order} LIMIT ?)")
        params.extend((*where.params, limit))
    top = (f"SELECT k{len(columns) - 1} FROM ({' UNION ALL '.join(selects)}) "  # noqa: S608
           f"{merged_order} LIMIT ?")
    sql = f"{SUMMARY.format(hint='')} WHERE c.id IN ({top}) {order} LIMIT ?"
    return [summary(r) for r in conn.execute(sql, (*params, limit, limit))]
