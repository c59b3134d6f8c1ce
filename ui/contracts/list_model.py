"""The contract list: keyset pages (newest first, `before_id` the last id shown) read on a worker
as the view scrolls, or one of the bounded views core offers (awaiting my approval, expiring).
Rows are summaries; the cells' texts are made on the worker; wiped when the vault locks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal

from core.contracts.model import ContractFilter, ContractSummary
from core.contracts.workflow import ContractState
from core.session import Session
from ui.contracts.labels import money, state_label
from ui.customers.labels import local_time
from ui.table_model import Index, ListTableModel
from ui.worker import Op, Task, error_text, run_op

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


class ContractListModel(ListTableModel):
    PAGE = 100

    loading_changed = Signal(bool)
    failed = Signal(str)
    replaced = Signal()

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._rows: list[ContractSummary] = []
        self._cells: list[Cells] = []
        self._mode = ALL
        self._filter = ContractFilter()
        self._exhausted = True
        self._op: Op | None = None
        self._generation = 0
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

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (not parent.isValid() and self._mode == ALL and not self._exhausted
                and self._op is None)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self._rows:
            self._start(False, self._rows[-1].id)

    # -- what is shown -----------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    @property
    def filter(self) -> ContractFilter:
        return self._filter

    @property
    def loading(self) -> bool:
        return self._op is not None

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

    def _start(self, replace: bool, before: int | None, limit: int | None = None) -> None:
        if replace:
            self._generation += 1
            if self._op is not None:
                self._op.cancel()
        generation, idle = self._generation, self._op is None
        self._op = run_op(self, self._work(before, limit or self.PAGE),
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
