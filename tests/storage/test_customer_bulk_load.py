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
