"""Demo money: for the signed demo contracts (core/demo_contracts.py), the receipts finance
recorded by hand (on time, late, partial, by cheque and by transfer), credit limits proposed by
the manager and approved by finance, and a bank statement of the last weeks that reconciles
partly, as 招商银行 would export it (GBK, its preamble, its columns).

The story, all relative to today (the demo contracts were signed about a year ago, so every
instalment is due already):
- customer A (rep) paid its completed contract in full, the first instalment of its active one,
  then only part of the second (30,000 and later 5,000 of 55,370): over 90 days overdue; the
  first instalment of its terminated contract was paid 12 days ago, the second is 42 days
  overdue. Its limit (150,000) leaves it within credit.
- customer B (王芳) paid its first instalment and not the second: overdue, and over the limit
  of 20,000 finance approved after it went overdue.
- customer C (王芳, an approved contract not yet signed) has a limit proposed, awaiting
  finance.
- the rep noted a collection call to A with a promise to pay part next week; everything
  overdue more than 30 days is escalated to the manager.
- two fund requests wait for finance: a write-off of 0.37 on B, and the refund of an 8,000
  prepayment to the bank account A's record was changed to just before (fraud warnings:
  account changed before a refund, refund to an account that never paid; the prepayment's
  payer is unlike A).
- the statement confirms two of the receipts (by bank serial, by amount and payer), pays A's
  overdue terminated instalment (amount and payer) and part of B's (its contract number in
  the remark, flagged as a difference); bank interest, a payer nobody knows and two payments
  out match nothing.

Each approval re-checks the approver's password with the vault's Argon2 (about half a second
with real parameters): two here (PASSWORD_CHECKS)."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from core.contracts.model import Contract
from core.customers.collected import as_draft
from core.customers.interactions import InteractionKind
from core.customers.model import BANK_ACCOUNT
from core.demo_contracts import COMPANY
from core.money.funds_model import FundDraft, FundKind
from core.money.model import PaymentMethod, ReceiptDraft, Receivable, ReceivableFilter
from core.session import Session
from core.users import User

PASSWORD_CHECKS = 2  # approvals of credit limits, each one Argon2 run
BANK = "招商银行"
OWN_ACCOUNT = "1219 0887 6610 501"
OPENING_BALANCE = Decimal("386420.15")
HEADER = ("交易日期", "交易时间", "收入金额", "支出金额", "余额", "币种", "对方户名", "对方账号",
          "摘要", "交易流水号")


@dataclass(frozen=True)
class StatementRow:
    """One line of the demo bank statement: money in (`credit`) or out (`debit`)."""

    day: date
    time: str
    credit: Decimal
    debit: Decimal
    payer: str
    account: str
    summary: str
    serial: str


@dataclass(frozen=True)
class DemoMoney:
    receipts: int  # recorded by hand
    limits: int  # proposed (approved or pending)
    statement: tuple[StatementRow, ...]


@dataclass(frozen=True)
class _Signed:
    contract: Contract
    instalments: tuple[Receivable, ...]  # by position


def add_demo_money(session: Session, users: Mapping[str, User], passwords: Mapping[str, str],
                   contract_ids: Sequence[int]) -> DemoMoney:
    """Receipts, credit limits and the rows of a bank statement for the demo contracts
    `contract_ids` (those add_demo_contracts made), in the admin's `session`."""
    admin, finance, manager = session.user, users["finance"], users["manager"]
    by_state: dict[str, Contract] = {}
    for contract_id in contract_ids:
        contract = session.contracts.get(admin, contract_id)
        by_state[contract.state] = contract
    signed = {state: _instalments(session, finance, by_state[state])
              for state in ("active", "completed", "terminated", "signed")}
    today = session.money.today()
    receipts, statement = _receipts(session, finance, signed, today)
    limits = _credit(session, manager, finance, passwords, signed, by_state["approved"], today)
    _collection(session, users["rep"], signed["active"], today)
    _fund_requests(session, manager, finance, signed, today)
    return DemoMoney(receipts=receipts, limits=limits, statement=statement)


