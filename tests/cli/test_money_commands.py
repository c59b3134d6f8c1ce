"""`reports receivables|ageing`: CSV files (BOM, formulas neutralised) of what --user may see —
every rep only their own customers' money, the manager the team's, finance everything —
audited, written whole or not at all; bad dates and paths are usage errors or clean failures."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.audit import AuditFilter
from core.auth import Authenticator
from core.customers.model import CustomerDraft, CustomerKind
from core.passwords import PasswordRules
from core.roles import Role
from core.session import Session
from tests.cli.conftest import Result, Runner
from tests.conftest import ADMIN, USERS, make_authenticator
from tests.core.contract_support import approve_all, make_world, small_terms
from tests.core.money_support import draft, signed

RIVAL = ("Rex Rival", "rival rep pass phrase 9")
EVIL = "=HYPERLINK(\"http://x\")"
PASSWORDS = {ADMIN[0]: ADMIN[1], RIVAL[0]: RIVAL[1], **dict(USERS.values())}
AS_OF = "2030-02-20"


@pytest.fixture(scope="module")
def _money_vault(_template_vault: Path, tmp_path_factory: pytest.TempPathFactory,
                 rules: PasswordRules) -> Path:
    """The rep's customer with a signed contract, 130.00 of it paid; a rival rep (outside the
    manager's team at the end) whose customer's name is a spreadsheet formula, with a signed
    contract of its own."""
    path = tmp_path_factory.mktemp("money-cli") / "vault"
    shutil.copytree(_template_vault, path)
    auth = make_authenticator(rules)
    opened: list[Session] = []

    def login(role: Role) -> Session:
        opened.append(auth.login(path, *(ADMIN if role == Role.ADMINISTRATOR
                                         else USERS[role])))
        return opened[-1]

    w = make_world(login)
    signed(w)
    w.finance.money.record_receipt(w.finance.user, w.customer_id, draft("130.00"))
    admin = w.admin
    rival_user = admin.accounts.add_user(admin.user, RIVAL[0], Role.SALES_REP, RIVAL[1],
                                         must_change=False)
    admin.accounts.set_manager(admin.user, rival_user.id, w.manager.user.id)
    rival = auth.login(path, *RIVAL)
    opened.append(rival)
    theirs = rival.customers.create(rival.user, CustomerDraft(kind=CustomerKind.COMPANY,
                                                              name=EVIL))
    contract = rival.contracts.draft(rival.user, theirs.id, small_terms())
    rival.contracts.submit(rival.user, contract.id)
    approve_all(w, contract.id)
    rival.contract_pdfs.sign(rival.user, contract.id, "韩梅梅", None)
    admin.accounts.set_manager(admin.user, rival_user.id, None)
    for session in opened:
        session.close()
    return path


@pytest.fixture
def vault(_money_vault: Path, tmp_path: Path) -> Path:
    target = tmp_path / "vault"
    shutil.copytree(_money_vault, target)
    return target


@pytest.fixture
def run(cli: Runner, vault: Path) -> Runner:
    """run(user name, task, *args) runs `reports TASK` as that user."""

    def go(name: str, *args: str) -> Result:
        return cli("reports", *args, "--vault", str(vault), "--user", name,
                   stdin=[PASSWORDS[name]])

    return go


@pytest.fixture
def admin(cli_auth: Authenticator, vault: Path) -> Iterator[Session]:
    session = cli_auth.login(vault, *ADMIN)
    yield session
    session.close()


def _read(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_finance_gets_every_open_instalment(run: Runner, tmp_path: Path, vault: Path,
                                           cli_auth: Authenticator) -> None:
    out = tmp_path / "receivables.csv"
    result = run(USERS[Role.FINANCE][0], "receivables", "--out", str(out), "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert result.out.strip() == str(out)
    assert "Wrote 4 open instalments" in result.err
    rows = _read(out)
    mine = [r for r in rows if r["customer"] == "上海明珠贸易有限公司"]
    assert [(r["due_date"], r["amount"], r["open_balance"], r["days_overdue"]) for r in mine] == [
        ("2030-01-10", "1130.00", "1000.00", "41"), ("2030-02-10", "1130.00", "1130.00", "10")]
    assert all(r["contract"].startswith("SR-") and r["currency"] == "CNY" for r in rows)
    # The formula a customer's name carries is neutralised, not run by the spreadsheet.
    assert {r["customer"] for r in rows} - {"上海明珠贸易有限公司"} == {"'" + EVIL}
    session = cli_auth.login(vault, *ADMIN)
    try:
        [entry] = session.audit.page(session.user, AuditFilter(action="receivables.exported"))
        assert entry.details["rows"] == 4 and entry.actor_name == USERS[Role.FINANCE][0]
    finally:
        session.close()


@pytest.mark.parametrize("name, customers", [
    (USERS[Role.SALES_REP][0], {"上海明珠贸易有限公司"}),
    (RIVAL[0], {"'" + EVIL}),
    (USERS[Role.SALES_MANAGER][0], {"上海明珠贸易有限公司"}),
    (USERS[Role.AUDITOR][0], {"上海明珠贸易有限公司", "'" + EVIL}),
    (ADMIN[0], {"上海明珠贸易有限公司", "'" + EVIL}),
])
def test_each_user_sees_only_their_customers_in_both_reports(run: Runner, tmp_path: Path,
                                                             name: str,
                                                             customers: set[str]) -> None:
    receivables, ageing = tmp_path / "r.csv", tmp_path / "a.csv"
    assert run(name, "receivables", "--out", str(receivables), "--as-of", AS_OF).code == 0
    assert run(name, "ageing", "--out", str(ageing), "--as-of", AS_OF).code == 0
    assert {r["customer"] for r in _read(receivables)} == customers
    rows = _read(ageing)
    assert {r["name"] for r in rows if r["level"] == "customer"} == customers
    [total] = [r for r in rows if r["level"] == "total"]
    # The rep's customer owes 2130.00 (130.00 paid), the rival's 2260.00.
    expected = {"上海明珠贸易有限公司": "2130.00", "'" + EVIL: "2260.00"}.get(
        next(iter(customers)), "") if len(customers) == 1 else "4390.00"
    assert total["open_balance"] == expected
    assert sum(float(r["open_balance"]) for r in rows if r["level"] == "rep") == float(expected)


def test_ageing_buckets(run: Runner, tmp_path: Path) -> None:
    out = tmp_path / "ageing.csv"
    result = run(USERS[Role.SALES_REP][0], "ageing", "--out", str(out), "--as-of", AS_OF)
    assert result.code == 0, result.err
    rows = _read(out)
    assert [r["level"] for r in rows] == ["customer", "rep", "total"]
    for row in rows:
        assert (row["current"], row["days_1_30"], row["days_31_60"], row["days_61_90"],
                row["over_90"], row["open_balance"]) == (
            "0.00", "1130.00", "1000.00", "0.00", "0.00", "2130.00")
    assert rows[1]["name"] == USERS[Role.SALES_REP][0]


def test_overdue_and_customer_filters(run: Runner, tmp_path: Path, admin: Session) -> None:
    out = tmp_path / "o.csv"
    fin = USERS[Role.FINANCE][0]
    assert run(fin, "receivables", "--out", str(out), "--as-of", "2030-01-20",
               "--overdue").code == 0
    assert [r["due_date"] for r in _read(out)] == ["2030-01-10", "2030-01-10"]
    mine = admin.customers.search(admin.user, "上海明珠")[0].id
    assert run(fin, "receivables", "--out", str(out), "--customer", str(mine)).code == 0
    assert {r["customer_id"] for r in _read(out)} == {str(mine)}


def test_another_reps_customer_is_refused_without_a_file(run: Runner, tmp_path: Path,
                                                         admin: Session) -> None:
    out = tmp_path / "x.csv"
    theirs = admin.customers.search(admin.user, "HYPERLINK")[0].id
    result = run(USERS[Role.SALES_REP][0], "receivables", "--out", str(out), "--customer",
                 str(theirs))
    assert result.code == 1 and "No such customer" in result.err
    assert "Traceback" not in result.err and result.out == ""
    assert not out.exists() and list(tmp_path.glob(".export-*")) == []


@pytest.mark.parametrize("args", [
    ["receivables", "--out", "r.csv", "--as-of", "soon"],
    ["ageing", "--out", "a.csv", "--as-of", "2030-02-30"],
    ["receivables", "--out", "r.csv", "--customer", "abc"],
    ["ageing"],
], ids=" ".join)
def test_bad_usage_exits_2_without_asking_a_password(args: list[str]) -> None:
    from cli import run_cli

    def factory(**_kw: object) -> None:
        raise AssertionError("no authenticator for a usage error")

    assert run_cli(["reports", *args, "--vault", "x", "--user", "y"], factory) == 2


@pytest.mark.parametrize("name", ["missing/dir/r.csv", "report.txt", "."])
def test_bad_targets_fail_cleanly(run: Runner, tmp_path: Path, name: str) -> None:
    target = str(tmp_path / name) if name != "." else str(tmp_path)
    result = run(USERS[Role.FINANCE][0], "ageing", "--out", target)
    assert result.code == 1 and result.out == "" and "Traceback" not in result.err


def test_wrong_password_writes_nothing(cli: Runner, vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    result = cli("reports", "receivables", "--out", str(out), "--vault", str(vault), "--user",
                 USERS[Role.FINANCE][0], stdin=["not the password"])
    assert result.code == 1 and not out.exists()


def test_warnings_are_printed_for_what_the_user_may_see(run: Runner, vault: Path,
                                                        cli_auth: Authenticator) -> None:
    from core.money.model import PaymentMethod
    from tests.core.money_support import TODAY

    session = cli_auth.login(vault, *USERS[Role.FINANCE])
    try:
        rival_customer = next(c for c in session.customers.search(session.user, "HYPERLINK"))
        session.money.record_receipt(session.user, rival_customer.id, draft(
            "60000.00", "", payer=EVIL, method=PaymentMethod.CASH))
    finally:
        session.close()
    day = TODAY.isoformat()
    result = run(USERS[Role.FINANCE][0], "warnings", "--until", day)
    assert result.code == 0, result.err
    (line,) = result.out.splitlines()
    severity, code, message = line.split("\t")
    assert (severity, code) == ("MEDIUM", "cash_above_threshold") and "60,000.00" in message
    assert "1 warning(s)" in result.err
    assert run(USERS[Role.SALES_REP][0], "warnings", "--until", day).out == ""
    bad = run(USERS[Role.FINANCE][0], "warnings", "--since", day, "--until", "2020-01-01")
    assert bad.code == 1 and "starts after it ends" in bad.err
