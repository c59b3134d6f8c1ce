"""`contract list|render|export-signed` on the demo vault: what each user sees, the PDFs written,
refusals for another rep's contracts, unknown ids and bad paths (exit 1, a message, no
traceback, no file), usage errors (exit 2), and an exported signed copy that `pdf verify`
accepts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from pathlib import Path

import pytest

from cli.commands_contracts import STATES
from core.audit import AuditFilter
from core.auth import Authenticator
from core.contracts.workflow import ContractState
from core.demo import DEMO_USERS, create_demo_vault
from core.passwords import PasswordRules
from core.session import Session
from tests.cli.conftest import Result, Runner
from tests.conftest import ROOT, make_authenticator

PASSWORDS = {u.name: u.password for u in DEMO_USERS}
AdminOf = Callable[[Path], AbstractContextManager[Session]]
NUMBER = re.compile(r"SR-\d{4}-\d{6}")


@pytest.fixture(scope="module")
def _demo_template(tmp_path_factory: pytest.TempPathFactory, rules: PasswordRules) -> Path:
    path = tmp_path_factory.mktemp("contract-cli") / "demo"
    create_demo_vault(make_authenticator(rules), path)
    return path


@pytest.fixture
def vault(_demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(_demo_template, target)
    return target


@pytest.fixture
def admin_of(cli_auth: Authenticator) -> AdminOf:
    """admin_of(vault): the demo administrator's session, closed afterwards."""
    return lambda vault: closing(cli_auth.login(vault, "admin", PASSWORDS["admin"]))


@pytest.fixture
def as_user(cli: Runner, vault: Path) -> Runner:
    """as_user(name, *args) runs a contract command on the demo vault as that demo user."""

    def run(name: str, *args: str) -> Result:
        return cli("contract", *args, "--vault", str(vault), "--user", name,
                   stdin=[PASSWORDS[name]])

    return run


def _rows(result: Result) -> dict[str, list[str]]:
    """number -> [state, customer, total, title]"""
    return {fields[0]: fields[1:] for fields in (line.split("\t") for line in result.lines)}


def _clean_failure(result: Result, code: int = 1) -> None:
    assert result.code == code, result.out + result.err
    assert "Traceback" not in result.err and result.out == ""


def test_state_names_agree_with_the_workflow() -> None:
    assert tuple(STATES) == tuple(s.value for s in ContractState)


def test_list_shows_every_contract_to_the_administrator(as_user: Runner) -> None:
    result = as_user("admin", "list")
    assert result.code == 0, result.err
    rows = _rows(result)
    assert {r[0] for r in rows.values()} == set(STATES)
    for number, (state, customer, total, title) in rows.items():
        assert NUMBER.fullmatch(number) and state in STATES and title
        assert customer.startswith("#") and " " in customer
        assert re.fullmatch(r"[\d,]+\.\d\d CNY", total), total
    signed = as_user("admin", "list", "--state", "signed")
    assert signed.code == 0 and [r[0] for r in _rows(signed).values()] == ["signed"]
    customer_id = next(r[1] for r in rows.values() if r[0] == "completed").split()[0]
    mine = _rows(as_user("admin", "list", "--customer", customer_id))
    assert len(mine) >= 3 and all(r[1].split()[0] == customer_id for r in mine.values())


def test_list_as_each_rep_shows_only_their_customers(as_user: Runner) -> None:
    everything = _rows(as_user("admin", "list"))
    rep, wang = _rows(as_user("rep", "list")), _rows(as_user("王芳", "list"))
    assert rep and wang and not set(rep) & set(wang)
    assert set(rep) | set(wang) == set(everything)
    # the manager's team covers both reps; the auditor reads everything
    assert set(_rows(as_user("manager", "list"))) == set(everything)
    assert set(_rows(as_user("auditor", "list"))) == set(everything)
    # a customer the rep cannot see: refused like a missing one
    wang_customer = next(iter(wang.values()))[1].split()[0]
    refused = as_user("rep", "list", "--customer", wang_customer)
    _clean_failure(refused)
    nothing = as_user("rep", "list", "--state", "signed")
    assert nothing.code == 0 and nothing.out == "" and "No contract" in nothing.err


