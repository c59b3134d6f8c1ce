"""session.reconciliation on a real vault: a statement that reconciles partly gives the right
counts and records the receipts it proves; the bank's mapping is remembered; a statement with
any bad row, or imported twice, stores nothing; matching and splitting by hand, undoing, and
closing a period; fraud signals; only finance and administrators may use any of it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.audit import AuditFilter
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.money.bank_mapping import BankMapping
from core.money.model import PaymentMethod
from core.money.reconciliation_model import (
    AlreadyImported,
    MatchTarget,
    PeriodNotReconciled,
    StatementRejected,
)
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world
from tests.core.money_support import draft, receivables_of, signed

HEADER = ["交易日期", "收入金额", "支出金额", "对方户名", "交易流水号", "摘要"]
PAYER = "上海明珠贸易有限公司"


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def write(tmp: Path, rows: list[list[str]], name: str = "statement.csv",
          encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path = tmp / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def contract_number(w: World, cid: int) -> str:
    return w.finance.contracts.get(w.finance.user, cid).number


def partly(w: World, tmp: Path) -> tuple[int, Path]:
    """A signed contract (two instalments of 1,130.00), 300.00 recorded by hand as credit, and
    a statement: the hand receipt confirmed, the first instalment paid (the contract number in
    the remark), a stranger's 500.00 unmatched, and 200.00 out."""
    cid = signed(w)
    fin = w.finance
    fin.money.record_receipt(fin.user, w.customer_id, draft("300.00", "HAND-0001"), {})
    number = contract_number(w, cid)
    path = write(tmp, [HEADER,
                       ["2026-01-05", "300.00", "", PAYER, "HAND-0001", ""],
                       ["2026-01-06", "1,130.00", "", PAYER, "BOC-0001", f"货款 {number}"],
                       ["2026-01-07", "500.00", "", "某某个人", "BOC-0002", "转账"],
                       ["2026-01-08", "", "200.00", "房东", "BOC-0003", "房租"]])
    return cid, path


def test_a_statement_that_reconciles_partly(w: World, tmp_path: Path) -> None:
    cid, path = partly(w, tmp_path)
    fin = w.finance
    told: list[tuple[int, int]] = []
    out = fin.reconciliation.import_statement(fin.user, path, "中国银行",
                                              progress=lambda a, b: told.append((a, b)))
    assert (out.lines, out.matched, out.unmatched_lines, out.outgoing, out.differences,
            out.receipts_recorded) == (4, 2, 1, 1, 0, 1)
    assert out.unmatched_instalments == 1 and out.unmatched_receipts == 0
    assert (out.period_from, out.period_to) == (date(2026, 1, 5), date(2026, 1, 8))
    assert told[-1] == (2, 2)
    # The instalment the bank proves paid is paid, by a receipt carrying the bank's reference.
    first, second = receivables_of(fin, cid)
    assert (first.open, second.open) == (Decimal("0.00"), Decimal("1130.00"))
    recorded = [r for r in fin.money.receipts(fin.user, w.customer_id)
                if r.reference == "BOC-0001"]
    assert len(recorded) == 1 and recorded[0].received_on == date(2026, 1, 6)
    assert [(a.receivable_id, a.amount) for a in recorded[0].allocations] == [
        (first.id, Decimal("1130.00"))]
    left = fin.reconciliation.unmatched(fin.user, out.statement_id)
    assert [x.row for x in left.lines] == [4]
    assert [i.id for i in left.instalments] == [str(second.id)] and left.receipts == ()
    admin = w.admin
    actions = {e.action for e in admin.audit.page(admin.user, AuditFilter(action="statement."))}
    assert {"statement.imported", "statement.line_matched", "statement.matched"} <= actions
    assert admin.audit.verify(admin.user).ok


