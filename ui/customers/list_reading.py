"""What the customer list's workers read: keyset pages chained by their anchors, or a search's
hits cut into pages, with the texts of their cells made off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.customers.model import CustomerKind, CustomerStatus, CustomerSummary
from core.customers.ports import CustomerFilter, PageCursor
from core.session import Session
from ui.customers.labels import kind_label, local_time, status_label
from ui.worker import Task

Cells = tuple[str, str, str, str, str, str, str, str]
Rows = list[CustomerSummary]
# Reads up to `limit` rows after a cursor; returns them and the cursor of the last one.
Reader = Callable[[PageCursor | None, int], tuple[Rows, PageCursor | None]]


@dataclass
class Loaded:
    """What a worker read: consecutive pages from page `first`, with their anchors."""

    first: int
    pages: list[Rows]
    ends: list[PageCursor | None]
    exhausted: bool
    searching: bool = False
    cells: list[list[Cells]] = field(default_factory=list)


def formatter() -> Callable[[Rows], list[Cells]]:
    """Turns rows into the texts of their cells; made on the GUI thread (translations), run on
    the worker."""
    kinds = {kind: kind_label(kind) for kind in CustomerKind}
    statuses = {status: status_label(status) for status in CustomerStatus}

    def cells(rows: Rows) -> list[Cells]:
        return [(r.name, kinds.get(r.kind, str(r.kind)),
                 statuses.get(r.status, str(r.status)), r.city, r.phone, r.email,
                 r.owner_name, local_time(r.updated_at)) for r in rows]

    return cells


def reader(session: Session, flt: CustomerFilter, sort: str, descending: bool) -> Reader:
    """Reads keyset pages with the order and filter given (taken on the GUI thread; the reading
    runs on a worker: even the cursor asks storage, which may be busy)."""
    service, user = session.customers, session.user

    def read(after: PageCursor | None, limit: int) -> tuple[Rows, PageCursor | None]:
        rows = service.page(user, flt, sort, descending, after=after, limit=limit)
        return rows, (service.cursor_after(rows[-1], sort) if rows else None)

    return read


def chain(read: Reader, after: PageCursor | None, first: int, count: int,
          size: int) -> Callable[[Task], Loaded]:
    """`count` pages of `size` from page `first`, each read after the anchor of the one
    before."""

    def work(task: Task) -> Loaded:
        loaded, cursor = Loaded(first, [], [], False), after
        for _ in range(count):
            rows, cursor = read(cursor, size)
            if rows:
                loaded.pages.append(rows)
                loaded.ends.append(cursor)
            if len(rows) < size:
                loaded.exhausted = True
                break
            if task.cancelled():
                break
        return loaded

    return work


def hits(session: Session, query: str, limit: int, size: int) -> Callable[[Task], Loaded]:
    """A search's hits (in order of relevance, no keys to page by) as pages kept together."""
    service, user = session.customers, session.user

    def work(_task: Task) -> Loaded:
        rows = service.search(user, query, limit)
        pages = [rows[i:i + size] for i in range(0, len(rows), size)]
        return Loaded(0, pages, [None] * len(pages), True, searching=True)

    return work
