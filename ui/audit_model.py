"""The audit trail as a lazily fetched table: keyset pages of 200, newest first, loaded on a
worker as the view scrolls. Nothing is ever loaded in full."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from core.audit import AuditEntry, AuditFilter
from core.session import Session
from ui.table_model import Index, ListTableModel
from ui.worker import Op, Task, error_text, run_op


def local_time(entry: AuditEntry) -> str:
    """Stored in UTC, shown in the computer's time zone."""
    return entry.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def describe_details(details: Any) -> str:
    if not details:
        return ""
    return ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
                     for k, v in sorted(dict(details).items()))


class AuditModel(ListTableModel):
    PAGE = 200

    loading_changed = Signal(bool)
    failed = Signal(str)

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._rows: list[AuditEntry] = []
        self._filter = AuditFilter()
        self._exhausted = False
        self._op: Op | None = None
        self._generation = 0
        self._stale = False
        self._headers = [self.tr("#"), self.tr("Time"), self.tr("User"), self.tr("Action"),
                         self.tr("Object"), self.tr("Outcome"), self.tr("Details")]

    # -- Qt model interface ------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        entry, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 1:
                return self.tr("{time} UTC").format(
                    time=entry.at.isoformat(sep=" ", timespec="seconds"))
            if column == 6:
                return describe_details(entry.details)
        if role == Qt.ItemDataRole.ForegroundRole and entry.outcome != "ok" and column == 5:
            return QColor("#b3261e")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, entry: AuditEntry, column: int) -> str:
        if column == 0:
            return str(entry.seq)
        if column == 1:
            return local_time(entry)
        if column == 2:
            return entry.actor_name
        if column == 3:
            return entry.action
        if column == 4:
            return ":".join(p for p in (entry.object_type, entry.object_id) if p)
        if column == 5:
            return entry.outcome
        return describe_details(entry.details)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and self._op is None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        before = self._rows[-1].seq if self._rows else None
        flt, user, generation = self._filter, self._session.user, self._generation

        def work(_task: Task) -> list[AuditEntry]:
            return self._session.audit.page(user, flt, before_seq=before, limit=self.PAGE)

        self._op = run_op(self, work, on_done=lambda rows: self._append(generation, rows),
                          on_error=lambda exc: self._failed(generation, exc))
        self.loading_changed.emit(True)

    # -- loading -----------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._op is not None

    @property
    def filter(self) -> AuditFilter:
        return self._filter

    def entry(self, row: int) -> AuditEntry:
        return self._rows[row]

    def set_filter(self, flt: AuditFilter) -> None:
        self._filter = flt
        self.reload()

    def reload(self) -> None:
        """Start again from the newest entry (a new filter, or too much changed)."""
        self._generation += 1
        if self._op is not None:
            self._op.cancel()
            self._op = None
        self.beginResetModel()
        self._rows = []
        self._exhausted = False
        self._stale = False
        self.endResetModel()
        self.fetchMore()

    def wipe(self) -> None:
        """Drop every row (at lock time, before the model is deleted)."""
        self._generation += 1
        self._exhausted = True
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def refresh_newer(self) -> None:
        """Prepend entries appended since the first page was read, keeping the scroll place."""
        if self._op is not None:
            self._stale = True
            return
        if not self._rows:
            self.reload()
            return
        top, flt, user, generation = self._rows[0].seq, self._filter, self._session.user, \
            self._generation

        def work(_task: Task) -> list[AuditEntry]:
            return self._session.audit.page(user, flt, before_seq=None, limit=self.PAGE)

        def done(rows: list[AuditEntry]) -> None:
            if generation != self._generation:
                return
            self._finish_op()
            newer = [r for r in rows if r.seq > top]
            if len(newer) == len(rows) == self.PAGE:
                self.reload()  # more arrived than one page: there may be a gap
            elif newer:
                self.beginInsertRows(QModelIndex(), 0, len(newer) - 1)
                self._rows[:0] = newer
                self.endInsertRows()

        self._op = run_op(self, work, on_done=done,
                          on_error=lambda exc: self._failed(generation, exc))
        self.loading_changed.emit(True)

    def _finish_op(self) -> None:
        self._op = None
        self.loading_changed.emit(False)
        if self._stale:
            self._stale = False
            self.refresh_newer()

    def _append(self, generation: int, rows: list[AuditEntry]) -> None:
        if generation != self._generation:
            return
        self._exhausted = len(rows) < self.PAGE
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self._finish_op()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._exhausted = True
        self._op = None
        self.loading_changed.emit(False)
        self.failed.emit(error_text(exc))
