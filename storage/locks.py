"""Advisory file locks between Strongroom processes sharing one vault folder.

Every open vault holds a shared lock; a rekey needs the exclusive one, so it never swaps the
database file from under another open window. Slot-file edits are serialised by a second lock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import StrongroomError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; a single process per vault is assumed there.
    fcntl = None  # type: ignore[assignment]

OPEN_LOCK = ".open.lock"
SLOT_LOCK = ".slots.lock"


class OpenLock:
    def __init__(self, folder: Path) -> None:
        self._handle = os.fdopen(os.open(folder / OPEN_LOCK, os.O_RDWR | os.O_CREAT, 0o600),
                                 "r+b")
        if fcntl:
            fcntl.flock(self._handle, fcntl.LOCK_SH)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        if fcntl:
            try:
                fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StrongroomError(
                    "Another Strongroom window has this vault open. Close it and try again."
                ) from None
        try:
            yield
        finally:
            if fcntl:
                fcntl.flock(self._handle, fcntl.LOCK_SH)

    def release(self) -> None:
        if not self._handle.closed:
            self._handle.close()


@contextmanager
def slot_lock(folder: Path) -> Iterator[None]:
    with os.fdopen(os.open(folder / SLOT_LOCK, os.O_RDWR | os.O_CREAT, 0o600), "r+b") as handle:
        if fcntl:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
