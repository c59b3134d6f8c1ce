"""The receivables list: open instalments by due date, read a keyset page at a time on a worker
as the view scrolls (`cursor_after` the last row shown); cells are made on the worker; wiped
when the vault locks. Also a plain table model of ready-made cells for the smaller tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import Qt

from core.money.model import Receivable, ReceivableCursor, ReceivableFilter
from core.session import Session
from ui.money.labels import amount, day_text
from ui.paged_model import PagedTableModel
from ui.table_model import Index, ListTableModel
from ui.worker import Task

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


class ReceivableRowsModel(PagedTableModel):
    """Instalments read a keyset page (due date, id) at a time; subclasses say which and how
    they are shown (`_work` returns Loaded with the cells), and which columns are numbers."""

    PAGE = 200
    NUMERIC: tuple[int, ...] = ()

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._rows: list[Receivable] = []

    # -- Qt model interface ------------------------------------------------------------------
    def data(self, index: Index, role: int = DISPLAY) -> Any:
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        if role == DISPLAY:
            return self._cells[row][index.column()]
        if role == ID:
            return self._rows[row].id
        if role == ALIGN and index.column() in self.NUMERIC:
            return RIGHT
        return None

    def _next_cursor(self) -> ReceivableCursor:
        return self._session.money.cursor_after(self._rows[-1])

    # -- what is shown -----------------------------------------------------------------------
    def receivable(self, row: int) -> Receivable | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rows(self) -> list[Receivable]:
        return list(self._rows)

    def cells(self) -> list[Cells]:
        return list(self._cells)


class ReceivablesModel(ReceivableRowsModel):
    NUMERIC = (AMOUNT, OPEN, OVERDUE)

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(session, parent)
        self._filter = ReceivableFilter()
        self._overdue_only = False
        self._headers = [self.tr("Customer"), self.tr("Contract"), self.tr("Due date"),
                         self.tr("Amount"), self.tr("Open balance"), self.tr("Days overdue")]

    def set_filter(self, customer_id: int | None, overdue_only: bool) -> None:
        flt = ReceivableFilter(customer_id=customer_id)
        if (flt, overdue_only) != (self._filter, self._overdue_only):
            self._filter, self._overdue_only = flt, overdue_only
            self.reload()

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
