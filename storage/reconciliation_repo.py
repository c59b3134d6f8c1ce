"""Bank statements, their lines, matches, remembered bank mappings and closed periods in the
vault (migration 0011). Open receipts and instalments are read in a few set queries, never per
row, so matching a long statement costs a handful of statements."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlcipher3

from core.contracts.money import MINOR_UNITS, from_minor, to_minor
from core.money.match_model import OpenInstalment, OpenReceipt
from core.money.reconciliation_model import NewMatch, StoredLine, StoredMatch, StoredStatement
from core.money.signals import ReceiptRecord
from core.money.statement import StatementLine
from storage.match_candidates import SqlCandidates


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


_LINE = ("SELECT id, statement_id, row, line_date, currency, amount_minor, reference, "
         "payer_name, payer_account, description FROM statement_lines")
_STATEMENT = ("SELECT id, bank, file_name, period_from, period_to, line_count, imported_by, "
              "imported_at FROM statements")
# A receipt is spoken for once an active match names it (confirmed, or recorded for the line).
_NOT_MATCHED = ("p.id NOT IN (SELECT receipt_id FROM statement_matches "
                "WHERE undone_at IS NULL AND receipt_id IS NOT NULL)")
_NOT_REVERSED = "p.id NOT IN (SELECT receipt_id FROM receipt_reversals)"


def _line(r: tuple[Any, ...]) -> StoredLine:
    return StoredLine(id=r[0], statement_id=r[1], row=r[2], date=date.fromisoformat(r[3]),
                      amount=from_minor(r[5], r[4]), currency=r[4], reference=r[6],
                      payer_name=r[7], payer_account=r[8], description=r[9])


def _statement(r: tuple[Any, ...]) -> StoredStatement:
    return StoredStatement(id=r[0], bank=r[1], file_name=r[2],
                           period_from=date.fromisoformat(r[3]),
                           period_to=date.fromisoformat(r[4]), line_count=r[5],
                           imported_by=r[6], imported_at=datetime.fromisoformat(r[7]))


class SqlReconciliation:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    # -- mappings ----------------------------------------------------------------------------
    def mapping(self, bank_key: str) -> dict[str, object] | None:
        row = self._conn.execute("SELECT mapping FROM bank_mappings WHERE bank_key = ?",
                                 (bank_key,)).fetchone()
        return dict(json.loads(row[0])) if row else None

    def save_mapping(self, bank_key: str, bank: str, mapping: dict[str, object], by: int,
                     at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO bank_mappings (bank_key, bank, mapping, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (bank_key) DO UPDATE SET bank = excluded.bank, "
            "mapping = excluded.mapping, updated_by = excluded.updated_by, "
            "updated_at = excluded.updated_at",
            (bank_key, bank, json.dumps(mapping, sort_keys=True, ensure_ascii=False),
             int(by), _utc(at)))

    # -- statements --------------------------------------------------------------------------
    def statement_by_hash(self, content_hash: str) -> int | None:
        row = self._conn.execute("SELECT id FROM statements WHERE content_hash = ?",
                                 (content_hash,)).fetchone()
        return int(row[0]) if row else None

    def add_statement(self, bank: str, bank_key: str, file_name: str, period_from: date,
                      period_to: date, lines: Sequence[StatementLine], content_hash: str,
                      by: int, at: datetime) -> int:
        cursor = self._conn.execute(
            "INSERT INTO statements (bank, bank_key, file_name, period_from, period_to, "
            "line_count, content_hash, imported_by, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (bank, bank_key, file_name, period_from.isoformat(), period_to.isoformat(),
             len(lines), content_hash, int(by), _utc(at)))
        statement_id = int(cursor.lastrowid)
        self._conn.executemany(
            "INSERT INTO statement_lines (statement_id, row, line_date, currency, amount_minor, "
            "reference, payer_name, payer_account, description) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(statement_id, x.row, x.date.isoformat(), x.currency,
              to_minor(x.amount, x.currency), x.reference, x.payer_name, x.payer_account,
              x.description) for x in lines])
        return statement_id

    def statement(self, statement_id: int) -> StoredStatement | None:
        row = self._conn.execute(f"{_STATEMENT} WHERE id = ?", (int(statement_id),)).fetchone()
        return _statement(row) if row else None

    def statements(self) -> list[StoredStatement]:
        return [_statement(r) for r in self._conn.execute(f"{_STATEMENT} ORDER BY id")]

    def lines(self, statement_id: int) -> list[StoredLine]:
        return [_line(r) for r in self._conn.execute(
            f"{_LINE} WHERE statement_id = ? ORDER BY row", (int(statement_id),))]

    def line(self, line_id: int) -> StoredLine | None:
        row = self._conn.execute(f"{_LINE} WHERE id = ?", (int(line_id),)).fetchone()
        return _line(row) if row else None

    # -- what is open ------------------------------------------------------------------------
    def open_receipts(self) -> list[OpenReceipt]:
        rows = self._conn.execute(
            "SELECT p.id, p.customer_id, c.name, p.received_on, p.amount_minor, p.currency, "  # noqa: S608
            "p.reference, p.payer_name FROM receipts AS p "
            "JOIN customers AS c ON c.id = p.customer_id "
            f"WHERE {_NOT_REVERSED} AND {_NOT_MATCHED} ORDER BY p.id").fetchall()
        return [OpenReceipt(str(r[0]), str(r[1]), r[2], date.fromisoformat(r[3]),
                            from_minor(r[4], r[5]), r[5], r[6], r[7]) for r in rows]

    def open_instalments(self) -> list[OpenInstalment]:
        # The open rows alone, in due-date index order; the customers' names and contract
        # numbers in two scans of their own tables. Joined per row, the lookups jump around
        # the b-trees (each page decrypted again) and cost more than the rows themselves.
        rows = self._conn.execute(
            "SELECT r.id, r.customer_id, r.contract_id, r.due_date, r.open_minor, r.currency, "
            "r.invoice_number FROM receivables AS r "
            "WHERE r.open_minor > 0 ORDER BY r.due_date, r.id").fetchall()
        names = dict(self._conn.execute(
            "SELECT c.id, c.name FROM customers AS c WHERE c.id IN "
            "(SELECT customer_id FROM receivables WHERE open_minor > 0)").fetchall())
        numbers = dict(self._conn.execute(
            "SELECT k.id, k.number FROM contracts AS k WHERE k.id IN "
            "(SELECT contract_id FROM receivables WHERE open_minor > 0)").fetchall())
        payers: dict[int, list[str]] = defaultdict(list)
        for customer_id, name in self._conn.execute(
                "SELECT DISTINCT p.customer_id, p.payer_name FROM receipts AS p "  # noqa: S608
                f"WHERE p.payer_name <> '' AND {_NOT_REVERSED} "
                "AND p.customer_id IN (SELECT customer_id FROM receivables "
                "WHERE open_minor > 0) ORDER BY p.customer_id, p.payer_name"):
            payers[customer_id].append(name)
        known = {cid: tuple(found) for cid, found in payers.items()}
        customer_ids = {cid: str(cid) for cid in names}
        day = functools.lru_cache(maxsize=4096)(date.fromisoformat)
        return [OpenInstalment(str(r[0]), customer_ids[r[1]], names[r[1]], day(r[3]),
                               Decimal(r[4]).scaleb(-MINOR_UNITS[r[5]]), r[5],
                               tuple(x for x in (numbers[r[2]], r[6]) if x),
                               known.get(r[1], ()))
                for r in rows]

    def candidates(self) -> SqlCandidates:
        return SqlCandidates(self._conn)

    def open_instalment_count(self) -> int:
        return SqlCandidates(self._conn).open_count()

    # -- matches -----------------------------------------------------------------------------
    def add_match(self, match: NewMatch, by: int, at: datetime) -> int:
        cursor = self._conn.execute(
            "INSERT INTO statement_matches (line_id, kind, target_id, receipt_id, amount_minor, "
            "difference_minor, rule, reason, matched_by, matched_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (int(match.line_id), match.kind, int(match.target_id), match.receipt_id,
             int(match.amount_minor), int(match.difference_minor), match.rule, match.reason,
             int(by), _utc(at)))
        return int(cursor.lastrowid)

    def add_matches(self, matches: Sequence[NewMatch], by: int, at: datetime) -> int:
        """Many at once (one statement's import): one prepared insert run over all of them."""
        when = _utc(at)
        self._conn.executemany(
            "INSERT INTO statement_matches (line_id, kind, target_id, receipt_id, amount_minor, "
            "difference_minor, rule, reason, matched_by, matched_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(int(m.line_id), m.kind, int(m.target_id), m.receipt_id, int(m.amount_minor),
              int(m.difference_minor), m.rule, m.reason, int(by), when) for m in matches])
        return len(matches)

    def matches(self, line_id: int) -> list[StoredMatch]:
        rows = self._conn.execute(
            "SELECT m.id, m.line_id, m.kind, m.target_id, m.receipt_id, m.amount_minor, "
            "m.difference_minor, m.rule, m.reason, l.currency FROM statement_matches AS m "
            "JOIN statement_lines AS l ON l.id = m.line_id "
            "WHERE m.line_id = ? AND m.undone_at IS NULL ORDER BY m.id",
            (int(line_id),)).fetchall()
        return [StoredMatch(r[0], r[1], r[2], r[3], r[4], from_minor(r[5], r[9]),
                            from_minor(r[6], r[9]), r[7], r[8]) for r in rows]

    def matched_line_ids(self, statement_id: int) -> set[int]:
        return {r[0] for r in self._conn.execute(
            "SELECT DISTINCT m.line_id FROM statement_matches AS m "
            "JOIN statement_lines AS l ON l.id = m.line_id "
            "WHERE l.statement_id = ? AND m.undone_at IS NULL", (int(statement_id),))}

    def undo_matches(self, line_id: int, by: int, at: datetime) -> int:
        cursor = self._conn.execute(
            "UPDATE statement_matches SET undone_by = ?, undone_at = ? "
            "WHERE line_id = ? AND undone_at IS NULL", (int(by), _utc(at), int(line_id)))
        return int(cursor.rowcount)

    # -- periods -----------------------------------------------------------------------------
    def closed_until(self) -> date | None:
        row = self._conn.execute("SELECT max(until_date) FROM closed_periods").fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def add_close(self, until: date, forced: bool, reason: str, by: int,
                  at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO closed_periods (until_date, forced, reason, closed_by, closed_at) "
            "VALUES (?, ?, ?, ?, ?)", (until.isoformat(), int(forced), reason, int(by),
                                       _utc(at)))

    def unreconciled(self, until: date) -> tuple[list[StoredLine], list[StoredLine]]:
        day = until.isoformat()
        unmatched = [_line(r) for r in self._conn.execute(
            f"{_LINE} WHERE line_date <= ? AND amount_minor > 0 AND id NOT IN "  # noqa: S608
            "(SELECT line_id FROM statement_matches WHERE undone_at IS NULL) "
            "ORDER BY line_date, id", (day,))]
        differences = [_line(r) for r in self._conn.execute(
            f"{_LINE} WHERE line_date <= ? AND id IN "  # noqa: S608
            "(SELECT line_id FROM statement_matches WHERE undone_at IS NULL "
            "AND difference_minor <> 0) ORDER BY line_date, id", (day,))]
        return unmatched, differences

    # -- fraud signals -----------------------------------------------------------------------
    def receipt_records(self, receipt_ids: Sequence[int], since: date,
                        until: date) -> list[ReceiptRecord]:
        ids = json.dumps([int(i) for i in receipt_ids])
        rows = self._conn.execute(
            "SELECT p.id, p.customer_id, c.name, p.received_on, p.amount_minor, p.currency, "  # noqa: S608
            "p.method, p.reference, p.payer_name FROM receipts AS p "
            "JOIN customers AS c ON c.id = p.customer_id "
            f"WHERE {_NOT_REVERSED} AND (p.received_on BETWEEN ? AND ? "
            "OR p.id IN (SELECT value FROM json_each(?))) ORDER BY p.id",
            (since.isoformat(), until.isoformat(), ids)).fetchall()
        return [ReceiptRecord(f"receipt #{r[0]}", str(r[1]), r[2], date.fromisoformat(r[3]),
                              from_minor(r[4], r[5]), r[5], r[6], r[7], r[8]) for r in rows]
