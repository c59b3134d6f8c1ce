"""`python main.py ...` as a real process: the real wiring, calibrated Argon2, exit statuses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

ADMIN_NAME, PASSWORD = "Alice Admin", "correct horse battery staple"


def _main(*args: str, stdin: str = "", home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_DATA_HOME": str(home / ".local" / "share"), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "main.py", *args], input=stdin, text=True,
                          capture_output=True, cwd=ROOT, env=env, timeout=120, check=False,
                          encoding="utf-8")


def test_init_then_verify_then_wrong_password(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    init = _main("init", "--vault", str(vault), "--admin", ADMIN_NAME, "--password-stdin",
                 stdin=f"{PASSWORD}\n{PASSWORD}\n", home=tmp_path)
    assert init.returncode == 0, init.stderr
    assert len(init.stdout.splitlines()) == 1
    assert "shown only this once" in init.stderr

    verify = _main("audit", "verify", "--vault", str(vault), "--user", ADMIN_NAME,
                   "--password-stdin", stdin=f"{PASSWORD}\n", home=tmp_path)
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.strip().endswith("entries, chain intact")

    wrong = _main("audit", "verify", "--vault", str(vault), "--user", ADMIN_NAME,
                  "--password-stdin", stdin="not the password\n", home=tmp_path)
    assert wrong.returncode == 1
    assert "Unknown user or wrong password." in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_usage_errors_and_help(tmp_path: Path) -> None:
    unknown = _main("frobnicate", home=tmp_path)
    assert unknown.returncode == 2
    assert "invalid choice" in unknown.stderr
    helped = _main("--help", home=tmp_path)
    assert helped.returncode == 0
    assert "audit verify" in helped.stdout


def test_demo_prints_users(tmp_path: Path) -> None:
    demo = _main("demo", "--vault", str(tmp_path / "demo"), home=tmp_path)
    assert demo.returncode == 0, demo.stderr
    lines = demo.stdout.splitlines()
    assert len(lines) == 6
    assert "王芳 sales_rep Jade-River-Tea-74" in lines
