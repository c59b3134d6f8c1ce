"""Does the Customers page scroll without stutter over a large vault?

    .venv/bin/python bench/customer_list_ui.py [--count 200000] [--rows 200000]
        [--dir DIR [--reuse]]

Builds a vault (cheap key derivation: this measures the list, not unlocking) and fills it with N
customers through the storage bulk path (SqlCustomers.bulk_add, as bench/customers.py does),
then opens the real CustomersPage offscreen as an administrator (sees everyone) and as a rep
(owns a quarter), and measures:
- list ready: page created -> first rows in the model (the page is read on a worker);
- page fetch: each keyset page of 200 as the worker reads it (service.page, cursor included);
- the GUI thread's share: inserting a fetched page, and one full repaint of the table;
- GUI stalls while scrolling every 16 ms (a 60 Hz "user"), by 3 rows for 5 s (a wheel) and
  then by a page until 20,000 rows are loaded: the gaps of a 1 ms heartbeat timer on the GUI
  thread, i.e. the time the event loop could not draw a frame (painting included);
- memory: the list is windowed (at most CustomerListModel.WINDOW rows held, one keyset anchor
  per page reached), so after reaching --rows rows (the view at the end every 16 ms, each time a
  page fetched by key) the process's resident memory and the rows held stay about what they
  were after ROWS_TO_SCROLL; then a jump back to the middle, which reads that page again by its
  anchor (time until the rows in view are shown);
- search: typed query -> hits shown (debounce excluded), and the count.
A frame is 16.7 ms at 60 Hz: a stall longer than that is a visible hitch.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QAbstractItemView, QApplication  # noqa: E402

from bench.customer_data import batches  # noqa: E402
from core.audit import now_utc  # noqa: E402
from core.auth import Authenticator  # noqa: E402
from core.passwords import HistoryHasher, PasswordRules, load_common_passwords  # noqa: E402
from core.roles import Role  # noqa: E402
from core.session import AppContext, Session  # noqa: E402
from storage.crypto import Argon2Params  # noqa: E402
from storage.vault import SqlCipherVaults  # noqa: E402
from ui.bus import BusBridge  # noqa: E402
from ui.customers.page import CustomersPage  # noqa: E402
from ui.worker import wait_for_workers  # noqa: E402

ADMIN = ("Bench Admin", "quiet lighthouse over cold water 1")
REPS = [(f"Bench Rep {i}", f"seven amber kites drifting {i}x") for i in range(4)]
KDF = Argon2Params(memory_kib=1024, time_cost=1, parallelism=1)
BATCH = 50_000
ROWS_TO_SCROLL = 20_000


def authenticator() -> Authenticator:
    rules = PasswordRules(load_common_passwords(ROOT / "resources" / "common-passwords.txt"),
                          HistoryHasher(memory_kib=1024, time_cost=1, parallelism=1))
    return Authenticator(SqlCipherVaults(kdf=KDF),  # type: ignore[arg-type]
                         AppContext(rules=rules, credentials=None, clock=now_utc))


def build(auth: Authenticator, path: Path, count: int) -> None:
    session, _recovery = auth.create(path, *ADMIN)
    reps = [session.accounts.add_user(session.user, name, Role.SALES_REP, password,
                                      must_change=False).id for name, password in REPS]
    store = session._store  # the bulk path is storage's; a benchmark may reach it
    started, now = time.perf_counter(), datetime.now(UTC)
    for done, batch in enumerate(batches(count, reps, BATCH), start=1):
        with store.transaction() as repos:
            repos.customers.bulk_add(batch, now)
        print(f"\r  built {min(done * BATCH, count):,} / {count:,}", end="", flush=True)
    with store.transaction() as repos:
        repos.customers.optimize_search()
    print(f"  ({time.perf_counter() - started:.0f} s)")
    session.close()


def rss_mb() -> float:
    """Resident memory now (Linux), else the peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] if ordered else 0.0


