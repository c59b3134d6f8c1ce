"""What the fraud watch reads (core/money/watch.py): receipts of a period with any receipt
sharing their reference, approved refunds, and bank-account changes, as the pure records of
core/money/signals.py. Reversed receipts are left out: a receipt entered by mistake, reversed
and entered again correctly shares its reference for a good reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import sqlcipher3

from core.contracts.money import from_minor
from core.customers.access import Scope
from core.money.signals import AccountChange, ReceiptRecord, RefundRecord
from storage.customer_sql import Clause, scope_clause

# An anonymised customer's receipts keep the payer's name and account (financial records),
# but the watch must not print them: every such receipt would look "unlike" the pseudonym and
# the warning would show the erased name.
_RECEIPT = (
    "SELECT r.id, r.customer_id, c.name, r.received_on, r.amount_minor, r.currency, r.method, "
    "r.reference, CASE WHEN c.anonymised THEN '' ELSE r.payer_name END, "
    "CASE WHEN c.anonymised THEN '' ELSE COALESCE((SELECT max(l.payer_account) "
    "  FROM statement_matches AS m JOIN statement_lines AS l ON l.id = m.line_id "
    "  WHERE m.receipt_id = r.id AND m.undone_at IS NULL), '') END "
    "FROM receipts AS r JOIN customers AS c ON c.id = r.customer_id "
    "WHERE NOT EXISTS (SELECT 1 FROM receipt_reversals AS v WHERE v.receipt_id = r.id)")


def _scoped(scope: Scope) -> Clause:
    where = Clause()
    if not scope.everyone:
        where.extend(scope_clause(scope))
    return where


def _utc(day: date) -> str:
    return datetime.combine(day, time.min, UTC).isoformat(timespec="microseconds")


class SqlWatch:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def receipt_day(self, receipt_id: int) -> date | None:
        row = self._conn.execute("SELECT received_on FROM receipts WHERE id = ?",
                                 (receipt_id,)).fetchone()
        return date.fromisoformat(row[0]) if row else None

    def receipts(self, scope: Scope, since: date, until: date) -> list[ReceiptRecord]:
        """Receipts received in [since, until], and every receipt sharing a reference with
        one of them (whenever it was received), of the customers in scope."""
        if scope.empty:
            return []
        where = _scoped(scope)
        window = ("r.received_on BETWEEN ? AND ?", since.isoformat(), until.isoformat())
        twins = ("r.reference_key <> '' AND r.reference_key IN (SELECT w.reference_key "
                 "FROM receipts AS w WHERE w.received_on BETWEEN ? AND ? "
                 "AND w.reference_key <> '')", since.isoformat(), until.isoformat())
        rows = []
        for condition in (window, twins):
            clause = Clause(list(where.parts), list(where.params)).add(*condition)
            query = f"{_RECEIPT} AND {clause.sql()}"
            rows += self._conn.execute(query, clause.params).fetchall()
        seen: dict[int, ReceiptRecord] = {}
        for r in rows:
            seen.setdefault(r[0], ReceiptRecord(
                id=f"receipt #{r[0]}", customer_id=str(r[1]), customer_name=r[2],
                date=date.fromisoformat(r[3]), amount=from_minor(r[4], r[5]), currency=r[5],
                method=r[6], reference=r[7], payer_name=r[8], payer_account=r[9]))
        return [seen[k] for k in sorted(seen)]

    def paying_receipts(self, customer_ids: list[str]) -> list[ReceiptRecord]:
        """Receipts of these customers that came from a known bank account (statement)."""
        out = []
        for cid in sorted(set(customer_ids)):
            rows = self._conn.execute(
                f"{_RECEIPT} AND r.customer_id = ? AND EXISTS (SELECT 1 FROM "  # noqa: S608
                "statement_matches AS m WHERE m.receipt_id = r.id AND m.undone_at IS NULL)",
                (int(cid),)).fetchall()
            out += [ReceiptRecord(f"receipt #{r[0]}", str(r[1]), r[2], date.fromisoformat(r[3]),
                                  from_minor(r[4], r[5]), r[5], r[6], r[7], r[8], r[9])
                    for r in rows if r[9]]
        return out

    def refunds(self, scope: Scope, since: date, until: date) -> list[RefundRecord]:
        if scope.empty:
            return []
        where = _scoped(scope).add("f.applied_at >= ? AND f.applied_at < ?", _utc(since),
                                   _utc(date.fromordinal(until.toordinal() + 1)))
        query = ("SELECT f.request_id, r.customer_id, c.name, f.applied_at, "  # noqa: S608
                 "f.amount_minor, r.currency, f.destination FROM refunds AS f "
                 "JOIN receipts AS r ON r.id = f.receipt_id "
                 f"JOIN customers AS c ON c.id = r.customer_id WHERE {where.sql()} "
                 "ORDER BY f.id")
        rows = self._conn.execute(query, where.params).fetchall()
        return [RefundRecord(f"#{r[0]}", str(r[1]), r[2],
                             datetime.fromisoformat(r[3]).date(), from_minor(r[4], r[5]), r[5],
                             r[6]) for r in rows]

    def account_changes(self, customer_ids: list[str], since: date) -> list[AccountChange]:
        out = []
        for cid in sorted(set(customer_ids)):
            rows = self._conn.execute(
                "SELECT changed_at, old_account, new_account FROM bank_account_changes "
                "WHERE customer_id = ? AND changed_at >= ? ORDER BY changed_at, id",
                (int(cid), _utc(since))).fetchall()
            out += [AccountChange(cid, datetime.fromisoformat(r[0]).date(), r[1], r[2])
                    for r in rows]
        return out