def _fund_requests(session: Session, manager: User, finance: User,
                   signed: Mapping[str, _Signed], today: date) -> None:
    """Two requests waiting for finance: a write-off of B's rounding difference, and a refund
    of a prepayment A made (paid by someone whose name is not A's) to the bank account A's
    record was changed to two days ago: the refund's fraud warnings show beside it."""
    b = signed["signed"]
    overdue = b.instalments[1]
    session.funds.request(manager, FundDraft(
        FundKind.WRITE_OFF, b.contract.customer_id, Decimal("0.37"), "尾差，客户财务确认无法支付",
        receivable_id=overdue.id))
    a_id = signed["active"].contract.customer_id
    prepaid = session.money.record_receipt(finance, a_id, ReceiptDraft(
        today - timedelta(days=3), Decimal("8000.00"), PaymentMethod.BANK_TRANSFER,
        _serial(today - timedelta(days=3), 201), "王建国"), {})
    view = session.customers.get(session.user, a_id)
    base = as_draft(view.customer)
    new_account = "6217000012345678901"
    session.customers.update(session.user, a_id, dataclasses.replace(
        base, sensitive={**base.sensitive, BANK_ACCOUNT: new_account}), view.version)
    session.funds.request(manager, FundDraft(
        FundKind.REFUND, a_id, Decimal("8000.00"), "客户称为误付预付款，要求退回到新账户",
        receipt_id=prepaid.id, destination=new_account))


def _collection(session: Session, rep: User, active: _Signed, today: date) -> None:
    """The rep called A about its overdue instalment and got a promise for next week; the
    instalments overdue past the setting are escalated to the manager."""
    overdue = active.instalments[1]
    session.collection.add_note(
        rep, active.contract.customer_id, [overdue.id], InteractionKind.CALL,
        "电话催收第2期尾款：对方财务称资金周转困难，承诺下周先付 10,000 元。",
        promised_on=today + timedelta(days=7), promised_amount=Decimal("10000.00"))
    session.collection.escalate(session.user, today)


def _instalments(session: Session, finance: User, contract: Contract) -> _Signed:
    rows = session.money.receivables(finance, ReceivableFilter(contract_id=contract.id,
                                                                open_only=False))
    return _Signed(contract, tuple(sorted(rows, key=lambda r: r.position)))


def _serial(day: date, n: int) -> str:
    return f"K{day:%Y%m%d}{n:07d}C"


def _account(customer_id: int) -> str:
    return f"31050161373600{customer_id:05d}"


def _receipts(session: Session, finance: User, signed: Mapping[str, _Signed],
              today: date) -> tuple[int, tuple[StatementRow, ...]]:
    """The receipts finance recorded by hand, oldest first, each allocated to the instalment
    it pays; returns how many, and the statement rows that follow from them."""
    active, completed = signed["active"], signed["completed"]
    terminated, b = signed["terminated"], signed["signed"]
    a_name = active.instalments[0].customer_name
    b_name = b.instalments[0].customer_name
    a_id, b_id = active.contract.customer_id, b.contract.customer_id
    late = _serial(today - timedelta(days=12), 118)
    slip = f"HD{today - timedelta(days=21):%Y%m%d}-0031"
    payments: list[tuple[int, Receivable, int, Decimal, PaymentMethod, str, str]] = [
        # (customer, instalment, days after its due date, amount, method, reference, payer)
        (a_id, completed.instalments[0], 2, completed.instalments[0].amount,
         PaymentMethod.CHEQUE, "支票 10203344", a_name),
        (a_id, active.instalments[0], 4, active.instalments[0].amount,
         PaymentMethod.BANK_TRANSFER, "银行回单 0065127", a_name),
        (a_id, completed.instalments[1], 4, completed.instalments[1].amount,
         PaymentMethod.BANK_TRANSFER, "银行回单 0071830", a_name),
        (b_id, b.instalments[0], 7, b.instalments[0].amount, PaymentMethod.BANK_TRANSFER,
         "HSBC-FT-20881", b_name),
        # the second instalment of the active contract: part now, a little more much later
        (a_id, active.instalments[1], 7, Decimal("30000.00"), PaymentMethod.BANK_TRANSFER,
         "银行回单 0079944", a_name),
    ]
    recent = [
        (a_id, active.instalments[1], today - timedelta(days=20), Decimal("5000.00"), slip),
        (a_id, terminated.instalments[0], today - timedelta(days=12),
         terminated.instalments[0].amount, late),
    ]
    for customer_id, instalment, after, amount, method, reference, payer in payments:
        _pay(session, finance, customer_id, instalment, instalment.due + timedelta(days=after),
             amount, method, reference, payer)
    for customer_id, instalment, day, amount, reference in recent:
        _pay(session, finance, customer_id, instalment, day, amount,
             PaymentMethod.BANK_TRANSFER, reference, a_name)
    contract_b = b.contract.number
    rows = [
        # the transfer behind the slip finance typed in: matched by amount and payer
        StatementRow(today - timedelta(days=19), "10:14:22", Decimal("5000.00"), Decimal(0),
                     a_name, _account(a_id), "货款", _serial(today - timedelta(days=19), 87)),
        StatementRow(today - timedelta(days=16), "09:02:51", Decimal(0), Decimal("20000.00"),
                     "上海张江物业管理有限公司", "31001520310050012345", "11月房租",
                     _serial(today - timedelta(days=16), 93)),
        # the late payment finance recorded with the bank's serial: matched by reference
        StatementRow(today - timedelta(days=12), "14:40:05", terminated.instalments[0].amount,
                     Decimal(0), a_name, _account(a_id), "培训费", late),
        StatementRow(today - timedelta(days=9), "11:27:36", Decimal("8800.00"), Decimal(0),
                     "深圳市恒泰电子有限公司", "44201500100052877001", "货款",
                     _serial(today - timedelta(days=9), 131)),
        # part of B's overdue instalment, its contract number in the remark
        StatementRow(today - timedelta(days=8), "16:05:48", Decimal("10000.00"), Decimal(0),
                     b_name, _account(b_id), f"Payment contract {contract_b} part",
                     _serial(today - timedelta(days=8), 140)),
        # A's overdue terminated instalment, nobody recorded it: amount and payer
        StatementRow(today - timedelta(days=5), "10:51:19", terminated.instalments[1].amount,
                     Decimal(0), a_name, _account(a_id), "培训合同第2期",
                     _serial(today - timedelta(days=5), 152)),
        StatementRow(today - timedelta(days=3), "00:00:00", Decimal(0), Decimal("15.00"),
                     "", "", "跨行汇款手续费", _serial(today - timedelta(days=3), 160)),
        StatementRow(today - timedelta(days=2), "00:00:00", Decimal("12.37"), Decimal(0),
                     "招商银行股份有限公司上海张江支行", "", "结息",
                     _serial(today - timedelta(days=2), 171)),
    ]
    return len(payments) + len(recent), tuple(rows)