def test_the_same_statement_twice_is_refused(w: World, tmp_path: Path) -> None:
    _cid, path = partly(w, tmp_path)
    fin = w.finance
    first = fin.reconciliation.import_statement(fin.user, path, "中国银行")
    copy = tmp_path / "again.csv"
    copy.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # a BOM and a new name: same lines
    with pytest.raises(AlreadyImported, match=f"statement #{first.statement_id}"):
        fin.reconciliation.import_statement(fin.user, copy, "Bank of China")
    assert [s.id for s in fin.reconciliation.statements(fin.user)] == [first.statement_id]
    refused = w.admin.audit.page(w.admin.user, AuditFilter(action="statement.import_refused"))
    assert len(refused) == 1 and refused[0].outcome == "refused"


def test_the_mapping_is_remembered_per_bank(w: World, tmp_path: Path) -> None:
    fin = w.finance
    rec = fin.reconciliation
    odd = ["日子", "进账", "谁付的"]
    mapping = BankMapping(date="日子", credit="进账", payer_name="谁付的")
    one = write(tmp_path, [odd, ["2026-01-02", "10.00", "甲"]], "one.csv")
    two = write(tmp_path, [odd, ["2026-01-03", "20.00", "乙"]], "two.csv")
    with pytest.raises(StatementRejected):  # nothing to guess from these headers
        rec.import_statement(fin.user, one, "Odd Bank")
    assert rec.bank_mapping(fin.user, "Odd Bank") is None
    assert rec.import_statement(fin.user, one, "Odd Bank", mapping).lines == 1
    assert rec.bank_mapping(fin.user, " odd  BANK ") == mapping
    assert rec.import_statement(fin.user, two, "ODD bank").lines == 1  # reused
    with pytest.raises(StatementRejected):  # another bank knows nothing of it
        rec.import_statement(fin.user, two, "Other Bank")
    # A mapping given replaces the one remembered.
    three = write(tmp_path, [["日子", "金额", "谁付的"], ["2026-01-04", "30.00", "丙"]],
                  "three.csv")
    other = BankMapping(date="日子", amount="金额", payer_name="谁付的")
    rec.import_statement(fin.user, three, "Odd Bank", other)
    assert rec.bank_mapping(fin.user, "Odd Bank") == other


BAD = {
    "wrong encoding": ("交易日期,收入金额\n2026-01-02,5.00\n".encode("utf-16"), "UTF"),
    "missing columns": ("日期,对方户名\n2026-01-02,某公司\n".encode(), "No header row"),
    "unquoted thousands": ("交易日期,收入金额,对方户名\n2026-01-02,8.00,甲\n"
                           "2026-01-03,1,234.00,某公司\n".encode(), "thousands comma"),
    "not an amount": ("交易日期,收入金额,对方户名\n2026-01-02,8.00,甲\n"
                      "2026-01-03,12元5角,某公司\n".encode(), "not an amount"),
    "bad date": ("交易日期,收入金额\n2026-01-03,6.00\n2026-02-31,5.00\n".encode("gbk"),
                 "not a valid date"),
}


@pytest.mark.parametrize("case", list(BAD), ids=str)
def test_a_malformed_statement_is_reported_and_nothing_is_stored(w: World, tmp_path: Path,
                                                                 case: str) -> None:
    data, reason = BAD[case]
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    fin = w.finance
    with pytest.raises(StatementRejected) as info:
        fin.reconciliation.import_statement(fin.user, path, "中国银行")
    err = info.value
    assert reason.casefold() in (str(err) + " ".join(p.reason for p in err.problems)).casefold()
    if err.problems:
        assert err.problems[0].row == 3 and err.rejected == 1
    assert fin.reconciliation.statements(fin.user) == []
    assert fin.reconciliation.bank_mapping(fin.user, "中国银行") is None


