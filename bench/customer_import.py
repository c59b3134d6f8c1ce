"""Import of a generated CSV file through the real import path, encrypted beside plain, and the
memory of the customer list, each with its target.

    .venv/bin/python bench/customer_import.py [--rows 100000] [--page-rows 10000] [--dir DIR]

- import: a UTF-8 CSV of N customers (Chinese and English names and companies, mobiles, cities,
  contacts, notes, some ID numbers) is imported by `session.customer_import.run(session.user,
  path)` into a freshly created vault (SQLCipher, keyed as every vault is), then the same file
  into the same vault copied to an unkeyed database of the same sqlcipher3 engine (the baseline
  design.md §6 asks for), the session's connection swapped for it.
- list memory: the growth of the process's resident set while the storage layer's keyset
  page() API reads 10,000 rows in pages of 100, keeping them (what a list model holds).
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlcipher3  # noqa: E402

from bench.customer_data import customer  # noqa: E402
from core.audit import now_utc  # noqa: E402
from core.auth import Authenticator  # noqa: E402
from core.customers.access import Scope  # noqa: E402
from core.customers.model import NATIONAL_ID, CustomerSummary  # noqa: E402
from core.customers.ports import CustomerFilter, SortKey  # noqa: E402
from core.passwords import HistoryHasher, PasswordRules, load_common_passwords  # noqa: E402
from core.session import AppContext, Session  # noqa: E402
from storage.crypto import Argon2Params  # noqa: E402
from storage.repositories import SqlRepositories  # noqa: E402
from storage.vault import SqlCipherVaults  # noqa: E402

IMPORT_TARGET, LIST_MEMORY_TARGET = 5.0, 100 * 2**20
ADMIN = ("Bench Admin", "a long bench pass phrase 2026")
HEADER = ["客户名称", "类型", "状态", "手机", "邮箱", "城市", "地区", "标签", "备注", "联系人",
          "联系人电话", "身份证号"]
# A throwaway vault: the cheapest key derivation, nothing to protect.
BENCH_KDF = Argon2Params(memory_kib=1024, time_cost=1, parallelism=1)


def write_csv(path: Path, rows: int, seed: int = 20260415) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for _ in range(rows):
            d = customer(rng)
            contact = d.contacts[0] if d.contacts else None
            out.writerow([d.name, "企业" if d.kind == "company" else "个人", str(d.status),
                          ";".join(d.phones), d.email, d.city, d.region, ";".join(d.tags),
                          d.notes, contact.name if contact else "",
                          contact.phone if contact else "", d.sensitive.get(NATIONAL_ID, "")])


def _rules() -> PasswordRules:
    return PasswordRules(load_common_passwords(ROOT / "resources" / "common-passwords.txt"),
                         HistoryHasher(memory_kib=1024, time_cost=1, parallelism=1))


def new_session(folder: Path) -> Session:
    auth = Authenticator(SqlCipherVaults(kdf=BENCH_KDF),  # type: ignore[arg-type]
                         AppContext(rules=_rules(), credentials=None, clock=now_utc))
    session, _recovery = auth.create(folder / "vault", *ADMIN)
    return session


def to_plain(session: Session, folder: Path) -> None:
    """Copy the session's vault database, unkeyed, and make the session use the copy."""
    db = session._store.db  # type: ignore[attr-defined]  # a benchmark reaches inside
    plain = folder / "plain.db"
    with db.reading() as conn:
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
        conn.execute("SELECT sqlcipher_export('plain')").fetchall()
        conn.execute("DETACH DATABASE plain")
    conn = sqlcipher3.connect(str(plain), isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON",
                   "temp_store = MEMORY"):
        conn.execute(f"PRAGMA {pragma}").fetchall()
    db.swap(conn, plain)


