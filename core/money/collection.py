"""Collection, the session's `session.collection`: the due-soon and overdue lists (the
receivables the actor may see), collection notes (an interaction with the customer, shown in
their history, linked to the instalments chased and carrying any promise to pay), reminders
for the Today page, and escalation to the manager of the customer's owner once an instalment
is overdue for longer than the setting (default 30 days).

Escalation is a rule, not a person's decision: whoever opens a collection list first after an
instalment crosses the line records it (once, audited as that rule), so the manager finds it
in their escalated list however nobody acted."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.contracts.drafting import clean_block
from core.contracts.money import decimal
from core.customers.access import can_see
from core.customers.interactions import (
    MAX_SUMMARY,
    InteractionKind,
    InteractionRepositories,
)
from core.customers.service import CustomerService
from core.errors import InvalidInput
from core.money.amounts import exact_minor
from core.money.collection_model import (
    DEFAULT_DUE_WITHIN,
    DEFAULT_ESCALATE_AFTER,
    ESCALATE_KEY,
    ChaseState,
    CollectionNote,
    Reminders,
    collection_repos,
)
from core.money.model import Receivable, ReceivableCursor, ReceivableFilter
from core.money.ports import money_repos
from core.ports import Store
from core.roles import Permission
from core.trail import Clock, Guard, append
from core.users import User

MAX_PAGE = 500
ESCALATE_BATCH = 500  # per list opened: a first run over years of arrears stays quick
MAX_ESCALATE_AFTER = 365


class CollectionService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 customers: CustomerService) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._customers = customers

    def today(self) -> date:
        return self._clock().astimezone().date()

    # -- settings ----------------------------------------------------------------------------
    def escalate_after(self) -> int:
        """Days overdue after which an instalment is escalated to the manager."""
        with self._store.reader() as repos:
            value = repos.settings.get(ESCALATE_KEY)
        return int(value) if value is not None else DEFAULT_ESCALATE_AFTER

    def set_escalate_after(self, actor: User, days: int) -> int:
        self._guard.require(actor, Permission.POLICY_MANAGE, "setting", ESCALATE_KEY)
        if isinstance(days, bool) or not isinstance(days, int) or not (
                1 <= days <= MAX_ESCALATE_AFTER):
            raise InvalidInput(f"Escalate after 1 to {MAX_ESCALATE_AFTER} days overdue.")
        before = self.escalate_after()
        with self._store.transaction() as repos:
            repos.settings.put(ESCALATE_KEY, days)
            append(repos, actor, AuditEvent("collection.setting_changed", "setting",
                                            ESCALATE_KEY, {"before": before, "after": days}),
                   self._clock())
        return days

    # -- lists -------------------------------------------------------------------------------
    def due_soon(self, actor: User, within_days: int = DEFAULT_DUE_WITHIN,
                 as_of: date | None = None, after: ReceivableCursor | None = None,
                 limit: int = 200) -> list[Receivable]:
        day = as_of or self.today()
        return self._list(actor, ReceivableFilter(
            due_from=day, due_until=day + timedelta(days=max(0, int(within_days)))),
            after, limit)

    def overdue(self, actor: User, as_of: date | None = None,
                after: ReceivableCursor | None = None, limit: int = 200) -> list[Receivable]:
        day = as_of or self.today()
        self.escalate(actor, day)
        return self._list(actor, ReceivableFilter(overdue_on=day), after, limit)

    def escalated(self, actor: User, as_of: date | None = None,
                  after: ReceivableCursor | None = None, limit: int = 200) -> list[Receivable]:
        """Open instalments escalated, among the customers the actor may see: a manager's are
        their team's (whose owners report to them)."""
        self.escalate(actor, as_of or self.today())
        return self._list(actor, ReceivableFilter(escalated_only=True), after, limit)

    def _list(self, actor: User, flt: ReceivableFilter, after: ReceivableCursor | None,
              limit: int) -> list[Receivable]:
        self._guard.require(actor, Permission.RECEIVABLE_READ)
        scope = self._customers.read_scope(actor)
        with self._store.reader() as repos:
            return money_repos(repos).money.receivables(scope, flt, after,
                                                        max(1, min(int(limit), MAX_PAGE)))

    def chase_states(self, actor: User, rows: list[Receivable]) -> dict[int, ChaseState]:
        """Last note, promise and escalation of rows the actor was given."""
        self._guard.require(actor, Permission.RECEIVABLE_READ)
        scope = self._customers.read_scope(actor)
        with self._store.reader() as repos:
            ids = [r.id for r in rows]
            if not scope.everyone:
                # Only ids are read from the rows, and a caller can pass any: keep those of
                # customers the actor may see now.
                money = money_repos(repos).money
                seen: dict[int, bool] = {}
                kept: list[int] = []
                for rid in ids:
                    row = money.receivable(int(rid))
                    if row is None:
                        continue
                    if row.customer_id not in seen:
                        customer = repos.customers.get(row.customer_id)  # type: ignore
                        seen[row.customer_id] = customer is not None and can_see(
                            scope, customer,
                            repos.customers.shared_with(customer.id))  # type: ignore
                    if seen[row.customer_id]:
                        kept.append(int(rid))
                ids = kept
            return collection_repos(repos).collection.chase_states(ids)

    def reminders(self, actor: User, as_of: date | None = None,
                  within_days: int = DEFAULT_DUE_WITHIN) -> Reminders:
        self._guard.require(actor, Permission.RECEIVABLE_READ)
        day = as_of or self.today()
        self.escalate(actor, day)
        scope = self._customers.read_scope(actor)
        with self._store.reader() as repos:
            counts = collection_repos(repos).collection.counts(
                scope, day, day + timedelta(days=max(0, int(within_days))))
        return Reminders(day, *counts)

    # -- escalation --------------------------------------------------------------------------
    def escalate(self, actor: User, as_of: date | None = None) -> int:
        """Record the escalations due by `as_of` (today at the latest; at most ESCALATE_BATCH
        per call, oldest first); returns how many were recorded."""
        self._guard.require(actor, Permission.RECEIVABLE_READ)
        # Never as of a later day than today: escalations are permanent, and a date typed
        # ahead would escalate everyone's instalments before their time.
        today = self.today()
        day = min(as_of or today, today)
        after = self.escalate_after()
        with self._store.reader() as repos:
            if not collection_repos(repos).collection.to_escalate(
                    day - timedelta(days=after), 1):
                return 0  # the usual case: a read, no write lock
        now = self._clock()
        with self._store.transaction() as plain:
            repos = collection_repos(plain)
            # Again inside the write: a second window escalating at the same moment finds
            # nothing left and writes no second audit entry.
            pending = repos.collection.to_escalate(day - timedelta(days=after), ESCALATE_BATCH)
            if not pending:
                return 0
            for item in pending:
                repos.collection.add_escalation(item, (day - item.due).days, now)
            append(plain, actor, AuditEvent(
                "collection.escalated", "receivable", "", {
                    "rule": f"overdue more than {after} days", "as_of": day.isoformat(),
                    "receivables": [i.receivable_id for i in pending],
                    "managers": sorted({i.manager_id for i in pending
                                        if i.manager_id is not None})}), now)
        self._bus.publish(Changes(money=True))
        return len(pending)

    # -- notes -------------------------------------------------------------------------------
    def add_note(self, actor: User, customer_id: int, receivable_ids: list[int],
                 kind: InteractionKind | str, summary: str, at: datetime | None = None,
                 promised_on: date | None = None,
                 promised_amount: Decimal | None = None) -> CollectionNote:
        """A collection call, visit, e-mail or note about some of a customer's open
        instalments: stored as an interaction (the customer's history shows it) linked to
        them, with a promise to pay if the customer made one."""
        self._guard.require(actor, Permission.COLLECTION_WRITE, "customer", str(customer_id))
        customer, _scope = self._customers.visible(actor, int(customer_id))
        if customer.anonymised:
            raise InvalidInput("This customer was anonymised; nothing new can be recorded "
                               "about them.")
        try:
            kind = InteractionKind(kind)
        except ValueError:
            raise InvalidInput(f"Unknown kind of contact {kind!r}.") from None
        text = clean_block(summary or "", MAX_SUMMARY)
        if not text:
            raise InvalidInput("Say what was agreed or said (a summary is required).")
        ids = sorted({int(i) for i in receivable_ids})
        if not ids:
            raise InvalidInput("Choose the instalments this note is about.")
        now = self._clock()
        when = at or now
        if when.tzinfo is None or when > now + timedelta(days=1):
            raise InvalidInput("When it happened must be a time with its zone, not in the "
                               "future.")
        # Against today, not the day of the contact: a note backdated a year must not
        # record a promise that fell due long ago.
        if promised_on is not None and promised_on < now.astimezone().date():
            raise InvalidInput("A promise to pay is for a day from today on.")
        with self._store.transaction() as plain:
            money = money_repos(plain).money
            rows = [money.receivable(i) for i in ids]
            if any(r is None or r.customer_id != customer.id for r in rows):
                raise InvalidInput("Those instalments are not all this customer's.")
            currency = rows[0].currency if rows[0] is not None else ""
            promised_minor = None
            if promised_amount is not None:
                value = decimal(promised_amount, "promised amount")
                if value <= 0:
                    raise InvalidInput("A promised amount is more than zero.")
                promised_minor = exact_minor(value, currency)
            repos: InteractionRepositories = plain  # type: ignore[assignment]
            item = repos.interactions.add(customer.id, kind, when, actor.id, text, "", "", now)
            for rid in ids:
                collection_repos(plain).collection.add_note(item.id, rid, promised_on,
                                                            promised_minor)
            append(plain, actor, AuditEvent("collection.noted", "interaction", str(item.id), {
                "customer_id": customer.id, "kind": kind.value, "receivables": ids,
                "promised_on": promised_on.isoformat() if promised_on else None,
                "promised_amount": str(promised_amount) if promised_amount else None}), now)
            (note,) = [n for n in collection_repos(plain).collection.notes(customer.id, 5)
                       if n.interaction_id == item.id]
        self._bus.publish(Changes(interactions=True, money=True))
        return note

    def notes(self, actor: User, customer_id: int, limit: int = 200) -> list[CollectionNote]:
        self._guard.require(actor, Permission.RECEIVABLE_READ, "customer", str(customer_id))
        self._customers.visible(actor, int(customer_id))
        with self._store.reader() as repos:
            return collection_repos(repos).collection.notes(
                int(customer_id), max(1, min(int(limit), MAX_PAGE)))
