"""Help, usage errors (exit 2) and the failure paths shared by every command."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from cli.app import build_parser
from tests.cli.conftest import Runner
from tests.conftest import ADMIN

LEAVES = [
    ["init"], ["demo"], ["user", "add"], ["user", "list"], ["user", "disable"],
    ["user", "reset"], ["user", "role"], ["user", "passwd"], ["audit", "verify"],
    ["audit", "export"], ["vault", "export-key"], ["vault", "recover"], ["vault", "check"],
    ["policy", "show"], ["policy", "set"],
]


def test_top_level_help_lists_every_command(cli: Runner) -> None:
    result = cli("--help")
    assert result.code == 0
    for words in LEAVES:
        assert words[-1] in result.out
    assert "Exit status" in result.out


@pytest.mark.parametrize("words", LEAVES, ids=" ".join)
def test_each_command_has_help(cli: Runner, words: list[str]) -> None:
    result = cli(*words, "--help")
    assert result.code == 0
    assert "--vault" in result.out
    assert f"python main.py {' '.join(words)}" in result.out


def test_parser_builds_without_touching_the_vault() -> None:
    # The factory is only called when a command runs: --help stays cheap.
    assert build_parser().prog == "python main.py"


@pytest.mark.parametrize("args", [
    ["frobnicate"],
    ["user", "frobnicate", "--vault", "x", "--user", "y"],
    ["user"],
    ["user", "list", "--user", "y"],  # no --vault
    ["user", "list", "--vault", "x"],  # no --user
    ["user", "add", "Bob", "--role", "emperor", "--vault", "x", "--user", "y"],
    ["audit", "export", "--vault", "x", "--user", "y", "--out", "f.csv", "--since", "soon"],
    ["policy", "set", "--vault", "x", "--user", "y", "--idle-minutes", "ten"],
], ids=lambda a: " ".join(a))
def test_bad_usage_exits_2(cli: Runner, args: list[str]) -> None:
    def factory(**_kw: object) -> None:
        raise AssertionError("no authenticator for a usage error")

    from cli import run_cli
    assert run_cli(args, factory) == 2


def test_unknown_subcommand_exits_2_with_usage(cli: Runner) -> None:
    result = cli("frobnicate")
    assert result.code == 2
    assert "usage:" in result.err and "invalid choice" in result.err
    assert result.out == ""


def test_policy_set_without_changes_is_bad_usage(as_admin: Runner) -> None:
    result = as_admin("policy", "set")
    assert result.code == 2
    assert "nothing to change" in result.err


def test_wrong_password_fails_cleanly(cli: Runner, vault_path: Path) -> None:
    result = cli("user", "list", "--vault", str(vault_path), "--user", ADMIN[0],
                 stdin=["not the password"])
    assert result.code == 1
    assert "Unknown user or wrong password." in result.err
    assert "Traceback" not in result.err
    assert result.out == ""


def test_unknown_user_reads_like_wrong_password(cli: Runner, vault_path: Path) -> None:
    result = cli("user", "list", "--vault", str(vault_path), "--user", "Nobody",
                 stdin=["whatever it is"])
    assert result.code == 1
    assert "Unknown user or wrong password." in result.err


def test_missing_vault_is_reported(cli: Runner, tmp_path: Path) -> None:
    result = cli("audit", "verify", "--vault", str(tmp_path / "none"), "--user", "x",
                 stdin=["pw"])
    assert result.code == 1
    assert "no Strongroom vault" in result.err


def test_stdin_running_out_is_a_clean_failure(cli: Runner, vault_path: Path) -> None:
    result = cli("user", "list", "--vault", str(vault_path), "--user", ADMIN[0], stdin=[])
    assert result.code == 1
    assert "Standard input ended" in result.err


def test_passwords_come_from_the_terminal_without_stdin(
        cli: Runner, vault_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return ADMIN[1]

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    result = cli("user", "list", "--vault", str(vault_path), "--user", ADMIN[0])
    assert result.code == 0
    assert prompts == [f"Password for {ADMIN[0]}: "]
    assert ADMIN[1] not in result.out + result.err


@pytest.mark.parametrize(("raised", "code", "text"), [
    (KeyboardInterrupt, 130, "Interrupted"),
    (EOFError, 1, "no input"),
])
def test_interrupted_prompt(cli: Runner, vault_path: Path, monkeypatch: pytest.MonkeyPatch,
                            raised: type[BaseException], code: int, text: str) -> None:
    def fake_getpass(prompt: str = "") -> str:
        raise raised

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    result = cli("user", "list", "--vault", str(vault_path), "--user", ADMIN[0])
    assert result.code == code
    assert text in result.err
    assert "Traceback" not in result.err


def test_os_error_is_a_clean_message(as_admin: Runner, tmp_path: Path) -> None:
    result = as_admin("audit", "export", "--out", str(tmp_path / "missing" / "a.csv"))
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert "missing" in result.err
    assert "Traceback" not in result.err


def test_failed_command_still_closes_its_session(cli: Runner, as_admin: Runner,
                                                 vault_path: Path) -> None:
    from core.roles import Role
    from tests.conftest import USERS

    rep, rep_password = USERS[Role.SALES_REP]
    denied = cli("user", "list", "--vault", str(vault_path), "--user", rep, stdin=[rep_password])
    assert denied.code == 1
    # Disabling rekeys, which needs every other session on this vault closed.
    assert as_admin("user", "disable", USERS[Role.FINANCE][0]).code == 0


def test_cli_reaches_the_vault_only_through_core() -> None:
    from tests.test_layers import _violations

    assert _violations("cli", ("PySide6", "sqlcipher3", "storage", "ui", "main")) == []
