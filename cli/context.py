"""What every command receives: its parsed arguments, the authenticator and password input."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cli.prompts import Passwords
from core.errors import StrongroomError

if TYPE_CHECKING:  # imported for real only when a command runs: --help stays fast
    from core.auth import Authenticator
    from core.session import Session

AuthFactory = Callable[..., "Authenticator"]


class BadUsage(Exception):
    """A combination of options argparse cannot express; reported like argparse's errors
    (exit status 2)."""


def say(message: str) -> None:
    """A message for the person at the terminal (stderr keeps stdout machine-readable)."""
    # File names in it may hold bytes that are not UTF-8: shown as U+FFFD, not an error.
    text = message.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    print(text, file=sys.stderr, flush=True)


def emit(text: str) -> None:
    """A result, on stdout."""
    print(text, flush=True)


@dataclass
class Context:
    args: argparse.Namespace
    factory: AuthFactory
    passwords: Passwords
    _auth: Authenticator | None = field(default=None, init=False)

    @property
    def vault(self) -> Path:
        return Path(self.args.vault).expanduser()

    @property
    def auth(self) -> Authenticator:
        # Built on first use so that --help and usage errors cost no imports of storage.
        if self._auth is None:
            self._auth = self.factory()
        return self._auth

    def require_vault(self) -> None:
        if not self.auth.vault_exists(self.vault):
            raise StrongroomError(f"There is no Strongroom vault in {self.vault}.")

    @contextmanager
    def session(self, password: str | None = None) -> Iterator[Session]:
        """Log in as --user (asking its password unless given) and always close the session
        afterwards, so the key is dropped and the lock released even when the command fails."""
        self.require_vault()
        if password is None:
            password = self.passwords.ask(f"Password for {self.args.user}: ")
        session = self.auth.login(self.vault, self.args.user, password)
        try:
            yield session
        finally:
            if not session.locked:
                session.close()


Subcommands = argparse._SubParsersAction  # argparse exposes no public name for it


def task_group(sub: Subcommands, name: str, *, help: str, description: str) -> Subcommands:
    """A command whose tasks are subcommands of their own (`user add`, `audit verify`...)."""
    parser = sub.add_parser(name, help=help, description=description)
    return parser.add_subparsers(dest="task", required=True, metavar="TASK")


def command(sub: Subcommands, name: str, func: Callable[[Context], int],
            parents: list[argparse.ArgumentParser], *, help: str,
            description: str) -> argparse.ArgumentParser:
    """A (sub)command that runs `func`; its own arguments are added to the parser returned."""
    parser = sub.add_parser(name, parents=parents, help=help, description=description)
    parser.set_defaults(func=func)
    return parser
