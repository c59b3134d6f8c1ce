"""The demo vault's money: receipts and a partial payment for the signed demo contracts, an
overdue customer in the ageing, a customer over the credit limit finance approved (never the
manager who proposed it), and the bank statement `demo --statement` writes, which a Chinese
bank's export looks like and which reconciles only partly."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from cli import run_cli
from core.auth import Authenticator
from core.demo import DEMO_USERS
from core.demo_money import BANK, PASSWORD_CHECKS
from core.money.model import Receivable, ReceivableFilter
from core.money.statement import read_statement
from core.passwords import PasswordRules
from core.roles import Role
from core.session import Session
from tests.conftest import make_authenticator

PASSWORDS = {u.name: u.password for u in DEMO_USERS}
Demo = tuple[Authenticator, Path, Path]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, rules: PasswordRules) -> Iterator[Demo]:
    """The demo vault and its statement, made once (cheap KDF) the way a user makes them:
    `demo --vault DIR --statement OUT.csv`."""
    auth = make_authenticator(rules)
    folder = tmp_path_factory.mktemp("demo-money")
    vault, statement = folder / "vault", folder / "statement.csv"
    code = run_cli(["demo", "--vault", str(vault), "--statement", str(statement)],
                   lambda **_kw: auth)
    assert code == 0
    yield auth, vault, statement
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def finance(demo: Demo) -> Iterator[Session]:
    auth, vault, _statement = demo
    session = auth.login(vault, "finance", PASSWORDS["finance"])
    yield session
    session.close()


def _all_receivables(session: Session) -> list[Receivable]:
    return session.money.receivables(session.user, ReceivableFilter(open_only=False), limit=500)


def test_signed_contracts_have_receipts_and_a_partial_payment(finance: Session) -> None:
    rows = _all_receivables(finance)
    assert rows, "the signed demo contracts are billed"
    paid = [r for r in rows if r.open == 0]
    partly = [r for r in rows if 0 < r.allocated < r.amount]
    assert paid and partly
    for row in rows:  # billed = allocated + written off + open, on every instalment
        assert row.amount == row.allocated + row.written_off + row.open
    customers = {r.customer_id for r in rows}
    receipts = [p for c in customers for p in finance.money.receipts(finance.user, c)]
    assert len(receipts) >= 5
    assert len({p.method for p in receipts}) >= 2  # not only bank transfers
    assert all(not p.reversed for p in receipts)
    # Every receipt pays instalments but one prepayment, whose refund waits for approval.
    (credit,) = [p for p in receipts if p.unallocated]
    assert credit.unallocated == Decimal("8000.00") and credit.payer_name == "王建国"
    today = finance.money.today()
    assert all(p.received_on <= today for p in receipts)


def test_ageing_shows_an_overdue_customer(finance: Session) -> None:
    report = finance.money.ageing(finance.user)
    (total,) = report.total
    overdue = sum(total.buckets[1:], Decimal(0))
    assert overdue > 0
    open_total = sum((r.open for r in _all_receivables(finance)), Decimal(0))
    assert total.open == open_total  # buckets sum to the open balance
    late = [row for row in report.by_customer if sum(row.buckets[1:], Decimal(0)) > 0]
    assert late
    balance = finance.money.customer_balance(finance.user, late[0].key)
    assert balance[0].overdue > 0
    assert finance.money.receivables(
        finance.user, ReceivableFilter(overdue_on=finance.money.today()))


def test_collection_has_a_promise_and_escalations_for_the_manager(demo: Demo) -> None:
    auth, vault, _statement = demo
    manager = auth.login(vault, "manager", PASSWORDS["manager"])
    try:
        escalated = manager.collection.escalated(manager.user)
        assert escalated and all(r.days_overdue(manager.collection.today()) > 30
                                 for r in escalated)
        states = manager.collection.chase_states(manager.user, escalated)
        promised = [s for s in states.values() if s.promised_on is not None]
        assert len(promised) == 1 and promised[0].promised_on > manager.collection.today()
        (note,) = manager.collection.notes(manager.user, escalated[0].customer_id)
        assert note.kind == "call" and note.promised_amount == Decimal("10000.00")
    finally:
        manager.close()


def test_fund_requests_wait_for_finance_with_the_refunds_warnings(finance: Session) -> None:
    waiting = finance.funds.awaiting(finance.user)
    assert sorted(r.kind.value for r in waiting) == ["refund", "write_off"]
    (refund,) = [r for r in waiting if r.kind.value == "refund"]
    codes = {s.code for s in finance.funds.warnings(finance.user, refund.id)}
    assert codes == {"account_changed_before_refund", "refund_to_other_account"}
    watched = {s.code for s in finance.fraud.signals(finance.user)}
    assert "payer_unlike_customer" in watched


def test_a_customer_is_over_the_limit_finance_approved(finance: Session, demo: Demo) -> None:
    over = finance.credit.over_limit(finance.user)
    assert len(over) == 1
    status = over[0]
    assert status.exposure.total > status.limit.limit > 0
    owed = finance.money.customer_balance(finance.user, status.limit.customer_id)
    assert owed[0].overdue > 0  # the limit was lowered after an instalment went overdue
    auth, vault, _statement = demo
    admin = auth.login(vault, "admin", PASSWORDS["admin"])
    try:
        roles = {u.id: u.role for u in admin.accounts.list_users(admin.user)}
        customers = {r.customer_id for r in _all_receivables(admin)}
        customers |= {p.customer_id for p in admin.credit.pending_limits(admin.user)}
        limits = [lim for c in customers for lim in admin.credit.limits(admin.user, c)]
    finally:
        admin.close()
    approved = [lim for lim in limits if lim.state == "approved"]
    assert 0 < len(approved) <= PASSWORD_CHECKS
    for limit in approved:
        assert roles[limit.set_by] == Role.SALES_MANAGER
        assert roles[limit.decided_by] == Role.FINANCE
        assert limit.decided_by != limit.set_by
    in_force = finance.credit.reviews_due(finance.user, within_days=400)  # reviewed yearly
    within = [s for s in in_force if not s.over]
    assert within, "another customer is within its limit"
    assert finance.credit.pending_limits(finance.user), "a proposal waits for finance"


def test_the_statement_looks_like_a_chinese_bank_export(demo: Demo) -> None:
    _auth, _vault, path = demo
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # GBK, as the bank exports it
    text = raw.decode("gb18030")
    headers = ("交易日期", "收入金额", "支出金额", "对方户名", "对方账号", "摘要", "交易流水号")
    assert all(h in text for h in headers)
    statement = read_statement(path)
    assert statement.ok, statement.problems or statement.file_problems
    assert statement.header_row > 1  # below the bank's preamble
    assert statement.skipped  # the totals row is not a transaction
    assert any(line.amount < 0 for line in statement.lines)


def test_the_statement_reconciles_partly_and_the_audit_chain_holds(finance: Session,
                                                                   demo: Demo) -> None:
    path = demo[2]
    before = finance.credit.over_limit(finance.user)
    out = finance.reconciliation.import_statement(finance.user, path, BANK)
    assert out.lines == 8
    assert out.matched == 4  # by bank serial, by amount and payer (twice), by contract number
    assert out.unmatched_lines == 2  # bank interest and a payer nobody knows
    assert out.outgoing == 2
    assert out.differences == 1  # a partial payment against its contract
    assert out.receipts_recorded == 2
    assert not out.signals
    rules = {m.rule for line in finance.reconciliation.lines(finance.user, out.statement_id)
             for m in finance.reconciliation.matches(finance.user, line.id)}
    assert {"reference", "payer"} <= rules
    # still a story to tell after the import: overdue money and the customer over its limit
    (total,) = finance.money.ageing(finance.user).total
    assert sum(total.buckets[1:], Decimal(0)) > 0
    assert [s.limit.customer_id for s in finance.credit.over_limit(finance.user)] == [
        s.limit.customer_id for s in before]
    auth, vault, _path = demo
    admin = auth.login(vault, "admin", PASSWORDS["admin"])
    try:
        assert admin.audit.verify(admin.user).ok
    finally:
        admin.close()


def test_demo_refuses_a_statement_path_inside_the_vault_or_over_a_file(
        tmp_path: Path, rules: PasswordRules) -> None:
    auth = make_authenticator(rules)
    vault = tmp_path / "vault"
    existing = tmp_path / "mine.csv"
    existing.write_text("keep me", encoding="utf-8")
    for target in (vault / "statement.csv", existing, tmp_path / "no-such-dir" / "s.csv"):
        code = run_cli(["demo", "--vault", str(vault), "--statement", str(target)],
                       lambda **_kw: auth)
        assert code == 2
        assert not vault.exists()  # refused before anything was made
    assert existing.read_text(encoding="utf-8") == "keep me"
