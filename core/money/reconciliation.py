"""The reconciliation service a session exposes as `session.reconciliation`: import a bank
statement (whole or not at all, never twice), match its money in to the receipts recorded and
the instalments expected, match and split by hand, undo, and close a period. Only holders of
RECONCILE (finance, administrators) use any of it; every step is audited.

A line that pays an instalment is money received: it is recorded as a receipt through
session.money (its duplicate check, allocation and audit), with the line's reference, payer and
date, allocated to the instalments matched (more than they expect stays as the customer's
credit). Undoing such a match reverses that receipt. An import is one transaction: the
statement, the receipts it records, their allocations, the matches and the audit entries are
committed together or not at all (a 10,000-line statement is one commit, not 10,000)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.contracts.money import to_minor
from core.customers.access import Scope
from core.customers.importing import ImportCancelled
from core.errors import InvalidInput, NotFound
from core.money.bank_mapping import BankMapping
from core.money.match_model import (
    INSTALMENT,
    RECEIPT,
    Allocation,
    Match,
    MatchResult,
    OpenInstalment,
)
from core.money.matching import manual_match, manual_split, match_statement
from core.money.model import ReceiptDraft
from core.money.receipt_batch import ReceiptBatch
from core.money.receipts import MAX_REASON, text_field
from core.money.reconciliation_model import (
    AlreadyImported,
    ImportedStatement,
    MatchTarget,
    NewMatch,
    PeriodNotReconciled,
    StatementRejected,
    StoredLine,
    StoredMatch,
    reconciliation_repos,
)
from core.money.reconciliation_reading import ReconciliationReading, bank_key
from core.money.reconciliation_signals import statement_signals
from core.money.service import MoneyService
from core.money.statement import Statement, read_statement
from core.money.statement_receipts import content_hash, line_draft, receipt_for
from core.ports import Repositories, Store
from core.roles import Permission
from core.trail import Clock, Guard, append
from core.users import User

Progress = Callable[[int, int], None]
MAX_BANK = 100


class ReconciliationService(ReconciliationReading):
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 money: MoneyService) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._money = money

    def _audit(self, actor: User, event: AuditEvent) -> None:
        with self._store.transaction() as repos:
            append(repos, actor, event, self._clock())

    # -- import ------------------------------------------------------------------------------
    def import_statement(self, actor: User, path: Path, bank: str,
                         mapping: BankMapping | None = None, progress: Progress | None = None,
                         cancelled: Callable[[], bool] | None = None) -> ImportedStatement:
        """Read the statement with `mapping` (else the one remembered for `bank`, else one
        guessed from the header), refuse it whole if any row cannot be read (StatementRejected
        lists them) or if it was imported before (AlreadyImported), store its lines, remember
        the mapping for the bank, then match the money in and report what is left and the
        fraud signals raised. `cancelled` is asked before anything is stored."""
        path = Path(path)
        self._guard.require(actor, Permission.RECONCILE, "statement", path.name)
        name = text_field(bank, MAX_BANK, "The bank's name")
        if not name:
            raise InvalidInput("Say which bank the statement is from (its mapping is "
                               "remembered per bank).")
        key = bank_key(name)
        if mapping is None:
            with self._store.reader() as repos:
                found = reconciliation_repos(repos).reconciliation.mapping(key)
            mapping = BankMapping.from_dict(found) if found is not None else None
        statement = read_statement(path, mapping)
        if not statement.ok or not statement.lines:
            self._reject(actor, path, name, statement)
        lines = statement.lines
        first, last = min(x.date for x in lines), max(x.date for x in lines)
        if cancelled and cancelled():
            raise ImportCancelled()
        digest = content_hash(lines)
        # Lines that pay instalments are recorded as receipts: checked once, before the write.
        scope = self._money.recording_scope(actor)
        now = self._clock()
        try:
            with self._store.transaction() as plain:
                rec = reconciliation_repos(plain).reconciliation
                before = rec.statement_by_hash(digest)
                if before is not None:
                    raise AlreadyImported(before)
                self._check_open(rec.closed_until(), first, "import a statement with lines")
                statement_id = rec.add_statement(name, key, path.name, first, last, lines,
                                                 digest, actor.id, now)
                assert statement.mapping is not None
                rec.save_mapping(key, name, statement.mapping.to_dict(), actor.id, now)
                append(plain, actor, AuditEvent("statement.imported", "statement",
                                                str(statement_id), {
                    "bank": name, "file": path.name, "from": first.isoformat(),
                    "to": last.isoformat(), "lines": len(lines), "content_hash": digest,
                    "encoding": statement.encoding, "mapping": statement.mapping.to_dict()}),
                    now)
                outcome = self._auto_match(plain, actor, scope, statement_id, progress, now)
        except AlreadyImported as exc:
            self._audit(actor, AuditEvent("statement.import_refused", "statement",
                                          str(exc.statement_id), {
                "bank": name, "file": path.name, "reason": "imported already"},
                outcome="refused"))
            raise
        self._bus.publish(Changes(money=True))
        return outcome

    def _reject(self, actor: User, path: Path, bank: str, statement: Statement) -> NoReturn:
        problems = list(statement.problems)
        if statement.file_problems:
            message = " ".join(statement.file_problems) + " Nothing was imported."
        elif statement.rejected:
            listed = "; ".join(f"row {p.row}{' ' + p.column if p.column else ''}: {p.reason}"
                               for p in problems[:3])
            message = (f"{statement.rejected} row(s) of the statement cannot be read, so "
                       f"nothing was imported ({listed}).")
        else:
            message = "The statement holds no transactions; nothing was imported."
        self._audit(actor, AuditEvent("statement.import_refused", "statement", "", {
            "bank": bank, "file": path.name, "rejected": statement.rejected,
            # Where, not what: a reason quotes the cell, which may hold a payer's name.
            "problems": [[p.row, p.column] for p in problems[:20]],
            "file_problems": list(statement.file_problems)}, outcome="refused"))
        raise StatementRejected(message, problems, statement.rejected, statement.file_problems)

    @staticmethod
    def _check_open(closed: date | None, day: date, what: str) -> None:
        if closed is not None and day <= closed:
            raise InvalidInput(f"The period up to {closed.isoformat()} is closed: cannot {what} "
                               f"dated {day.isoformat()}.")

    def _auto_match(self, plain: Repositories, actor: User, scope: Scope, statement_id: int,
                    progress: Progress | None, now: datetime) -> ImportedStatement:
        """Match the statement's money in and record what it proves, inside the import's
        transaction: the statement, its receipts, allocations, matches and their audit are
        committed together or not at all. A line whose receipt is refused is left for a
        person (it shows among the unmatched lines)."""
        rec = reconciliation_repos(plain).reconciliation
        stored = rec.statement(statement_id)
        lines = rec.lines(statement_id)
        # The instalments the lines can reach, fetched by key: not every open one of a book of
        # a million (same matches; see core/money/candidates.py).
        receipts, open_count = rec.open_receipts(), rec.open_instalment_count()
        assert stored is not None
        result = match_statement([x.as_line() for x in lines], receipts, (),
                                 source=rec.candidates())
        by_row = {x.row: x for x in lines}
        customers = {i.id: i for i in result.instalments}
        # The receipts are written together after the loop (one statement each for receipts,
        # allocations and audit entries), as if recorded one by one (core/money/receipt_batch).
        batch = self._money.batch(plain, actor, scope, now)
        batch.prefetch([int(a.target_id) for m in result.matches for a in m.allocations
                        if a.kind == INSTALMENT])
        drafts = {line.id: line_draft(line, match) for match in result.matches
                  for line in (by_row[match.line.row],)
                  if any(a.kind == INSTALMENT for a in match.allocations)}
        batch.prefetch_duplicates(drafts.values())
        confirmable = {r.id for r in receipts}
        touched: list[int] = []
        used: set[int] = set()
        recorded = 0
        done: list[Match] = []
        stored_parts: list[NewMatch] = []
        for n, match in enumerate(result.matches, start=1):
            line = by_row[match.line.row]
            try:
                parts, new = self._match_parts(batch, line, match, customers, used,
                                               lambda: confirmable, drafts)
            except InvalidInput:
                continue
            stored_parts.extend(parts)
            ids = [p.receipt_id for p in parts if p.receipt_id is not None]
            touched.extend(ids)
            used.update(ids)
            recorded += new
            done.append(match)
            if progress:
                progress(n, len(result.matches))
        batch.flush()
        rec.add_matches(stored_parts, actor.id, now)
        kept = MatchResult(done, result.outgoing, result.suggestions, result.lines,
                           result.receipts, result.instalments)
        records = rec.receipt_records(touched, stored.period_from, stored.period_to)
        found = statement_signals(kept, records, {r.id: r for r in receipts}, customers)
        outcome = ImportedStatement(
            statement_id, stored.bank, stored.file_name, stored.period_from, stored.period_to,
            lines=len(lines), matched=len(done), unmatched_lines=len(kept.unmatched_lines),
            unmatched_receipts=len(kept.unmatched_receipts),
            unmatched_instalments=open_count - len(kept.used_instalments),
            differences=len(kept.differences), receipts_recorded=recorded,
            signals=tuple(found), outgoing=len(kept.outgoing))
        append(plain, actor, AuditEvent("statement.matched", "statement", str(statement_id), {
            "matched": outcome.matched, "unmatched_lines": outcome.unmatched_lines,
            "unmatched_receipts": outcome.unmatched_receipts,
            "unmatched_instalments": outcome.unmatched_instalments,
            "differences": outcome.differences, "receipts_recorded": recorded,
            "signals": [{"code": s.code, "refs": list(s.refs)} for s in found]}), now)
        return outcome

    # -- storing a match ---------------------------------------------------------------------
    def _match_parts(self, batch: ReceiptBatch, line: StoredLine, match: Match,
                     instalments: dict[str, OpenInstalment], used: set[int],
                     confirmable: Callable[[], set[str]],
                     drafts: Mapping[int, ReceiptDraft]) -> tuple[list[NewMatch], int]:
        """Inside the caller's transaction, in its batch: record the receipt for any
        instalments the line pays and audit the match; returns the match parts for the caller
        to store (after batch.flush()) and how many receipts were recorded here. InvalidInput
        leaves nothing planned for the line (the receipt's checks all run before it is
        planned), but a duplicate's refusal is audited. The match is audited once:
        inside the entry of the receipt it records (one entry per line, which counts at
        10,000 lines), else as statement.line_matched."""
        currency = line.currency
        diff = to_minor(match.difference, currency)
        parts: list[tuple[NewMatch, Decimal]] = []

        def audited(paid_by_this: Sequence[Allocation]) -> dict[str, Any]:
            return {"statement_id": line.statement_id, "line_id": line.id, "row": line.row,
                    "rule": match.rule, "difference": str(match.difference),
                    "parts": [{"kind": p.kind, "id": p.target_id, "receipt_id": p.receipt_id,
                               "amount": str(amount)} for p, amount in parts]
                    + [{"kind": INSTALMENT, "id": int(a.target_id), "receipt_id": None,
                        "amount": str(a.amount)} for a in paid_by_this]}

        for a in match.allocations:
            if a.kind == RECEIPT:
                parts.append((NewMatch(line.id, RECEIPT, int(a.target_id), int(a.target_id),
                                       to_minor(a.amount, currency), diff, match.rule,
                                       match.reason), a.amount))
        paying = [a for a in match.allocations if a.kind == INSTALMENT]
        recorded = 0
        if paying:
            owners = {instalments[a.target_id].customer_id for a in paying}
            if len(owners) != 1:
                raise InvalidInput("One statement line pays the instalments of one customer.")
            draft = line_draft(line, match)
            known = drafts.get(line.id)  # the very draft the batch checked in advance
            if known is not None and known == draft:
                draft = known
            receipt_id, recorded = receipt_for(
                batch, line, int(owners.pop()), draft, paying, used, confirmable,
                {"statement_match": audited(paying)})
            for a in paying:
                parts.append((NewMatch(line.id, INSTALMENT, int(a.target_id), receipt_id,
                                       to_minor(a.amount, currency), diff, match.rule,
                                       match.reason), a.amount))
        if not recorded:
            batch.audit(AuditEvent("statement.line_matched", "statement_line", str(line.id),
                                   audited(())))
        return [p for p, _ in parts], recorded

    # -- by hand -----------------------------------------------------------------------------
    def match(self, actor: User, line_id: int, targets: Sequence[MatchTarget],
              note: str = "") -> list[StoredMatch]:
        """Match a money-in line to receipts and instalments by hand: with no amounts, paid
        oldest first (a difference is flagged, not refused); with an amount on every target,
        a split that must add up to the line exactly."""
        self._guard.require(actor, Permission.RECONCILE, "statement_line", str(line_id))
        why = text_field(note, MAX_REASON, "The note")
        with self._store.reader() as repos:
            rec = reconciliation_repos(repos).reconciliation
            line = rec.line(int(line_id))
            if line is None:
                raise NotFound("No such statement line.")
            self._check_open(rec.closed_until(), line.date, "match a line")
            if rec.matches(line.id):
                raise InvalidInput(f"Line {line.id} is matched already; unmatch it first.")
            receipts = {r.id: r for r in rec.open_receipts()}
            instalments = {i.id: i for i in rec.open_instalments()}
        chosen = []
        for t in targets:
            pool = receipts if t.kind == RECEIPT else instalments if t.kind == INSTALMENT \
                else None
            if pool is None:
                raise InvalidInput(f"Unknown kind {t.kind!r} (receipt or instalment).")
            found = pool.get(str(t.id))
            if found is None:
                raise InvalidInput(f"No open {t.kind} #{t.id} (it may be matched, reversed "
                                   "or paid already).")
            chosen.append(found)
        amounts = [t.amount for t in targets]
        if all(a is None for a in amounts):
            made = manual_match(line.as_line(), chosen, why)
        elif any(a is None for a in amounts):
            raise InvalidInput("For a split give an amount for every target; for a match, "
                               "none.")
        else:
            made = manual_split(line.as_line(), [(c, Decimal(a)) for c, a  # type: ignore[arg-type]
                                                 in zip(chosen, amounts, strict=True)], why)
        scope = self._money.recording_scope(actor)
        now = self._clock()
        with self._store.transaction() as plain:
            rec = reconciliation_repos(plain).reconciliation
            if rec.matches(line.id):  # matched meanwhile, from another window
                raise InvalidInput(f"Line {line.id} is matched already; unmatch it first.")
            batch = self._money.batch(plain, actor, scope, now)
            parts, _new = self._match_parts(
                batch, line, made, instalments, set(),
                lambda: {r.id for r in rec.open_receipts()}, {})
            batch.flush()
            rec.add_matches(parts, actor.id, now)
        self._bus.publish(Changes(money=True))
        return self.matches(actor, line.id)

    def unmatch(self, actor: User, line_id: int, reason: str = "") -> int:
        """Undo a line's match; a receipt recorded for it is reversed. Returns the parts
        undone."""
        self._guard.require(actor, Permission.RECONCILE, "statement_line", str(line_id))
        why = text_field(reason, MAX_REASON, "The reason")
        now = self._clock()
        with self._store.transaction() as plain:
            rec = reconciliation_repos(plain).reconciliation
            line = rec.line(int(line_id))
            if line is None:
                raise NotFound("No such statement line.")
            self._check_open(rec.closed_until(), line.date, "unmatch a line")
            parts = rec.matches(line.id)
            if not parts:
                raise InvalidInput(f"Line {line.id} is not matched.")
            undone = rec.undo_matches(line.id, actor.id, now)
            recorded = sorted({p.receipt_id for p in parts
                               if p.kind == INSTALMENT and p.receipt_id is not None})
            append(plain, actor, AuditEvent("statement.line_unmatched", "statement_line",
                                            str(line.id), {
                "statement_id": line.statement_id, "row": line.row, "parts": undone,
                "receipts_reversed": recorded, "reason": why}), now)
        for receipt_id in recorded:
            self._money.reverse_receipt(actor, receipt_id, why or
                                        f"statement line {line.id} unmatched")
        self._bus.publish(Changes(money=True))
        return undone

    def close_period(self, actor: User, until: date, force: bool = False,
                     reason: str = "") -> None:
        """Close reconciliation up to `until` (inclusive): refused with the unmatched lines
        and differences up to then, unless forced with a reason. Nothing dated inside a
        closed period is imported, matched or unmatched afterwards."""
        self._guard.require(actor, Permission.RECONCILE, "period", str(until))
        if not isinstance(until, date):
            raise InvalidInput("The end of the period must be a date.")
        why = text_field(reason, MAX_REASON, "The reason")
        if until > self._money.today():
            raise InvalidInput("A period that has not ended cannot be closed.")
        if force and not why:
            raise InvalidInput("Say why the period is closed with lines not reconciled.")
        now = self._clock()
        with self._store.transaction() as plain:
            rec = reconciliation_repos(plain).reconciliation
            closed = rec.closed_until()
            if closed is not None and until <= closed:
                raise InvalidInput(f"The period up to {closed.isoformat()} is closed already.")
            unmatched, differences = rec.unreconciled(until)
            open_items = bool(unmatched or differences)
            if open_items and not force:
                refused = PeriodNotReconciled(until, unmatched, differences)
            else:
                refused = None
                rec.add_close(until, open_items, why, actor.id, now)
                append(plain, actor, AuditEvent("period.closed", "period", until.isoformat(), {
                    "forced": open_items, "unmatched": [x.id for x in unmatched],
                    "differences": [x.id for x in differences], "reason": why}), now)
        if refused is not None:
            self._audit(actor, AuditEvent("period.close_refused", "period", until.isoformat(),
                                          {"unmatched": [x.id for x in unmatched],
                                           "differences": [x.id for x in differences]},
                                          outcome="refused"))
            raise refused
        self._bus.publish(Changes(money=True))
