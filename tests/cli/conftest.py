"""Run the command line in-process with a cheap-KDF authenticator and scripted stdin."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli import run_cli
from core.auth import Authenticator
from core.passwords import PasswordRules
from core.session import Session
from tests.conftest import ADMIN, make_authenticator


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


Runner = Callable[..., Result]


@pytest.fixture
def cli_auth(rules: PasswordRules) -> Authenticator:
    return make_authenticator(rules)


@pytest.fixture
def cli(cli_auth: Authenticator, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> Runner:
    """cli(*args, stdin=[lines]) -> Result; with `stdin`, --password-stdin is added."""

    def run(*args: str, stdin: list[str] | None = None) -> Result:
        argv = list(args)
        if stdin is not None:
            argv.append("--password-stdin")
            monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{s}\n" for s in stdin)))
        capsys.readouterr()
        code = run_cli(argv, lambda **_kw: cli_auth)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture
def as_admin(cli: Runner, vault_path: Path) -> Runner:
    """as_admin(*args, stdin=[extra lines]) runs a command on `vault_path` as ADMIN."""

    def run(*args: str, stdin: list[str] | None = None) -> Result:
        return cli(*args, "--vault", str(vault_path), "--user", ADMIN[0],
                   stdin=[ADMIN[1], *(stdin or [])])

    return run


def open_admin(auth: Authenticator, vault: Path) -> Session:
    return auth.login(vault, *ADMIN)