def test_full_width_digits_quoted_thousands_and_gbk_are_read_and_negative_is_money_out(
        w: World, tmp_path: Path) -> None:
    fin = w.finance
    path = write(tmp_path, [["交易日期", "收入金额", "对方户名"],
                            ["2026-01-02", "１，２３４．５０", "甲公司"],
                            ["2026-01-03", "1,000.00", "乙公司"],
                            ["2026-01-04", "-30.00", "冲正"]], encoding="gbk")
    out = fin.reconciliation.import_statement(fin.user, path, "工商银行")
    lines = fin.reconciliation.lines(fin.user, out.statement_id)
    assert [x.amount for x in lines] == [Decimal("1234.50"), Decimal("1000.00"),
                                         Decimal("-30.00")]
    assert out.outgoing == 1 and out.unmatched_lines == 2 and out.matched == 0


def test_match_split_and_unmatch_by_hand(w: World, tmp_path: Path) -> None:
    cid = signed(w)
    fin = w.finance
    rec = fin.reconciliation
    first, second = receivables_of(fin, cid)
    path = write(tmp_path, [HEADER, ["2026-01-06", "1500.00", "", "某某个人", "X-1", ""],
                            ["2026-01-07", "760.00", "", "某某个人", "X-2", ""]])
    out = rec.import_statement(fin.user, path, "中国银行")
    assert out.matched == 0 and out.unmatched_lines == 2
    one, two = rec.unmatched(fin.user, out.statement_id).lines
    # A split must add up to the line exactly.
    with pytest.raises(InvalidInput, match="add up"):
        rec.match(fin.user, one.id, [MatchTarget("instalment", first.id, Decimal("1130.00")),
                                     MatchTarget("instalment", second.id, Decimal("300.00"))])
    parts = rec.match(fin.user, one.id, [
        MatchTarget("instalment", first.id, Decimal("1130.00")),
        MatchTarget("instalment", second.id, Decimal("370.00"))])
    assert sorted((p.target_id, p.amount) for p in parts) == [
        (first.id, Decimal("1130.00")), (second.id, Decimal("370.00"))]
    assert [r.open for r in receivables_of(fin, cid)] == [Decimal("0.00"), Decimal("760.00")]
    with pytest.raises(InvalidInput, match="matched already"):
        rec.match(fin.user, one.id, [MatchTarget("instalment", second.id)])
    rec.match(fin.user, two.id, [MatchTarget("instalment", second.id)])
    assert rec.unmatched(fin.user, out.statement_id).lines == ()
    assert [r.open for r in receivables_of(fin, cid)] == [Decimal("0.00"), Decimal("0.00")]
    # Undoing a match reverses the receipt it recorded: the instalment is owed again.
    assert rec.unmatch(fin.user, two.id, "wrong customer") == 1
    assert [r.open for r in receivables_of(fin, cid)] == [Decimal("0.00"), Decimal("760.00")]
    assert [x.id for x in rec.unmatched(fin.user, out.statement_id).lines] == [two.id]
    with pytest.raises(InvalidInput, match="not matched"):
        rec.unmatch(fin.user, two.id)
    with pytest.raises(NotFound):
        rec.match(fin.user, 999_999, [MatchTarget("instalment", second.id)])
    with pytest.raises(InvalidInput, match="No open instalment"):
        rec.match(fin.user, two.id, [MatchTarget("instalment", first.id)])  # paid already


def test_a_line_confirms_a_receipt_recorded_by_hand(w: World, tmp_path: Path) -> None:
    signed(w)
    fin = w.finance
    receipt = fin.money.record_receipt(fin.user, w.customer_id, draft("99.00", "H-7"), {})
    path = write(tmp_path, [HEADER, ["2026-01-09", "99.00", "", "不相干", "Z-1", ""]])
    out = fin.reconciliation.import_statement(fin.user, path, "中国银行")
    line = fin.reconciliation.unmatched(fin.user, out.statement_id).lines[0]
    fin.reconciliation.match(fin.user, line.id, [MatchTarget("receipt", receipt.id)])
    left = fin.reconciliation.unmatched(fin.user, out.statement_id)
    assert left.lines == () and left.receipts == ()
    assert len(fin.money.receipts(fin.user, w.customer_id)) == 1  # nothing recorded twice


