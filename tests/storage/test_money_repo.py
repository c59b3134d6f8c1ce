"""storage/money_repo.py and migration 0010 on a bare database: the SQL ageing equals the pure
rules for any data and any date (Hypothesis), balances keep billed = received + written off +
open and received = allocated + credit, the triggers refuse what the service never does (paying
more than is open or than was received, another customer's instalment, changing or deleting
receipts and allocations), duplicates hit the unique index, the scope limits every query, ageing
reads the covering index, and contracts signed before version 10 owe their schedules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlcipher3
from hypothesis import given, settings
from hypothesis import strategies as st

from core.customers.access import Scope
from core.money.ageing import age
from core.money.allocation import oldest_first
from core.money.model import AgeingGroup, PaymentMethod, ReceivableFilter
from storage import migrate
from storage.money_repo import SqlMoney

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DAY = date(2030, 1, 1)


def _database(target: int | None = None) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(":memory:", isolation_level=None)
    migrate.upgrade(conn, target)
    for uid, name in ((1, "Rep One"), (2, "Rep Two")):
        conn.execute("INSERT INTO users (id, name, name_key, role, created_at) "
                     "VALUES (?, ?, ?, 'sales_rep', ?)", (uid, name, name.lower(),
                                                          NOW.isoformat()))
    return conn


def _customer(conn: sqlcipher3.Connection, cid: int, owner: int) -> None:
    conn.execute("INSERT INTO customers (id, kind, name, name_key, status, owner_id, "
                 "created_at, updated_at) VALUES (?, 'company', ?, ?, 'active', ?, ?, ?)",
                 (cid, f"Customer {cid}", f"customer {cid:04d}", owner, NOW.isoformat(),
                  NOW.isoformat()))


def _contract(conn: sqlcipher3.Connection, kid: int, customer: int, currency: str = "CNY",
              state: str = "signed", instalments: tuple[tuple[str, int], ...] = ()) -> None:
    gross = sum(m for _d, m in instalments)
    conn.execute(
        "INSERT INTO contracts (id, number, customer_id, author_id, language, state, title, "
        "currency, net_minor, tax_minor, gross_minor, contract_date, created_at, updated_at) "
        "VALUES (?, ?, ?, 1, 'zh', 'draft', 't', ?, ?, 0, ?, '2030-01-01', ?, ?)",
        (kid, f"SR-2030-{kid:06d}", customer, currency, gross, gross, NOW.isoformat(),
         NOW.isoformat()))
    conn.executemany("INSERT INTO contract_instalments (contract_id, position, due_date, "
                     "amount_minor) VALUES (?, ?, ?, ?)",
                     [(kid, n, d, m) for n, (d, m) in enumerate(instalments, start=1)])
    conn.execute("UPDATE contracts SET state = ? WHERE id = ?", (state, kid))


@pytest.fixture
def conn() -> sqlcipher3.Connection:
    db = _database()
    _customer(db, 1, 1)
    _customer(db, 2, 2)
    _contract(db, 1, 1)
    _contract(db, 2, 2)
    return db


def _bill(money: SqlMoney, contract: int, customer: int, *amounts: int,
          currency: str = "CNY") -> list[int]:
    money.add_receivables(contract, customer, currency,
                          [(n, DAY + timedelta(days=30 * n), m, f"#{n}")
                           for n, m in enumerate(amounts, start=1)], NOW)
    return [r.receivable_id for r in money.open_items(customer, currency)]


def _receipt(money: SqlMoney, customer: int, minor: int, ref: str = "R1",
             currency: str = "CNY") -> int:
    return money.add_receipt(customer, DAY, currency, minor, PaymentMethod.BANK_TRANSFER, ref,
                             ref.lower(), "Payer", "payer", 1, NOW)


def test_allocations_move_the_open_balance_and_balances_add_up(conn: sqlcipher3.Connection
                                                               ) -> None:
    money = SqlMoney(conn)
    first, second = _bill(money, 1, 1, 1000, 500)
    receipt = _receipt(money, 1, 1200)
    money.add_allocation(receipt, first, 1000, 1, NOW)
    money.add_allocation(receipt, second, 100, 1, NOW)
    assert [i.open_minor for i in money.open_items(1, "CNY")] == [400]
    [balance] = money.balances(1, DAY + timedelta(days=365))
    assert (balance.billed, balance.allocated, balance.written_off, balance.open) == (
        15, 11, 0, 4)
    assert (balance.received, balance.credit, balance.overdue) == (12, 1, 4)
    stored = money.receipt(receipt)
    assert stored is not None and [a.amount for a in stored.allocations] == [10, 1]
    assert money.receivable(first).open == 0  # type: ignore[union-attr]


@pytest.mark.parametrize("statement, words", [
    ("UPDATE receipts SET amount_minor = 1", "append-only"),
    ("DELETE FROM receipts", "append-only"),
    ("UPDATE allocations SET amount_minor = 1", "append-only"),
    ("DELETE FROM allocations", "append-only"),
    ("DELETE FROM receivables", "cannot be deleted"),
    ("UPDATE receivables SET amount_minor = 1", "cannot be changed"),
    ("UPDATE receivables SET due_date = '2099-01-01'", "cannot be changed"),
    ("UPDATE receivables SET customer_id = 2", "cannot be changed"),
    ("UPDATE receivables SET open_minor = 0", "CHECK"),
])
def test_the_ledger_cannot_be_rewritten(conn: sqlcipher3.Connection, statement: str,
                                        words: str) -> None:
    money = SqlMoney(conn)
    [item] = _bill(money, 1, 1, 1000)
    money.add_allocation(_receipt(money, 1, 100), item, 100, 1, NOW)
    with pytest.raises(sqlcipher3.DatabaseError, match=words):
        conn.execute(statement)


def test_the_database_refuses_over_allocation_and_cross_customer_payment(
        conn: sqlcipher3.Connection) -> None:
    money = SqlMoney(conn)
    [mine] = _bill(money, 1, 1, 1000)
    [theirs] = _bill(money, 2, 2, 1000)
    receipt = _receipt(money, 1, 5000)
    with pytest.raises(sqlcipher3.DatabaseError, match="CHECK"):
        money.add_allocation(receipt, mine, 1001, 1, NOW)  # more than is open
    with pytest.raises(sqlcipher3.DatabaseError, match="own customer"):
        money.add_allocation(receipt, theirs, 10, 1, NOW)
    small = _receipt(money, 1, 50, ref="R2")
    with pytest.raises(sqlcipher3.DatabaseError, match="exceed the receipt"):
        money.add_allocation(small, mine, 51, 1, NOW)
    usd = _receipt(money, 1, 50, ref="R3", currency="USD")
    with pytest.raises(sqlcipher3.DatabaseError, match="own customer"):
        money.add_allocation(usd, mine, 10, 1, NOW)
    with pytest.raises(sqlcipher3.DatabaseError, match="CHECK"):
        _receipt(money, 1, 0, ref="R4")
    with pytest.raises(sqlcipher3.DatabaseError, match="CHECK"):
        _receipt(money, 1, -5, ref="R5")
    assert money.open_items(1, "CNY")[0].open_minor == 1000


def test_a_duplicate_receipt_is_found_unless_it_was_reversed(conn: sqlcipher3.Connection
                                                              ) -> None:
    money = SqlMoney(conn)
    first = _receipt(money, 1, 500, ref="BOC-1")
    assert money.find_duplicate("payer", "boc-1", 500, "CNY", DAY) == first
    assert money.find_duplicate("payer", "boc-1", 501, "CNY", DAY) is None
    assert money.find_duplicate("other", "boc-1", 500, "CNY", DAY) is None
    assert money.find_duplicate("payer", "boc-1", 500, "USD", DAY) is None
    assert money.find_duplicate("payer", "boc-1", 500, "CNY", DAY + timedelta(1)) is None
    assert money.find_duplicate("payer", "", 500, "CNY", DAY) is None
    money.add_reversal(first, "entered for the wrong customer", 1, NOW)
    assert money.find_duplicate("payer", "boc-1", 500, "CNY", DAY) is None
    again = _receipt(money, 2, 500, ref="BOC-1")
    assert money.find_duplicate("payer", "boc-1", 500, "CNY", DAY) == again


def test_a_reversal_undoes_allocations_and_is_final(conn: sqlcipher3.Connection) -> None:
    money = SqlMoney(conn)
    first, second = _bill(money, 1, 1, 1000, 500)
    receipt = _receipt(money, 1, 1200)
    money.add_allocation(receipt, first, 1000, 1, NOW)
    money.add_allocation(receipt, second, 100, 1, NOW)
    other = _receipt(money, 1, 50, ref="R2")
    money.add_allocation(other, second, 50, 1, NOW)
    # A reversing allocation undoes at most what this receipt gave that instalment: the
    # other receipt's 50 cannot be taken with it.
    with pytest.raises(sqlcipher3.DatabaseError, match="cannot exceed what it reverses"):
        money.add_allocation(receipt, second, -150, 1, NOW)
    money.add_allocation(receipt, first, -1000, 1, NOW)
    money.add_allocation(receipt, second, -100, 1, NOW)
    money.add_reversal(receipt, "typed twice", 1, NOW)
    assert [i.open_minor for i in money.open_items(1, "CNY")] == [1000, 450]
    [balance] = money.balances(1, DAY)
    assert (balance.received, balance.allocated, balance.credit) == (
        Decimal("0.50"), Decimal("0.50"), Decimal("0.00"))
    stored = money.receipt(receipt)
    assert stored is not None and stored.reversed and stored.reversal_reason == "typed twice"
    assert stored.unallocated == 0 and stored.allocated == 0
    with pytest.raises(sqlcipher3.DatabaseError, match="reversed receipt cannot be allocated"):
        money.add_allocation(receipt, first, 10, 1, NOW)
    for statement in ("UPDATE receipt_reversals SET reason = 'x'", "DELETE FROM receipt_reversals"):
        with pytest.raises(sqlcipher3.DatabaseError, match="final"):
            conn.execute(statement)
    with pytest.raises(sqlcipher3.DatabaseError):
        money.add_reversal(receipt, "again", 1, NOW)  # one reversal per receipt
    with pytest.raises(sqlcipher3.DatabaseError, match="CHECK"):
        money.add_reversal(other, "", 1, NOW)


def test_every_query_keeps_to_the_scope(conn: sqlcipher3.Connection) -> None:
    money = SqlMoney(conn)
    _bill(money, 1, 1, 100, 200)
    _bill(money, 2, 2, 300)
    conn.execute("INSERT INTO customer_shares (customer_id, user_id) VALUES (2, 1)")
    one = Scope(owners=frozenset({1}))
    shared = Scope(owners=frozenset({1}), shared_with=1)
    nobody = Scope()
    everyone = Scope(everyone=True)
    flt = ReceivableFilter(open_only=False)
    assert {r.customer_id for r in money.receivables(one, flt, None, 100)} == {1}
    assert {r.customer_id for r in money.receivables(shared, flt, None, 100)} == {1, 2}
    assert money.receivables(nobody, flt, None, 100) == []
    assert money.receivables(one, ReceivableFilter(customer_id=2), None, 100) == []
    for group in AgeingGroup:
        assert money.ageing(nobody, DAY, group) == []
        assert {r.open for r in money.ageing(one, DAY, group)} == {3}
        assert sum(r.open for r in money.ageing(shared, DAY, group)) == 6
        assert sum(r.open for r in money.ageing(everyone, DAY, group)) == 6


def test_keyset_pages_cover_every_row_once(conn: sqlcipher3.Connection) -> None:
    money = SqlMoney(conn)
    money.add_receivables(1, 1, "CNY", [(n, DAY + timedelta(days=n % 4), 10 + n, "")
                                        for n in range(1, 24)], NOW)
    seen = []
    after = None
    everyone = Scope(everyone=True)
    while True:
        page = money.receivables(everyone, ReceivableFilter(), after, 5)
        if not page:
            break
        seen += page
        from core.money.model import ReceivableCursor

        after = ReceivableCursor(page[-1].due, page[-1].id)
    assert len(seen) == 23 == len({r.id for r in seen})
    assert [(r.due, r.id) for r in seen] == sorted((r.due, r.id) for r in seen)


class _Recording:
    """A connection that remembers the statements a repository runs."""

    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self.conn = conn
        self.seen: list[tuple[str, Any]] = []

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.seen.append((sql, params))
        return self.conn.execute(sql, params)


@pytest.mark.parametrize("group", list(AgeingGroup))
def test_ageing_reads_the_covering_index_not_the_table(conn: sqlcipher3.Connection,
                                                       group: AgeingGroup) -> None:
    """The benchmark's shape (1M instalments): one aggregate over the open rows' entries of a
    covering index; no walk of the table, no temporary sort for the grouping."""
    recording = _Recording(conn)
    money = SqlMoney(conn)
    _bill(money, 1, 1, 100)
    SqlMoney(recording).ageing(Scope(everyone=True), DAY, group)  # type: ignore[arg-type]
    [(sql, params)] = recording.seen
    plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    if group == AgeingGroup.TOTAL:
        # Everyone's total: five index ranges per currency, nothing scanned or grouped.
        reads = [row[3] for row in plan if " r " in f" {row[3]} "]
        assert len(reads) == 5 and all(
            d.startswith("SEARCH r USING COVERING INDEX receivables_open_currency (currency=?")
            for d in reads), plan
        assert not any("TEMP B-TREE FOR GROUP BY" in row[3] for row in plan), plan
        return
    [routine] = [row[0] for row in plan if row[3].startswith("CO-ROUTINE")]
    over_instalments = [row[3] for row in plan if row[1] == routine]
    assert over_instalments == ["SCAN r USING COVERING INDEX receivables_open_customer"], plan
    assert sum(str(row[3]).startswith("SCAN") for row in plan) == 2, plan  # r, then a


@st.composite
def _book(draw: st.DrawFn) -> tuple[list[tuple[int, str, int, int]], list[tuple[int, str, int]],
                                    date]:
    days = st.integers(-400, 400)
    receivables = draw(st.lists(st.tuples(st.sampled_from([1, 2, 3]),
                                          st.sampled_from(["CNY", "USD", "JPY"]), days,
                                          st.integers(1, 10**9)), max_size=25))
    receipts = draw(st.lists(st.tuples(st.sampled_from([1, 2, 3]),
                                       st.sampled_from(["CNY", "USD"]),
                                       st.integers(1, 2 * 10**9)), max_size=10))
    return receivables, receipts, DAY + timedelta(days=draw(days))


@settings(max_examples=60, deadline=None)
@given(_book())
def test_property_sql_ageing_and_balances_match_the_rules(book: tuple[
        list[tuple[int, str, int, int]], list[tuple[int, str, int]], date]) -> None:
    receivables, receipts, as_of = book
    conn = _database()
    for cid, owner in ((1, 1), (2, 2), (3, 1)):
        _customer(conn, cid, owner)
        _contract(conn, cid, cid)
    money = SqlMoney(conn)
    for n, (cid, cur, offset, minor) in enumerate(receivables, start=1):
        money.add_receivables(cid, cid, cur, [(n, DAY + timedelta(days=offset), minor, "")],
                              NOW)
    for n, (cid, cur, minor) in enumerate(receipts, start=1):
        rid = _receipt(money, cid, minor, ref=f"R{n}", currency=cur)
        plan = oldest_first(money.open_items(cid, cur), minor)
        for item_id, part in plan.parts:
            money.add_allocation(rid, item_id, part, 1, NOW)
    everyone = Scope(everyone=True)
    for cid in (1, 2, 3):
        for balance in money.balances(cid, as_of):
            assert balance.billed == balance.allocated + balance.written_off + balance.open
            assert balance.received == balance.allocated + balance.credit
            assert balance.credit >= 0 and balance.open >= 0
    # Open rows as the rules see them, against each SQL grouping.
    rows = conn.execute("SELECT r.customer_id, c.owner_id, r.currency, r.due_date, "
                        "r.open_minor FROM receivables AS r JOIN customers AS c "
                        "ON c.id = r.customer_id").fetchall()
    from core.contracts.money import from_minor

    def expected(key_of: int) -> dict[tuple[int | None, str], tuple[object, ...]]:
        groups: dict[tuple[int | None, str], list[tuple[date, int]]] = {}
        for row in rows:
            if row[4] > 0:
                key = None if key_of < 0 else row[key_of]
                groups.setdefault((key, row[2]), []).append((date.fromisoformat(row[3]),
                                                             row[4]))
        return {k: tuple(from_minor(b, k[1]) for b in age(v, as_of)) for k, v in groups.items()}

    for group, key_of in ((AgeingGroup.CUSTOMER, 0), (AgeingGroup.REP, 1),
                          (AgeingGroup.TOTAL, -1)):
        got = {(r.key, r.currency): r.buckets for r in money.ageing(everyone, as_of, group)}
        assert got == expected(key_of), group
        for r in money.ageing(everyone, as_of, group):
            open_total = sum(row[4] for row in rows if row[2] == r.currency
                             and (key_of < 0 or row[key_of] == r.key))
            assert r.open == from_minor(open_total, r.currency)
    conn.close()


def test_contracts_signed_before_version_10_owe_their_schedules() -> None:
    conn = _database(target=9)
    _customer(conn, 1, 1)
    _contract(conn, 1, 1, instalments=(("2030-01-10", 113000), ("2030-02-10", 113000)))
    _contract(conn, 2, 1, state="approved", instalments=(("2030-01-10", 5000),))
    _contract(conn, 3, 1, state="terminated", instalments=(("2030-03-01", 700),))
    migrate.upgrade(conn)
    rows = conn.execute("SELECT contract_id, position, due_date, amount_minor, open_minor "
                        "FROM receivables ORDER BY id").fetchall()
    assert rows == [(1, 1, "2030-01-10", 113000, 113000), (1, 2, "2030-02-10", 113000, 113000),
                    (3, 1, "2030-03-01", 700, 700)]
