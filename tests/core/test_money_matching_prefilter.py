"""Matching a statement against the instalments its lines can reach (a CandidateSource) gives
exactly what matching against every open instalment gives: for random books, in memory and
through the vault's SQL (storage/match_candidates.py and the indexes of migration 0014), with
the scan caps small enough to bite; and the SQL stand-ins for names.reference_key and
names.normalize_name never leave out a number or a name they should find."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlcipher3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.contracts.money import from_minor, to_minor
from core.money import matching
from core.money.candidates import instalment_days, payer_keys
from core.money.match_model import (
    AmountWant,
    MatchResult,
    NearWant,
    OpenInstalment,
    OpenReceipt,
    PayerRow,
)
from core.money.matching import match_statement
from core.money.names import normalize_name, reference_key
from core.money.statement import StatementLine
from storage import migrate
from storage.match_candidates import SqlCandidates, _odd_name, _ref
from storage.reconciliation_repo import SqlReconciliation

DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NAMES = ["星河数据科技有限公司", "星河数据科技", "(北京)星河数据科技有限公司", "星河数据",
         "Acme Trading Co., Ltd.", "ACME TRADING LIMITED", "The Acme Trading", "acme",
         "有限公司星河", "上海有色金属公司", "王五", "王五公司", "李", "Ａｃｍｅ Trading", "陈艳秀",
         "Acme \u01f0iang", "acme ǰiang"]  # the last two: casefold(NFKC) is not NFKC
REFS = ["HT-2026-001", "ht2026001", "INV 778", "FP0001", "fp-0001", "合同001", "HT/2026/002",
        "ＨＴ2026003", "No.5566", ""]
AMOUNTS = [100_00, 100_50, 101_00, 200_00, 99_00, 300_00, 5_000_00, 5_020_00]


def _results(result: MatchResult) -> tuple[object, ...]:
    return result.matches, result.outgoing, result.suggestions


class MemorySource:
    """What the vault's source returns, by brute force over a list (the definition)."""

    def __init__(self, instalments: Sequence[OpenInstalment]) -> None:
        self.all = [i for i in instalments if self._minor(i) > 0]

    @staticmethod
    def _minor(i: OpenInstalment) -> int:
        return to_minor(i.open_amount, i.currency)

    def by_reference(self, keys: set[str]) -> list[OpenInstalment]:
        return [i for i in self.all if any(reference_key(r) in keys for r in i.references)]

    def by_payer(self, keys: Mapping[str, date | None]) -> list[OpenInstalment]:
        out = []
        for i in self.all:
            mine = payer_keys((i.customer_name, *i.payer_names), i.payer_accounts)
            if any(k in keys and (keys[k] is None or i.due_date <= keys[k])  # type: ignore[operator]
                   for k in mine):
                out.append(i)
        return out

    def payer_rows(self, keys: Mapping[str, date | None]) -> dict[str, list[PayerRow]]:
        out: dict[str, list[PayerRow]] = {}
        for key, until in keys.items():
            fits = self.by_payer({key: until})
            if fits:
                out[key] = [(i.id, i.customer_id, i.due_date, self._minor(i), i.currency)
                            for i in fits]
        return out

    def instalments(self, ids: Sequence[str]) -> list[OpenInstalment]:
        return [i for i in self.all if i.id in set(ids)]

    def by_amount(self, wants: Sequence[AmountWant]) -> list[OpenInstalment]:
        out = []
        for w in wants:
            fits = sorted((i for i in self.all if i.currency == w.currency
                           and self._minor(i) == w.minor
                           and (w.due_from is None or i.due_date >= w.due_from)
                           and (w.due_to is None or i.due_date <= w.due_to)),
                          key=lambda i: (i.due_date, i.id))
            out += fits[:w.limit]
        return out

    def near_amount(self, wants: Sequence[NearWant]) -> tuple[
            list[OpenInstalment], dict[int, list[tuple[int, str]]]]:
        out, scans = [], {}
        for w in wants:
            fits = sorted((i for i in self.all if i.currency == w.currency
                           and w.lo <= self._minor(i) <= w.hi),
                          key=lambda i: (self._minor(i), i.id))[:w.limit]
            near = [i for i in fits if w.due_from <= i.due_date <= w.due_to]
            scans[w.row] = [(self._minor(i), i.id) for i in (fits if w.every else near)]
            out += near
        return out, scans