def test_closing_a_period(w: World, tmp_path: Path) -> None:
    _cid, path = partly(w, tmp_path)
    fin = w.finance
    rec = fin.reconciliation
    out = rec.import_statement(fin.user, path, "中国银行")
    stranger = rec.unmatched(fin.user, out.statement_id).lines[0]
    rec.close_period(fin.user, date(2026, 1, 6))  # everything up to then is matched
    with pytest.raises(PeriodNotReconciled) as info:
        rec.close_period(fin.user, date(2026, 1, 31))
    assert [x.id for x in info.value.unmatched] == [stranger.id]
    assert f"line {stranger.id}" in str(info.value)
    with pytest.raises(InvalidInput, match="Say why"):
        rec.close_period(fin.user, date(2026, 1, 31), force=True)
    rec.close_period(fin.user, date(2026, 1, 31), force=True, reason="个人转账，待查")
    assert rec.closed_until(fin.user) == date(2026, 1, 31)
    with pytest.raises(InvalidInput, match="closed"):
        rec.unmatch(fin.user, rec.unmatched(fin.user, out.statement_id).lines[0].id)
    with pytest.raises(InvalidInput, match="closed"):
        rec.match(fin.user, stranger.id, [MatchTarget("receipt", 1)])
    late = write(tmp_path, [HEADER, ["2026-01-20", "5.00", "", "甲", "L-1", ""]], "late.csv")
    with pytest.raises(InvalidInput, match="closed"):
        rec.import_statement(fin.user, late, "中国银行")
    assert len(rec.statements(fin.user)) == 1
    with pytest.raises(InvalidInput, match="closed already"):
        rec.close_period(fin.user, date(2026, 1, 10))
    closed = w.admin.audit.page(w.admin.user, AuditFilter(action="period.close"))
    assert [e.action for e in closed] == ["period.closed", "period.close_refused",
                                          "period.closed"]


def test_fraud_signals_are_raised(w: World, tmp_path: Path) -> None:
    cid = signed(w)
    fin = w.finance
    number = contract_number(w, cid)
    fin.money.record_receipt(fin.user, w.customer_id, draft(
        "50000.00", "", method=PaymentMethod.CASH, received_on=date(2026, 1, 6)), {})
    for amount, payer in (("10.00", "别人"), ("20.00", "某人")):  # one reference, two payers
        fin.money.record_receipt(fin.user, w.customer_id, draft(
            amount, "DUP-0009", payer=payer, received_on=date(2026, 1, 6)), {})
    path = write(tmp_path, [HEADER,
                            ["2026-01-06", "1130.00", "", "张三", "BOC-0009", f"货款 {number}"]])
    out = fin.reconciliation.import_statement(fin.user, path, "中国银行")
    codes = {s.code for s in out.signals}
    assert {"duplicate_receipt_reference", "payer_unlike_customer",
            "cash_above_threshold"} <= codes
    assert out.matched == 1
    audited = w.admin.audit.page(w.admin.user, AuditFilter(action="statement.matched"))
    assert {s["code"] for s in audited[0].details["signals"]} == codes


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.AUDITOR, Role.SALES_MANAGER])
def test_other_roles_are_refused_and_audited(w: World, tmp_path: Path, role: Role) -> None:
    _cid, path = partly(w, tmp_path)
    session = {Role.SALES_REP: w.rep, Role.AUDITOR: w.auditor, Role.SALES_MANAGER: w.manager}[
        role]
    rec = session.reconciliation
    calls = [lambda: rec.import_statement(session.user, path, "中国银行"),
             lambda: rec.unmatched(session.user, 1),
             lambda: rec.match(session.user, 1, [MatchTarget("instalment", 1)]),
             lambda: rec.unmatch(session.user, 1),
             lambda: rec.close_period(session.user, date(2026, 1, 1), True, "x"),
             lambda: rec.bank_mapping(session.user, "中国银行")]
    for call in calls:
        with pytest.raises(PermissionDenied, match="bank statements"):
            call()
    denied = w.admin.audit.page(w.admin.user, AuditFilter(action="permission.denied"))
    assert len(denied) == len(calls) and {e.actor_id for e in denied} == {session.user.id}
    assert w.admin.reconciliation.statements(w.admin.user) == []


