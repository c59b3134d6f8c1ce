"""The collection lists: open instalments due within the next days, overdue, or escalated to
the managers, read a keyset page at a time on a worker as the view scrolls (core records the
escalations that have fallen due before it lists overdue or escalated ones), each with where
the chasing stands: the last collection note, the promise to pay, when it was escalated.

"Today" is core's unless the model is given a day (tests look at a later date that way; a
person could one day pick one)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from core.money.collection_model import DEFAULT_DUE_WITHIN, ChaseState
from core.money.model import Receivable, ReceivableCursor
from core.session import Session
from ui.customers.labels import local_time
from ui.money.labels import day_text, money
from ui.money.receivables_model import Cells, Loaded, ReceivableRowsModel
from ui.worker import Task

DUE_SOON, OVERDUE, ESCALATED = "due_soon", "overdue", "escalated"
MODES = (DUE_SOON, OVERDUE, ESCALATED)
(CUSTOMER, CONTRACT, DUE, OPEN, DAYS_OVERDUE, LAST_NOTE, PROMISED,
 ESCALATED_ON) = range(8)


def chase_cells(row: Receivable, state: ChaseState | None, as_of: date) -> Cells:
    days = row.days_overdue(as_of)
    state = state or ChaseState(row.id)
    return (row.customer_name, row.contract_number, day_text(row.due),
            money(row.open, row.currency), str(days) if days else "",
            local_time(state.last_note_at) if state.last_note_at else "",
            day_text(state.promised_on) if state.promised_on else "",
            local_time(state.escalated_at)[:10] if state.escalated_at else "")


class CollectionModel(ReceivableRowsModel):
    NUMERIC = (OPEN, DAYS_OVERDUE)

    def __init__(self, session: Session, parent: Any = None) -> None:
        super().__init__(session, parent)
        self.mode = OVERDUE
        self.within_days = DEFAULT_DUE_WITHIN
        self.as_of: date | None = None  # None: core's today, read when a page is read
        self._headers = [self.tr("Customer"), self.tr("Contract"), self.tr("Due date"),
                         self.tr("Open balance"), self.tr("Days overdue"),
                         self.tr("Last note"), self.tr("Promised for"),
                         self.tr("Escalated on")]

    def set_view(self, mode: str, within_days: int | None = None) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        within = self.within_days if within_days is None else int(within_days)
        if (mode, within) != (self.mode, self.within_days):
            self.mode, self.within_days = mode, within
            self.reload()

    def set_as_of(self, day: date | None) -> None:
        if day != self.as_of:
            self.as_of = day
            self.reload()

    # -- loading -----------------------------------------------------------------------------
    def _work(self, after: ReceivableCursor | None, limit: int) -> Callable[[Task], Loaded]:
        service, actor = self._session.collection, self._session.user
        mode, within, fixed = self.mode, self.within_days, self.as_of

        def work(_task: Task) -> Loaded:
            day = fixed or service.today()
            if mode == DUE_SOON:
                rows = service.due_soon(actor, within, day, after, limit)
            elif mode == ESCALATED:
                rows = service.escalated(actor, day, after, limit)
            else:
                rows = service.overdue(actor, day, after, limit)
            states = service.chase_states(actor, rows) if rows else {}
            return Loaded(rows, len(rows) < limit, day,
                             [chase_cells(r, states.get(r.id), day) for r in rows])

        return work
