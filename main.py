"""Strongroom's entry point and composition root: builds storage, services and windows.

Without arguments it starts the desktop application; with a subcommand it runs an administrative
task (see `python main.py --help`). Nothing imports this module."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESOURCES = ROOT / "resources"


def build_authenticator(kdf: object | None = None, credentials: object | None = "system"):
    """Wire core to storage: the one place where the two meet."""
    from core.audit import now_utc
    from core.auth import Authenticator
    from core.passwords import HistoryHasher, PasswordRules, load_common_passwords
    from core.session import AppContext
    from storage.credentials import KeyringCredentials
    from storage.vault import SqlCipherVaults

    rules = PasswordRules(load_common_passwords(RESOURCES / "common-passwords.txt"),
                          HistoryHasher())
    store = KeyringCredentials() if credentials == "system" else credentials
    ctx = AppContext(rules=rules, credentials=store, clock=now_utc)  # type: ignore[arg-type]
    return Authenticator(SqlCipherVaults(kdf=kdf), ctx)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and not args[0].startswith("-psn"):
        from cli import run_cli

        return run_cli(args, build_authenticator)
    from ui.app import run_gui

    return run_gui(build_authenticator(), sys.argv[:1])


if __name__ == "__main__":
    # Chinese names must print on a console whose locale is not UTF-8 too.
    for stream in (sys.stdout, sys.stderr):
        if (stream.encoding or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    sys.exit(main())
