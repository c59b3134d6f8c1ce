"""Interactions and follow-up tasks in the vault (tables of migration 0005)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlcipher3

from core.customers.interactions import Interaction, InteractionKind, Task


def _utc(value: datetime) -> str:
    # One fixed format in UTC: comparing the stored text compares the instants.
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


_INTERACTION = ("SELECT i.id, i.customer_id, i.kind, i.at, i.author_id, COALESCE(u.name, ''), "
                "i.summary, i.outcome, i.next_step FROM interactions AS i "
                "LEFT JOIN users AS u ON u.id = i.author_id")


def _interaction(row: tuple[Any, ...]) -> Interaction:
    return Interaction(id=row[0], customer_id=row[1], kind=InteractionKind(row[2]),
                       at=datetime.fromisoformat(row[3]), author_id=row[4], author_name=row[5],
                       summary=row[6], outcome=row[7], next_step=row[8])


class SqlInteractions:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def add(self, customer_id: int, kind: InteractionKind, at: datetime, author_id: int,
            summary: str, outcome: str, next_step: str, created_at: datetime) -> Interaction:
        cursor = self._conn.execute(
            "INSERT INTO interactions (customer_id, kind, at, author_id, summary, outcome, "
            "next_step, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (customer_id, kind.value, _utc(at), author_id, summary, outcome, next_step,
             _utc(created_at)))
        item = self.get(int(cursor.lastrowid))
        assert item is not None
        return item

    def get(self, interaction_id: int) -> Interaction | None:
        row = self._conn.execute(f"{_INTERACTION} WHERE i.id = ?",
                                 (interaction_id,)).fetchone()
        return _interaction(row) if row else None

    def timeline(self, customer_id: int, before: tuple[datetime, int] | None,
                 limit: int) -> list[Interaction]:
        # A row-value comparison walks the (customer_id, at, id) index backwards from the
        # cursor: each page costs the same however deep the history is.
        if before is None:
            rows = self._conn.execute(
                f"{_INTERACTION} WHERE i.customer_id = ? "
                "ORDER BY i.at DESC, i.id DESC LIMIT ?", (customer_id, limit)).fetchall()
        else:
            rows = self._conn.execute(
                f"{_INTERACTION} WHERE i.customer_id = ? AND (i.at, i.id) < (?, ?) "
                "ORDER BY i.at DESC, i.id DESC LIMIT ?",
                (customer_id, _utc(before[0]), before[1], limit)).fetchall()
        return [_interaction(r) for r in rows]


_TASK = ("SELECT t.id, t.customer_id, COALESCE(c.name, ''), t.title, t.due, t.assignee_id, "
         "t.done_at, t.created_by, t.interaction_id FROM tasks AS t "
         "LEFT JOIN customers AS c ON c.id = t.customer_id")


_TASK_BY_ASSIGNEE = _TASK.replace("FROM tasks AS t", "FROM tasks AS t INDEXED BY tasks_assignee")


def _task(row: tuple[Any, ...]) -> Task:
    due = datetime.fromisoformat(row[4])
    return Task(id=row[0], customer_id=row[1], customer_name=row[2], title=row[3], due=due,
                assignee_id=row[5], done_at=_parse(row[6]), created_by=row[7],
                interaction_id=row[8])


class SqlTasks:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def add(self, customer_id: int, title: str, due: datetime, assignee_id: int,
            created_by: int, created_at: datetime, interaction_id: int | None = None) -> Task:
        cursor = self._conn.execute(
            "INSERT INTO tasks (customer_id, title, due, assignee_id, created_by, created_at, "
            "interaction_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (customer_id, title, _utc(due), assignee_id, created_by, _utc(created_at),
             interaction_id))
        task = self.get(int(cursor.lastrowid))
        assert task is not None
        return task

    def get(self, task_id: int) -> Task | None:
        row = self._conn.execute(f"{_TASK} WHERE t.id = ?",
                                 (task_id,)).fetchone()
        return _task(row) if row else None

    def set_done(self, task_id: int, done_at: datetime | None) -> Task:
        self._conn.execute("UPDATE tasks SET done_at = ? WHERE id = ?",
                           (_utc(done_at) if done_at else None, task_id))
        task = self.get(task_id)
        assert task is not None
        return task

    def reassign_open(self, customer_ids: list[int], from_user: int, to_user: int) -> int:
        moved = 0
        for start in range(0, len(customer_ids), 500):  # stay under SQLite's variable limit
            chunk = customer_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            moved += self._conn.execute(
                f"UPDATE tasks SET assignee_id = ? WHERE assignee_id = ? AND done_at IS NULL "  # noqa: S608
                f"AND customer_id IN ({marks})", (to_user, from_user, *chunk)).rowcount
        return moved

    def for_customer(self, customer_id: int, limit: int) -> list[Task]:
        rows = self._conn.execute(
            f"{_TASK} WHERE t.customer_id = ? "
            "ORDER BY t.done_at IS NOT NULL, "
            "CASE WHEN t.done_at IS NULL THEN t.due END, t.done_at DESC, t.id LIMIT ?",
            (customer_id, limit)).fetchall()
        return [_task(r) for r in rows]

    def open_due_before(self, assignees: frozenset[int] | None, before: datetime,
                        limit: int) -> list[Task]:
        if assignees is None:
            rows = self._conn.execute(
                f"{_TASK} WHERE t.done_at IS NULL AND t.due < ? "
                "ORDER BY t.due, t.id LIMIT ?", (_utc(before), limit)).fetchall()
        elif not assignees:
            return []
        else:
            # Only "?" placeholders are formatted in; the ids themselves are bound. Without
            # statistics the planner may pick tasks_open and walk every user's open tasks;
            # a rep's list must cost only that rep's rows.
            marks = ", ".join("?" * len(assignees))
            rows = self._conn.execute(
                f"{_TASK_BY_ASSIGNEE} WHERE t.assignee_id IN ({marks}) "
                "AND t.done_at IS NULL AND t.due < ? ORDER BY t.due, t.id LIMIT ?",
                (*sorted(assignees), _utc(before), limit)).fetchall()
        return [_task(r) for r in rows]