def _pay(session: Session, finance: User, customer_id: int, instalment: Receivable, day: date,
         amount: Decimal, method: PaymentMethod, reference: str, payer: str) -> None:
    # Never after yesterday: a receipt cannot be dated in the future, whatever the time zone.
    day = min(day, session.money.today() - timedelta(days=1))
    session.money.record_receipt(
        finance, customer_id, ReceiptDraft(day, amount, method, reference, payer),
        {instalment.id: amount})


def _credit(session: Session, manager: User, finance: User, passwords: Mapping[str, str],
            signed: Mapping[str, _Signed], approved: Contract, today: date) -> int:
    """A's limit leaves it within credit; B's, lowered after its instalment went overdue, is
    below what it owes; C's is proposed and waits for finance."""
    a = signed["active"].contract.customer_id
    b = signed["signed"].contract.customer_id
    c = approved.customer_id
    session.credit.set_profile(manager, a, today - timedelta(days=4400), Decimal("5000000"))
    session.credit.set_profile(manager, b, today - timedelta(days=1900), Decimal("1000000"))
    approved = ((a, Decimal("150000"), "老客户，合作三年，年度授信"),
                (b, Decimal("20000"), "第2期逾期未付，额度下调至2万元，待回款后复核"))
    assert len(approved) <= PASSWORD_CHECKS
    for customer_id, amount, reason in approved:
        limit = session.credit.set_limit(manager, customer_id, amount, reason)
        session.credit.approve_limit(finance, limit.id, passwords[finance.name], "同意")
    session.credit.set_limit(manager, c, Decimal("100000"),
                             "终端采购合同已审批，按合同金额申请授信")
    return len(approved) + 1


# -- the statement file ----------------------------------------------------------------------
def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}" if amount else ""


def statement_csv(rows: Sequence[StatementRow]) -> str:
    """The statement as 招商银行's online banking exports it: the account and period above the
    header row, a running balance, a totals row at the end."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    first, last = min(r.day for r in rows), max(r.day for r in rows)
    writer.writerow(["招商银行账户交易明细"])
    writer.writerow([f"账号：{OWN_ACCOUNT}", f"户名：{COMPANY.name}"])
    writer.writerow([f"起始日期：{first:%Y-%m-%d}", f"终止日期：{last:%Y-%m-%d}", "币种：人民币"])
    writer.writerow([])
    writer.writerow(HEADER)
    balance = OPENING_BALANCE
    for row in sorted(rows, key=lambda r: (r.day, r.time)):
        balance += row.credit - row.debit
        writer.writerow([f"{row.day:%Y-%m-%d}", row.time, _money(row.credit),
                         _money(row.debit), f"{balance:,.2f}", "人民币", row.payer,
                         row.account, row.summary, row.serial])
    writer.writerow(["合计", "", _money(sum((r.credit for r in rows), Decimal(0))),
                     _money(sum((r.debit for r in rows), Decimal(0))), "", "", "", "", "", ""])
    return out.getvalue()


def write_statement(path: Path, rows: Sequence[StatementRow]) -> None:
    """Write the demo statement to `path` in GBK (GB18030 for a name outside it), as a Chinese
    bank's CSV export comes."""
    Path(path).write_bytes(statement_csv(rows).encode("gb18030"))