def test_render_by_number_and_by_id(as_user: Runner, admin_of: AdminOf, vault: Path,
                                    tmp_path: Path) -> None:
    rows = _rows(as_user("rep", "list"))
    draft = next(n for n, r in rows.items() if r[0] == "draft")
    out = tmp_path / "draft.pdf"
    result = as_user("rep", "render", draft, "--out", str(out))
    assert result.code == 0, result.err
    assert re.fullmatch(r"[0-9a-f]{64}", result.out.strip())
    assert out.read_bytes().startswith(b"%PDF-") and draft in result.err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export-")]
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert draft in text
    # the numeric id of the same contract, in lower case number form too
    with admin_of(vault) as admin:
        numeric = next(s.id for s in admin.contracts.page(admin.user) if s.number == draft)
    again = tmp_path / "again.pdf"
    by_id = as_user("rep", "render", str(numeric), "--out", str(again))
    assert by_id.code == 0 and by_id.out == result.out
    assert again.read_bytes().startswith(b"%PDF-")  # same content: same fingerprint
    lower = as_user("rep", "render", draft.lower(), "--out", str(again))
    assert lower.code == 0 and lower.out == result.out
    # an approved contract too, and the rendering is audited
    approved = next(n for n, r in _rows(as_user("王芳", "list")).items() if r[0] == "approved")
    assert as_user("王芳", "render", approved, "--out", str(tmp_path / "a.pdf")).code == 0
    with admin_of(vault) as admin:
        rendered = admin.audit.page(admin.user, AuditFilter(action="contract.rendered"))
    assert len(rendered) == 4


def test_a_rep_cannot_reach_another_reps_contract(as_user: Runner, tmp_path: Path) -> None:
    wang = _rows(as_user("王芳", "list"))
    for number in wang:
        out = tmp_path / f"{number}.pdf"
        for task in ("render", "export-signed"):
            result = as_user("rep", task, number, "--out", str(out))
            _clean_failure(result)
            assert f"There is no contract {number} that rep may see." in result.err
            assert not out.exists()
    # the same answer as for a contract that does not exist: nothing can be probed
    missing = as_user("rep", "render", "SR-2026-999999", "--out", str(tmp_path / "x.pdf"))
    _clean_failure(missing)
    assert "There is no contract SR-2026-999999 that rep may see." in missing.err
    unknown = as_user("admin", "export-signed", "999999", "--out", str(tmp_path / "x.pdf"))
    _clean_failure(unknown)
    assert "There is no contract 999999" in unknown.err
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]  # the vault, and no file


