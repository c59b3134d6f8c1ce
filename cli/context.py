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
    print(message, file=sys.stderr, flush=True)


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
