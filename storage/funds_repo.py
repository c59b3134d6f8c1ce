"""Fund requests with their decisions and effects, credit profiles and limits (migration 0012).

SqlCredit is also the contracts' CreditSource: available credit = the limit in force minus
the exposure (open receivables plus approved contracts not signed yet)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlcipher3

from core.contracts.money import MINOR_UNITS, from_minor
from core.customers.access import Scope
from core.money.credit import PaymentRecord
from core.money.credit_model import CreditLimit, CreditProfile, Exposure, LimitStatus
from core.money.funds_model import FundDecision, FundKind, FundRequest, FundState
from storage.customer_sql import Clause, scope_clause


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


_REQUEST = ("SELECT f.id, f.kind, f.customer_id, f.currency, f.amount_minor, f.reason, "
            "f.receivable_id, f.receipt_id, f.destination, f.approvals_needed, f.state, "
            "f.requested_by, f.requested_at, f.decided_at, "
            "(SELECT u.name FROM users AS u WHERE u.id = f.requested_by), "
            "(SELECT c.name FROM customers AS c WHERE c.id = f.customer_id), "
            "(SELECT c.anonymised FROM customers AS c WHERE c.id = f.customer_id) "
            "FROM fund_requests AS f")


class SqlFunds:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def add(self, kind: FundKind, customer_id: int, currency: str, amount_minor: int,
            reason: str, receivable_id: int | None, receipt_id: int | None, destination: str,
            approvals_needed: int, requested_by: int, at: datetime) -> int:
        cursor = self._conn.execute(
            "INSERT INTO fund_requests (kind, customer_id, currency, amount_minor, reason, "
            "receivable_id, receipt_id, destination, approvals_needed, requested_by, "
            "requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (FundKind(kind).value, int(customer_id), currency, int(amount_minor), reason,
             receivable_id, receipt_id, destination, int(approvals_needed), int(requested_by),
             _utc(at)))
        return int(cursor.lastrowid)

    def _requests(self, rows: list[tuple[Any, ...]]) -> list[FundRequest]:
        if not rows:
            return []
        ids = [r[0] for r in rows]
        decisions: dict[int, list[FundDecision]] = {i: [] for i in ids}
        for d in self._conn.execute(
                "SELECT d.request_id, d.actor_id, u.name, d.decision, d.comment, "  # noqa: S608
                "d.decided_at FROM fund_decisions AS d JOIN users AS u ON u.id = d.actor_id "
                f"WHERE d.request_id IN ({', '.join('?' * len(ids))}) ORDER BY d.id", ids):
            decisions[d[0]].append(FundDecision(d[1], d[2], d[3], d[4],
                                                datetime.fromisoformat(d[5])))
        return [FundRequest(
            id=r[0], kind=FundKind(r[1]), customer_id=r[2], currency=r[3],
            amount=from_minor(r[4], r[3]), reason=r[5], receivable_id=r[6], receipt_id=r[7],
            destination=r[8], approvals_needed=r[9], state=FundState(r[10]),
            requested_by=r[11], requested_at=datetime.fromisoformat(r[12]),
            decided_at=_time(r[13]), decisions=tuple(decisions[r[0]]),
            requested_by_name=r[14] or "", customer_name=r[15] or "",
            customer_anonymised=bool(r[16])) for r in rows]

    def get(self, request_id: int) -> FundRequest | None:
        found = self._requests(self._conn.execute(f"{_REQUEST} WHERE f.id = ?",
                                                  (int(request_id),)).fetchall())
        return found[0] if found else None

    def page(self, scope: Scope, state: FundState | None, customer_id: int | None,
             limit: int) -> list[FundRequest]:
        if scope.empty:
            return []
        where = Clause()
        if not scope.everyone:
            inner = scope_clause(scope)
            where.add(f"f.customer_id IN (SELECT c.id FROM customers AS c "  # noqa: S608
                      f"WHERE {inner.sql()})", *inner.params)
        if state is not None:
            where.add("f.state = ?", FundState(state).value)
        if customer_id is not None:
            where.add("f.customer_id = ?", int(customer_id))
        return self._requests(self._conn.execute(
            f"{_REQUEST} WHERE {where.sql()} ORDER BY f.id DESC LIMIT ?",
            (*where.params, int(limit))).fetchall())

    def add_decision(self, request_id: int, actor_id: int, decision: str, comment: str,
                     at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO fund_decisions (request_id, actor_id, decision, comment, decided_at) "
            "VALUES (?, ?, ?, ?, ?)", (int(request_id), int(actor_id), decision, comment,
                                       _utc(at)))

    def set_state(self, request_id: int, state: FundState, at: datetime) -> None:
        self._conn.execute("UPDATE fund_requests SET state = ?, decided_at = ? WHERE id = ?",
                           (FundState(state).value, _utc(at), int(request_id)))

    def write_off(self, request_id: int, receivable_id: int, amount_minor: int,
                  at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO write_offs (request_id, receivable_id, amount_minor, applied_at) "
            "VALUES (?, ?, ?, ?)", (int(request_id), int(receivable_id), int(amount_minor),
                                    _utc(at)))

    def provide(self, request_id: int, receivable_id: int, amount_minor: int,
                at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO provisions (request_id, receivable_id, amount_minor, applied_at) "
            "VALUES (?, ?, ?, ?)", (int(request_id), int(receivable_id), int(amount_minor),
                                    _utc(at)))

    def refund(self, request_id: int, receipt_id: int, amount_minor: int, destination: str,
               at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO refunds (request_id, receipt_id, amount_minor, destination, "
            "applied_at) VALUES (?, ?, ?, ?, ?)", (int(request_id), int(receipt_id),
                                                   int(amount_minor), destination, _utc(at)))

    def refundable_minor(self, receipt_id: int) -> int:
        row = self._conn.execute(
            "SELECT p.amount_minor - (SELECT COALESCE(sum(a.amount_minor), 0) FROM allocations "
            "AS a WHERE a.receipt_id = p.id) - (SELECT COALESCE(sum(f.amount_minor), 0) FROM "
            "refunds AS f WHERE f.receipt_id = p.id), EXISTS (SELECT 1 FROM receipt_reversals "
            "AS v WHERE v.receipt_id = p.id) FROM receipts AS p WHERE p.id = ?",
            (int(receipt_id),)).fetchone()
        return 0 if row is None or row[1] else max(0, int(row[0]))

    def provided_minor(self, receivable_id: int) -> int:
        row = self._conn.execute(
            "SELECT COALESCE(sum(amount_minor), 0) FROM provisions WHERE receivable_id = ?",
            (int(receivable_id),)).fetchone()
        return int(row[0])

    def recent_minor(self, kind: FundKind, customer_id: int, currency: str,
                     since: datetime) -> int:
        """What the customer's pending and approved requests of this kind and currency made
        since then add up to."""
        row = self._conn.execute(
            "SELECT COALESCE(sum(amount_minor), 0) FROM fund_requests WHERE kind = ? AND "
            "customer_id = ? AND currency = ? AND state IN ('pending', 'approved') AND "
            "requested_at >= ?", (FundKind(kind).value, int(customer_id), currency,
                                  _utc(since))).fetchone()
        return int(row[0])

    def refunded_minor(self, customer_id: int, currency: str) -> int:
        row = self._conn.execute(
            "SELECT COALESCE(sum(f.amount_minor), 0) FROM refunds AS f JOIN receipts AS p "
            "ON p.id = f.receipt_id WHERE p.customer_id = ? AND p.currency = ?",
            (int(customer_id), currency)).fetchone()
        return int(row[0])


_LIMIT = ("SELECT l.id, l.customer_id, l.currency, l.limit_minor, l.reason, l.rating, "
          "l.review_on, l.set_by, l.set_at, COALESCE(d.decision, 'pending'), d.decided_by, "
          "d.decided_at, COALESCE(d.comment, ''), "
          "(SELECT u.name FROM users AS u WHERE u.id = l.set_by), "
          "(SELECT u.name FROM users AS u WHERE u.id = d.decided_by) FROM credit_limits AS l "
          "LEFT JOIN credit_limit_decisions AS d ON d.limit_id = l.id")
_LIMIT_COLUMNS = 15


def _limit(r: tuple[Any, ...]) -> CreditLimit:
    return CreditLimit(id=r[0], customer_id=r[1], currency=r[2],
                       limit=from_minor(r[3], r[2]), reason=r[4], rating=r[5],
                       review_on=date.fromisoformat(r[6]), set_by=r[7],
                       set_at=datetime.fromisoformat(r[8]), state=r[9], decided_by=r[10],
                       decided_at=_time(r[11]), comment=r[12], set_by_name=r[13] or "",
                       decided_by_name=r[14] or "")


# The newest approved limit per customer and currency.
_APPROVED = ("SELECT max(m.id) FROM credit_limits AS m JOIN credit_limit_decisions AS a "
             "ON a.limit_id = m.id AND a.decision = 'approved' ")
_IN_FORCE = (f"l.id = ({_APPROVED} "
             "WHERE m.customer_id = l.customer_id AND m.currency = l.currency)")


class SqlCredit:
    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn

    def profile(self, customer_id: int) -> CreditProfile | None:
        row = self._conn.execute(
            "SELECT customer_id, established_on, registered_capital_minor, capital_currency "
            "FROM credit_profiles WHERE customer_id = ?", (int(customer_id),)).fetchone()
        if row is None:
            return None
        return CreditProfile(row[0], date.fromisoformat(row[1]) if row[1] else None,
                             None if row[2] is None else from_minor(row[2], row[3]))

    def set_profile(self, customer_id: int, established_on: date | None,
                    capital_minor: int | None, by: int, at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO credit_profiles (customer_id, established_on, "
            "registered_capital_minor, capital_currency, updated_by, updated_at) "
            "VALUES (?, ?, ?, 'CNY', ?, ?) ON CONFLICT (customer_id) DO UPDATE SET "
            "established_on = excluded.established_on, registered_capital_minor = "
            "excluded.registered_capital_minor, updated_by = excluded.updated_by, "
            "updated_at = excluded.updated_at",
            (int(customer_id), established_on.isoformat() if established_on else None,
             capital_minor, int(by), _utc(at)))

    def limit(self, customer_id: int, currency: str) -> CreditLimit | None:
        row = self._conn.execute(
            f"{_LIMIT} WHERE l.id = ({_APPROVED} WHERE m.customer_id = ? "
            "AND m.currency = ?)", (int(customer_id), currency)).fetchone()
        return _limit(row) if row else None

    def proposal(self, limit_id: int) -> CreditLimit | None:
        row = self._conn.execute(f"{_LIMIT} WHERE l.id = ?", (int(limit_id),)).fetchone()
        return _limit(row) if row else None

    def newest(self, customer_id: int, currency: str) -> CreditLimit | None:
        row = self._conn.execute(
            f"{_LIMIT} WHERE l.customer_id = ? AND l.currency = ? ORDER BY l.id DESC LIMIT 1",
            (int(customer_id), currency)).fetchone()
        return _limit(row) if row else None

    def pending(self, scope: Scope) -> list[CreditLimit]:
        if scope.empty:
            return []
        where = Clause().add("d.limit_id IS NULL")
        if not scope.everyone:
            inner = scope_clause(scope)
            where.add(f"l.customer_id IN (SELECT c.id FROM customers AS c "  # noqa: S608
                      f"WHERE {inner.sql()})", *inner.params)
        return [_limit(r) for r in self._conn.execute(
            f"{_LIMIT} WHERE {where.sql()} ORDER BY l.id", where.params)]

    def decide(self, limit_id: int, decision: str, by: int, comment: str,
               at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO credit_limit_decisions (limit_id, decision, decided_by, comment, "
            "decided_at) VALUES (?, ?, ?, ?, ?)", (int(limit_id), decision, int(by), comment,
                                                   _utc(at)))

    def limits(self, customer_id: int) -> list[CreditLimit]:
        return [_limit(r) for r in self._conn.execute(
            f"{_LIMIT} WHERE l.customer_id = ? ORDER BY l.id DESC", (int(customer_id),))]

    def add_limit(self, customer_id: int, currency: str, limit_minor: int, reason: str,
                  rating: str, review_on: date, by: int, at: datetime) -> CreditLimit:
        cursor = self._conn.execute(
            "INSERT INTO credit_limits (customer_id, currency, limit_minor, reason, rating, "
            "review_on, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (int(customer_id), currency, int(limit_minor), reason, rating,
             review_on.isoformat(), int(by), _utc(at)))
        found = self.proposal(int(cursor.lastrowid))
        assert found is not None
        return found

    def _exposure_minor(self, customer_id: int, currency: str) -> tuple[int, int]:
        row = self._conn.execute(
            "SELECT (SELECT COALESCE(sum(open_minor), 0) FROM receivables "
            "WHERE customer_id = :c AND currency = :k AND open_minor > 0), "
            "(SELECT COALESCE(sum(gross_minor), 0) FROM contracts "
            "WHERE customer_id = :c AND currency = :k AND state = 'approved')",
            {"c": int(customer_id), "k": currency}).fetchone()
        return int(row[0]), int(row[1])

    def exposure(self, customer_id: int, currency: str) -> Exposure:
        open_minor, approved = self._exposure_minor(customer_id, currency)
        return Exposure(int(customer_id), currency, from_minor(open_minor, currency),
                        from_minor(approved, currency))

    def payment_records(self, customer_id: int, currency: str) -> list[PaymentRecord]:
        # Settled when nothing is open: on the later of the last day money came for it
        # (receipts not reversed) and the day the rest was written off.
        rows = self._conn.execute(
            "SELECT r.due_date, r.open_minor, "
            "(SELECT max(p.received_on) FROM allocations AS a JOIN receipts AS p "
            " ON p.id = a.receipt_id WHERE a.receivable_id = r.id AND a.amount_minor > 0 "
            " AND p.id NOT IN (SELECT receipt_id FROM receipt_reversals)), "
            "(SELECT max(substr(w.applied_at, 1, 10)) FROM write_offs AS w "
            " WHERE w.receivable_id = r.id) "
            "FROM receivables AS r WHERE r.customer_id = ? AND r.currency = ? "
            "ORDER BY r.due_date, r.id", (int(customer_id), currency)).fetchall()
        out = []
        for due, open_minor, paid, written in rows:
            settled = None
            if open_minor == 0:
                settled = date.fromisoformat(max((d for d in (paid, written) if d),
                                                 default=due))
            out.append(PaymentRecord(date.fromisoformat(due), settled))
        return out

    def in_force(self, scope: Scope) -> list[LimitStatus]:
        if scope.empty:
            return []
        where = Clause().add(_IN_FORCE)
        if not scope.everyone:
            where.extend(scope_clause(scope))
        rows = self._conn.execute(
            f"{_LIMIT.replace(' FROM credit_limits', ', c.name FROM credit_limits', 1)} "
            f"JOIN customers AS c ON c.id = l.customer_id WHERE {where.sql()} "
            "ORDER BY c.name, l.currency", where.params).fetchall()
        return [LimitStatus(_limit(r[:_LIMIT_COLUMNS]), r[_LIMIT_COLUMNS],
                            self.exposure(r[1], r[2])) for r in rows]

    # -- the contracts' CreditSource ---------------------------------------------------------
    def available_credit(self, customer_id: int, currency: str) -> Decimal | None:
        code = (currency or "").strip().upper()
        if code not in MINOR_UNITS:
            return None
        found = self.limit(customer_id, code)
        if found is None:
            # Credit is granted per currency. A customer held to a limit in another currency
            # has none in this one: a contract written in it is held (nothing available), not
            # waved through as "no limit known".
            other = self._conn.execute(
                "SELECT 1 FROM credit_limits AS l WHERE l.customer_id = ? "  # noqa: S608
                f"AND {_IN_FORCE} LIMIT 1", (int(customer_id),)).fetchone()
            if other is None:
                return None
            return Decimal(0) - self.exposure(customer_id, code).total
        return found.limit - self.exposure(customer_id, code).total

    def rating(self, customer_id: int) -> str | None:
        row = self._conn.execute(
            "SELECT l.rating FROM credit_limits AS l JOIN credit_limit_decisions AS d "
            "ON d.limit_id = l.id AND d.decision = 'approved' WHERE l.customer_id = ? "
            "AND l.rating <> '' ORDER BY l.id DESC LIMIT 1", (int(customer_id),)).fetchone()
        return row[0] if row else None
