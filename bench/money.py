"""Money timings at scale: ageing over the whole book and importing a long bank statement, each
in an encrypted vault and beside a plain baseline, with its target.

    .venv/bin/python bench/money.py [--customers 100000] [--instalments 1000000]
                                    [--lines 10000] [--runs 3]

The vault is a throwaway one (cheap Argon2, as bench/contracts.py) with a finance user. Its
book is built fast through the storage layer, not the services: customers by
SqlCustomers.bulk_add (bench/customer_data.py), one signed contract per customer and
--instalments receivables spread over them (due dates from 400 days ago to a year ahead, some
partly paid), each with a fapiao number. The baseline is the same book in an unkeyed database
of the same sqlcipher3 engine (an sqlcipher_export of the vault), driven by the same services.

(a) session.money.ageing as finance (sees everyone): total, per rep, per customer; median of
    --runs. Target <= 1 s each.
(b) session.reconciliation.import_statement of a --lines CSV statement: ~60 % of the lines pay
    an open instalment naming its fapiao number, ~20 % pay one by amount and payer name, ~20 %
    are strangers' money or money out. Timed once per database (an import is not repeatable:
    the same statement is refused the second time). Target <= 2 s.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlcipher3  # noqa: E402

from bench.contracts import FINANCE, open_vault, users_of  # noqa: E402
from bench.customer_data import batches  # noqa: E402
from core.money.model import AgeingGroup  # noqa: E402
from core.roles import Role  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.repositories import SqlRepositories  # noqa: E402

AGEING_TARGET, IMPORT_TARGET = 1.0, 2.0
BATCH = 50_000
SEED = 20260105
REPS = 40


def line(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<52} {seconds * 1000:9.1f} ms  {note}".rstrip(), flush=True)


def verdict(seconds: float, target: float) -> str:
    return f"target <= {target:.0f} s: {'OK' if seconds <= target else 'OVER'}"


# -- building the book ----------------------------------------------------------------------------
def build_book(db: Database, customers: int, instalments: int, author: int) -> None:
    """Customers, a signed contract each and the instalments, in transactions of 50,000."""
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    stamp = now.isoformat(timespec="microseconds")
    today = date.today()
    with db.transaction() as conn:
        users = SqlRepositories(conn).users
        for i in range(REPS):
            users.add(f"Rep {i:02d}", Role.SALES_REP, f"slot-bench-rep-{i}", False, now)
    owners = [r[0] for r in db.execute("SELECT id FROM users WHERE role = ? ORDER BY id",
                                       (Role.SALES_REP.value,))]
    # Loading only: a big page cache while rows arrive; the timed part below runs with the
    # connection's own cache again (storage/database.py).
    default_cache = int(db.execute("PRAGMA cache_size")[0][0])
    db.execute("PRAGMA cache_size = -262144")
    t0 = time.perf_counter()
    for done, batch in enumerate(batches(customers, owners, BATCH), start=1):
        with db.transaction() as conn:
            SqlRepositories(conn).customers.bulk_add(batch, now)
        print(f"\r  customers {min(done * BATCH, customers):,} / {customers:,}", end="",
              flush=True)
    ids = [r[0] for r in db.execute("SELECT id FROM customers ORDER BY id")]
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO contracts (number, customer_id, author_id, language, state, title, "
            "currency, net_minor, tax_minor, gross_minor, contract_date, created_at, "
            "updated_at, signed_at) VALUES (?, ?, ?, 'zh', 'signed', '采购合同', 'CNY', 0, 0, "
            "0, ?, ?, ?, ?)",
            [(f"HT-B-{cid:07d}", cid, author, today.isoformat(), stamp, stamp, stamp)
             for cid in ids])
    contract_of = dict(db.execute("SELECT customer_id, id FROM contracts"))
    made = 0
    position: dict[int, int] = {}
    while made < instalments:
        rows = []
        for _ in range(min(BATCH, instalments - made)):
            cid = ids[made % len(ids)] if made < len(ids) else rng.choice(ids)
            pos = position[cid] = position.get(cid, 0) + 1
            amount = rng.randrange(50_00, 50_000_00)
            paid = amount // 2 if rng.random() < 0.1 else 0
            due = today + timedelta(days=rng.randrange(-400, 365))
            rows.append((contract_of[cid], pos, cid, amount, paid, amount - paid,
                         due.isoformat(), f"第{pos}期", f"FP{made + 1:010d}", stamp))
            made += 1
        with db.transaction() as conn:
            conn.executemany(
                "INSERT INTO receivables (contract_id, position, customer_id, currency, "
                "amount_minor, allocated_minor, open_minor, due_date, label, invoice_number, "
                "created_at) VALUES (?, ?, ?, 'CNY', ?, ?, ?, ?, ?, ?, ?)", rows)
        print(f"\r  instalments {made:,} / {instalments:,}          ", end="", flush=True)
    db.execute("ANALYZE")
    db.execute(f"PRAGMA cache_size = {default_cache}")
    db.checkpoint()
    print(f"\r  built {customers:,} customers, {instalments:,} instalments in "
          f"{time.perf_counter() - t0:.0f} s")


def plain_copy(db: Database, folder: Path) -> Database:
    """The vault's database decrypted into an unkeyed file of the same engine and schema."""
    path = folder / "plain.db"
    with db.reading() as conn:
        conn.execute(f"ATTACH DATABASE '{path}' AS plaintext KEY ''")
        conn.execute("SELECT sqlcipher_export('plaintext')").fetchall()
        conn.execute("DETACH DATABASE plaintext")
    plain = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    # The vault connection's pragmas (storage/database.py), its page cache too.
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "secure_delete = ON",
                   "foreign_keys = ON", "temp_store = MEMORY", "cache_size = -65536"):
        plain.execute(f"PRAGMA {pragma}").fetchall()
    return Database(plain, path)


