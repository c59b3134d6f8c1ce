"""Applying numbered migrations in one transaction, after an automatic backup."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import sqlcipher3

from core.errors import StrongroomError, VaultTooNew

_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


def available() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every migration shipped, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _NAME.fullmatch(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise RuntimeError(f"migration {name} is out of sequence")
    return found


LATEST = len(available())


def current_version(conn: sqlcipher3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(conn: sqlcipher3.Connection) -> int:
    version = current_version(conn)
    if version > LATEST:
        raise VaultTooNew(version, LATEST)
    return version


def upgrade(conn: sqlcipher3.Connection, target: int | None = None,
            backup: Callable[[int], None] | None = None) -> list[int]:
    """Bring the schema to `target` (default: LATEST, read when called, not when this module
    was imported); all pending steps commit together or not at all."""
    target = LATEST if target is None else target
    version = check_not_newer(conn)
    pending = [(v, sql) for v, _, sql in available() if version < v <= target]
    if not pending:
        return []
    if backup is not None and version > 0:
        backup(version)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for v, sql in pending:
            for statement in split_statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(v)}")
        conn.execute("COMMIT")
    except sqlcipher3.OperationalError as exc:
        conn.execute("ROLLBACK")
        raise MigrationFailed(version, exc) from exc
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return [v for v, _ in pending]


class MigrationFailed(StrongroomError):
    def __init__(self, version: int, cause: Exception) -> None:
        super().__init__(
            f"This vault could not be upgraded from format {version} ({cause}). It was left "
            "unchanged, and a copy taken before the attempt is in its backups folder.")


def split_statements(sql: str) -> list[str]:
    """Split a migration into complete statements (triggers contain semicolons)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlcipher3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def backup_files(folder: Path, db_file: Path, slot_file: Path, version: int) -> Path:
    """Copy the (encrypted) database and its slot file aside before a schema change."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = folder / "backups" / f"{stamp}-schema{version}"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(db_file, target / db_file.name)
    shutil.copy2(slot_file, target / slot_file.name)
    return target
