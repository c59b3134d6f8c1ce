"""A bulk load: the bigger page cache lasts as long as the load (even one that fails), and rows
given in any name order are all found by search once loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.customers.access import Scope
from storage.customer_bulk import LOAD_CACHE_KIB
from tests.storage.test_customers_repo import REP_A, T0, CustomerDb, draft

EVERYONE = Scope(everyone=True)


def cache_size(cdb: CustomerDb) -> int:
    return int(cdb.db.execute("PRAGMA cache_size")[0][0])


def test_loading_enlarges_the_cache_for_its_duration_only(tmp_path: Path) -> None:
    cdb = CustomerDb(tmp_path)
    try:
        before = cache_size(cdb)
        with cdb.write() as repos, repos.customer_bulk.loading():
            assert cache_size(cdb) == -LOAD_CACHE_KIB
        assert cache_size(cdb) == before
        with pytest.raises(RuntimeError), cdb.write() as repos, repos.customer_bulk.loading():
            raise RuntimeError("a crash mid-import")
        assert cache_size(cdb) == before
    finally:
        cdb.db.close()


def test_rows_out_of_name_order_are_all_indexed(tmp_path: Path) -> None:
    cdb = CustomerDb(tmp_path)
    try:
        names = ["Zeta Works", "王芳", "Acme Trading", "李娜", "Mu Labs", "张伟", "Beta Foods"]
        with cdb.write() as repos, repos.customer_bulk.loading():
            repos.customers.bulk_add([(draft(n, city="上海"), REP_A) for n in names], T0)
        for name in names:
            assert cdb.names(EVERYONE, name) == [name]
        assert len(cdb.names(EVERYONE, "上海")) == len(names)
    finally:
        cdb.db.close()


def index_sql(cdb: CustomerDb) -> dict[str, str]:
    return {name: sql for name, sql in cdb.db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}


def dropped_during(cdb: CustomerDb, expected_rows: int) -> set[str]:
    before = index_sql(cdb)
    with cdb.write() as repos, repos.customer_bulk.loading(expected_rows):
        inside = set(index_sql(cdb))
        repos.customers.bulk_add([(draft(f"Load {i}", city="杭州"), REP_A)
                                  for i in range(30)], T0)
    assert index_sql(cdb) == before  # every index back, exactly as the migration made it
    return set(before) - inside


def test_a_large_load_into_an_empty_table_rebuilds_every_index_after(tmp_path: Path) -> None:
    cdb = CustomerDb(tmp_path)
    try:
        dropped = dropped_during(cdb, 5000)
        assert {"customers_name", "customers_city", "customer_phones_phone"} <= dropped
        # ...and what was loaded is found through the rebuilt indexes.
        assert len(cdb.names(EVERYONE, "杭州")) == 30
        plan = " ".join(str(r) for r in cdb.db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM customers ORDER BY name_key, id LIMIT 5"))
        assert "customers_name" in plan
    finally:
        cdb.db.close()


def test_a_load_small_beside_the_table_keeps_its_indexes(tmp_path: Path) -> None:
    cdb = CustomerDb(tmp_path)
    try:
        with cdb.write() as repos:
            repos.customers.bulk_add([(draft(f"Old {i}"), REP_A) for i in range(2500)], T0)
        assert dropped_during(cdb, 1000) == set()  # 2,500 rows >= 2 x 1,000
        # A load as big as the table drops only the list's sort indexes: the duplicate
        # lookups still need the others to compare with the rows already there.
        dropped = dropped_during(cdb, 2000)
        assert "customers_name" in dropped
        assert not dropped & {"customers_city", "customers_credit_code",
                              "customer_phones_phone"}
    finally:
        cdb.db.close()


def test_a_failed_load_leaves_every_index_in_place(tmp_path: Path) -> None:
    cdb = CustomerDb(tmp_path)
    try:
        before = index_sql(cdb)
        with pytest.raises(RuntimeError), cdb.write() as repos, \
                repos.customer_bulk.loading(50_000):
            assert "customers_name" not in index_sql(cdb)
            raise RuntimeError("cancelled half way")
        assert index_sql(cdb) == before
    finally:
        cdb.db.close()
