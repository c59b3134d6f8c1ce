"""The customer list as a lazily fetched table: keyset pages of 200 read on a worker as the view
scrolls (never OFFSET, never every row), or the hits of a search. Rows are summaries, which hold
no protected value; the model is wiped and deleted when the vault locks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal

from core.customers.model import CustomerKind, CustomerStatus, CustomerSummary
from core.customers.ports import CustomerFilter, SortKey
from core.customers.service import MAX_PAGE
from core.session import Session
from ui.customers.labels import kind_label, local_time, status_label
from ui.table_model import Index, ListTableModel
from ui.worker import Op, Task, error_text, run_op

NAME, KIND, STATUS, CITY, PHONE, EMAIL, OWNER, UPDATED = range(8)
SORT_COLUMNS = {NAME: SortKey.NAME, CITY: SortKey.CITY, UPDATED: SortKey.UPDATED}
# Recent changes first is what people want from "Updated"; names and cities read A to Z.
FIRST_ORDER = {NAME: Qt.SortOrder.AscendingOrder, CITY: Qt.SortOrder.AscendingOrder,
               UPDATED: Qt.SortOrder.DescendingOrder}
ID_ROLE = Qt.ItemDataRole.UserRole
DISPLAY, ID = int(Qt.ItemDataRole.DisplayRole), int(ID_ROLE)
Cells = tuple[str, str, str, str, str, str, str, str]
Reader = Callable[[CustomerSummary | None, int], tuple[list[CustomerSummary], bool]]


class CustomerListModel(ListTableModel):
    PAGE = 200
    SEARCH_LIMIT = 200
    # A refresh re-reads what is loaded so the place in the list survives; past this many rows
    # it starts again from the top instead (someone that deep should search).
    REFRESH_MAX = 2000

    loading_changed = Signal(bool)
    failed = Signal(str)
    replaced = Signal()  # the rows were replaced as a whole (reload, refresh, search)

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._rows: list[CustomerSummary] = []
        self._cells: list[Cells] = []
        self._filter = CustomerFilter()
        self._sort = SortKey.NAME
        self._descending = False
        self._query = ""
        self._exhausted = True  # until the first reload
        self._op: Op | None = None
        self._generation = 0
        self._headers = [self.tr("Name"), self.tr("Kind"), self.tr("Status"), self.tr("City"),
                         self.tr("Phone"), self.tr("E-mail"), self.tr("Owner"),
                         self.tr("Updated")]

    # -- Qt model interface ------------------------------------------------------------------
    def data(self, index: Index, role: int = DISPLAY) -> Any:
        # The view asks for half a dozen roles per cell on every paint: the cells' texts are
        # made once, on the worker that read the rows, and this stays a lookup.
        if role == DISPLAY:
            row = index.row()
            return self._cells[row][index.column()] if 0 <= row < len(self._cells) else None
        if role == ID:
            row = index.row()
            return self._rows[row].id if 0 <= row < len(self._rows) else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal
                and role == Qt.ItemDataRole.InitialSortOrderRole and section in FIRST_ORDER):
            return FIRST_ORDER[section]
        return super().headerData(section, orientation, role)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (not parent.isValid() and not self._query and not self._exhausted
                and self._op is None)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        last, read = self._rows[-1] if self._rows else None, self._reader()
        self._start(lambda _task: read(last, self.PAGE), append=True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column in SORT_COLUMNS:
            self.set_sort(SORT_COLUMNS[column], order == Qt.SortOrder.DescendingOrder)

    # -- what is shown -----------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._op is not None

    @property
    def filter(self) -> CustomerFilter:
        return self._filter

    @property
    def query(self) -> str:
        return self._query

    @property
    def sort_key(self) -> tuple[str, bool]:
        return self._sort, self._descending

    def summary(self, row: int) -> CustomerSummary:
        return self._rows[row]

    def row_of(self, customer_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.id == customer_id), None)

    def set_filter(self, flt: CustomerFilter) -> None:
        if flt != self._filter:
            self._filter = flt
            self.reload()

    def set_sort(self, sort: str, descending: bool) -> None:
        if (sort, descending) != (self._sort, self._descending):
            self._sort, self._descending = sort, descending
            if not self._query:
                self.reload()

    def set_query(self, query: str) -> None:
        """Search (a non-empty query) or the keyset list (an empty one)."""
        query = query.strip()
        if query != self._query:
            self._query = query
            self.reload()

    def reload(self) -> None:
        """Read from the start. The old rows stay until the new ones arrive, so typing in the
        search box does not flash an empty table between keystrokes."""
        if self._query:
            session, user, query = self._session, self._session.user, self._query
            self._start(lambda _t: (session.customers.search(user, query, self.SEARCH_LIMIT),
                                    True))
        else:
            read = self._reader()
            self._start(lambda _t: read(None, self.PAGE))

    def refresh(self) -> None:
        """Re-read what is shown after a change elsewhere, keeping as many rows loaded."""
        if self._query or len(self._rows) > self.REFRESH_MAX:
            self.reload()
            return
        wanted, read = max(self.PAGE, len(self._rows)), self._reader()

        def work(_task: Task) -> tuple[list[CustomerSummary], bool]:
            rows: list[CustomerSummary] = []
            while True:
                page, exhausted = read(rows[-1] if rows else None,
                                       min(MAX_PAGE, wanted - len(rows)))
                rows.extend(page)
                if exhausted or len(rows) >= wanted:
                    return rows, exhausted

        self._start(work)

    def wipe(self) -> None:
        """Drop every row (at lock time, before the model is deleted)."""
        self._generation += 1
        self._op = None
        self._query = ""
        self._exhausted = True
        self.beginResetModel()
        self._rows, self._cells = [], []
        self.endResetModel()

    # -- loading -----------------------------------------------------------------------------
    def _formatter(self) -> Callable[[list[CustomerSummary]], list[Cells]]:
        """Turns rows into the texts of their cells; made on the GUI thread (translations),
        run on the worker."""
        kinds = {kind: kind_label(kind) for kind in CustomerKind}
        statuses = {status: status_label(status) for status in CustomerStatus}

        def cells(rows: list[CustomerSummary]) -> list[Cells]:
            return [(r.name, kinds.get(r.kind, str(r.kind)),
                     statuses.get(r.status, str(r.status)), r.city, r.phone, r.email,
                     r.owner_name, local_time(r.updated_at)) for r in rows]

        return cells

    def _reader(self) -> Reader:
        """Reads keyset pages with the order and filter of now (taken on the GUI thread; the
        reading runs on a worker: even the cursor asks storage, which may be busy)."""
        service, user = self._session.customers, self._session.user
        sort, descending, flt = self._sort, self._descending, self._filter

        def read(last: CustomerSummary | None, limit: int) -> tuple[list[CustomerSummary], bool]:
            cursor = service.cursor_after(last, sort) if last is not None else None
            rows = service.page(user, flt, sort, descending, after=cursor, limit=limit)
            return rows, len(rows) < limit

        return read

    def _start(self, work: Callable[[Task], tuple[list[CustomerSummary], bool]],
               append: bool = False) -> None:
        self._generation += 1
        generation = self._generation
        if self._op is not None:
            self._op.cancel()
        cells = self._formatter()

        def run(task: Task) -> tuple[list[CustomerSummary], bool, list[Cells]]:
            rows, exhausted = work(task)
            return rows, exhausted, cells(rows)

        self._op = run_op(self, run,
                          on_done=lambda result: self._deliver(generation, result, append),
                          on_error=lambda exc: self._failed(generation, exc))
        self.loading_changed.emit(True)

    def _deliver(self, generation: int,
                 result: tuple[list[CustomerSummary], bool, list[Cells]], append: bool) -> None:
        if generation != self._generation:
            return  # a newer reload or search superseded this one
        rows, exhausted, cells = result
        self._op = None
        self._exhausted = exhausted
        if append:
            if rows:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
                self._rows.extend(rows)
                self._cells.extend(cells)
                self.endInsertRows()
        else:
            self.beginResetModel()
            self._rows, self._cells = list(rows), list(cells)
            self.endResetModel()
            self.replaced.emit()
        self.loading_changed.emit(False)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._op = None
        self._exhausted = True
        self.loading_changed.emit(False)
        self.failed.emit(error_text(exc))
