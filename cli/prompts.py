"""Where passwords come from: the terminal (never echoed) or, for scripts, standard input."""

from __future__ import annotations

import getpass
import sys

from core.errors import StrongroomError


class UsageProblem(StrongroomError):
    """Input the command cannot use (mismatched passwords, missing lines, bad dates)."""


class Passwords:
    """Reads secrets in the order a command asks for them.

    With `from_stdin`, each secret is one line of standard input (the line break is dropped,
    spaces are kept: they may belong to the password). Otherwise getpass reads the terminal."""

    def __init__(self, from_stdin: bool) -> None:
        self._from_stdin = from_stdin
        self._line = 0

    def ask(self, prompt: str) -> str:
        if not self._from_stdin:
            return getpass.getpass(prompt)
        self._line += 1
        line = sys.stdin.readline()
        if not line:
            raise UsageProblem(
                f"Standard input ended before line {self._line} ({prompt.rstrip(': ')}).")
        return line.removesuffix("\n").removesuffix("\r")

    def ask_new(self, whose: str) -> str:
        """A new password typed twice; a mismatch fails rather than storing a typo."""
        first = self.ask(f"New password for {whose}: ")
        second = self.ask("Repeat the new password: ")
        if first != second:
            raise UsageProblem("The two passwords do not match; nothing was changed.")
        if not first:
            raise UsageProblem("The password is empty; nothing was changed.")
        return first
