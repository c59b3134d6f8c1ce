"""Repositories over one connection: they return core dataclasses, never rows."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC as _UTC
from datetime import datetime
from typing import Any

import sqlcipher3

from core.audit import AuditEntry, AuditFilter, ChainHead
from core.roles import Role
from core.users import User, normalise_name
from storage.bank_accounts_repo import SqlBankAccounts
from storage.collection_repo import SqlCollection
from storage.contracts_repo import (
    SqlContracts,
    SqlContractTemplates,
    SqlQualifications,
)
from storage.customer_bulk import SqlCustomerBulk
from storage.customers_repo import SqlCustomers
from storage.funds_repo import SqlCredit, SqlFunds
from storage.interactions_repo import SqlInteractions, SqlTasks
from storage.money_repo import SqlMoney
from storage.privacy_repo import SqlPrivacy
from storage.reconciliation_repo import SqlReconciliation
from storage.signing_repo import SqlSigning
from storage.subject_keys_repo import SqlSubjectKeys
from storage.watch_repo import SqlWatch

_USER_COLUMNS = ("id, name, role, active, must_change_password, created_at, slot_id, "
                 "last_login_at, display_name, manager_id")


def _time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="microseconds") if value else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _user(row: tuple[Any, ...]) -> User:
    return User(id=row[0], name=row[1], role=Role(row[2]), active=bool(row[3]),
                must_change_password=bool(row[4]), created_at=datetime.fromisoformat(row[5]),
                slot_id=row[6], last_login_at=_parse_time(row[7]), display_name=row[8] or "",
                manager_id=row[9])


class SqlUsers:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def _one(self, where: str, value: Any) -> User | None:
        row = self._conn.execute(
            f"SELECT {_USER_COLUMNS} FROM users WHERE {where} = ?", (value,)  # noqa: S608
        ).fetchone()
        return _user(row) if row else None

    def get(self, user_id: int) -> User | None:
        return self._one("id", user_id)

    def by_name(self, name: str) -> User | None:
        return self._one("name_key", normalise_name(name))

    def by_slot(self, slot_id: str) -> User | None:
        return self._one("slot_id", slot_id)

    def all(self) -> list[User]:
        rows = self._conn.execute(
            f"SELECT {_USER_COLUMNS} FROM users ORDER BY name_key"  # noqa: S608
        ).fetchall()
        return [_user(r) for r in rows]

    def add(self, name: str, role: Role, slot_id: str, must_change: bool,
            created_at: datetime) -> User:
        cursor = self._conn.execute(
            "INSERT INTO users (name, name_key, role, active, must_change_password, slot_id, "
            "created_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
            (name, normalise_name(name), role.value, int(must_change), slot_id,
             _time(created_at)))
        user = self.get(int(cursor.lastrowid))
        assert user is not None
        return user

    def save(self, user: User) -> None:
        self._conn.execute(
            "UPDATE users SET role = ?, active = ?, must_change_password = ?, slot_id = ?, "
            "last_login_at = ?, display_name = ?, manager_id = ? WHERE id = ?",
            (user.role.value, int(user.active), int(user.must_change_password), user.slot_id,
             _time(user.last_login_at), user.display_name, user.manager_id, user.id))

    def team_of(self, manager_id: int) -> list[int]:
        return [r[0] for r in self._conn.execute(
            "SELECT id FROM users WHERE manager_id = ? ORDER BY id", (manager_id,))]

    def slot_ids(self) -> set[str]:
        return {r[0] for r in self._conn.execute(
            "SELECT slot_id FROM users WHERE slot_id IS NOT NULL")}

    def password_history(self, user_id: int) -> list[str]:
        return [r[0] for r in self._conn.execute(
            "SELECT verifier FROM password_history WHERE user_id = ? ORDER BY id DESC",
            (user_id,))]

    def push_password_history(self, user_id: int, verifier: str, keep: int,
                              at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO password_history (user_id, verifier, created_at) VALUES (?, ?, ?)",
            (user_id, verifier, _time(at)))
        self._conn.execute(
            "DELETE FROM password_history WHERE user_id = ? AND id NOT IN "
            "(SELECT id FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?)",
            (user_id, user_id, keep))


class SqlSettings:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def get(self, key: str) -> Any | None:
        row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: Any) -> None:
        self._conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, sort_keys=True, ensure_ascii=False)))


_AUDIT_COLUMNS = ("seq, at, actor_id, actor_name, action, object_type, object_id, outcome, "
                  "details, prev_hash, hash, seal")


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    return AuditEntry(seq=row[0], at=datetime.fromisoformat(row[1]), actor_id=row[2],
                      actor_name=row[3], action=row[4], object_type=row[5], object_id=row[6],
                      outcome=row[7], details=json.loads(row[8]), prev_hash=row[9],
                      hash=row[10], seal=row[11])


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _audit_where(flt: AuditFilter) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if flt.since:
        clauses.append("at >= ?")
        params.append(_time(flt.since.astimezone(_UTC)))
    if flt.until:
        clauses.append("at < ?")
        params.append(_time(flt.until.astimezone(_UTC)))
    if flt.actor:
        clauses.append("actor_name = ? COLLATE NOCASE")
        params.append(flt.actor)
    if flt.action:
        clauses.append("action LIKE ? ESCAPE '\\'")
        params.append(_like_escape(flt.action) + "%")
    if flt.object_text:
        clauses.append("(object_type || ':' || object_id) LIKE ? ESCAPE '\\'")
        params.append("%" + _like_escape(flt.object_text) + "%")
    return clauses, params


class SqlAudit:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn
        self.appended: ChainHead | None = None

    def head(self) -> ChainHead | None:
        row = self._conn.execute(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        return ChainHead(row[0], row[1]) if row else None

    def append(self, entry: AuditEntry) -> None:
        self.append_many((entry,))

    def append_many(self, entries: Sequence[AuditEntry]) -> None:
        """Entries already chained in order (core.trail.append_many), in one statement."""
        if not entries:
            return
        self._conn.executemany(
            f"INSERT INTO audit_log ({_AUDIT_COLUMNS}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(e.seq, _time(e.at.astimezone(_UTC)), e.actor_id, e.actor_name, e.action,
              e.object_type, e.object_id, e.outcome,
              json.dumps(e.details, sort_keys=True, ensure_ascii=False, default=str),
              e.prev_hash, e.hash, e.seal) for e in entries])
        self.appended = ChainHead(entries[-1].seq, entries[-1].hash)

    def seal_key(self) -> bytes:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'audit_seal_key'").fetchone()
        return bytes(row[0])

    def iter_all(self) -> Iterator[AuditEntry]:
        cursor = self._conn.execute(
            f"SELECT {_AUDIT_COLUMNS} FROM audit_log ORDER BY seq")  # noqa: S608
        for row in cursor:
            yield _entry(row)

    def page(self, flt: AuditFilter, before_seq: int | None, limit: int) -> list[AuditEntry]:
        clauses, params = _audit_where(flt)
        if before_seq is not None:
            clauses.append("seq < ?")
            params.append(before_seq)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._conn.execute(
            f"SELECT {_AUDIT_COLUMNS} FROM audit_log {where} "  # noqa: S608
            "ORDER BY seq DESC LIMIT ?", (*params, limit)).fetchall()
        return [_entry(r) for r in rows]

    def count(self, flt: AuditFilter) -> int:
        clauses, params = _audit_where(flt)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return int(self._conn.execute(
            f"SELECT count(*) FROM audit_log {where}", params).fetchone()[0])  # noqa: S608

    def actions(self) -> list[str]:
        return [r[0] for r in self._conn.execute(
            "SELECT DISTINCT action FROM audit_log ORDER BY action")]


class SqlRepositories:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self.users = SqlUsers(conn)
        self.settings = SqlSettings(conn)
        self.audit = SqlAudit(conn)
        self.customers = SqlCustomers(conn)
        self.bank_accounts = SqlBankAccounts(conn)
        self.interactions = SqlInteractions(conn)
        self.tasks = SqlTasks(conn)
        self.customer_bulk = SqlCustomerBulk(conn)
        self.privacy = SqlPrivacy(conn)
        self.signing = SqlSigning(conn)
        self.subject_keys = SqlSubjectKeys(conn)
        self.contracts = SqlContracts(conn)
        self.contract_templates = SqlContractTemplates(conn)
        self.qualifications = SqlQualifications(conn)
        # Credit limits and exposure; also the contracts' CreditSource.
        self.credit = SqlCredit(conn)
        self.funds = SqlFunds(conn)
        self.money = SqlMoney(conn)
        self.reconciliation = SqlReconciliation(conn)
        self.collection = SqlCollection(conn)
        self.watch = SqlWatch(conn)

