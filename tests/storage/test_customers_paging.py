"""Keyset paging over 1,000 customers: every sort key, both directions, every filter and the
scopes of each kind of user visit every visible row exactly once, in order; counts agree."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from core.customers.access import Scope
from core.customers.model import CustomerStatus, CustomerSummary
from core.customers.ports import CustomerFilter, PageCursor, SortKey
from storage import customer_sql
from storage.customer_sql import name_key, utc_text
from tests.storage.test_customers_repo import (
    ADMIN,
    EVERYONE,
    MANAGER,
    REP_A,
    REP_B,
    T0,
    CustomerDb,
    draft,
    rep_scope,
)

COUNT = 1000
# Names chosen to tie (same name, different ids), to differ only by case or width, and to
# mix scripts; cities include the empty one.
NAMES = ("Acme", "acme", "ACME", "Ａｃｍｅ", "Émile", "emile", "王芳", "王芳华", "王", "李娜",
         "Zed", "zed co", "123 Ltd", "'; DROP TABLE customers; --", "O'Brien", "a", "B")
CITIES = ("", "上海", "北京", "Paris", "paris", "广州")
TAGS = ("vip", "渠道", "")
MANAGER_SCOPE = Scope(owners=frozenset({MANAGER, REP_A}), shared_with=MANAGER)
SCOPES = {"everyone": EVERYONE, "rep": rep_scope(REP_A), "manager": MANAGER_SCOPE}
FILTERS = (CustomerFilter(), CustomerFilter(status=CustomerStatus.ACTIVE),
           CustomerFilter(city="上海"), CustomerFilter(city=""), CustomerFilter(tag="vip"),
           CustomerFilter(owner_id=REP_B),
           CustomerFilter(status=CustomerStatus.LEAD, city="paris", owner_id=REP_A))


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CustomerDb, list[Any]]]:
    """1,000 customers in ten batches ten minutes apart (so `updated` has ties to break), some
    of REP_B's shared with REP_A and with the manager."""
    made = CustomerDb(tmp_path_factory.mktemp("paging"))
    rng = random.Random(7)
    rows: list[Any] = []
    for batch in range(10):
        at = T0 + timedelta(minutes=10 * batch)
        drafts = []
        for _ in range(COUNT // 10):
            tag = rng.choice(TAGS)
            drafts.append((draft(rng.choice(NAMES), status=rng.choice(list(CustomerStatus)),
                                 city=rng.choice(CITIES), tags=(tag,) if tag else ()),
                           rng.choice((ADMIN, MANAGER, REP_A, REP_B))))
        with made.write() as repos:
            ids = repos.customers.bulk_add(drafts, at)
        rows += [dict(id=i, name=d.name, status=d.status, city=d.city, tags=d.tags, owner=o,
                      updated=at) for i, (d, o) in zip(ids, drafts, strict=True)]
    shared = {r["id"] for r in rows if r["owner"] == REP_B and r["id"] % 7 == 0}
    with made.write() as repos:
        for cid in sorted(shared):
            repos.customers.set_shared(cid, REP_A, True)
            repos.customers.set_shared(cid, MANAGER, True)
    for r in rows:
        r["shared"] = r["id"] in shared
    yield made, rows
    made.db.close()


def _visible(row: dict[str, Any], scope: Scope, flt: CustomerFilter) -> bool:
    if not (scope.everyone or row["owner"] in scope.owners or row["shared"]):
        return False
    return ((flt.status is None or row["status"] == flt.status)
            and (flt.owner_id is None or row["owner"] == flt.owner_id)
            and (not flt.city or row["city"] == flt.city)
            and (not flt.tag or flt.tag in row["tags"]))


def _key(row: dict[str, Any], sort: str) -> tuple[Any, ...]:
    if sort == SortKey.NAME:
        return (name_key(row["name"]), row["id"])
    if sort == SortKey.UPDATED:
        return (utc_text(row["updated"]), row["id"])
    return (row["city"], name_key(row["name"]), row["id"])


def _walk(made: CustomerDb, scope: Scope, flt: CustomerFilter, sort: str, descending: bool,
          size: int) -> list[int]:
    seen: list[int] = []
    after: PageCursor | None = None
    with made.read() as repos:
        for _ in range(COUNT + 2):
            page: list[CustomerSummary] = repos.customers.page(scope, flt, sort, descending,
                                                               after, size)
            assert len(page) <= size
            seen += [s.id for s in page]
            if len(page) < size:
                return seen
            after = repos.customers.cursor_of(page[-1], sort)
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("sort", SortKey.ALL)
@pytest.mark.parametrize("scope_name", list(SCOPES))
def test_every_row_once_in_order(thousand: tuple[CustomerDb, list[Any]], sort: str,
                                 descending: bool, scope_name: str) -> None:
    made, rows = thousand
    scope = SCOPES[scope_name]
    for flt in FILTERS:
        expected = [r["id"] for r in sorted((r for r in rows if _visible(r, scope, flt)),
                                            key=lambda r: _key(r, sort), reverse=descending)]
        seen = _walk(made, scope, flt, sort, descending, size=37)
        assert len(seen) == len(set(seen)), "a row came twice"
        assert seen == expected, (flt, len(seen), len(expected))
        with made.read() as repos:
            assert repos.customers.count(scope, flt) == len(expected), flt
    assert len(_walk(made, scope, CustomerFilter(), sort, descending, size=500)) == len(
        [r for r in rows if _visible(r, scope, CustomerFilter())])


@pytest.mark.parametrize("sort", SortKey.ALL)
def test_a_scope_of_many_owners_pages_the_same(thousand: tuple[CustomerDb, list[Any]], sort: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_BRANCHES owners one OR clause replaces the per-owner walks: same rows, same
    order."""
    made, rows = thousand
    monkeypatch.setattr(customer_sql, "MAX_BRANCHES", 1)
    for flt in FILTERS:
        expected = [r["id"] for r in sorted(
            (r for r in rows if _visible(r, MANAGER_SCOPE, flt)), key=lambda r: _key(r, sort))]
        assert _walk(made, MANAGER_SCOPE, flt, sort, False, size=53) == expected, flt


def test_the_fixture_covers_what_matters(thousand: tuple[CustomerDb, list[Any]]) -> None:
    _made, rows = thousand
    assert len({name_key(r["name"]) for r in rows}) < len(rows)  # ties on the name
    assert any(r["shared"] for r in rows) and any(r["city"] == "" for r in rows)
    assert all(sum(_visible(r, scope, flt) for r in rows) > 0
               for scope in SCOPES.values() for flt in FILTERS[:5])


def test_empty_scope_and_a_cursor_past_the_end(thousand: tuple[CustomerDb, list[Any]]) -> None:
    made, _rows = thousand
    with made.read() as repos:
        assert repos.customers.page(Scope(), CustomerFilter(), SortKey.NAME, False, None,
                                    50) == []
        assert repos.customers.count(Scope(), CustomerFilter()) == 0
        last = PageCursor("\U0010ffff", 10**9)
        assert repos.customers.page(EVERYONE, CustomerFilter(), SortKey.NAME, False, last,
                                    50) == []
        assert repos.customers.page(EVERYONE, CustomerFilter(), SortKey.CITY, False, last,
                                    50) == []


@pytest.mark.parametrize("hostile", ["'; DROP TABLE customers; --", "' OR '1'='1",
                                     "\" OR 1=1 --", "%", "_", "*", "NEAR(a b)", "\\",
                                     "上海' --", "\x00", "1) OR (1=1"])
def test_injection_strings_in_every_filter_and_cursor_are_plain_values(
        thousand: tuple[CustomerDb, list[Any]], hostile: str) -> None:
    made, rows = thousand
    with made.read() as repos:
        for flt in (CustomerFilter(city=hostile), CustomerFilter(tag=hostile)):
            assert repos.customers.page(EVERYONE, flt, SortKey.NAME, False, None, 50) == []
            assert repos.customers.count(EVERYONE, flt) == 0
        for sort in SortKey.ALL:
            page = repos.customers.page(EVERYONE, CustomerFilter(), sort, False,
                                        PageCursor(hostile, 0), 5)
            assert all(isinstance(s, CustomerSummary) for s in page)
        # A name that is an injection string is an ordinary name.
        literal = [r["id"] for r in rows if r["name"] == "'; DROP TABLE customers; --"]
        found = repos.customers.search(EVERYONE, "'; DROP TABLE customers; --", 500)
        assert sorted(s.id for s in found) == sorted(literal)
        assert repos.customers.count(EVERYONE, CustomerFilter()) == COUNT


def test_paging_never_uses_offset(thousand: tuple[CustomerDb, list[Any]]) -> None:
    made, _rows = thousand
    statements: list[str] = []
    with made.db.reading() as conn:
        conn.set_trace_callback(statements.append)
        try:
            repos_page = _walk(made, rep_scope(REP_A), CustomerFilter(), SortKey.CITY, True, 50)
        finally:
            conn.set_trace_callback(None)
    assert repos_page and statements
    assert not any("OFFSET" in s.upper() for s in statements)


def test_plans_walk_indexes_and_never_scan_the_table(
        thousand: tuple[CustomerDb, list[Any]]) -> None:
    made, _rows = thousand
    statements: list[str] = []
    with made.db.reading() as conn:
        conn.set_trace_callback(statements.append)
        try:
            with made.read() as repos:
                for scope in SCOPES.values():
                    for sort in SortKey.ALL:
                        repos.customers.page(scope, CustomerFilter(), sort, False, None, 20)
                    repos.customers.search(scope, "acme 上海", 20)
                    repos.customers.search(scope, "王", 20)
                    repos.customers.count(scope, CustomerFilter())
        finally:
            conn.set_trace_callback(None)
        plans = []
        for sql in statements:
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                plans += [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    scans = [p for p in plans if p.split()[:2] in (["SCAN", "c"], ["SCAN", "customers"])
             and "INDEX" not in p]
    assert not scans, scans
