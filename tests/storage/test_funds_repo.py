"""storage/funds_repo.py and migration 0012 on a bare database: for any sequence of payments,
write-offs and refunds (Hypothesis) the triggers accept exactly what fits (a write-off up to the
open balance, a refund up to the receipt's unallocated money, no allocation of refunded money)
and billed = received + written off + open holds row by row and per customer; decisions,
effects and limits are append-only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlcipher3
from hypothesis import given, settings
from hypothesis import strategies as st

from core.customers.access import Scope
from core.money.funds_model import FundKind, FundState
from core.money.model import PaymentMethod
from storage import migrate
from storage.funds_repo import SqlCredit, SqlFunds
from storage.money_repo import SqlMoney

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
AMOUNTS = (1000, 2500)  # two instalments, minor units


def _database() -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(":memory:", isolation_level=None)
    migrate.upgrade(conn)
    for uid in (1, 2):
        conn.execute("INSERT INTO users (id, name, name_key, role, created_at) "
                     "VALUES (?, ?, ?, 'finance', ?)", (uid, f"U{uid}", f"u{uid}",
                                                        NOW.isoformat()))
    conn.execute("INSERT INTO customers (id, kind, name, name_key, status, owner_id, "
                 "created_at, updated_at) VALUES (1, 'company', 'C', 'c', 'active', 1, ?, ?)",
                 (NOW.isoformat(), NOW.isoformat()))
    conn.execute(
        "INSERT INTO contracts (id, number, customer_id, author_id, language, state, title, "
        "currency, net_minor, tax_minor, gross_minor, contract_date, created_at, updated_at) "
        "VALUES (1, 'SR-1', 1, 1, 'zh', 'signed', 't', 'CNY', ?, 0, ?, '2030-01-01', ?, ?)",
        (sum(AMOUNTS), sum(AMOUNTS), NOW.isoformat(), NOW.isoformat()))
    SqlMoney(conn).add_receivables(1, 1, "CNY", [(n, date(2030, n, 1), m, "") for n, m in
                                                 enumerate(AMOUNTS, start=1)], NOW)
    return conn


def _request(funds: SqlFunds, kind: FundKind, minor: int, receivable: int | None = None,
             receipt: int | None = None) -> int:
    return funds.add(kind, 1, "CNY", minor, "why", receivable, receipt,
                     "6222" if receipt else "", 1, 1, NOW)


def _try(conn: sqlcipher3.Connection, action: object) -> bool:
    conn.execute("SAVEPOINT op")
    try:
        action()  # type: ignore[operator]
    except sqlcipher3.IntegrityError:
        conn.execute("ROLLBACK TO op")
        conn.execute("RELEASE op")
        return False
    conn.execute("RELEASE op")
    return True


OPS = st.lists(st.tuples(st.sampled_from(["pay", "write_off", "refund"]),
                         st.sampled_from([1, 2]), st.integers(1, 3000)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(OPS)
def test_property_triggers_accept_exactly_what_fits(ops: list[tuple[str, int, int]]) -> None:
    conn = _database()
    money, funds = SqlMoney(conn), SqlFunds(conn)
    open_ = {1: AMOUNTS[0], 2: AMOUNTS[1]}
    left: dict[int, int] = {}  # receipt -> unallocated and not refunded
    for n, (op, target, minor) in enumerate(ops):
        if op == "pay":
            rid = money.add_receipt(1, date(2026, 1, 1), "CNY", minor, PaymentMethod.CASH,
                                    "", "", "", "", 1, NOW)
            part = min(minor, open_[target])
            if part:
                money.add_allocation(rid, target, part, 1, NOW)
                open_[target] -= part
            left[rid] = minor - part
        elif op == "write_off":
            request = _request(funds, FundKind.WRITE_OFF, minor, receivable=target)
            done = _try(conn, lambda r=request, t=target, m=minor: funds.write_off(r, t, m, NOW))
            assert done == (minor <= open_[target])
            if done:
                open_[target] -= minor
        elif left:
            rid = sorted(left)[n % len(left)]
            request = _request(funds, FundKind.REFUND, minor, receipt=rid)
            done = _try(conn, lambda q=request, r=rid, m=minor: funds.refund(q, r, m, "6222",
                                                                            NOW))
            assert done == (minor <= left[rid])
            if done:
                left[rid] -= minor
            assert funds.refundable_minor(rid) == left[rid]
            if done and open_[1] > left[rid]:
                # Refunded money can no longer be allocated (the receipt itself has room).
                assert not _try(conn, lambda r=rid: money.add_allocation(r, 1, left[r] + 1, 1,
                                                                         NOW))
    for rid, row in ((1, money.receivable(1)), (2, money.receivable(2))):
        assert row is not None
        assert row.amount == row.allocated + row.written_off + row.open
        assert int(row.open * 100) == open_[rid]
    (balance,) = money.balances(1, date(2030, 6, 1))
    assert balance.billed == balance.allocated + balance.written_off + balance.open


def test_decisions_and_effects_are_append_only_and_a_decided_request_is_final() -> None:
    conn = _database()
    funds = SqlFunds(conn)
    request = _request(funds, FundKind.WRITE_OFF, 100, receivable=1)
    funds.add_decision(request, 2, "approved", "", NOW)
    funds.set_state(request, FundState.APPROVED, NOW)
    funds.write_off(request, 1, 100, NOW)
    for sql in ("UPDATE fund_decisions SET comment = 'x'", "DELETE FROM fund_decisions",
                "UPDATE write_offs SET amount_minor = 1", "DELETE FROM write_offs",
                "UPDATE fund_requests SET state = 'pending'",
                "UPDATE fund_requests SET amount_minor = 1", "DELETE FROM fund_requests"):
        with pytest.raises(sqlcipher3.IntegrityError):
            conn.execute(sql)
    with pytest.raises(sqlcipher3.IntegrityError, match="no longer pending"):
        funds.add_decision(request, 1, "cancelled", "", NOW)
    with pytest.raises(sqlcipher3.IntegrityError):  # one effect per request
        funds.write_off(request, 1, 1, NOW)


def test_credit_limits_are_append_only_and_available_credit_counts_exposure() -> None:
    conn = _database()
    credit = SqlCredit(conn)
    assert credit.available_credit(1, "CNY") is None and credit.rating(1) is None
    first = credit.add_limit(1, "CNY", 10000, "first", "B", date(2027, 1, 1), 1, NOW)
    credit.decide(first.id, "approved", 2, "", NOW)
    second = credit.add_limit(1, "CNY", 5000, "second", "C", date(2027, 1, 1), 1, NOW)
    assert credit.rating(1) == "B" and credit.limit(1, "CNY") == credit.proposal(first.id)
    assert [p.id for p in credit.pending(Scope(everyone=True))] == [second.id]
    with pytest.raises(sqlcipher3.IntegrityError, match="proposes"):
        credit.decide(second.id, "approved", 1, "", NOW)  # by its proposer
    credit.decide(second.id, "approved", 2, "", NOW)
    with pytest.raises(sqlcipher3.IntegrityError):  # decided once
        credit.decide(second.id, "rejected", 2, "", NOW)
    # 3,500 minor open; an approved contract of 700 more.
    conn.execute(
        "INSERT INTO contracts (id, number, customer_id, author_id, language, state, title, "
        "currency, net_minor, tax_minor, gross_minor, contract_date, created_at, updated_at) "
        "VALUES (2, 'SR-2', 1, 1, 'zh', 'approved', 't', 'CNY', 700, 0, 700, '2030-01-01', "
        "?, ?)", (NOW.isoformat(), NOW.isoformat()))
    assert str(credit.available_credit(1, "CNY")) == "8.00"  # 50.00 - 35.00 - 7.00
    # A customer held to a CNY limit has no credit in USD (nothing open there): not "no
    # limit known", which would let a contract written in USD go unheld.
    assert credit.rating(1) == "C" and credit.available_credit(1, "USD") == 0
    assert credit.available_credit(2, "USD") is None  # no limit at all
    (status,) = credit.in_force(Scope(everyone=True))
    assert status.over is False and str(status.limit.limit) == "50.00"
    assert credit.in_force(Scope(owners=frozenset({2}))) == []
    with pytest.raises(sqlcipher3.IntegrityError):
        conn.execute("UPDATE credit_limits SET limit_minor = 0")
    with pytest.raises(sqlcipher3.IntegrityError):
        conn.execute("DELETE FROM credit_limits")


def test_a_refunded_receipt_cannot_be_reversed() -> None:
    conn = _database()
    money, funds = SqlMoney(conn), SqlFunds(conn)
    rid = money.add_receipt(1, date(2026, 1, 1), "CNY", 500, PaymentMethod.CASH, "", "", "",
                            "", 1, NOW)
    funds.refund(_request(funds, FundKind.REFUND, 100, receipt=rid), rid, 100, "6222", NOW)
    assert funds.refundable_minor(rid) == 400 and funds.refunded_minor(1, "CNY") == 100
    with pytest.raises(sqlcipher3.IntegrityError, match="refund"):
        money.add_reversal(rid, "wrong", 1, NOW)