def test_export_signed_writes_the_archived_copy_which_verifies(
        as_user: Runner, cli: Runner, admin_of: AdminOf, vault: Path, tmp_path: Path) -> None:
    wang = _rows(as_user("王芳", "list"))
    signed = next(n for n, r in wang.items() if r[0] == "signed")
    out = tmp_path / "signed.pdf"
    result = as_user("王芳", "export-signed", signed, "--out", str(out))
    assert result.code == 0, result.err
    assert result.out.strip() == str(out) and "audit trail" in result.err
    with admin_of(vault) as admin:
        cid = next(s.id for s in admin.contracts.page(admin.user) if s.number == signed)
        assert out.read_bytes() == admin.contracts.signed_pdf(admin.user, cid)
        exports = admin.audit.page(admin.user, AuditFilter(action="contract.exported"))
    assert any(e.object_id == "signed.pdf" for e in exports)
    verified = cli("pdf", "verify", str(out), "--vault", str(vault), "--user", "auditor",
                   stdin=[PASSWORDS["auditor"]])
    assert verified.code == 0, verified.out + verified.err
    assert verified.lines[-1] == "All signatures hold."
    # a changed byte fails
    data = bytearray(out.read_bytes())
    data[len(data) // 3] ^= 0x20
    out.write_bytes(bytes(data))
    assert cli("pdf", "verify", str(out), "--vault", str(vault), "--user", "auditor",
               stdin=[PASSWORDS["auditor"]]).code == 1


def test_export_signed_of_an_unsigned_contract_fails_clearly(as_user: Runner,
                                                             tmp_path: Path) -> None:
    rows = _rows(as_user("王芳", "list"))
    for state in ("draft", "approved", "rejected"):
        number = next(n for n, r in rows.items() if r[0] == state)
        out = tmp_path / f"{state}.pdf"
        result = as_user("王芳", "export-signed", number, "--out", str(out))
        _clean_failure(result)
        assert f"contract {number} is {state}, not signed" in result.err
        assert not out.exists()


def test_the_auditor_may_not_export_signed_contracts(as_user: Runner, tmp_path: Path) -> None:
    rows = _rows(as_user("auditor", "list"))
    signed = next(n for n, r in rows.items() if r[0] == "active")
    out = tmp_path / "x.pdf"
    result = as_user("auditor", "export-signed", signed, "--out", str(out))
    _clean_failure(result)
    assert "export signed contracts" in result.err and not out.exists()


@pytest.mark.parametrize("where", ["missing-folder/x.pdf", "."])
def test_bad_out_paths_fail_before_any_password(cli: Runner, vault: Path, tmp_path: Path,
                                                where: str) -> None:
    out = str(tmp_path / where)
    for task in ("render", "export-signed"):
        # no password on stdin: the path is refused before one is asked
        result = cli("contract", task, "SR-2026-000001", "--out", out, "--vault", str(vault),
                     "--user", "admin", stdin=[])
        _clean_failure(result)
        assert "does not exist" in result.err or "is a folder" in result.err


def test_wrong_password_and_usage_errors(cli: Runner, vault: Path, tmp_path: Path) -> None:
    wrong = cli("contract", "list", "--vault", str(vault), "--user", "rep", stdin=["nope"])
    _clean_failure(wrong)
    assert "wrong password" in wrong.err
    base = ["--vault", str(vault), "--user", "rep"]
    for args in (["render", "not-an-id", "--out", "x.pdf"], ["render", "SR-2026-000001"],
                 ["list", "--state", "lost"], ["list", "--customer", "abc"],
                 ["export-signed", "--out", "x.pdf"], ["frobnicate"]):
        result = cli("contract", *args, *base, stdin=[PASSWORDS["rep"]])
        assert result.code == 2, args
    helped = cli("contract", "render", "--help")
    assert helped.code == 0 and "SR-2026-000123" in helped.out
    assert "contract list" in cli("--help").out


@pytest.mark.slow
def test_export_and_verify_through_main_py(as_user: Runner, vault: Path,
                                           tmp_path: Path) -> None:
    """The real entry point, as the issue states it: `python main.py pdf verify FILE --vault
    DIR --user NAME` exits 0 on an exported signed contract."""
    signed = next(n for n, r in _rows(as_user("rep", "list")).items() if r[0] == "active")
    out = tmp_path / "active.pdf"
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONIOENCODING": "utf-8"}

    def main(*args: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "main.py", *args, "--password-stdin"],
                              input=password + "\n", text=True, capture_output=True, cwd=ROOT,
                              env=env, timeout=120, check=False, encoding="utf-8")

    exported = main("contract", "export-signed", signed, "--out", str(out), "--vault",
                    str(vault), "--user", "rep", password=PASSWORDS["rep"])
    assert exported.returncode == 0, exported.stderr
    verified = main("pdf", "verify", str(out), "--vault", str(vault), "--user", "rep",
                    password=PASSWORDS["rep"])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "All signatures hold." in verified.stdout
