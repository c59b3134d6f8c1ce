"""An open SQLCipher database: keying, pragmas, transactions and error translation."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import sqlcipher3

from core.errors import StrongroomError, VaultDamaged, VaultInaccessible, VaultLocked

_HEX_KEY = re.compile(r"[0-9a-f]{64}")
CHECK_ON_OPEN_BYTES = 64 * 1024 * 1024


def is_damage(exc: BaseException) -> bool:
    if not isinstance(exc, sqlcipher3.DatabaseError):
        return False
    text = str(exc).lower()
    return type(exc) is sqlcipher3.DatabaseError or any(
        word in text for word in ("malformed", "not a database", "corrupt", "hmac"))


# SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN (primary result codes).
_ACCESS_CODES = frozenset({3, 8, 14})


def is_access_problem(exc: BaseException) -> bool:
    """Refused by the operating system (permissions, a read-only disk), not damaged."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlcipher3.DatabaseError) and isinstance(code, int) \
        and code & 0xFF in _ACCESS_CODES


def meaning(exc: BaseException) -> StrongroomError | None:
    """The error a driver failure means to the person at the screen; None for a bug."""
    if is_access_problem(exc):
        return VaultInaccessible(str(exc))
    if is_damage(exc):
        return VaultDamaged("the database is corrupt")
    return None


def key_pragma(key: bytes | bytearray) -> str:
    """PRAGMA key takes no bound parameter, so the hex is validated before it is formatted."""
    hex_key = bytes(key).hex()
    if len(key) != 32 or not _HEX_KEY.fullmatch(hex_key):
        raise ValueError("a database key is 32 bytes")
    return f"PRAGMA key = \"x'{hex_key}'\""


def connect(path: Path, key: bytes | bytearray, create: bool = False) -> sqlcipher3.Connection:
    """Open and key a connection; raise VaultDamaged if the key does not open this file."""
    if not create and not path.exists():
        raise VaultDamaged(f"the database file {path.name} is missing")
    try:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlcipher3.DatabaseError as exc:
        raise (meaning(exc) or VaultInaccessible(str(exc))) from exc
    try:
        conn.execute(key_pragma(key))
        # SQLCipher would print its own "hmac check failed" lines on damage; we report damage
        # ourselves, once, in words a user can act on.
        conn.execute("PRAGMA cipher_log_level = NONE").fetchall()
        conn.execute("PRAGMA cipher_compatibility = 4")
        version = conn.execute("PRAGMA cipher_version").fetchone()
        if not version or not version[0]:
            raise RuntimeError("sqlcipher3 is linked against plain SQLite; refusing to run")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        # 64 MiB of decrypted pages (SQLite's default is 2 MiB): reports over a big book then
        # decrypt each page once, not on every pass. The pages are gone when the vault locks.
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "secure_delete = ON",
                       "foreign_keys = ON", "temp_store = MEMORY", "cache_size = -65536"):
            conn.execute(f"PRAGMA {pragma}").fetchall()
        # Encrypted or not, nobody else on the machine needs to read it (-wal/-shm inherit this).
        os.chmod(path, 0o600)
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        if is_access_problem(exc):
            raise VaultInaccessible(str(exc)) from exc
        raise VaultDamaged("the database cannot be decrypted or is corrupt") from exc
    except BaseException:
        conn.close()
        raise
    return conn


class Database:
    """One connection shared by the GUI and worker threads, serialised by a lock."""

    def __init__(self, conn: sqlcipher3.Connection, path: Path) -> None:
        self._conn: sqlcipher3.Connection | None = conn
        self.path = path
        self._lock = threading.RLock()
        self.after_commit: list[Callable[[], None]] = []

    @property
    def closed(self) -> bool:
        return self._conn is None

    def _connection(self) -> sqlcipher3.Connection:
        if self._conn is None:
            raise VaultLocked()
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlcipher3.Connection]:
        """BEGIN IMMEDIATE … COMMIT; any exception rolls back and propagates."""
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlcipher3.DatabaseError as exc:
                reported = meaning(exc)
                if reported is None:
                    raise
                raise reported from exc
            for hook in list(self.after_commit):
                hook()

    @contextmanager
    def reading(self) -> Iterator[sqlcipher3.Connection]:
        with self._lock:
            conn = self._connection()
            try:
                yield conn
            except sqlcipher3.DatabaseError as exc:
                reported = meaning(exc)
                if reported is None:
                    raise
                raise reported from exc

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.reading() as conn:
            return conn.execute(sql, params).fetchall()

    def integrity_check(self) -> None:
        """Verify every page's HMAC (SQLCipher) and the b-tree structure (SQLite)."""
        with self.reading() as conn:
            problems = conn.execute("PRAGMA cipher_integrity_check").fetchall()
            if problems:
                raise VaultDamaged(f"{len(problems)} damaged database page"
                                   f"{'' if len(problems) == 1 else 's'}")
            result = conn.execute("PRAGMA quick_check").fetchall()
            if result != [("ok",)]:
                raise VaultDamaged("the database structure is corrupt")

    def checkpoint(self) -> None:
        with self.reading() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def swap(self, conn: sqlcipher3.Connection, path: Path) -> None:
        """Replace the connection (after a rekey), closing the old one."""
        with self._lock:
            old, self._conn, self.path = self._conn, conn, path
            if old is not None:
                old.close()

    def close(self) -> None:
        """Checkpoint so nothing rests in the WAL, then close; the WAL file is then removed."""
        with self._lock:
            if self._conn is None:
                return
            with suppress(sqlcipher3.DatabaseError):
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            self._conn.close()
            self._conn = None
