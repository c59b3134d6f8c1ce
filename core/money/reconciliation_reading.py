"""What the reconciliation service reads back (remembered bank mappings, statements, their
lines and matches, what is still unmatched, the closed period), kept apart from the import and
matching in core/money/reconciliation.py. Every read needs RECONCILE."""

from __future__ import annotations

import unicodedata
from datetime import date

from core.errors import NotFound
from core.money.bank_mapping import BankMapping
from core.money.reconciliation_model import (
    StoredLine,
    StoredMatch,
    StoredStatement,
    Unmatched,
    reconciliation_repos,
)
from core.ports import Store
from core.roles import Permission
from core.trail import Guard
from core.users import User


def bank_key(bank: str) -> str:
    """A bank's name as its mapping is remembered: width, case and spaces do not count."""
    return " ".join(unicodedata.normalize("NFKC", bank).casefold().split())


class ReconciliationReading:
    _store: Store
    _guard: Guard

    # -- reading -----------------------------------------------------------------------------
    def bank_mapping(self, actor: User, bank: str) -> BankMapping | None:
        """The column mapping remembered for this bank, if any."""
        self._guard.require(actor, Permission.RECONCILE, "bank", bank)
        with self._store.reader() as repos:
            found = reconciliation_repos(repos).reconciliation.mapping(bank_key(bank))
        return BankMapping.from_dict(found) if found is not None else None

    def statements(self, actor: User) -> list[StoredStatement]:
        self._guard.require(actor, Permission.RECONCILE)
        with self._store.reader() as repos:
            return reconciliation_repos(repos).reconciliation.statements()

    def lines(self, actor: User, statement_id: int) -> list[StoredLine]:
        self._guard.require(actor, Permission.RECONCILE, "statement", str(statement_id))
        with self._store.reader() as repos:
            rec = reconciliation_repos(repos).reconciliation
            if rec.statement(int(statement_id)) is None:
                raise NotFound("No such statement.")
            return rec.lines(int(statement_id))

    def matches(self, actor: User, line_id: int) -> list[StoredMatch]:
        self._guard.require(actor, Permission.RECONCILE, "statement_line", str(line_id))
        with self._store.reader() as repos:
            return reconciliation_repos(repos).reconciliation.matches(int(line_id))

    def unmatched(self, actor: User, statement_id: int) -> Unmatched:
        """The statement's money-in lines without a match, and every receipt no bank line
        confirms and every instalment still open (the other side)."""
        self._guard.require(actor, Permission.RECONCILE, "statement", str(statement_id))
        with self._store.reader() as repos:
            rec = reconciliation_repos(repos).reconciliation
            if rec.statement(int(statement_id)) is None:
                raise NotFound("No such statement.")
            matched = rec.matched_line_ids(int(statement_id))
            lines = tuple(x for x in rec.lines(int(statement_id))
                          if x.amount > 0 and x.id not in matched)
            return Unmatched(lines, tuple(rec.open_receipts()), tuple(rec.open_instalments()))

    def closed_until(self, actor: User) -> date | None:
        self._guard.require(actor, Permission.RECONCILE)
        with self._store.reader() as repos:
            return reconciliation_repos(repos).reconciliation.closed_until()
