"""`audit export` with its filters, and `policy show|set`."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

from core.roles import Role
from tests.cli.conftest import Runner
from tests.conftest import ADMIN, USERS


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_everything(as_admin: Runner, tmp_path: Path) -> None:
    out = tmp_path / "trail.csv"
    result = as_admin("audit", "export", "--out", str(out))
    assert result.code == 0, result.err
    rows = _rows(out)
    seqs = [int(r["seq"]) for r in rows]
    assert seqs and seqs == sorted(seqs, reverse=True)  # newest first
    assert {"vault.created", "user.added", "login"} <= {r["action"] for r in rows}
    assert f"Exported {len(rows)} entries" in result.err


def test_export_filters(as_admin: Runner, tmp_path: Path) -> None:
    out = tmp_path / "users.csv"
    result = as_admin("audit", "export", "--out", str(out), "--action", "user.",
                      "--actor", ADMIN[0])
    assert result.code == 0, result.err
    rows = _rows(out)
    assert len(rows) == 5  # the admin and four users added when the vault was built
    assert {r["action"] for r in rows} == {"user.added"}
    assert {r["actor"] for r in rows} == {ADMIN[0]}


def test_export_date_range(as_admin: Runner, tmp_path: Path) -> None:
    today = datetime.now().date()
    tomorrow = today + timedelta(days=1)
    inside, outside = tmp_path / "in.csv", tmp_path / "out.csv"
    assert as_admin("audit", "export", "--out", str(inside), "--since", today.isoformat(),
                    "--until", today.isoformat()).code == 0
    assert _rows(inside)
    assert as_admin("audit", "export", "--out", str(outside),
                    "--since", tomorrow.isoformat()).code == 0
    assert _rows(outside) == []


def test_rep_cannot_export(cli: Runner, vault_path: Path, tmp_path: Path) -> None:
    name, password = USERS[Role.SALES_REP]
    out = tmp_path / "x.csv"
    result = cli("audit", "export", "--out", str(out), "--vault", str(vault_path),
                 "--user", name, stdin=[password])
    assert result.code == 1
    assert "permission to export the audit trail" in result.err
    assert not out.exists()


def test_policy_show(as_admin: Runner) -> None:
    result = as_admin("policy", "show")
    assert result.code == 0
    assert result.lines == ["idle_minutes 10", "min_password_length 12", "password_history 5"]


def test_policy_set_then_show(as_admin: Runner) -> None:
    result = as_admin("policy", "set", "--idle-minutes", "5", "--min-length", "14")
    assert result.code == 0, result.err
    assert "idle_minutes 5" in result.lines
    assert as_admin("policy", "show").lines == [
        "idle_minutes 5", "min_password_length 14", "password_history 5"]


def test_policy_set_rejects_out_of_range(as_admin: Runner) -> None:
    result = as_admin("policy", "set", "--min-length", "6")
    assert result.code == 1
    assert "Minimum password length must be between 12 and 128." in result.err
    assert as_admin("policy", "show").lines[1] == "min_password_length 12"


def test_policy_set_needs_an_administrator(cli: Runner, vault_path: Path) -> None:
    name, password = USERS[Role.AUDITOR]
    result = cli("policy", "set", "--history", "3", "--vault", str(vault_path),
                 "--user", name, stdin=[password])
    assert result.code == 1
    assert "permission to change the vault's policies" in result.err
