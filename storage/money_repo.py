"""Receivables, receipts and allocations in the vault (migration 0010).

Money crosses this boundary as Decimal and is stored as integer minor units of the row's
currency. Ageing is one aggregate statement per grouping over the open instalments, never a
walk over rows in Python (storage/money_ageing.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlcipher3

from core.contracts.money import from_minor
from core.customers.access import Scope
from core.money.allocation import OpenItem
from core.money.model import (
    AgeingGroup,
    AgeingRow,
    Allocation,
    CustomerBalance,
    PaymentMethod,
    Receipt,
    Receivable,
    ReceivableCursor,
    ReceivableFilter,
)
from core.money.receipts import NewReceipt
from storage import money_ageing
from storage.customer_sql import Clause, scope_clause


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


_RECEIVABLE = (
    "SELECT r.id, r.contract_id, k.number, r.position, r.customer_id, c.name, c.owner_id, "
    "r.currency, r.amount_minor, r.allocated_minor, r.written_off_minor, r.open_minor, "
    "r.due_date, r.label, r.invoice_number "
    "FROM receivables AS r JOIN contracts AS k ON k.id = r.contract_id "
    "JOIN customers AS c ON c.id = r.customer_id")


def _receivable(r: tuple[Any, ...]) -> Receivable:
    cur = r[7]
    return Receivable(id=r[0], contract_id=r[1], contract_number=r[2], position=r[3],
                      customer_id=r[4], customer_name=r[5], owner_id=r[6], currency=cur,
                      amount=from_minor(r[8], cur), allocated=from_minor(r[9], cur),
                      written_off=from_minor(r[10], cur), open=from_minor(r[11], cur),
                      due=date.fromisoformat(r[12]), label=r[13], invoice_number=r[14])


class SqlMoney:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    # -- receivables -------------------------------------------------------------------------
    def add_receivables(self, contract_id: int, customer_id: int, currency: str,
                        instalments: Sequence[tuple[int, date, int, str]],
                        at: datetime) -> int:
        self._conn.executemany(
            "INSERT INTO receivables (contract_id, position, customer_id, currency, "
            "amount_minor, open_minor, due_date, label, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(int(contract_id), int(pos), int(customer_id), currency, int(minor), int(minor),
              due.isoformat(), label, _utc(at)) for pos, due, minor, label in instalments])
        return len(instalments)

    def receivable(self, receivable_id: int) -> Receivable | None:
        row = self._conn.execute(f"{_RECEIVABLE} WHERE r.id = ?",
                                 (int(receivable_id),)).fetchone()
        return _receivable(row) if row else None

    def receivables(self, scope: Scope, flt: ReceivableFilter, after: ReceivableCursor | None,
                    limit: int) -> list[Receivable]:
        if scope.empty:
            return []
        where = Clause()
        if not scope.everyone:
            # As a set of customer ids: the planner then starts from the visible customers
            # (a rep's few, a team's) instead of walking everyone's instalments by due date.
            inner = scope_clause(scope)
            visible = f"SELECT c.id FROM customers AS c WHERE {inner.sql()}"  # noqa: S608
            where.add(f"r.customer_id IN ({visible})", *inner.params)
        if flt.open_only:
            where.add("r.open_minor > 0")
        if flt.customer_id is not None:
            where.add("r.customer_id = ?", int(flt.customer_id))
        if flt.contract_id is not None:
            where.add("r.contract_id = ?", int(flt.contract_id))
        if flt.overdue_on is not None:
            where.add("r.open_minor > 0 AND r.due_date < ?", flt.overdue_on.isoformat())
        if flt.due_from is not None:
            where.add("r.due_date >= ?", flt.due_from.isoformat())
        if flt.due_until is not None:
            where.add("r.due_date <= ?", flt.due_until.isoformat())
        if flt.escalated_only:
            where.add("r.id IN (SELECT receivable_id FROM collection_escalations)")
        if after is not None:
            where.add("(r.due_date, r.id) > (?, ?)", after.due.isoformat(), int(after.id))
        rows = self._conn.execute(
            f"{_RECEIVABLE} WHERE {where.sql()} ORDER BY r.due_date, r.id LIMIT ?",
            (*where.params, int(limit))).fetchall()
        return [_receivable(r) for r in rows]

    def open_items(self, customer_id: int, currency: str,
                   only: Sequence[int] | None = None) -> list[OpenItem]:
        sql = ("SELECT id, due_date, open_minor FROM receivables "
               "WHERE customer_id = ? AND currency = ? AND open_minor > 0")
        params: tuple[Any, ...] = (int(customer_id), currency)
        if only is not None:  # a few ids: by primary key, not a walk over the customer's rows
            sql += f" AND id IN ({', '.join('?' * len(only))})"
            params += tuple(int(i) for i in only)
        rows = self._conn.execute(sql + " ORDER BY due_date, id", params).fetchall()
        return [OpenItem(r[0], date.fromisoformat(r[1]), r[2]) for r in rows]

    def set_invoice_number(self, receivable_id: int, number: str) -> None:
        self._conn.execute("UPDATE receivables SET invoice_number = ? WHERE id = ?",
                           (number, int(receivable_id)))

    # -- receipts ----------------------------------------------------------------------------
    def find_duplicate(self, payer_key: str, reference_key: str, amount_minor: int,
                       currency: str, received_on: date) -> int | None:
        if not reference_key:
            return None
        row = self._conn.execute(
            "SELECT id FROM receipts WHERE payer_key = ? AND reference_key = ? "
            "AND amount_minor = ? AND currency = ? AND received_on = ? AND reference_key <> '' "
            "AND id NOT IN (SELECT receipt_id FROM receipt_reversals)",
            (payer_key, reference_key, int(amount_minor), currency,
             received_on.isoformat())).fetchone()
        return int(row[0]) if row else None

    def duplicates(self, keys: Sequence[tuple[str, str, int, str, date]]
                   ) -> dict[tuple[str, str, int, str, date], int]:
        """find_duplicate for many (payer key, reference key, minor units, currency, date) at
        once: the keys that have a receipt (not reversed), with its id."""
        wanted = [[p, r, int(m), c, d.isoformat()] for p, r, m, c, d in keys if r]
        if not wanted:
            return {}
        rows = self._conn.execute(
            "SELECT p.payer_key, p.reference_key, p.amount_minor, p.currency, p.received_on, "
            "min(p.id) FROM json_each(?) AS j CROSS JOIN receipts AS p "
            "ON p.reference_key = json_extract(j.value, '$[1]') "
            "AND p.payer_key = json_extract(j.value, '$[0]') "
            "AND p.amount_minor = json_extract(j.value, '$[2]') "
            "AND p.currency = json_extract(j.value, '$[3]') "
            "AND p.received_on = json_extract(j.value, '$[4]') "
            "WHERE p.reference_key <> '' "
            "AND p.id NOT IN (SELECT receipt_id FROM receipt_reversals) "
            "GROUP BY 1, 2, 3, 4, 5", (json.dumps(wanted, ensure_ascii=False),)).fetchall()
        return {(r[0], r[1], int(r[2]), r[3], date.fromisoformat(r[4])): int(r[5])
                for r in rows}

    def add_receipt(self, customer_id: int, received_on: date, currency: str,
                    amount_minor: int, method: PaymentMethod, reference: str,
                    reference_key: str, payer_name: str, payer_key: str, recorded_by: int,
                    recorded_at: datetime) -> int:
        cursor = self._conn.execute(
            "INSERT INTO receipts (customer_id, received_on, currency, amount_minor, method, "
            "reference, reference_key, payer_name, payer_key, recorded_by, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (int(customer_id), received_on.isoformat(), currency, int(amount_minor),
             PaymentMethod(method).value, reference, reference_key, payer_name, payer_key,
             int(recorded_by), _utc(recorded_at)))
        return int(cursor.lastrowid)

    def add_allocation(self, receipt_id: int, receivable_id: int, amount_minor: int,
                       allocated_by: int, allocated_at: datetime) -> int:
        cursor = self._conn.execute(
            "INSERT INTO allocations (receipt_id, receivable_id, amount_minor, allocated_by, "
            "allocated_at) VALUES (?, ?, ?, ?, ?)",
            (int(receipt_id), int(receivable_id), int(amount_minor), int(allocated_by),
             _utc(allocated_at)))
        return int(cursor.lastrowid)

    def next_receipt_id(self) -> int:
        """The id the next receipt gets (AUTOINCREMENT: past every id ever used); a batch
        numbers its receipts from it inside the writing transaction."""
        row = self._conn.execute(
            "SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'receipts'), 0), "
            "COALESCE((SELECT max(id) FROM receipts), 0)) + 1").fetchone()
        return int(row[0])

    def add_receipts(self, receipts: Sequence[NewReceipt]) -> None:
        """Receipts numbered by the caller from next_receipt_id, in one statement."""
        self._conn.executemany(
            "INSERT INTO receipts (id, customer_id, received_on, currency, amount_minor, "
            "method, reference, reference_key, payer_name, payer_key, recorded_by, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(int(r.id), int(r.customer_id), c.received_on.isoformat(), c.currency,
              int(c.amount_minor), PaymentMethod(c.method).value, c.reference, c.reference_key,
              c.payer_name, c.payer_key, int(r.recorded_by), _utc(r.recorded_at))
             for r in receipts for c in (r.checked,)])

    def add_allocations(self, parts: Sequence[tuple[int, int, int]], allocated_by: int,
                        allocated_at: datetime) -> None:
        """(receipt id, receivable id, minor units) in order, in one statement; the triggers
        check each row as add_allocation's."""
        at = _utc(allocated_at)
        self._conn.executemany(
            "INSERT INTO allocations (receipt_id, receivable_id, amount_minor, allocated_by, "
            "allocated_at) VALUES (?, ?, ?, ?, ?)",
            [(int(rid), int(rv), int(minor), int(allocated_by), at) for rid, rv, minor in parts])

    def open_balances(self, ids: Sequence[int]) -> list[tuple[int, int, str, OpenItem]]:
        """(id, customer id, currency, open item) of those of the receivables that are open."""
        out: list[tuple[int, int, str, OpenItem]] = []
        wanted = sorted({int(i) for i in ids})
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            out.extend(
                (r[0], r[1], r[2], OpenItem(r[0], date.fromisoformat(r[3]), r[4]))
                for r in self._conn.execute(
                    "SELECT id, customer_id, currency, due_date, open_minor FROM receivables "  # noqa: S608
                    f"WHERE id IN ({', '.join('?' * len(chunk))}) AND open_minor > 0", chunk))
        return out

    def add_reversal(self, receipt_id: int, reason: str, reversed_by: int,
                     reversed_at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO receipt_reversals (receipt_id, reason, reversed_by, reversed_at) "
            "VALUES (?, ?, ?, ?)", (int(receipt_id), reason, int(reversed_by),
                                    _utc(reversed_at)))

    def _receipts(self, where: str, value: int) -> list[Receipt]:
        rows = self._conn.execute(
            "SELECT p.id, p.customer_id, p.received_on, p.currency, p.amount_minor, p.method, "  # noqa: S608
            "p.reference, p.payer_name, p.recorded_by, p.recorded_at, v.reversed_at, v.reason "
            "FROM receipts AS p LEFT JOIN receipt_reversals AS v ON v.receipt_id = p.id "
            f"WHERE p.{where} = ? ORDER BY p.id", (int(value),)).fetchall()
        if not rows:
            return []
        ids = [r[0] for r in rows]
        allocations: dict[int, list[Allocation]] = {i: [] for i in ids}
        currency = {r[0]: r[3] for r in rows}
        for a in self._conn.execute(
                "SELECT id, receipt_id, receivable_id, amount_minor, allocated_by, allocated_at "  # noqa: S608
                f"FROM allocations WHERE receipt_id IN ({', '.join('?' * len(ids))}) "
                "ORDER BY id", ids):
            allocations[a[1]].append(Allocation(
                id=a[0], receipt_id=a[1], receivable_id=a[2],
                amount=from_minor(a[3], currency[a[1]]), allocated_by=a[4],
                allocated_at=datetime.fromisoformat(a[5])))
        refunded = dict(self._conn.execute(
            "SELECT receipt_id, sum(amount_minor) FROM refunds "  # noqa: S608
            f"WHERE receipt_id IN ({', '.join('?' * len(ids))}) GROUP BY receipt_id", ids)
            .fetchall())
        return [Receipt(id=r[0], customer_id=r[1], received_on=date.fromisoformat(r[2]),
                        currency=r[3], amount=from_minor(r[4], r[3]),
                        method=PaymentMethod(r[5]), reference=r[6], payer_name=r[7],
                        recorded_by=r[8], recorded_at=datetime.fromisoformat(r[9]),
                        allocations=tuple(allocations[r[0]]),
                        reversed_at=datetime.fromisoformat(r[10]) if r[10] else None,
                        reversal_reason=r[11] or "",
                        refunded=from_minor(refunded.get(r[0], 0), r[3])) for r in rows]

    def receipt(self, receipt_id: int) -> Receipt | None:
        found = self._receipts("id", receipt_id)
        return found[0] if found else None

    def receipts(self, customer_id: int) -> list[Receipt]:
        return self._receipts("customer_id", customer_id)

    # -- balances and ageing -----------------------------------------------------------------
    def balances(self, customer_id: int, as_of: date) -> list[CustomerBalance]:
        cid = int(customer_id)
        billed = {r[0]: r[1:] for r in self._conn.execute(
            "SELECT currency, sum(amount_minor), sum(allocated_minor), sum(written_off_minor), "
            "sum(open_minor), sum(CASE WHEN due_date < ? THEN open_minor ELSE 0 END) "
            "FROM receivables WHERE customer_id = ? GROUP BY currency",
            (as_of.isoformat(), cid))}
        received = dict(self._conn.execute(
            "SELECT currency, sum(amount_minor) FROM receipts WHERE customer_id = ? "
            "AND id NOT IN (SELECT receipt_id FROM receipt_reversals) "
            "GROUP BY currency", (cid,)).fetchall())
        applied = dict(self._conn.execute(
            "SELECT p.currency, sum(a.amount_minor) FROM allocations AS a "
            "JOIN receipts AS p ON p.id = a.receipt_id WHERE p.customer_id = ? "
            "GROUP BY p.currency", (cid,)).fetchall())
        # Approved refunds pay credit back: it is no longer the customer's money with us.
        refunded = dict(self._conn.execute(
            "SELECT p.currency, sum(f.amount_minor) FROM refunds AS f "
            "JOIN receipts AS p ON p.id = f.receipt_id WHERE p.customer_id = ? "
            "GROUP BY p.currency", (cid,)).fetchall())
        out = []
        for cur in sorted(set(billed) | set(received)):
            amount, allocated, written_off, open_, overdue = billed.get(cur, (0, 0, 0, 0, 0))
            got = received.get(cur, 0)
            out.append(CustomerBalance(
                customer_id=cid, currency=cur, billed=from_minor(amount, cur),
                allocated=from_minor(allocated, cur), written_off=from_minor(written_off, cur),
                open=from_minor(open_, cur), overdue=from_minor(overdue, cur),
                received=from_minor(got, cur),
                credit=from_minor(got - applied.get(cur, 0) - refunded.get(cur, 0), cur)))
        return out

    def ageing(self, scope: Scope, as_of: date, group: AgeingGroup) -> list[AgeingRow]:
        return money_ageing.ageing(self._conn, scope, as_of, group)