def test_a_difference_is_flagged_kept_as_credit_and_blocks_closing(w: World,
                                                                   tmp_path: Path) -> None:
    cid = signed(w)
    fin = w.finance
    rec = fin.reconciliation
    first, _second = receivables_of(fin, cid)
    path = write(tmp_path, [HEADER, ["2026-01-06", "1200.00", "", "某某个人", "D-1", ""]])
    out = rec.import_statement(fin.user, path, "中国银行")
    line = rec.unmatched(fin.user, out.statement_id).lines[0]
    [part] = rec.match(fin.user, line.id, [MatchTarget("instalment", first.id)], "多付")
    assert (part.amount, part.difference) == (Decimal("1130.00"), Decimal("70.00"))
    assert receivables_of(fin, cid)[0].open == 0
    [credit] = fin.money.credits(fin.user, w.customer_id)
    assert credit.amount == Decimal("70.00")  # paid more than expected: the customer's credit
    with pytest.raises(PeriodNotReconciled) as info:
        rec.close_period(fin.user, date(2026, 1, 31))
    assert [x.id for x in info.value.differences] == [line.id] and not info.value.unmatched


def test_one_line_confirms_a_receipt_and_pays_an_instalment(w: World, tmp_path: Path) -> None:
    cid = signed(w)
    fin = w.finance
    rec = fin.reconciliation
    first, _second = receivables_of(fin, cid)
    hand = fin.money.record_receipt(fin.user, w.customer_id, draft("100.00", "H-1"), {})
    path = write(tmp_path, [HEADER, ["2026-01-06", "1230.00", "", "某某个人", "M-1", ""]])
    out = rec.import_statement(fin.user, path, "中国银行")
    line = rec.unmatched(fin.user, out.statement_id).lines[0]
    parts = rec.match(fin.user, line.id, [MatchTarget("receipt", hand.id, Decimal("100.00")),
                                          MatchTarget("instalment", first.id,
                                                      Decimal("1130.00"))])
    assert sorted((p.kind, p.amount) for p in parts) == [("instalment", Decimal("1130.00")),
                                                         ("receipt", Decimal("100.00"))]
    assert receivables_of(fin, cid)[0].open == 0
    assert sum(r.amount for r in fin.money.receipts(fin.user, w.customer_id)) == Decimal(
        "1230.00")  # the hand receipt and the one recorded for the instalment


def test_a_cancelled_import_stores_nothing(w: World, tmp_path: Path) -> None:
    from core.customers.importing import ImportCancelled

    _cid, path = partly(w, tmp_path)
    fin = w.finance
    with pytest.raises(ImportCancelled):
        fin.reconciliation.import_statement(fin.user, path, "中国银行", cancelled=lambda: True)
    assert fin.reconciliation.statements(fin.user) == []
    assert fin.reconciliation.bank_mapping(fin.user, "中国银行") is None


@pytest.mark.parametrize("sql", [
    "UPDATE statement_lines SET amount_minor = 1",
    "DELETE FROM statement_lines",
    "DELETE FROM statements",
    "UPDATE statement_matches SET amount_minor = 1",
    "DELETE FROM statement_matches",
    "DELETE FROM closed_periods",
])
def test_the_record_of_what_the_bank_said_cannot_be_edited(w: World, tmp_path: Path,
                                                           sql: str) -> None:
    _cid, path = partly(w, tmp_path)
    fin = w.finance
    fin.reconciliation.import_statement(fin.user, path, "中国银行")
    fin.reconciliation.close_period(fin.user, date(2026, 1, 6))
    with pytest.raises(Exception, match=r"kept|never|stays"), \
            w.admin._store.transaction() as repos:
        repos.reconciliation._conn.execute(sql)  # type: ignore[attr-defined]


