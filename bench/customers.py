"""Customer search and list timings at scale, encrypted beside plain, each with its target.

    .venv/bin/python bench/customers.py [--count 1000000] [--runs 15] [--dir DIR [--reuse]]

Builds N customers through the storage layer's bulk path (SqlCustomers.bulk_add, executemany in
transactions of 50,000) twice from the same seeded data: in an encrypted SQLCipher database
keyed as a vault is, and in an unkeyed database of the same sqlcipher3 engine and schema (the
baseline design.md §6 asks for). Then, for each, as an administrator (sees everyone), a rep
(own + shared) and a manager (team of 8 reps):
- search, first 50 hits, p50/p95 over a mix of queries: two-character Chinese names, a
  one-character surname, phone fragments, English prefixes, a city, a long substring;
- list ready: the row count plus the first page of 100 (what the list model needs to show);
- page-down: the next keyset page of 100 (p50/p95 over consecutive pages), every sort key;
- count, with and without a filter.
The import of 100k CSV rows and the memory of the list: bench/customer_import.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlcipher3  # noqa: E402

from bench.customer_data import batches  # noqa: E402
from core.customers.access import Scope  # noqa: E402
from core.customers.model import CustomerStatus  # noqa: E402
from core.customers.ports import CustomerFilter, SortKey  # noqa: E402
from core.roles import Role  # noqa: E402
from storage import migrate  # noqa: E402
from storage.database import Database, connect  # noqa: E402
from storage.repositories import SqlRepositories  # noqa: E402

SEARCH_TARGET, LIST_TARGET, PAGE_TARGET = 0.020, 0.050, 0.016
BATCH = 50_000
REPS = 40
TEAM = 8
QUERIES = ("王芳", "张伟", "李娜", "王", "5678", "1381234", "139-1234", "ac", "sm", "上海",
           "acme", "科技有限", "王芳 上海", "Global Trading")
ADMIN_ID, MANAGER_ID, FIRST_REP = 1, 2, 3
EVERYONE = Scope(everyone=True)
REP = Scope(owners=frozenset({FIRST_REP}), shared_with=FIRST_REP)
MANAGER = Scope(owners=frozenset({MANAGER_ID, *range(FIRST_REP, FIRST_REP + TEAM)}),
                shared_with=MANAGER_ID)


# -- building ------------------------------------------------------------------------------
def open_plain(path: Path) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON",
                   "temp_store = MEMORY"):
        conn.execute(f"PRAGMA {pragma}").fetchall()
    return conn


def open_both(folder: Path, create: bool) -> dict[str, Database]:
    key_file = folder / "bench-key.hex"  # a throwaway key for a throwaway benchmark database
    if create:
        key_file.write_text(os.urandom(32).hex())
    key = bytes.fromhex(key_file.read_text())
    encrypted = connect(folder / "encrypted.db", key, create=create)
    plain = open_plain(folder / "plain.db")
    return {"encrypted": Database(encrypted, folder / "encrypted.db"),
            "plain": Database(plain, folder / "plain.db")}


def build(dbs: dict[str, Database], count: int) -> None:
    now = datetime.now(UTC)
    for db in dbs.values():
        with db.reading() as conn:
            migrate.upgrade(conn)
        with db.transaction() as conn:
            users = SqlRepositories(conn).users
            users.add("Admin", Role.ADMINISTRATOR, "slot-admin", False, now)
            users.add("Manager", Role.SALES_MANAGER, "slot-manager", False, now)
            for i in range(REPS):
                users.add(f"Rep {i:02d}", Role.SALES_REP, f"slot-rep-{i}", False, now)
            conn.execute("UPDATE users SET manager_id = ? WHERE id BETWEEN ? AND ?",
                         (MANAGER_ID, FIRST_REP, FIRST_REP + TEAM - 1))
    owners = list(range(FIRST_REP, FIRST_REP + REPS))
    spent = dict.fromkeys(dbs, 0.0)
    # Loading only: a big page cache keeps the index b-trees in memory while rows arrive in
    # random key order. Measurements below run with the connection's default cache again.
    default_cache = {label: db.execute("PRAGMA cache_size")[0][0] for label, db in dbs.items()}
    for db in dbs.values():
        db.execute("PRAGMA cache_size = -262144")
    started = time.perf_counter()
    for done, batch in enumerate(batches(count, owners, BATCH), start=1):
        for label, db in dbs.items():
            t0 = time.perf_counter()
            with db.transaction() as conn:
                SqlRepositories(conn).customers.bulk_add(batch, now)
            spent[label] += time.perf_counter() - t0
        print(f"\r  built {min(done * BATCH, count):,} / {count:,}", end="", flush=True)
    print(f"  ({time.perf_counter() - started:.0f} s with data generation)")
    for label, db in dbs.items():
        t0 = time.perf_counter()
        with db.transaction() as conn:
            repos = SqlRepositories(conn)
            # Some customers of other reps shared with the first rep and the manager.
            for cid in range(7, min(count, 7 + 300 * 97), 97):
                repos.customers.set_shared(cid, FIRST_REP, True)
                repos.customers.set_shared(cid, MANAGER_ID, True)
            repos.customers.optimize_search()
        db.checkpoint()
        db.execute(f"PRAGMA cache_size = {int(default_cache[label])}")
        merge = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in db.path.parent.glob(db.path.name + "*"))
        print(f"  {label:<9}: inserts {spent[label]:6.1f} s "
              f"({count / max(spent[label], 1e-9):,.0f} rows/s), index merge {merge:5.1f} s, "
              f"{size / 2**20:,.0f} MiB on disk")


# -- measuring -----------------------------------------------------------------------------
def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = action()
    return time.perf_counter() - t0, result


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


class Results:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, list[float]]] = {}
        self.targets: dict[str, float] = {}

    def add(self, name: str, label: str, seconds: list[float], target: float = 0.0) -> None:
        self.rows.setdefault(name, {})[label] = seconds
        if target:
            self.targets[name] = target

    def print(self) -> None:
        print(f"\n  {'operation':<46} {'encrypted p50/p95 ms':>22} {'plain p50/p95 ms':>18}"
              "   target")
        for name, by_label in self.rows.items():
            cells = []
            for label in ("encrypted", "plain"):
                values = by_label.get(label, [])
                cells.append(f"{pct(values, .5) * 1e3:8.2f} /{pct(values, .95) * 1e3:8.2f}"
                             if values else "-")
            target = self.targets.get(name)
            note = ""
            if target:
                worst = pct(by_label["encrypted"], .95)
                note = f"p95 <= {target * 1e3:.0f} ms {'OK' if worst <= target else 'OVER'}"
            print(f"  {name:<46} {cells[0]:>22} {cells[1]:>18}   {note}")


def measure(label: str, db: Database, runs: int, results: Results) -> None:
    with db.reading() as conn:
        customers = SqlRepositories(conn).customers
        for scope_name, scope in (("admin", EVERYONE), ("rep", REP), ("manager", MANAGER)):
            mix: list[float] = []
            for query in QUERIES:
                times = [timed(lambda q=query, s=scope: customers.search(s, q, 50))[0]
                         for _ in range(runs)]
                mix.extend(times)
                if scope_name == "admin":
                    hits = len(customers.search(scope, query, 50))
                    results.add(f"  search {query!r} ({hits} hits)", label, times)
            results.add(f"search mix, first 50 ({scope_name})", label, mix, SEARCH_TARGET)
        for scope_name, scope in (("admin", EVERYONE), ("rep", REP), ("manager", MANAGER)):
            ready = [timed(lambda s=scope: (customers.count(s, CustomerFilter()),
                                            customers.page(s, CustomerFilter(), SortKey.NAME,
                                                           False, None, 100)))[0]
                     for _ in range(runs)]
            results.add(f"list ready: count + first 100 ({scope_name})", label, ready,
                        LIST_TARGET)
        for scope_name, scope, sort, desc, flt in (
                ("admin", EVERYONE, SortKey.NAME, False, CustomerFilter()),
                ("admin", EVERYONE, SortKey.NAME, True, CustomerFilter()),
                ("admin", EVERYONE, SortKey.UPDATED, True, CustomerFilter()),
                ("admin", EVERYONE, SortKey.CITY, False, CustomerFilter()),
                ("admin", EVERYONE, SortKey.NAME, False,
                 CustomerFilter(status=CustomerStatus.ACTIVE)),
                ("admin", EVERYONE, SortKey.NAME, False, CustomerFilter(city="上海")),
                ("rep", REP, SortKey.NAME, False, CustomerFilter()),
                ("rep", REP, SortKey.UPDATED, True, CustomerFilter()),
                ("manager", MANAGER, SortKey.NAME, False, CustomerFilter()),
                ("manager", MANAGER, SortKey.CITY, True, CustomerFilter())):
            rows = customers.page(scope, flt, sort, desc, None, 100)
            times = []
            for _ in range(max(runs * 3, 30)):
                if not rows:
                    break
                after = customers.cursor_of(rows[-1], sort)
                seconds, rows = timed(lambda a=after, s=scope, f=flt, k=sort, d=desc:
                                      customers.page(s, f, k, d, a, 100))
                times.append(seconds)
            flt_text = (f", {flt.status or ''}{flt.city}" if flt != CustomerFilter() else "")
            results.add(f"page-down 100 ({scope_name}, {sort}"
                        f"{' desc' if desc else ''}{flt_text})", label, times, PAGE_TARGET)
        for scope_name, scope, flt in (("admin", EVERYONE, CustomerFilter()),
                                       ("rep", REP, CustomerFilter()),
                                       ("manager", MANAGER, CustomerFilter()),
                                       ("admin", EVERYONE, CustomerFilter(city="上海")),
                                       ("admin", EVERYONE, CustomerFilter(tag="vip"))):
            times = [timed(lambda s=scope, f=flt: customers.count(s, f))[0] for _ in range(runs)]
            extra = f", {flt.city or flt.tag}" if flt != CustomerFilter() else ""
            results.add(f"count ({scope_name}{extra})", label, times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dir", type=Path, help="keep the databases here (default: temporary)")
    parser.add_argument("--reuse", action="store_true", help="measure databases built before")
    args = parser.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="strongroom-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    reuse = args.reuse and (folder / "encrypted.db").exists()
    if not reuse:
        for old in folder.glob("*.db*"):
            old.unlink()
    dbs = open_both(folder, create=not reuse)
    try:
        print(f"Strongroom customers benchmark: {args.count:,} customers in {folder}")
        if not reuse:
            build(dbs, args.count)
        with dbs["encrypted"].reading() as conn:
            stored = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
        print(f"  {stored:,} customers stored; SQLite "
              f"{sqlcipher3.sqlite_version}; {args.runs} runs per measurement")
        results = Results()
        for label, db in dbs.items():
            measure(label, db, args.runs, results)
        results.print()
    finally:
        for db in dbs.values():
            db.close()
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
