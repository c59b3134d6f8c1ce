"""Where passwords come from: the terminal (never echoed) or, for scripts, standard input."""

from __future__ import annotations

import getpass
import sys

from core.errors import StrongroomError


class UsageProblem(StrongroomError):
    """Input the command cannot use (mismatched passwords, missing lines, bad dates)."""


def is_text(value: str) -> bool:
    """False for a string holding bytes that were not UTF-8 (Python keeps them as lone
    surrogates in argv, file names and, under the C locale, standard input)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Passwords:
    """Reads secrets in the order a command asks for them.

    With `from_stdin`, each secret is one line of standard input (the line break is dropped,
    spaces are kept: they may belong to the password). Otherwise getpass reads the terminal."""

    def __init__(self, from_stdin: bool) -> None:
        self._from_stdin = from_stdin
        self._line = 0

    def ask(self, prompt: str) -> str:
        where = "The text typed" if not self._from_stdin else \
            f"Line {self._line + 1} of standard input"
        try:
            text = self._read(prompt)
        except UnicodeDecodeError:
            text = None
        if text is None or not is_text(text):
            # A password must become the same bytes on every computer (slot keys derive
            # from its UTF-8): guessing an encoding could lock its owner out.
            raise UsageProblem(f"{where} ({prompt.rstrip(': ')}) is not valid UTF-8 text; "
                               "nothing was changed.")
        return text

    def _read(self, prompt: str) -> str:
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