# -- random books ----------------------------------------------------------------------------
days = st.integers(-20, 20).map(lambda n: DAY + timedelta(days=n))
amounts = st.sampled_from(AMOUNTS).map(lambda m: from_minor(m, "CNY"))


@st.composite
def _instalments(draw: st.DrawFn) -> list[OpenInstalment]:
    out = []
    for n in range(draw(st.integers(0, 30))):
        customer = draw(st.integers(1, 6))
        out.append(OpenInstalment(
            str(n + draw(st.sampled_from([1, 9, 95]))), str(customer),
            NAMES[customer * 2 % len(NAMES)], draw(days),
            draw(st.one_of(amounts, st.just(Decimal("0.00")))),
            draw(st.sampled_from(["CNY", "CNY", "USD"])),
            tuple(draw(st.lists(st.sampled_from(REFS), max_size=2))),
            tuple(draw(st.lists(st.sampled_from(NAMES), max_size=2))),
            tuple(draw(st.lists(st.sampled_from(["6222 0000 1111 2222", "1234"]),
                                max_size=1)))))
    unique = {i.id: i for i in out}
    return list(unique.values())


@st.composite
def _lines(draw: st.DrawFn) -> list[StatementLine]:
    out = []
    for row in range(1, draw(st.integers(1, 15)) + 1):
        base = draw(amounts)
        amount = base + draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("0.50"),
                                              Decimal("-1.00"), Decimal("20.00")]))
        if draw(st.booleans()) and row % 5 == 0:
            amount = -amount
        out.append(StatementLine(
            row, draw(days), amount, draw(st.sampled_from(["CNY", "CNY", "USD"])),
            draw(st.sampled_from(REFS)), draw(st.sampled_from([*NAMES, "陌生人", ""])),
            draw(st.sampled_from(["", "6222000011112222"])),
            "货款 " + " ".join(draw(st.lists(st.sampled_from(REFS), max_size=2)))))
    return out


@st.composite
def _receipts(draw: st.DrawFn) -> list[OpenReceipt]:
    return [OpenReceipt(f"r{n}", str(draw(st.integers(1, 6))), draw(st.sampled_from(NAMES)),
                        draw(days), draw(amounts), "CNY", draw(st.sampled_from(REFS)),
                        draw(st.sampled_from([*NAMES, ""])))
            for n in range(draw(st.integers(0, 4)))]


def _with_cap(cap: int, run):  # type: ignore[no-untyped-def]
    before = matching.MAX_SCAN
    matching.MAX_SCAN = cap
    try:
        return run()
    finally:
        matching.MAX_SCAN = before


@settings(max_examples=100, deadline=None)
@given(_lines(), _receipts(), _instalments(), st.sampled_from([1, 2, 3, 256]))
def test_property_fetched_candidates_match_like_every_instalment(
        lines: list[StatementLine], receipts: list[OpenReceipt],
        instalments: list[OpenInstalment], cap: int) -> None:
    whole = _with_cap(cap, lambda: match_statement(lines, receipts, instalments))
    fetched = _with_cap(cap, lambda: match_statement(lines, receipts, (),
                                                     source=MemorySource(instalments)))
    assert _results(fetched) == _results(whole)
    assert set(fetched.used_instalments) == set(whole.used_instalments)