def many_instalments(w: World, count: int) -> list[tuple[int, str, Decimal]]:
    """`count` more open instalments on a signed contract, each with its own fapiao number
    (put in through storage: billing them through contracts would take minutes)."""
    from datetime import UTC, datetime

    cid = signed(w)
    with w.admin._store.transaction() as repos:
        repos.money.add_receivables(  # type: ignore[attr-defined]
            cid, w.customer_id, "CNY",
            [(100 + n, date(2026, 1, 1), 10_000 + n, f"第{n}期") for n in range(count)],
            datetime(2026, 1, 1, tzinfo=UTC))
        conn = repos.money._conn  # type: ignore[attr-defined]
        conn.execute("UPDATE receivables SET invoice_number = printf('FP%08d', id) "
                     "WHERE contract_id = ? AND position >= 100", (cid,))
        rows = conn.execute("SELECT id, invoice_number, amount_minor FROM receivables "
                            "WHERE contract_id = ? AND position >= 100 ORDER BY id",
                            (cid,)).fetchall()
    return [(r[0], r[1], Decimal(r[2]).scaleb(-2)) for r in rows]


def test_a_long_statement_is_imported_in_one_transaction_or_not_at_all(
        w: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.money.reconciliation as reconciliation

    count = 2_000
    owed = many_instalments(w, count)
    path = write(tmp_path, [HEADER, *[["2026-01-06", str(amount), "", PAYER, number, "货款"]
                                      for _id, number, amount in owed]])
    fin = w.finance
    rec = fin.reconciliation
    store = rec._store  # type: ignore[attr-defined]
    with store.reader() as repos:
        before = repos.audit.head()

    def broken(*_args: object) -> list[object]:
        raise RuntimeError("disk full")  # the very last step before the commit

    monkeypatch.setattr(reconciliation, "statement_signals", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        rec.import_statement(fin.user, path, "中国银行")
    # Nothing of it stayed: no statement, no receipt, no allocation, no audit entry.
    assert rec.statements(fin.user) == [] and rec.bank_mapping(fin.user, "中国银行") is None
    assert fin.money.receipts(fin.user, w.customer_id) == []
    with w.admin._store.reader() as repos:
        conn = repos.money._conn  # type: ignore[attr-defined]
        assert conn.execute("SELECT count(*) FROM allocations").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM statement_matches").fetchone()[0] == 0
    with store.reader() as repos:
        assert repos.audit.head() == before
    monkeypatch.undo()

    commits: list[int] = []
    real = store.transaction

    def counted() -> object:
        commits.append(1)
        return real()

    monkeypatch.setattr(store, "transaction", counted)
    out = rec.import_statement(fin.user, path, "中国银行")
    monkeypatch.undo()
    assert len(commits) == 1
    assert (out.lines, out.matched, out.receipts_recorded, out.unmatched_lines) == (
        count, count, count, 0)
    with w.admin._store.reader() as repos:
        conn = repos.money._conn  # type: ignore[attr-defined]
        assert conn.execute("SELECT count(*) FROM receivables WHERE position >= 100 "
                            "AND open_minor > 0").fetchone()[0] == 0
    receipts = fin.money.receipts(fin.user, w.customer_id)
    assert sorted(r.reference for r in receipts) == sorted(n for _i, n, _a in owed)
    assert {(r.allocations[0].receivable_id, r.allocations[0].amount) for r in receipts} == {
        (i, a) for i, _n, a in owed}
    recorded = w.admin.audit.page(w.admin.user, AuditFilter(action="receipt.recorded"),
                                  limit=100_000)
    assert len(recorded) == count
    assert w.admin.audit.verify(w.admin.user).ok
