"""The customer list as a lazily fetched, windowed table: keyset pages read on a worker as the view
scrolls (never OFFSET, never every row), or the hits of a search. Rows are summaries, which hold
no protected value; the model is wiped and deleted when the vault locks.

Why it is shaped this way:

- Rows are addressed by position in fixed pages of PAGE rows: page k holds rows
  [k * PAGE, (k + 1) * PAGE). For every page reached so far the model keeps only its *anchor*, the
  keyset cursor of the page's last row (a short text and an id, ~0.5 % of the rows' memory), so
  any page reached before can be read again with one keyset query: "PAGE rows after the anchor of
  page k - 1".
- At most WINDOW rows are materialised (summaries and their cell texts): the pages nearest the
  page the view last asked for. Pages further away are dropped, and read back by key when the
  view asks for one of their rows again (scrolling back up, dragging the scrollbar); meanwhile
  their cells are blank. The neighbours of the page in view are read ahead, so scrolling line by
  line or page by page finds its rows there.
- rowCount is the number of rows reached, not core's total: the list grows by a page when the
  view reaches its end (fetchMore, a keyset page after the last anchor). A rowCount of the total
  would let the scrollbar be dragged to row 700,000, whose key nobody knows: keyset paging could
  only get there by walking 3,500 pages (seconds on the encrypted table), and OFFSET walks the
  same rows inside SQLite. Someone that deep should search or filter; the page shows the total
  beside the list.
- Search hits are a bounded list (SEARCH_LIMIT) in order of relevance, with no keys to page by:
  they are all kept and never dropped.
- After a change elsewhere, refresh re-reads what is materialised from the first materialised
  page's anchor, and the list ends after it (fetchMore reads on from there by key). Anchors above
  stay keys, so pages read back up there hold the right rows in key order; a row created or
  deleted above the window since moves them by a row or so until the next reload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal

from core.customers.model import CustomerSummary
from core.customers.ports import CustomerFilter, PageCursor, SortKey
from core.session import Session
from ui.customers.list_reading import Cells, Loaded, Rows, chain, formatter, hits, reader
from ui.table_model import Index, ListTableModel
from ui.worker import Op, Task, error_text, run_op

NAME, KIND, STATUS, CITY, PHONE, EMAIL, OWNER, UPDATED = range(8)
SORT_COLUMNS = {NAME: SortKey.NAME, CITY: SortKey.CITY, UPDATED: SortKey.UPDATED}
# Recent changes first is what people want from "Updated"; names and cities read A to Z.
FIRST_ORDER = {NAME: Qt.SortOrder.AscendingOrder, CITY: Qt.SortOrder.AscendingOrder,
               UPDATED: Qt.SortOrder.DescendingOrder}
ID_ROLE = Qt.ItemDataRole.UserRole
DISPLAY, ID = int(Qt.ItemDataRole.DisplayRole), int(ID_ROLE)
REPLACE, MORE, PAGE_AGAIN = "replace", "more", "page"


class CustomerListModel(ListTableModel):
    PAGE = 200
    # Rows kept materialised at most. At least twice what a screen shows plus two pages, so the
    # rows in view are never the ones dropped.
    WINDOW = 2000
    SEARCH_LIMIT = 200
    # A refresh of a list reached no further than this re-reads it from the top.
    REFRESH_MAX = 2000

    loading_changed = Signal(bool)
    failed = Signal(str)
    replaced = Signal()  # the rows were replaced as a whole (reload, refresh, search)

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._pages: dict[int, Rows] = {}
        self._cells: dict[int, list[Cells]] = {}
        self._ends: list[PageCursor | None] = []  # one anchor per page reached
        self._count = 0
        self._searching = False
        self._focus = 0  # the page the view asked about last
        self._wanted: set[int] = set()
        self._more = False
        self._broken = False  # a read failed: no more reads until the next reload
        self._filter = CustomerFilter()
        self._sort = SortKey.NAME
        self._descending = False
        self._query = ""
        self._exhausted = True  # until the first reload
        self._op: Op | None = None
        self._kind = ""
        self._generation = 0
        # Reads wanted while painting start once the paint is over.
        self._kick = QTimer(self)
        self._kick.setSingleShot(True)
        self._kick.setInterval(0)
        self._kick.timeout.connect(self._next)
        self._headers = [self.tr("Name"), self.tr("Kind"), self.tr("Status"), self.tr("City"),
                         self.tr("Phone"), self.tr("E-mail"), self.tr("Owner"),
                         self.tr("Updated")]

    # -- Qt model interface ------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        # The view asks for half a dozen roles per cell on every paint: the cells' texts are
        # made once, on the worker that read the rows, and this stays a lookup.
        if role != DISPLAY and role != ID:
            return None
        page, at = divmod(index.row(), self.PAGE)
        if page != self._focus:
            self._look_at(page)
        cells = self._cells.get(page)
        if cells is None or at >= len(cells):
            if page not in self._pages and not self._searching:
                self._want(page)
            return None
        return cells[at][index.column()] if role == DISPLAY else self._pages[page][at].id

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal
                and role == Qt.ItemDataRole.InitialSortOrderRole and section in FIRST_ORDER):
            return FIRST_ORDER[section]
        return super().headerData(section, orientation, role)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (not parent.isValid() and not self._searching and not self._query
                and not self._exhausted and not self._broken and self._kind != REPLACE)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            # The view asks because it shows the last row: that is where it looks now.
            self._focus = max(0, len(self._ends) - 1)
            self._more = True
            self._next()

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

    @property
    def materialised(self) -> int:
        """How many rows are held now (at most WINDOW, or a search's hits)."""
        return sum(len(rows) for rows in self._pages.values())

    @property
    def anchors(self) -> int:
        return len(self._ends)

    def summary(self, row: int) -> CustomerSummary | None:
        """The row's customer, or None while its page is not held (it is being read)."""
        page, at = divmod(row, self.PAGE)
        rows = self._pages.get(page)
        return rows[at] if rows is not None and 0 <= at < len(rows) else None

    def row_of(self, customer_id: int) -> int | None:
        for page in sorted(self._pages):
            for at, item in enumerate(self._pages[page]):
                if item.id == customer_id:
                    return page * self.PAGE + at
        return None

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
            self._start(REPLACE, hits(self._session, self._query, self.SEARCH_LIMIT,
                                      self.PAGE))
        else:
            self._start(REPLACE, self._chain(None, 0, 1))

    def refresh(self) -> None:
        """Re-read what is shown after a change elsewhere, keeping the place in the list."""
        if self._query or self._kind == REPLACE:
            self.reload()  # a search, or anchors of an order or filter being replaced
            return
        if self._count <= self.REFRESH_MAX or not self._pages:
            first, last = 0, max(0, len(self._ends) - 1)
        else:
            first, last = min(self._pages), max(self._pages)
            first = max(first, last - self._keep_pages() + 1)
        after = self._ends[first - 1] if first else None
        self._start(REPLACE, self._chain(after, first, last - first + 1))

    def wipe(self) -> None:
        """Drop every row (at lock time, before the model is deleted)."""
        self._generation += 1
        if self._op is not None:
            self._op.cancel()
        self._op, self._kind = None, ""
        self._kick.stop()
        self._query = ""
        self._exhausted = True
        self.beginResetModel()
        self._clear()
        self.endResetModel()

    # -- the window --------------------------------------------------------------------------
    def _keep_pages(self) -> int:
        return max(3, self.WINDOW // self.PAGE)

    def _look_at(self, page: int) -> None:
        self._focus = page
        if not self._searching:
            for near in (page + 1, page - 1):  # read ahead both ways
                if 0 <= near < len(self._ends) and near not in self._pages:
                    self._want(near)

    def _want(self, page: int) -> None:
        if 0 <= page < len(self._ends) and not self._broken and page not in self._wanted:
            self._wanted.add(page)
            if self._op is None and not self._kick.isActive():
                self._kick.start()

    def _next(self) -> None:
        """Start the most useful read: a page the view waits for, nearest first (requests left
        behind by fast scrolling are forgotten), then more rows at the end."""
        if self._op is not None or self._broken:
            return
        reach = self._keep_pages() // 2
        self._wanted = {p for p in self._wanted if abs(p - self._focus) <= reach
                        and p < len(self._ends) and p not in self._pages}
        if self._wanted:
            page = min(self._wanted, key=lambda p: (abs(p - self._focus), p))
            self._wanted.discard(page)
            self._start(PAGE_AGAIN, self._chain(self._ends[page - 1] if page else None, page, 1))
        elif self._more and not self._exhausted and self._ends:
            self._more = False
            self._start(MORE, self._chain(self._ends[-1], len(self._ends), 1))

    def _evict(self) -> None:
        keep = self._keep_pages()
        if self._searching or len(self._pages) <= keep:
            return
        # No dataChanged for them: they are far out of view, the view keeps no copy, and a
        # table view repaints all it shows for any change of more than one cell.
        for page in sorted(self._pages, key=lambda p: (abs(p - self._focus), p))[keep:]:
            del self._pages[page], self._cells[page]

    def _clear(self) -> None:
        self._pages, self._cells, self._ends = {}, {}, []
        self._count, self._focus, self._searching = 0, 0, False
        self._wanted, self._more = set(), False

    # -- loading -----------------------------------------------------------------------------
    def _chain(self, after: PageCursor | None, first: int,
               count: int) -> Callable[[Task], Loaded]:
        read = reader(self._session, self._filter, self._sort, self._descending)
        return chain(read, after, first, count, self.PAGE)

    def _start(self, kind: str, work: Callable[[Task], Loaded]) -> None:
        if kind == REPLACE:
            self._generation += 1
            if self._op is not None:
                self._op.cancel()
            self._wanted, self._more = set(), False
        generation, cells, idle = self._generation, formatter(), self._op is None

        def run(task: Task) -> Loaded:
            loaded = work(task)
            loaded.cells = [cells(rows) for rows in loaded.pages]
            return loaded

        self._kind = kind
        self._op = run_op(self, run,
                          on_done=lambda loaded: self._deliver(generation, kind, loaded),
                          on_error=lambda exc: self._failed(generation, exc))
        if idle:
            self.loading_changed.emit(True)

    def _deliver(self, generation: int, kind: str, loaded: Loaded) -> None:
        if generation != self._generation:
            return  # a newer reload or search superseded this one
        self._op, self._kind = None, ""
        if kind == REPLACE:
            self._replace(loaded)
        elif kind == MORE:
            self._exhausted = loaded.exhausted
            if loaded.pages:
                rows, page = loaded.pages[0], len(self._ends)
                self.beginInsertRows(QModelIndex(), self._count, self._count + len(rows) - 1)
                self._ends.append(loaded.ends[0])
                self._pages[page], self._cells[page] = rows, loaded.cells[0]
                self._count += len(rows)
                if self._focus >= page - 1:
                    self._focus = page  # it was looking at the end, which moved down
                self.endInsertRows()
        else:
            page = loaded.first
            # Positions are fixed: a page read again fills its own rows and no more.
            room = min(self.PAGE, self._count - page * self.PAGE)
            if room > 0 and page not in self._pages:
                rows = loaded.pages[0][:room] if loaded.pages else []
                self._pages[page] = rows
                self._cells[page] = loaded.cells[0][:room] if loaded.pages else []
                self.dataChanged.emit(self.index(page * self.PAGE, 0),
                                      self.index(page * self.PAGE + room - 1,
                                                 len(self._headers) - 1))
        self._evict()
        self._next()
        if self._op is None:
            self.loading_changed.emit(False)

    def _replace(self, loaded: Loaded) -> None:
        self.beginResetModel()
        kept = self._ends[:loaded.first]
        self._clear()
        self._broken = False
        self._ends = kept + loaded.ends
        for i, rows in enumerate(loaded.pages):
            self._pages[loaded.first + i] = rows
            self._cells[loaded.first + i] = loaded.cells[i]
        self._count = loaded.first * self.PAGE + sum(len(rows) for rows in loaded.pages)
        self._focus = loaded.first
        self._searching, self._exhausted = loaded.searching, loaded.exhausted
        self.endResetModel()
        self.replaced.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._op, self._kind = None, ""
        self._exhausted = self._broken = True
        self._wanted.clear()
        self.loading_changed.emit(False)
        self.failed.emit(error_text(exc))