def test_a_line_only_fetches_what_it_can_reach() -> None:
    far = [OpenInstalment(str(n), "9", "Someone Else", DAY - timedelta(days=300),
                          Decimal("777.00"), "CNY", (f"HT-9-{n}",)) for n in range(50)]
    mine = OpenInstalment("100", "1", "星河数据科技有限公司", DAY, Decimal("100.00"), "CNY",
                          ("HT-2026-001",))
    line = StatementLine(1, DAY, Decimal("100.00"), "CNY", "B1", "星河数据科技", "",
                         "HT-2026-001")
    result = match_statement([line], [], (), source=MemorySource([*far, mine]))
    assert [a.target_id for m in result.matches for a in m.allocations] == ["100"]
    assert [i.id for i in result.instalments] == ["100"]


# -- the SQL stand-ins -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sql() -> sqlcipher3.Connection:
    return sqlcipher3.connect(":memory:")


PIECES = [*"abcAB12 -_/.()[]【】,&'’股有限公司集团星河王ＡＨｔé\u0301ß·", "the ", "有限公司",
          "Co., Ltd."]
text = st.lists(st.sampled_from(PIECES), max_size=10).map("".join)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text)
def test_property_a_regular_name_starts_with_its_key(sql: sqlcipher3.Connection,
                                                     name: str) -> None:
    # As customers.name_key and receipts.payer_key are made from a name.
    name_key = unicodedata.normalize("NFKC", name).casefold()
    payer_key = " ".join(name_key.split())
    key = normalize_name(name)
    for stored in (name_key, payer_key):
        odd = sql.execute(f"SELECT {_odd_name('?1')}", (stored,)).fetchone()[0]
        if not odd and len(key) >= 2:
            assert stored.startswith(key[:4])


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text)
def test_property_a_clean_sql_reference_key_is_the_reference_key(
        sql: sqlcipher3.Connection, number: str) -> None:
    key, clean = sql.execute(f"SELECT {_ref('?1')}, {_ref('?1')} NOT GLOB '*[^A-Z0-9]*'",
                             (number,)).fetchone()
    if clean:
        assert key == reference_key(number)


# -- through the vault's SQL -------------------------------------------------------------------
def _vault(customers: Sequence[str], instalments: Sequence[tuple[int, str, str, int, date]],
           receipts: Sequence[tuple[int, str, bool]]) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(":memory:", isolation_level=None)
    migrate.upgrade(conn)
    stamp = NOW.isoformat()
    conn.execute("INSERT INTO users (id, name, name_key, role, created_at) "
                 "VALUES (1, 'Rep', 'rep', 'sales_rep', ?)", (stamp,))
    for cid, name in enumerate(customers, start=1):
        conn.execute("INSERT INTO customers (id, kind, name, name_key, status, owner_id, "
                     "created_at, updated_at) VALUES (?, 'company', ?, ?, 'active', 1, ?, ?)",
                     (cid, name, unicodedata.normalize("NFKC", name).casefold(), stamp, stamp))
        conn.execute(
            "INSERT INTO contracts (id, number, customer_id, author_id, language, state, title, "
            "currency, net_minor, tax_minor, gross_minor, contract_date, created_at, "
            "updated_at) VALUES (?, ?, ?, 1, 'zh', 'signed', 't', 'CNY', 0, 0, 0, "
            "'2026-01-01', ?, ?)", (cid, REFS[cid % len(REFS)] or f"K{cid}", cid, stamp, stamp))
    for n, (cid, currency, invoice, minor, due) in enumerate(instalments, start=1):
        conn.execute("INSERT INTO receivables (contract_id, position, customer_id, currency, "
                     "amount_minor, open_minor, due_date, invoice_number, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (cid, n, cid, currency, minor, minor, due.isoformat(), invoice, stamp))
    for n, (cid, payer, reversed_) in enumerate(receipts, start=1):
        conn.execute("INSERT INTO receipts (customer_id, received_on, currency, amount_minor, "
                     "method, reference, reference_key, payer_name, payer_key, recorded_by, "
                     "recorded_at) VALUES (?, '2026-01-05', 'CNY', 100, 'bank_transfer', ?, ?, "
                     "?, ?, 1, ?)", (cid, f"R{n}", f"r{n}", payer,
                                     " ".join(unicodedata.normalize("NFKC", payer)
                                              .casefold().split()), stamp))
        if reversed_:
            conn.execute("INSERT INTO receipt_reversals (receipt_id, reason, reversed_by, "
                         "reversed_at) VALUES (?, 'slip', 1, ?)", (n, stamp))
    return conn


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=6),
       st.lists(st.tuples(st.integers(1, 6), st.sampled_from(["CNY", "CNY", "USD"]),
                          st.sampled_from(REFS), st.sampled_from(AMOUNTS), days), max_size=30),
       st.lists(st.tuples(st.integers(1, 6), st.sampled_from(NAMES), st.booleans()),
                max_size=5),
       _lines(), _receipts(), st.sampled_from([1, 2, 256]))