def run_import(session: Session, path: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    report = session.customer_import.run(session.user, path)
    seconds = time.perf_counter() - t0
    if report.file_problems or report.rejected_rows:
        raise SystemExit(f"import failed: {report.file_problems or report.problems[:5]}")
    return seconds, report.imported


def rss() -> int:
    """The resident set now (Linux: /proc), else the peak."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * resource.getpagesize()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def login(folder: Path) -> Session:
    auth = Authenticator(SqlCipherVaults(kdf=BENCH_KDF),  # type: ignore[arg-type]
                         AppContext(rules=_rules(), credentials=None, clock=now_utc))
    return auth.login(folder / "vault", *ADMIN)


def list_memory(session: Session, rows: int) -> tuple[int, int]:
    """(bytes the resident set grew, rows held) paging through `rows` rows by name."""
    db = session._store.db  # type: ignore[attr-defined]
    with db.reading() as conn:  # the vault open and warm, as the list finds it
        SqlRepositories(conn).customers.page(Scope(everyone=True), CustomerFilter(),
                                             SortKey.NAME, False, None, 100)
    gc.collect()
    before = rss()
    held: list[CustomerSummary] = []
    with db.reading() as conn:
        customers = SqlRepositories(conn).customers
        after = None
        while len(held) < rows:
            page = customers.page(Scope(everyone=True), CustomerFilter(), SortKey.NAME, False,
                                  after, 100)
            if not page:
                break
            held.extend(page)
            after = customers.cursor_of(page[-1], SortKey.NAME)
    gc.collect()
    return rss() - before, len(held)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--page-rows", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, help="work here (default: temporary, removed)")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain baseline")
    parser.add_argument("--list-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.list_only:  # the child process measuring the list's memory
        session = login(args.dir)
        try:
            print(*list_memory(session, args.page_rows))
        finally:
            session.close()
        return 0
    folder = args.dir or Path(tempfile.mkdtemp(prefix="strongroom-import-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / "vault", ignore_errors=True)
    (folder / "plain.db").unlink(missing_ok=True)
    try:
        path = folder / "customers.csv"
        t0 = time.perf_counter()
        write_csv(path, args.rows)
        print(f"Strongroom import benchmark: {args.rows:,} rows "
              f"({path.stat().st_size / 2**20:.1f} MiB CSV, written in "
              f"{time.perf_counter() - t0:.1f} s); SQLite {sqlcipher3.sqlite_version}")
        session = new_session(folder)
        try:
            encrypted, imported = run_import(session, path)
            verdict = "OK" if encrypted <= IMPORT_TARGET else "OVER"
            print(f"  import {args.rows:,} CSV rows, encrypted: {encrypted:6.2f} s "
                  f"({imported / encrypted:,.0f} rows/s)   target <= {IMPORT_TARGET:.0f} s "
                  f"{verdict}")
            # In a fresh process: the import's freed memory would hide the list's growth.
            session.close()
            measured = subprocess.run(
                [sys.executable, __file__, "--dir", str(folder), "--list-only",
                 "--page-rows", str(args.page_rows)], capture_output=True, text=True,
                check=True).stdout.split()
            grown, held = int(measured[0]), int(measured[1])
            verdict = "OK" if grown <= LIST_MEMORY_TARGET else "OVER"
            print(f"  list memory, {held:,} rows paged by 100 (encrypted): "
                  f"{grown / 2**20:6.1f} MiB more RSS   target <= "
                  f"{LIST_MEMORY_TARGET / 2**20:.0f} MiB {verdict}")
            if not args.no_plain:
                # The same file again into a plain copy of a new vault.
                shutil.rmtree(folder / "vault", ignore_errors=True)
                session = new_session(folder)
                to_plain(session, folder)
                plain, imported = run_import(session, path)
                print(f"  import {args.rows:,} CSV rows, plain:     {plain:6.2f} s "
                      f"({imported / plain:,.0f} rows/s)   (baseline; encrypted "
                      f"{encrypted / plain:.2f}x)")
        finally:
            if not session.locked:
                session.close()
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
