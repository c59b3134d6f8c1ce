"""A table model that reads its rows page by page on a worker as the view scrolls: what the
contract list and the receivables list share. A subclass says how to read one page
(`_work(cursor, limit)`) and which cursor follows its last row (`_next_cursor`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QModelIndex, Signal

from ui.table_model import Index, ListTableModel
from ui.worker import Op, Task, error_text, run_op


class Page(Protocol):
    """What `_work` returns: the rows read, their cells (texts made on the worker), and
    whether the list ends here."""

    rows: list[Any]
    cells: list[Any]
    exhausted: bool


class PagedTableModel(ListTableModel):
    PAGE = 100

    loading_changed = Signal(bool)
    failed = Signal(str)
    replaced = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._cells: list[Any] = []
        self._exhausted = True
        self._op: Op | None = None
        # Bumped by every reload and wipe: a page read for an older request is dropped.
        self._generation = 0

    # -- for subclasses ----------------------------------------------------------------------
    def _work(self, cursor: Any, limit: int) -> Callable[[Task], Page]:
        raise NotImplementedError

    def _next_cursor(self) -> Any:
        raise NotImplementedError

    def _paging(self) -> bool:
        """False while the model shows a bounded view that has no further pages."""
        return True

    # -- Qt model interface ------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (not parent.isValid() and self._paging() and not self._exhausted
                and self._op is None)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self._rows:
            self._start(False, self._next_cursor())

    # -- what is shown -----------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._op is not None

    def reload(self) -> None:
        """Read from the start; the old rows stay until the new ones arrive."""
        self._start(True, None)

    def refresh(self) -> None:
        """After a change elsewhere: re-read as many rows as are shown (at least a page)."""
        self._start(True, None, max(self.PAGE, len(self._rows)))

    def wipe(self) -> None:
        self._generation += 1
        if self._op is not None:
            self._op.cancel()
        self._op = None
        self._exhausted = True
        self.beginResetModel()
        self._rows, self._cells = [], []
        self.endResetModel()

    # -- loading -----------------------------------------------------------------------------
    def _start(self, replace: bool, cursor: Any, limit: int | None = None) -> None:
        if replace:
            self._generation += 1
            if self._op is not None:
                self._op.cancel()
        generation, idle = self._generation, self._op is None
        self._op = run_op(self, self._work(cursor, limit or self.PAGE),
                          on_done=lambda loaded: self._deliver(generation, replace, loaded),
                          on_error=lambda exc: self._failed(generation, exc))
        if idle:
            self.loading_changed.emit(True)

    def _deliver(self, generation: int, replace: bool, loaded: Page) -> None:
        if generation != self._generation:
            return
        self._op = None
        self._exhausted = loaded.exhausted
        if replace:
            self.beginResetModel()
            self._rows, self._cells = list(loaded.rows), list(loaded.cells)
            self.endResetModel()
            self.replaced.emit()
        elif loaded.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(loaded.rows) - 1)
            self._rows.extend(loaded.rows)
            self._cells.extend(loaded.cells)
            self.endInsertRows()
        self.loading_changed.emit(False)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._op = None
        self._exhausted = True
        self.loading_changed.emit(False)
        self.failed.emit(error_text(exc))
