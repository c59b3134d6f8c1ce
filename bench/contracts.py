"""Contract PDF timings: render, sign and verify one 3-page contract, then a batch of signed
contracts with the vault's growth, and the first-use import cost of reportlab and pyHanko.

    .venv/bin/python bench/contracts.py [--contracts 1000] [--runs 9] [--skip-batch]

(a) first use: reportlab and pyHanko are imported when the first PDF is made or checked, never
    at app start. Each import is timed in a fresh interpreter (median of 3); baseline: the same
    interpreter importing nothing. Also checks that importing the session and the contract
    services loads neither.
(b) one contract, warm (after one warm-up run; median of --runs): the service calls a user
    makes (contract_pdfs.render, contract_pdfs.sign = render + certify + countersign + verify +
    archive, contract_pdfs.verify) and the core.pdf parts alone (render, certify, countersign,
    verify_pdf). Target: render + sign + verify of a contract <= 100 ms. Each wall-clock median
    comes with this process's CPU-time median: on a shared machine the gap is time spent
    waiting for a core, not work.
(c) a batch of --contracts contracts, each drafted, submitted, approved by the manager and
    signed (with the customer's handwriting) through the services, in one session: time per
    contract and the vault's growth (vault-*.db plus its -wal, before and after; after closing,
    when the WAL is checkpointed), per contract.

The vault is a throwaway one in a temporary folder with CHEAP Argon2 parameters (m=1 MiB, t=1),
so the approver's password re-check costs ~1 ms instead of the ~0.5 s of a real vault: the
figures are the PDF and database work, not the KDF (bench/unlock.py measures that).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 0.100  # seconds per contract: render + sign + verify, warm
CHEAP = {"memory_kib": 1024, "time_cost": 1, "parallelism": 1}
ADMIN = ("bench admin", "granite harbour forty one")
REP = ("bench rep", "willow compass sixty three")
MANAGER = ("bench manager", "copper lantern fifty two")
FINANCE = ("bench finance", "ledger orchid eighty five")


def line(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<62} {seconds * 1000:8.1f} ms  {note}".rstrip())


def verdict(seconds: float, target: float = TARGET) -> str:
    return f"target <= {target * 1000:.0f} ms: {'OK' if seconds <= target else 'OVER'}"


# -- (a) first-use import cost --------------------------------------------------------------------
IMPORTS = {
    "reportlab (what core/pdf/render.py uses)":
        "import reportlab.platypus, reportlab.pdfgen.canvas, reportlab.pdfbase.ttfonts",
    "pyHanko (signers, validation, incremental writer)":
        "import pyhanko.sign.signers, pyhanko.sign.validation, "
        "pyhanko.pdf_utils.incremental_writer, pyhanko_certvalidator",
    "core.pdf.render (reportlab + layout code)": "import core.pdf.render",
}
TIMER = ("import time, sys; sys.path.insert(0, {root!r}); t = time.perf_counter(); {stmt}; "
         "print(time.perf_counter() - t)")


def _import_time(stmt: str) -> float:
    out = subprocess.run([sys.executable, "-c", TIMER.format(root=str(ROOT), stmt=stmt)],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return float(out.strip().splitlines()[-1])


def bench_imports() -> None:
    print("(a) first use: import cost in a fresh interpreter (median of 3)", flush=True)
    baseline = statistics.median(_import_time("pass") for _ in range(3))
    for label, stmt in IMPORTS.items():
        line(label, statistics.median(_import_time(stmt) for _ in range(3)))
    line("baseline: importing nothing", baseline)
    check = ("import sys; sys.path.insert(0, {root!r}); import core.session, "
             "core.contracts.output, core.signing_service, core.pdf.signing, core.pdf.verify; "
             "print(sorted({{m.split('.')[0] for m in sys.modules}} & "
             "{{'reportlab', 'pyhanko', 'pyhanko_certvalidator'}}))")
    loaded = subprocess.run([sys.executable, "-c", check.format(root=str(ROOT))],
                            capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
    print(f"  importing the session and contract/PDF services loads: {loaded} "
          f"({'lazy: OK' if loaded == '[]' else 'NOT lazy'})")


# -- the throwaway vault ----------------------------------------------------------------------
def open_vault(folder: Path) -> tuple[Any, Any]:
    """(authenticator, administrator's session) of a new cheap-KDF vault with a rep (in the
    manager's team), a manager and a finance user."""
    from core.audit import now_utc
    from core.auth import Authenticator
    from core.contracts.model import Party
    from core.passwords import HistoryHasher, PasswordRules, load_common_passwords
    from core.roles import Role
    from core.session import AppContext
    from storage.crypto import Argon2Params
    from storage.vault import SqlCipherVaults

    rules = PasswordRules(load_common_passwords(ROOT / "resources" / "common-passwords.txt"),
                          HistoryHasher(**CHEAP))
    auth = Authenticator(SqlCipherVaults(kdf=Argon2Params(**CHEAP)),  # type: ignore[arg-type]
                         AppContext(rules=rules, credentials=None, clock=now_utc))  # type: ignore[arg-type]
    session, _recovery = auth.create(folder, *ADMIN)
    admin = session.user
    ids = {}
    for (name, password), role in ((REP, Role.SALES_REP), (MANAGER, Role.SALES_MANAGER),
                                   (FINANCE, Role.FINANCE)):
        ids[name] = session.accounts.add_user(admin, name, role, password, must_change=False)
    session.accounts.set_manager(admin, ids[REP[0]].id, ids[MANAGER[0]].id)
    session.contracts.set_company(admin, Party(name="星河数据科技有限公司",
                                               address="上海市浦东新区张江路88号"))
    return auth, session


def users_of(session: Any) -> dict[str, Any]:
    return {u.name: u for u in session.accounts.list_users(session.user)}


def three_page_terms(items: int) -> Any:
    from core.contracts.drafting import checked_items, priced
    from core.contracts.model import ContractTerms, LineItem
    from core.contracts.money import totals
    from core.contracts.schedule import even_schedule

    product = "数据采集终端 型号 DT-{:03d}（含安装调试与一年保修）"
    lines = tuple(LineItem(product.format(n), Decimal(n % 7 + 1), Decimal("1280.00"),
                           Decimal("0.05"), Decimal("0.13"))
                  for n in range(1, items + 1))
    gross = totals(priced(checked_items(lines, "CNY"), "CNY"), "CNY").gross  # type: ignore[arg-type]
    today = date.today()
    return ContractTerms(title="数据采集终端采购合同", items=lines,
                         instalments=even_schedule(gross, 3, today + timedelta(days=10),
                                                   every_days=30, label="第{n}期"),
                         delivery_terms="卖方于合同签订后30日内送货至买方指定地点并完成安装调试。",
                         contract_date=today, start_date=today,
                         end_date=today + timedelta(days=364))


def new_customer(session: Any, rep: Any, name: str) -> int:
    from core.customers.model import CustomerDraft, CustomerKind

    return session.customers.create(rep, CustomerDraft(
        kind=CustomerKind.COMPANY, name=name, city="上海",
        address="浦东新区世纪大道100号")).id


def approved_contract(session: Any, people: dict[str, Any], customer_id: int,
                      terms: Any) -> int:
    """Drafted by the rep, approved by whoever each step needs (manager, then finance when
    the customer is new)."""
    rep = people[REP[0]]
    cid = session.contracts.draft(rep, customer_id, terms).id
    session.contracts.submit(rep, cid)
    by_step = {"manager": MANAGER, "finance": FINANCE, "administrator": ADMIN}
    while (step := session.contracts.approval_progress(rep, cid).next_step) is not None:
        name, password = by_step[step]
        session.contracts.approve(people[name], cid, password)
    return cid


def pick_items_for_pages(session: Any, people: dict[str, Any], customer_id: int,
                         pages: int = 3) -> tuple[int, int]:
    """The number of line items that makes the contract `pages` pages long (and that count's
    page total), found by rendering drafts."""
    rep = people[REP[0]]
    for items in range(4, 80, 2):
        cid = session.contracts.draft(rep, customer_id, three_page_terms(items)).id
        got = session.contract_pdfs.render(rep, cid).pages
        if got >= pages:
            return items, got
    return items, got


def timed(action: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action(*args, **kwargs)
    return time.perf_counter() - start, result


# -- (b) one contract, warm -------------------------------------------------------------------
def bench_one(session: Any, runs: int) -> int:
    from core.audit import GENESIS
    from core.contracts.output import (
        COMPANY_FIELD,
        CUSTOMER_FIELD,
        SIGNATURE_FIELDS,
        to_pdf_document,
    )
    from core.demo_contracts import scribble_png
    from core.pdf.render import render
    from core.pdf.signing import SignatureBox, certify, countersign
    from core.pdf.verify import verify_pdf

    people = users_of(session)
    rep = people[REP[0]]
    customer = new_customer(session, rep, "上海明珠贸易有限公司")
    items, pages = pick_items_for_pages(session, people, customer)
    print(f"(b) one contract of {pages} pages ({items} line items, 8 clauses, Chinese), "
          f"warm: median of {runs} after one warm-up", flush=True)
    terms = three_page_terms(items)
    # One approved contract per signing run (signing moves it to `signed`).
    contracts = [approved_contract(session, people, customer, terms) for _ in range(runs + 1)]
    png = scribble_png(1)
    from core.signing_service import ContractSigners

    signers = ContractSigners(session.signing)  # a benchmark reaches past the service
    company, seal = signers.company(rep), signers.seal(rep)
    roots = session.signing.trust_roots()
    names = ("service render", "service sign", "service verify", "core render", "certify",
             "countersign", "core verify", "verify certified")
    times: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    sample: dict[str, tuple[float, float]] = {}  # this run's (wall, cpu) seconds by name

    def take(name: str, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        start, start_cpu = time.perf_counter(), time.process_time()
        result = action(*args, **kwargs)
        sample[name] = (time.perf_counter() - start, time.process_time() - start_cpu)
        return result

    for run, cid in enumerate(contracts):
        sample.clear()
        take("service render", session.contract_pdfs.render, rep, cid)
        doc = session.contracts.document(rep, cid)
        rendered = take("core render", render, to_pdf_document(doc, GENESIS))
        cbox = SignatureBox(COMPANY_FIELD, rendered.company_box.page_index,
                            rendered.company_box.box)
        ubox = SignatureBox(CUSTOMER_FIELD, rendered.customer_box.page_index,
                            rendered.customer_box.box)
        certified = take("certify", certify, rendered.pdf, company, cbox, "bench", GENESIS,
                         later=[ubox])
        final = take("countersign", countersign, certified, seal, ubox, png, "李建国",
                     doc_time(), GENESIS)
        report = take("core verify", verify_pdf, final, roots, required_fields=SIGNATURE_FIELDS)
        assert report.ok, report.summary()
        report = take("verify certified", verify_pdf, certified, roots,
                      required_fields=(COMPANY_FIELD,), unsigned_fields_allowed=True)
        assert report.ok, report.summary()
        signed = take("service sign", session.contract_pdfs.sign, rep, cid, "李建国", png)
        report = take("service verify", session.contract_pdfs.verify, rep, signed.pdf)
        assert report.ok, report.summary()
        if run:  # the first run is the warm-up
            for name, (seconds, cpu_seconds) in sample.items():
                times[name].append(seconds)
                cpu[name].append(cpu_seconds)
    med = {n: statistics.median(v) for n, v in times.items()}
    # The machine may be shared: CPU time (this process's) next to each wall-clock median shows
    # how much of the wall time was waiting for a core.
    cpu_med = {n: statistics.median(v) for n, v in cpu.items()}

    def show(label: str, *names: str, verdict_too: bool = False) -> None:
        wall, spent = sum(med[n] for n in names), sum(cpu_med[n] for n in names)
        note = f"(cpu {spent * 1000:5.1f} ms)" + (f"  {verdict(wall)}" if verdict_too else "")
        line(label, wall, note)

    show("contract_pdfs.render (read model + PDF + audit entry)", "service render")
    show("contract_pdfs.sign (render+certify+countersign+verify+archive)", "service sign")
    line("  sign minus its render", med["service sign"] - med["core render"])
    show("contract_pdfs.verify", "service verify")
    show("core.pdf render", "core render")
    show("core.pdf certify (company, PAdES B-B)", "certify")
    show("core.pdf countersign (handwriting + seal)", "countersign")
    show("core.pdf verify_pdf (2 signatures)", "core verify")
    show("total: render + certify + countersign + verify", "core render", "certify",
         "countersign", "core verify", verdict_too=True)
    show("one signature: render + certify (company) + verify", "core render", "certify",
         "verify certified", verdict_too=True)
    show("as a user does it: render + sign + verify (services)", "service render",
         "service sign", "service verify", verdict_too=True)
    size = len(signed.pdf)
    print(f"  signed PDF: {size / 1024:.0f} KB, {signed.pages} pages")
    return items


def doc_time() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


# -- (c) the batch ----------------------------------------------------------------------------
def vault_bytes(folder: Path) -> int:
    total = 0
    for db in folder.glob("vault-*.db"):
        for path in (db, db.with_name(db.name + "-wal")):
            if path.exists():
                total += path.stat().st_size
    return total


def bench_batch(auth: Any, folder: Path, count: int, items: int) -> None:
    print(f"(c) {count:,} contracts ({items} line items each) drafted, submitted, approved "
          "and signed in a batch (cheap-KDF vault: password re-checks ~1 ms)", flush=True)
    from core.demo_contracts import scribble_png

    session = auth.login(folder, *ADMIN)
    people = users_of(session)
    rep = people[REP[0]]
    customer = new_customer(session, rep, "深圳博远教育咨询有限公司")
    terms = three_page_terms(items)
    # The first signed contract makes the customer known: the rest need the manager alone.
    first = approved_contract(session, people, customer, terms)
    png = scribble_png(2)
    session.contract_pdfs.sign(rep, first, "王建华", png)
    session.close()
    before = vault_bytes(folder)
    session = auth.login(folder, *ADMIN)
    workflow = signing = 0.0
    start = time.perf_counter()
    for n in range(count):
        seconds, cid = timed(approved_contract, session, people, customer, terms)
        workflow += seconds
        seconds, _ = timed(session.contract_pdfs.sign, rep, cid, "王建华", png)
        signing += seconds
        if (n + 1) % max(count // 10, 1) == 0:
            print(f"  … {n + 1:,} signed, {(time.perf_counter() - start) / (n + 1) * 1000:.0f} "
                  "ms each so far", flush=True)
    elapsed = time.perf_counter() - start
    open_size = vault_bytes(folder)
    session.close()
    closed = vault_bytes(folder)
    line("per contract, all of it", elapsed / count)
    line("  draft + submit + approve (manager)", workflow / count)
    line("  contract_pdfs.sign", signing / count, verdict(signing / count))
    print(f"  total {elapsed:.1f} s for {count:,} contracts")
    mib = 1024 * 1024
    print(f"  vault (vault-*.db + -wal): {before / mib:.1f} MiB before, "
          f"{open_size / mib:.1f} MiB after (open), {closed / mib:.1f} MiB after closing")
    print(f"  growth per contract: {(closed - before) / count / 1024:.1f} KiB "
          f"(the signed PDF is archived inside the vault)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contracts", type=int, default=1000,
                        help="contracts in the batch (default 1000; try 50 for a quick run)")
    parser.add_argument("--runs", type=int, default=9, help="runs for the warm median")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-imports", action="store_true")
    args = parser.parse_args()
    if not args.skip_imports:
        bench_imports()
    with tempfile.TemporaryDirectory(prefix="strongroom-bench-") as tmp:
        folder = Path(tmp) / "vault"
        auth, session = open_vault(folder)
        try:
            items = bench_one(session, max(args.runs, 1))
        finally:
            session.close()
        if not args.skip_batch and args.contracts > 0:
            bench_batch(auth, folder, args.contracts, items)
    return 0


if __name__ == "__main__":
    sys.exit(main())
