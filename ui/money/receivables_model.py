"""The receivables list: open instalments by due date, read a keyset page at a time on a worker
as the view scrolls (`cursor_after` the last row shown); cells are made on the worker; wiped
when the vault locks. Also a plain table model of ready-made cells for the smaller tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal

from core.money.model import Receivable, ReceivableCursor, ReceivableFilter
from core.session import Session
from ui.money.labels import amount, day_text
from ui.table_model import Index, ListTableModel
from ui.worker import Op, Task, error_text, run_op

CUSTOMER, CONTRACT, DUE, AMOUNT, OPEN, OVERDUE = range(6)
ID_ROLE = Qt.ItemDataRole.UserRole
DISPLAY, ID, ALIGN = (int(Qt.ItemDataRole.DisplayRole), int(ID_ROLE),
                      int(Qt.ItemDataRole.TextAlignmentRole))
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
Cells = tuple[str, ...]


def receivable_cells(r: Receivable, as_of: date) -> Cells:
    days = r.days_overdue(as_of)
    return (r.customer_name, r.contract_number, day_text(r.due),
            f"{amount(r.amount, r.currency)} {r.currency}",
            f"{amount(r.open, r.currency)} {r.currency}", str(days) if days else "")


class CellsModel(ListTableModel):
    """Rows of text cells made elsewhere; `numeric` columns are right-aligned."""

    def __init__(self, headers: list[str], numeric: Sequence[int] = (),
                 parent: Any = None) -> None:
        super().__init__(parent)
        self._headers = headers
        self._numeric = set(numeric)
        self._keys: list[Any] = []

    def set_rows(self, rows: list[Cells], keys: list[Any] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._keys = list(keys) if keys is not None else [None] * len(rows)
        self.endResetModel()

    def key(self, row: int) -> Any:
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def cells(self) -> list[Cells]:
        return list(self._rows)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        if role == DISPLAY:
            return self._rows[row][index.column()]
        if role == ID:
            return self._keys[row]
        if role == ALIGN and index.column() in self._numeric:
            return RIGHT
        return None

    def wipe(self) -> None:
        self.set_rows([])


@dataclass
class Loaded:
    rows: list[Receivable]
    exhausted: bool
    as_of: date
    cells: list[Cells] = field(default_factory=list)


class ReceivablesModel(ListTableModel):
    PAGE = 200

    loading_changed = Signal(bool)
    failed = Signal(str)
    replaced = Signal()

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._rows: list[Receivable] = []
        self._cells: list[Cells] = []
        self._filter = ReceivableFilter()
        self._overdue_only = False
        self._exhausted = True
        self._op: Op | None = None
        self._generation = 0
        self._headers = [self.tr("Customer"), self.tr("Contract"), self.tr("Due date"),
                         self.tr("Amount"), self.tr("Open balance"), self.tr("Days overdue")]

    # -- Qt model interface ------------------------------------------------------------------
    def data(self, index: Index, role: int = DISPLAY) -> Any:
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        if role == DISPLAY:
            return self._cells[row][index.column()]
        if role == ID:
            return self._rows[row].id
        if role == ALIGN and index.column() in (AMOUNT, OPEN, OVERDUE):
            return RIGHT
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and self._op is None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self._rows:
            self._start(False, self._session.money.cursor_after(self._rows[-1]))

    # -- what is shown -----------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._op is not None

    def receivable(self, row: int) -> Receivable | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rows(self) -> list[Receivable]:
        return list(self._rows)

    def cells(self) -> list[Cells]:
        return list(self._cells)

    def set_filter(self, customer_id: int | None, overdue_only: bool) -> None:
        flt = ReceivableFilter(customer_id=customer_id)
        if (flt, overdue_only) != (self._filter, self._overdue_only):
            self._filter, self._overdue_only = flt, overdue_only
            self.reload()

    def reload(self) -> None:
        """Read from the start; the old rows stay until the new ones arrive."""
        self._start(True, None)

    def refresh(self) -> None:
        """After a change: re-read as many rows as are shown (at least a page)."""
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
    def _work(self, after: ReceivableCursor | None, limit: int) -> Callable[[Task], Loaded]:
        service, actor, flt, overdue = (self._session.money, self._session.user, self._filter,
                                        self._overdue_only)

        def work(_task: Task) -> Loaded:
            today = service.today()
            wanted = ReceivableFilter(customer_id=flt.customer_id,
                                      overdue_on=today if overdue else None)
            rows = service.receivables(actor, wanted, after, limit)
            return Loaded(rows, len(rows) < limit, today,
                          [receivable_cells(r, today) for r in rows])

        return work

    def _start(self, replace: bool, after: ReceivableCursor | None,
               limit: int | None = None) -> None:
        if replace:
            self._generation += 1
            if self._op is not None:
                self._op.cancel()
        generation, idle = self._generation, self._op is None
        self._op = run_op(self, self._work(after, limit or self.PAGE),
                          on_done=lambda loaded: self._deliver(generation, replace, loaded),
                          on_error=lambda exc: self._failed(generation, exc))
        if idle:
            self.loading_changed.emit(True)

    def _deliver(self, generation: int, replace: bool, loaded: Loaded) -> None:
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
