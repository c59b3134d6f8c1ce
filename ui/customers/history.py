"""Tables of a customer's timeline (interactions, newest first, a page at a time) and tasks, and
of the tasks due today. They hold what one dialog or page shows and are wiped with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from core.customers.interactions import Interaction, Task
from ui.customers.labels import interaction_label, local_time
from ui.table_model import Index, ListTableModel

OVERDUE = QColor("#b3261e")
DONE = QColor("#7b8794")


class TimelineModel(ListTableModel):
    PAGE = 50

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Interaction] = []
        self.has_more = False
        self._headers = [self.tr("When"), self.tr("Kind"), self.tr("Summary"),
                         self.tr("Outcome"), self.tr("Next step"), self.tr("By")]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        item, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return [local_time(item.at), interaction_label(item.kind),
                    " ".join(item.summary.split()), item.outcome, item.next_step,
                    item.author_name][column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return item.summary  # the whole text; interactions hold no protected field
        return None

    def last(self) -> Interaction | None:
        return self._rows[-1] if self._rows else None

    def interaction(self, row: int) -> Interaction:
        return self._rows[row]

    def set_rows(self, rows: list[Interaction]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()
        self.has_more = len(rows) >= self.PAGE

    def append(self, rows: list[Interaction]) -> None:
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self.has_more = len(rows) >= self.PAGE

    def wipe(self) -> None:
        self.set_rows([])


class TaskListModel(ListTableModel):
    """Tasks with their due time; `with_customer` adds the customer's name (the Today page)."""

    def __init__(self, with_customer: bool = False, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Task] = []
        self._overdue: set[int] | None = None
        self._with_customer = with_customer
        self._headers = ([self.tr("Customer")] if with_customer else []) + [
            self.tr("Task"), self.tr("Due"), self.tr("State")]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        task = self._rows[index.row()]
        column = index.column() - (1 if self._with_customer else 0)
        if role == Qt.ItemDataRole.DisplayRole:
            if column < 0:
                return task.customer_name
            return [task.title, local_time(task.due), self._state(task)][column]
        if role == Qt.ItemDataRole.ForegroundRole:
            if task.done:
                return DONE
            if self._is_overdue(task):
                return OVERDUE
        return None

    def _is_overdue(self, task: Task) -> bool:
        if task.done:
            return False
        if self._overdue is not None:
            return task.id in self._overdue
        # As core's today view counts: due on an earlier local day, not merely an earlier hour.
        return task.due.astimezone().date() < datetime.now().astimezone().date()

    def _state(self, task: Task) -> str:
        if task.done_at is not None:
            return self.tr("Done {time}").format(time=local_time(task.done_at))
        return self.tr("Overdue") if self._is_overdue(task) else self.tr("Open")

    def task(self, row: int) -> Task:
        return self._rows[row]

    def titles(self) -> list[str]:
        return [t.title for t in self._rows]

    def set_rows(self, rows: list[Task], overdue: set[int] | None = None) -> None:
        """`overdue`: the ids core counted as overdue; None to judge by the local date."""
        self.beginResetModel()
        self._rows = list(rows)
        self._overdue = None if overdue is None else set(overdue)
        self.endResetModel()

    def wipe(self) -> None:
        self.set_rows([])