def wait(app: QApplication, condition: Any, timeout: float = 30.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("condition not met")
        app.processEvents()
        time.sleep(0.0005)


class Heartbeat:
    """A 1 ms timer on the GUI thread; the gaps between its ticks are the stalls."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._beat)
        self._last = 0

    def _beat(self) -> None:
        now = self._clock.nsecsElapsed()
        self.gaps.append((now - self._last) / 1e6)
        self._last = now

    def start(self) -> None:
        self.gaps = []
        self._clock.start()
        self._last = 0
        self._timer.start()

    def stop(self) -> str:
        self._timer.stop()
        gaps = self.gaps
        return (f"p50 {statistics.median(gaps):5.1f} ms  p99 {pct(gaps, .99):5.1f} ms  "
                f"max {max(gaps):5.1f} ms; over 16 ms: {sum(g > 16 for g in gaps)} of "
                f"{len(gaps)}")


def scroll(app: QApplication, page: CustomersPage, rows_per_tick: int | None,
           until: Any) -> str:
    """Move the view every 16 ms (by `rows_per_tick` rows, or a page) until `until()`."""
    bar, heart = page.view.verticalScrollBar(), Heartbeat()
    per_item = page.view.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem
    row_height = 1 if per_item else page.view.verticalHeader().defaultSectionSize()
    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(16)
    step = bar.pageStep() if rows_per_tick is None else rows_per_tick * row_height
    ticker.timeout.connect(lambda: bar.setValue(bar.value() + step))
    heart.start()
    ticker.start()
    wait(app, until, timeout=600)
    ticker.stop()
    return heart.stop()


def held(app: QApplication, page: CustomersPage) -> None:
    """Wait until every row in view is held (read again by key if it had been dropped)."""
    view = page.view

    def shown() -> bool:
        app.processEvents()
        first, last = view.rowAt(0), view.rowAt(view.viewport().height() - 1)
        last = last if last >= 0 else page.model.rowCount() - 1
        return all(page.model.summary(r) is not None for r in range(first, last + 1))

    wait(app, shown)


def measure(app: QApplication, session: Session, label: str, memory_rows: int) -> None:
    fetches: list[float] = []
    service = session.customers
    real_page = service.page

    def timed_page(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return real_page(*args, **kwargs)
        finally:
            fetches.append(time.perf_counter() - t0)

    service.page = timed_page  # type: ignore[method-assign]
    bridge = BusBridge(session.bus)
    t0 = time.perf_counter()
    page = CustomersPage(session, bridge)
    page.resize(1100, 700)
    page.show()
    wait(app, lambda: page.model.rowCount() > 0)
    ready = time.perf_counter() - t0
    wait(app, lambda: page.count_label.text().startswith("Customers:"))
    counted = time.perf_counter() - t0
    total = page.count_label.text()
    wait_for_workers()
    app.processEvents()

    delivered: list[float] = []
    real_deliver = page.model._deliver

    def timed_deliver(*args: Any) -> None:
        t0 = time.perf_counter()
        real_deliver(*args)
        delivered.append(time.perf_counter() - t0)

    page.model._deliver = timed_deliver  # type: ignore[method-assign]
    viewport = page.view.viewport()
    repaints = []
    for _ in range(20):
        t0 = time.perf_counter()
        viewport.repaint()
        repaints.append(time.perf_counter() - t0)

    fetches.clear()
    started = time.perf_counter()
    wheel = scroll(app, page, 3, lambda: time.perf_counter() - started > 5)
    wheel_rows = page.model.rowCount()
    t0 = time.perf_counter()
    paging = scroll(app, page, None, lambda: page.model.rowCount() >= ROWS_TO_SCROLL)
    scrolled, paged_rows = time.perf_counter() - t0, page.model.rowCount()
    model, bar = page.model, page.view.verticalScrollBar()
    memory = [(model.rowCount(), rss_mb(), model.materialised)]
    t0 = time.perf_counter()
    # A step past the end: the view sits at its last row, and asks for more every tick.
    to_end = scroll(app, page, 10**7, lambda: not (
        model.rowCount() < memory_rows and (model.canFetchMore() or model.loading)))
    reached_in = time.perf_counter() - t0
    wait(app, lambda: not model.loading)
    memory.append((model.rowCount(), rss_mb(), model.materialised))
    anchors = model.anchors
    jumps = []
    for fraction in (0.5, 0.1, 0.0):
        t0 = time.perf_counter()
        bar.setValue(round(bar.maximum() * fraction))
        held(app, page)
        jumps.append(time.perf_counter() - t0)

    searches: list[float] = []
    for query in ("王芳", "张伟", "138", "acme", "上海", "Global Trading"):
        t0 = time.perf_counter()
        page.model.set_query(query)
        wait(app, lambda q=query: page.model.query == q and not page.model.loading)
        searches.append(time.perf_counter() - t0)

    print(f"\n{label}: {total}")
    print(f"  list ready (first rows shown)  {ready * 1000:7.1f} ms; count shown "
          f"{counted * 1000:7.1f} ms")
    print(f"  page fetch on the worker       p50 {pct(fetches, .5) * 1000:6.1f} ms  "
          f"p95 {pct(fetches, .95) * 1000:6.1f} ms  max {max(fetches) * 1000:6.1f} ms "
          f"({len(fetches)} pages of 200)")
    print(f"  page insert on the GUI thread  p50 {pct(delivered, .5) * 1000:6.1f} ms  "
          f"max {max(delivered) * 1000:6.1f} ms")
    print(f"  full repaint of the table      p50 {pct(repaints, .5) * 1000:6.1f} ms  "
          f"max {max(repaints) * 1000:6.1f} ms")
    print(f"  wheel (3 rows / 16 ms, 5 s, {wheel_rows:,} rows): GUI gaps {wheel}")
    print(f"  page-down every 16 ms to {paged_rows:,} rows in {scrolled:.1f} s: "
          f"GUI gaps {paging}")
    print(f"  to the end every 16 ms, {memory[1][0]:,} rows reached in {reached_in:.1f} s: "
          f"GUI gaps {to_end}")
    for rows, rss, kept in memory:
        print(f"  memory at {rows:>9,} rows reached: RSS {rss:7.1f} MB, rows held {kept:,} "
              f"(bound {model.WINDOW:,})")
    print(f"  anchors kept: {anchors:,} (one per page of {model.PAGE}); RSS growth "
          f"{memory[1][1] - memory[0][1]:+.1f} MB from {memory[0][0]:,} to "
          f"{memory[1][0]:,} rows")
    print("  jump back (scrollbar to 50 %, 10 %, top) -> rows shown: "
          + ", ".join(f"{j * 1000:.1f} ms" for j in jumps))
    print(f"  search typed -> hits shown     p50 {pct(searches, .5) * 1000:6.1f} ms  "
          f"max {max(searches) * 1000:6.1f} ms")
    page.model.set_query("")
    wait(app, lambda: not page.model.loading)
    page.wipe()
    page.deleteLater()
    bridge.detach()
    wait_for_workers()
    app.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=200_000,
                        help="rows to reach for the memory figure")
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="strongroom-list-"))
    path = folder / "vault"
    app = QApplication.instance() or QApplication([])
    auth = authenticator()
    try:
        if not (args.reuse and path.exists()):
            if path.exists():
                shutil.rmtree(path)
            print(f"Building {args.count:,} customers in {path}")
            build(auth, path, args.count)
        for name, password in (ADMIN, REPS[0]):
            session = auth.login(path, name, password)
            try:
                measure(app, session, f"{name} ({session.role_label})", args.rows)
            finally:
                session.close()
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
