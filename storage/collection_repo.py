"""Collection notes and escalations (migration 0013)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlcipher3

from core.contracts.money import from_minor
from core.customers.access import Scope
from core.money.collection_model import ChaseState, CollectionNote, OverdueItem
from storage.customer_sql import placeholders, scope_clause


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class SqlCollection:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def add_note(self, interaction_id: int, receivable_id: int, promised_on: date | None,
                 promised_minor: int | None) -> None:
        self._conn.execute(
            "INSERT INTO collection_notes (interaction_id, receivable_id, promised_on, "
            "promised_minor) VALUES (?, ?, ?, ?)",
            (interaction_id, receivable_id, promised_on.isoformat() if promised_on else None,
             promised_minor))

    def notes(self, customer_id: int, limit: int) -> list[CollectionNote]:
        rows = self._conn.execute(
            "SELECT i.id, i.customer_id, i.kind, i.at, COALESCE(u.display_name, u.name, ''), "
            "i.summary, group_concat(n.receivable_id), max(n.promised_on), "
            "max(n.promised_minor), max(r.currency) "
            "FROM collection_notes AS n JOIN interactions AS i ON i.id = n.interaction_id "
            "JOIN receivables AS r ON r.id = n.receivable_id "
            "LEFT JOIN users AS u ON u.id = i.author_id "
            "WHERE i.customer_id = ? GROUP BY i.id ORDER BY i.at DESC, i.id DESC LIMIT ?",
            (customer_id, limit)).fetchall()
        out = []
        for r in rows:
            currency = r[9] or ""
            out.append(CollectionNote(
                interaction_id=r[0], customer_id=r[1], kind=r[2],
                at=datetime.fromisoformat(r[3]), author_name=r[4] or "", summary=r[5],
                receivable_ids=tuple(sorted(int(x) for x in str(r[6]).split(","))),
                promised_on=_day(r[7]),
                promised_amount=from_minor(r[8], currency) if r[8] is not None else None,
                currency=currency))
        return out

    def chase_states(self, receivable_ids: list[int]) -> dict[int, ChaseState]:
        if not receivable_ids:
            return {}
        marks = placeholders(len(receivable_ids))
        query = ("SELECT n.receivable_id, max(i.at), "  # noqa: S608 (placeholders only)
                 "(SELECT m.promised_on FROM collection_notes AS m "
                 " JOIN interactions AS j ON j.id = m.interaction_id "
                 " WHERE m.receivable_id = n.receivable_id AND m.promised_on IS NOT NULL "
                 " ORDER BY j.at DESC, m.id DESC LIMIT 1) "
                 "FROM collection_notes AS n JOIN interactions AS i ON i.id = n.interaction_id "
                 f"WHERE n.receivable_id IN ({marks}) GROUP BY n.receivable_id")
        notes = {r[0]: (r[1], r[2]) for r in self._conn.execute(query, receivable_ids)}
        query = ("SELECT receivable_id, escalated_at, manager_id "  # noqa: S608
                 f"FROM collection_escalations WHERE receivable_id IN ({marks})")
        escalated = {r[0]: (r[1], r[2]) for r in self._conn.execute(query, receivable_ids)}
        out = {}
        for rid in set(notes) | set(escalated):
            last, promised = notes.get(rid, (None, None))
            at, manager = escalated.get(rid, (None, None))
            out[rid] = ChaseState(rid, datetime.fromisoformat(last) if last else None,
                                  _day(promised), datetime.fromisoformat(at) if at else None,
                                  manager)
        return out

    def to_escalate(self, due_before: date, limit: int) -> list[OverdueItem]:
        rows = self._conn.execute(
            "SELECT r.id, u.manager_id, r.due_date, r.open_minor FROM receivables AS r "
            "JOIN customers AS c ON c.id = r.customer_id "
            "LEFT JOIN users AS u ON u.id = c.owner_id "
            "WHERE r.open_minor > 0 AND r.due_date < ? AND NOT EXISTS "
            "(SELECT 1 FROM collection_escalations AS e WHERE e.receivable_id = r.id) "
            "ORDER BY r.due_date, r.id LIMIT ?", (due_before.isoformat(), limit)).fetchall()
        return [OverdueItem(r[0], r[1], date.fromisoformat(r[2]), r[3]) for r in rows]

    def add_escalation(self, item: OverdueItem, days_overdue: int, at: datetime) -> None:
        self._conn.execute(
            "INSERT OR IGNORE INTO collection_escalations (receivable_id, manager_id, "
            "days_overdue, open_minor, escalated_at) VALUES (?, ?, ?, ?, ?)",
            (item.receivable_id, item.manager_id, days_overdue, item.open_minor, _utc(at)))

    def counts(self, scope: Scope, as_of: date, due_until: date) -> tuple[int, int, int, int]:
        if scope.empty:
            return (0, 0, 0, 0)
        where, params = "r.open_minor > 0", []
        if not scope.everyone:
            inner = scope_clause(scope)
            where += (" AND r.customer_id IN (SELECT c.id FROM customers AS c "  # noqa: S608
                      f"WHERE {inner.sql()})")
            params = list(inner.params)
        today = as_of.isoformat()
        query = ("SELECT "  # noqa: S608 (the scope clause is parameterised)
                 "COALESCE(sum(r.due_date >= ? AND r.due_date <= ?), 0), "
                 "COALESCE(sum(r.due_date < ?), 0), "
                 "COALESCE(sum(EXISTS (SELECT 1 FROM collection_escalations AS e "
                 "                     WHERE e.receivable_id = r.id)), 0), "
                 "COALESCE(sum(EXISTS (SELECT 1 FROM collection_notes AS n "
                 "                     WHERE n.receivable_id = r.id AND n.promised_on <= ?)), 0) "
                 f"FROM receivables AS r WHERE {where}")
        row = self._conn.execute(
            query, (today, due_until.isoformat(), today, today, *params)).fetchone()
        return (int(row[0]), int(row[1]), int(row[2]), int(row[3]))