def sessions(folder: Path, customers: int, instalments: int) -> dict[str, Any]:
    """The finance user's session over the vault, and one over the plain copy."""
    from core.ports import Unlocked
    from core.session import Session
    from storage.open_vault import SqlStore

    _auth, admin = open_vault(folder / "vault")
    finance = users_of(admin)[FINANCE[0]]
    store = admin._store
    build_book(store.db, customers, instalments, admin.user.id)
    session = Session(Unlocked(store, admin._keys, None), finance, admin._ctx)
    plain_store = SqlStore(plain_copy(store.db, folder), lambda _head: None)
    plain = Session(Unlocked(plain_store, admin._keys, None), finance, admin._ctx)
    return {"encrypted": session, "plain": plain}


# -- (a) ageing -----------------------------------------------------------------------------------
def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = action()
    return time.perf_counter() - t0, result


def bench_ageing(runs: dict[str, Any], repeat: int) -> None:
    print(f"(a) ageing as finance (everyone), median of {repeat}", flush=True)
    for group in (AgeingGroup.TOTAL, AgeingGroup.REP, AgeingGroup.CUSTOMER):
        for label, session in runs.items():
            def call(s: Any = session, g: AgeingGroup = group) -> Any:
                return s.money.ageing(s.user, groups=(g,))
            call()  # warm the page cache
            times, rows = [], None
            for _ in range(repeat):
                took, report = timed(call)
                times.append(took)
                rows = {AgeingGroup.TOTAL: report.total, AgeingGroup.REP: report.by_rep,
                        AgeingGroup.CUSTOMER: report.by_customer}[group]
            took = statistics.median(times)
            note = verdict(took, AGEING_TARGET) if label == "encrypted" else "baseline"
            line(f"{group.value:<9} {label:<9} ({len(rows or ()):,} rows)", took, note)


# -- (b) reconciliation ---------------------------------------------------------------------------
def statement(session: Any, folder: Path, lines: int, name: str) -> Path:
    """A CSV statement against the book's open instalments due in the last 60 days."""
    rng = random.Random(SEED + 1)
    today = date.today()
    with session._store.reader() as repos:
        conn = repos.money._conn
        open_ = conn.execute(
            "SELECT r.id, r.due_date, r.open_minor, r.invoice_number, c.name "
            "FROM receivables AS r JOIN customers AS c ON c.id = r.customer_id "
            "WHERE r.open_minor > 0 AND r.due_date BETWEEN ? AND ? ORDER BY r.id",
            ((today - timedelta(days=60)).isoformat(),
             (today - timedelta(days=4)).isoformat())).fetchall()
    picks = rng.sample(open_, min(len(open_), int(lines * 0.8)))
    rows = []
    for n, (_rid, due, minor, invoice, payer) in enumerate(picks):
        day = date.fromisoformat(due) + timedelta(days=rng.randrange(0, 4))
        amount = f"{minor / 100:.2f}"
        if n % 4 == 3:  # by amount and payer, no reference the book knows
            rows.append([day.isoformat(), amount, "", payer, f"B{n:09d}", "货款"])
        else:
            rows.append([day.isoformat(), amount, "", payer, f"B{n:09d}", f"发票 {invoice}"])
    while len(rows) < lines:
        n = len(rows)
        day = today - timedelta(days=rng.randrange(4, 60))
        if n % 5 == 0:
            rows.append([day.isoformat(), "", f"{rng.randrange(100, 90000)}.00", "房东",
                         f"B{n:09d}", "房租"])
        else:
            rows.append([day.isoformat(), f"{rng.randrange(100, 90000)}.37", "",
                         f"陌生人{n}", f"B{n:09d}", "转账"])
    rng.shuffle(rows)
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["交易日期", "收入金额", "支出金额", "对方户名", "交易流水号", "摘要"])
        writer.writerows(rows)
    return path


def bench_import(runs: dict[str, Any], folder: Path, lines: int) -> None:
    print(f"(b) importing a {lines:,}-line statement (once per database)", flush=True)
    for label, session in runs.items():
        path = statement(session, folder, lines, f"statement-{label}.csv")
        cpu = time.process_time()
        took, out = timed(lambda s=session, p=path: s.reconciliation.import_statement(
            s.user, p, "中国银行"))
        cpu = time.process_time() - cpu  # beside wall time: this machine is shared
        note = verdict(took, IMPORT_TARGET) if label == "encrypted" else "baseline"
        line(f"import {label:<9} ({out.matched:,} matched, {out.receipts_recorded:,} "
             "receipts)", took, f"{note}; CPU {cpu * 1000:.0f} ms")
        print(f"    unmatched lines {out.unmatched_lines:,}, money out {out.outgoing:,}, "
              f"differences {out.differences:,}, signals {len(out.signals):,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--instalments", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="strongroom-bench-money-") as tmp:
        folder = Path(tmp)
        print(f"building the book ({args.customers:,} customers, {args.instalments:,} "
              "instalments)", flush=True)
        runs = sessions(folder, args.customers, args.instalments)
        bench_ageing(runs, args.runs)
        bench_import(runs, folder, args.lines)


if __name__ == "__main__":
    main()
