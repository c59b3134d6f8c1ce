"""Input that is not what a command expects: bytes that are not UTF-8 (in arguments, on standard
input, at the terminal) and export targets that are not files. Clear messages, no tracebacks,
no unexplained "unexpected" errors, and nothing exported without its audit entry."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from core.audit import AuditFilter
from core.auth import Authenticator
from tests.cli.conftest import Runner, open_admin
from tests.conftest import ADMIN

# What Python makes of a byte that is not UTF-8 in argv, file names or (C locale) stdin.
NOT_UTF8 = "\udcff"


def _clean_failure(err: str) -> None:
    assert "Traceback" not in err and "unexpected" not in err


def test_a_password_line_that_is_not_utf8(cli: Runner, vault_path: Path) -> None:
    result = cli("user", "list", "--vault", str(vault_path), "--user", ADMIN[0],
                 stdin=[ADMIN[1] + NOT_UTF8])
    assert result.code == 1
    assert "not valid UTF-8" in result.err
    _clean_failure(result.err)


def test_a_password_typed_at_a_terminal_that_is_not_utf8(
        cli: Runner, vault_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_getpass(prompt: str = "") -> str:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    result = cli("user", "list", "--vault", str(vault_path), "--user", ADMIN[0])
    assert result.code == 1
    assert "not valid UTF-8" in result.err
    _clean_failure(result.err)


def test_a_user_name_argument_that_is_not_utf8_is_bad_usage(cli: Runner,
                                                           vault_path: Path) -> None:
    result = cli("user", "list", "--vault", str(vault_path), "--user", "ad" + NOT_UTF8 + "min",
                 stdin=[ADMIN[1]])
    assert result.code == 2
    assert "not valid UTF-8" in result.err
    _clean_failure(result.err)


def test_export_to_a_file_name_that_is_not_utf8_is_audited(
        as_admin: Runner, cli_auth: Authenticator, vault_path: Path, tmp_path: Path) -> None:
    out = tmp_path / f"trail{NOT_UTF8}.csv"
    result = as_admin("audit", "export", "--out", str(out))
    assert result.code == 0, result.err
    assert out.exists()
    session = open_admin(cli_auth, vault_path)
    try:
        exported = session.audit.page(session.user, AuditFilter(action="audit.exported"))
    finally:
        session.close()
    assert len(exported) == 1


def test_export_to_a_folder_names_the_folder(as_admin: Runner, tmp_path: Path) -> None:
    result = as_admin("audit", "export", "--out", str(tmp_path))
    assert result.code == 1
    assert "is a folder" in result.err and ".tmp" not in result.err
    _clean_failure(result.err)


def test_export_into_a_missing_folder_names_the_folder(as_admin: Runner, tmp_path: Path) -> None:
    result = as_admin("audit", "export", "--out", str(tmp_path / "missing" / "a.csv"))
    assert result.code == 1
    assert str(tmp_path / "missing") in result.err and ".tmp" not in result.err
    _clean_failure(result.err)
