"""`payments import-statement`: counts and signals on stdout and exit 0; a statement with a bad
row listed row by row and exit 1 with nothing stored; the same file twice, or a rep, exit 1;
bad --map and missing --bank are usage errors (2); a --map given is remembered for the bank."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.auth import Authenticator
from core.passwords import PasswordRules
from core.roles import Role
from core.session import Session
from tests.cli.conftest import Result, Runner
from tests.conftest import ADMIN, USERS, make_authenticator
from tests.core.contract_support import make_world
from tests.core.money_support import signed

FINANCE = USERS[Role.FINANCE]
PASSWORDS = {ADMIN[0]: ADMIN[1], **dict(USERS.values())}


@pytest.fixture(scope="module")
def _payments_vault(_template_vault: Path, tmp_path_factory: pytest.TempPathFactory,
                    rules: PasswordRules) -> tuple[Path, str]:
    """The rep's customer with a signed contract (two instalments of 1,130.00)."""
    path = tmp_path_factory.mktemp("payments-cli") / "vault"
    shutil.copytree(_template_vault, path)
    auth = make_authenticator(rules)
    opened: list[Session] = []

    def login(role: Role) -> Session:
        opened.append(auth.login(path, *(ADMIN if role == Role.ADMINISTRATOR
                                         else USERS[role])))
        return opened[-1]

    w = make_world(login)
    number = w.finance.contracts.get(w.finance.user, signed(w)).number
    for session in opened:
        session.close()
    return path, number


@pytest.fixture
def vault(_payments_vault: tuple[Path, str], tmp_path: Path) -> Path:
    target = tmp_path / "vault"
    shutil.copytree(_payments_vault[0], target)
    return target


@pytest.fixture
def number(_payments_vault: tuple[Path, str]) -> str:
    return _payments_vault[1]


@pytest.fixture
def run(cli: Runner, vault: Path) -> Runner:
    """run(user, FILE, *args) runs `payments import-statement FILE` as that user."""

    def go(name: str, *args: str) -> Result:
        return cli("payments", "import-statement", *args, "--vault", str(vault), "--user",
                   name, stdin=[PASSWORDS[name]])

    return go


def _file(tmp_path: Path, text: str, name: str = "boc.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _statements(auth: Authenticator, vault: Path) -> int:
    session = auth.login(vault, *ADMIN)
    try:
        return len(session.reconciliation.statements(session.user))
    finally:
        session.close()


def test_import_prints_counts_and_signals(run: Runner, tmp_path: Path, number: str) -> None:
    path = _file(tmp_path, "交易日期,收入金额,支出金额,对方户名,交易流水号,摘要\n"
                           f"2026-01-06,1130.00,,张三,BOC-1,货款 {number}\n"
                           "2026-01-07,500.00,,某某个人,BOC-2,转账\n"
                           "2026-01-08,,200.00,房东,BOC-3,房租\n")
    result = run(FINANCE[0], str(path), "--bank", "中国银行")
    assert result.code == 0, result.err
    lines = result.lines
    for expected in ("lines: 3", "matched: 1", "unmatched lines: 1", "money out (not "
                     "matched): 1", "unmatched receipts: 0", "unmatched instalments: 1",
                     "differences: 0", "receipts recorded: 1", "signals: 1"):
        assert expected in lines, (expected, lines)
    assert any("payer_unlike_customer" in line and "张三" in line for line in lines)
    assert "Imported 3 lines" in result.err
    # The same file again is refused, clearly.
    again = run(FINANCE[0], str(path), "--bank", "中国银行")
    assert again.code == 1 and "imported already" in again.err


def test_a_statement_with_bad_rows_is_refused_row_by_row(run: Runner, tmp_path: Path,
                                                         cli_auth: Authenticator,
                                                         vault: Path) -> None:
    path = _file(tmp_path, "交易日期,收入金额,对方户名\n2026-01-02,8.00,甲\n"
                           "2026-01-03,12元5角,乙\n2026-02-31,3.00,丙\n")
    result = run(FINANCE[0], str(path), "--bank", "中国银行")
    assert result.code == 1
    assert "rejected: 2" in result.lines
    assert any(line.startswith("  row 3, 收入金额:") and "not an amount" in line
               for line in result.lines)
    assert any(line.startswith("  row 4, 交易日期:") for line in result.lines)
    assert "nothing was imported" in result.err
    assert _statements(cli_auth, vault) == 0


def test_a_map_is_remembered_for_the_bank(run: Runner, tmp_path: Path) -> None:
    one = _file(tmp_path, "日子,进账,谁\n2026-01-02,10.00,甲\n", "one.csv")
    two = _file(tmp_path, "日子,进账,谁\n2026-01-03,20.00,乙\n", "two.csv")
    refused = run(FINANCE[0], str(one), "--bank", "Odd Bank")
    assert refused.code == 1 and "No header row" in refused.out + refused.err
    first = run(FINANCE[0], str(one), "--bank", "Odd Bank", "--map", "日子=date",
                "--map", "进账=credit", "--map", "谁=payer_name")
    assert first.code == 0, first.err
    second = run(FINANCE[0], str(two), "--bank", "odd bank")
    assert second.code == 0 and "lines: 1" in second.lines


@pytest.mark.parametrize("args", [
    ("--map", "日子=when"),
    ("--map", "no equals sign"),
    ("--map", "日子=date"),  # no amount column: the mapping cannot work
    ("--date-format", "%d/%m/%Y"),  # without --map
])
def test_bad_mappings_are_usage_errors(run: Runner, tmp_path: Path,
                                       args: tuple[str, ...]) -> None:
    path = _file(tmp_path, "日子,进账\n2026-01-02,10.00\n")
    result = run(FINANCE[0], str(path), "--bank", "X", *args)
    assert result.code == 2 and "error" in result.err


def test_bank_is_required(cli: Runner, vault: Path, tmp_path: Path) -> None:
    path = _file(tmp_path, "交易日期,收入金额\n2026-01-02,10.00\n")
    result = cli("payments", "import-statement", str(path), "--vault", str(vault), "--user",
                 FINANCE[0])
    assert result.code == 2 and "--bank" in result.err


def test_a_missing_file_fails(run: Runner, tmp_path: Path) -> None:
    result = run(FINANCE[0], str(tmp_path / "nope.csv"), "--bank", "X")
    assert result.code == 1 and "no file" in result.err


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.AUDITOR])
def test_a_rep_or_auditor_is_refused(run: Runner, tmp_path: Path, role: Role,
                                     cli_auth: Authenticator, vault: Path) -> None:
    path = _file(tmp_path, "交易日期,收入金额\n2026-01-02,10.00\n")
    result = run(USERS[role][0], str(path), "--bank", "中国银行")
    assert result.code == 1 and "bank statements" in result.err
    assert _statements(cli_auth, vault) == 0