def test_property_the_vault_fetches_what_every_instalment_would_give(
        customers: list[str], instalments: list[tuple[int, str, str, int, date]],
        receipts: list[tuple[int, str, bool]], lines: list[StatementLine],
        unconfirmed: list[OpenReceipt], cap: int) -> None:
    count = len(customers)
    conn = _vault(customers, [(1 + (c - 1) % count, *rest) for c, *rest in instalments],
                  [(1 + (c - 1) % count, *rest) for c, *rest in receipts])
    repo = SqlReconciliation(conn)
    every = repo.open_instalments()
    whole = _with_cap(cap, lambda: match_statement(lines, unconfirmed, every))
    fetched = _with_cap(cap, lambda: match_statement(lines, unconfirmed, (),
                                                     source=repo.candidates()))
    assert _results(fetched) == _results(whole)
    assert repo.open_instalment_count() == len(every)
    by_id = {i.id: i for i in every}
    assert all(by_id[i.id] == i for i in fetched.instalments)


def test_the_vault_reads_indexes_not_the_book() -> None:
    conn = _vault(["星河数据科技有限公司"], [(1, "CNY", "FP0001", 100_00, DAY)], [])
    plans = []
    real = conn.execute

    class Spy:
        def execute(self, sql: str, params: Sequence[object] = ()) -> sqlcipher3.Cursor:
            plans.extend(r[3] for r in real(f"EXPLAIN QUERY PLAN {sql}", params))
            return real(sql, params)

    source = SqlCandidates(Spy())  # type: ignore[arg-type]
    line = StatementLine(1, DAY, Decimal("100.00"), "CNY", "B1", "星河数据科技", "", "FP0001")
    match_statement([line], [], (), source=source)
    source.near_amount([NearWant(1, "CNY", 99_00, 101_00, 256, *instalment_days(
        line, matching.MatchConfig()))])
    source.by_amount([AmountWant("CNY", 100_00, None, None, 256)])
    scans = [p for p in plans if p.startswith("SCAN") and "VIRTUAL TABLE" not in p
             and "(subquery" not in p and "sqlite_master" not in p]
    # Whole-table walks only over partial indexes of the odd few.
    assert all(p.endswith("_odd") for p in scans), scans


def test_a_vault_without_the_new_indexes_still_matches_the_same() -> None:
    """A vault that reached version 14 before these indexes were in it: slower, not wrong."""
    book = [(1, "CNY", "FP-0001", 100_00, DAY), (2, "CNY", "发票0002", 200_00, DAY)]
    names = ["星河数据科技有限公司", "(北京)星河数据科技"]
    lines = [StatementLine(1, DAY, Decimal("100.00"), "CNY", "", "陌生人", "", "FP0001"),
             StatementLine(2, DAY, Decimal("200.00"), "CNY", "", "星河数据科技", "", "")]
    expected = match_statement(lines, [], SqlReconciliation(_vault(names, book, [])
                                                            ).open_instalments())
    conn = _vault(names, book, [])
    for (index,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                 "AND name LIKE '%_odd'").fetchall():
        conn.execute(f"DROP INDEX {index}")
    got = match_statement(lines, [], (), source=SqlReconciliation(conn).candidates())
    assert _results(got) == _results(expected) and len(got.matches) == 2
