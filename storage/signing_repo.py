"""Signing keys (migration 0008): the vault CA, users' certificates, the organisation's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlcipher3

from core.signing_service import KeyKind, StoredKey
from storage.customer_sql import utc_text

_COLUMNS = ("id, kind, user_id, certificate, chain, private_key, serial, not_after, created_at, "
            "active")


def _key(row: tuple[Any, ...]) -> StoredKey:
    return StoredKey(id=row[0], kind=KeyKind(row[1]), user_id=row[2], certificate=bytes(row[3]),
                     chain_pem=row[4], private_key=bytes(row[5]), serial=row[6],
                     not_after=datetime.fromisoformat(row[7]),
                     created_at=datetime.fromisoformat(row[8]), active=bool(row[9]))


class SqlSigning:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def active(self, kind: KeyKind, user_id: int | None = None) -> StoredKey | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM signing_keys WHERE kind = ? AND "  # noqa: S608
            "COALESCE(user_id, 0) = ? AND active = 1", (kind.value, user_id or 0)).fetchone()
        return _key(row) if row else None

    def all_of(self, kind: KeyKind) -> list[StoredKey]:
        """Every key of a kind, retired ones too, oldest first."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM signing_keys WHERE kind = ? ORDER BY id",  # noqa: S608
            (kind.value,)).fetchall()
        return [_key(r) for r in rows]

    def add(self, kind: KeyKind, user_id: int | None, certificate: bytes, chain_pem: str,
            private_key: bytes, serial: str, not_after: datetime,
            created_at: datetime) -> StoredKey:
        cursor = self._conn.execute(
            "INSERT INTO signing_keys (kind, user_id, certificate, chain, private_key, serial, "
            "not_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (kind.value, user_id, certificate, chain_pem, private_key, serial,
             utc_text(not_after), utc_text(created_at)))
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM signing_keys WHERE id = ?",  # noqa: S608
                                 (cursor.lastrowid,)).fetchone()
        return _key(row)

    def retire(self, kind: KeyKind, user_id: int | None = None) -> int:
        return int(self._conn.execute(
            "UPDATE signing_keys SET active = 0 WHERE kind = ? AND COALESCE(user_id, 0) = ? "
            "AND active = 1", (kind.value, user_id or 0)).rowcount)
