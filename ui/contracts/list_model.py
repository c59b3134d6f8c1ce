"""The contract list: keyset pages (newest first, `before_id` the last id shown) read on a worker
as the view scrolls, or one of the bounded views core offers (awaiting my approval, expiring).
Rows are summaries; the cells' texts are made on the worker; wiped when the vault locks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt

from core.contracts.model import ContractFilter, ContractSummary
from core.contracts.workflow import ContractState
from core.session import Session
from ui.contracts.labels import money, state_label
from ui.customers.labels import local_time
from ui.paged_model import PagedTableModel
from ui.table_model import Index
from ui.worker import Task

NUMBER, CUSTOMER, TITLE, STATE, TOTAL, UPDATED = range(6)
ID_ROLE = Qt.ItemDataRole.UserRole
DISPLAY, ID, ALIGN = (int(Qt.ItemDataRole.DisplayRole), int(ID_ROLE),
                      int(Qt.ItemDataRole.TextAlignmentRole))
ALL, AWAITING, EXPIRING_30, EXPIRING_60 = "all", "awaiting", "expiring30", "expiring60"
Cells = tuple[str, str, str, str, str, str]


@dataclass
class Loaded:
    rows: list[ContractSummary]
    exhausted: bool
    cells: list[Cells] = field(default_factory=list)


def formatter() -> Callable[[list[ContractSummary]], list[Cells]]:
    """Made on the GUI thread (translations), run on the worker."""
    states: dict[str, str] = {}

    def cells(rows: list[ContractSummary]) -> list[Cells]:
        out = []
        for r in rows:
            out.append((r.number, r.customer_name, r.title, states.get(r.state, r.state),
                        money(r.gross, r.currency), local_time(r.updated_at)))
        return out

    for state in ContractState:  # every label now, on the GUI thread
        states[state.value] = state_label(state.value)
    return cells


class ContractListModel(PagedTableModel):
    PAGE = 100

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._rows: list[ContractSummary] = []
        self._mode = ALL
        self._filter = ContractFilter()
        self._headers = [self.tr("Number"), self.tr("Customer"), self.tr("Title"),
                         self.tr("State"), self.tr("Total"), self.tr("Updated")]

    # -- Qt model interface ------------------------------------------------------------------
    def data(self, index: Index, role: int = DISPLAY) -> Any:
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        if role == DISPLAY:
            return self._cells[row][index.column()]
        if role == ID:
            return self._rows[row].id
        if role == ALIGN and index.column() == TOTAL:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _paging(self) -> bool:
        return self._mode == ALL

    def _next_cursor(self) -> int:
        return self._rows[-1].id

    # -- what is shown -----------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    @property
    def filter(self) -> ContractFilter:
        return self._filter

    def summary(self, row: int) -> ContractSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, contract_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.id == contract_id), None)

    def numbers(self) -> list[str]:
        return [r.number for r in self._rows]

    def set_view(self, mode: str, flt: ContractFilter) -> None:
        if (mode, flt) != (self._mode, self._filter):
            self._mode, self._filter = mode, flt
            self.reload()

    # -- loading -----------------------------------------------------------------------------
    def _work(self, before: int | None, limit: int) -> Callable[[Task], Loaded]:
        service, actor, mode, flt = (self._session.contracts, self._session.user, self._mode,
                                     self._filter)
        cells = formatter()

        def work(_task: Task) -> Loaded:
            if mode == AWAITING:
                loaded = Loaded(service.awaiting_approval(actor), True)
            elif mode in (EXPIRING_30, EXPIRING_60):
                loaded = Loaded(service.expiring(actor, 30 if mode == EXPIRING_30 else 60), True)
            else:
                rows = service.page(actor, flt, before_id=before, limit=limit)
                loaded = Loaded(rows, len(rows) < limit)
            loaded.cells = cells(loaded.rows)
            return loaded

        return work
