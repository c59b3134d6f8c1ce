"""Keys of data subjects (core/audit_personal.py): a deleted key is gone from the file too, as
the database runs with secure_delete and the anonymisation checkpoints the WAL."""

from __future__ import annotations

import sqlcipher3


class SqlSubjectKeys:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def get(self, subject: str) -> bytes | None:
        row = self._conn.execute("SELECT key FROM subject_keys WHERE subject = ?",
                                 (subject,)).fetchone()
        return bytes(row[0]) if row else None

    def create(self, subject: str, key: bytes) -> None:
        self._conn.execute("INSERT INTO subject_keys (subject, key) VALUES (?, ?)",
                           (subject, key))

    def forget(self, subject: str) -> bool:
        return self._conn.execute("DELETE FROM subject_keys WHERE subject = ?",
                                  (subject,)).rowcount > 0
