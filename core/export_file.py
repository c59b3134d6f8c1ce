"""Writing an export: a file that appears whole or not at all, and never without its audit entry.

The content goes to a temporary file beside the target, is fsynced, then renamed over it; any
exception (cancel included) removes the temporary file. Once written, the export is recorded in
the audit trail; if that fails the file is removed, so no export exists that the trail lacks."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from core.audit import AuditEvent
from core.errors import InvalidInput
from core.ports import Store
from core.trail import Clock, append
from core.users import User


def check_target(path: Path) -> Path:
    path = Path(path)
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give the name of the file to write.")
    if not path.parent.is_dir():
        raise InvalidInput(f"The folder {path.parent} does not exist.")
    return path


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    fd, tmp_name = tempfile.mkstemp(prefix=".export-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def record_export(store: Store, actor: User, clock: Clock, path: Path, action: str,
                  details: dict[str, object]) -> None:
    # A file name may hold bytes that are not UTF-8; the trail keeps text.
    name = os.fsencode(path.name).decode("utf-8", "replace")
    try:
        with store.transaction() as repos:
            append(repos, actor, AuditEvent(action, "file", name, details), clock())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
