"""Refund fraud signals from the vault's own history: a bank account changed on the customer
form shortly before a refund, and a refund to an account the customer never paid from. They
are warnings shown to the approvers and recorded with the request and the approval; they
never block, and they never print an account number in full."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from core.audit import AuditFilter
from core.customers.collected import as_draft
from core.customers.model import BANK_ACCOUNT
from core.money.funds_model import FundDraft, FundKind, FundState
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world
from tests.core.money_support import draft, receivables_of, signed
from tests.core.test_reconciliation import HEADER, PAYER, contract_number, write

OLD_ACCOUNT = "6222 0210 0000 1111"
NEW_ACCOUNT = "6217 0000 9999 4242"


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def _set_account(w: World, account: str) -> None:
    admin = w.admin
    view = admin.customers.get(admin.user, w.customer_id)
    base = as_draft(view.customer)
    admin.customers.update(admin.user, w.customer_id, dataclasses.replace(
        base, sensitive={**base.sensitive, BANK_ACCOUNT: account}), view.version)


def _refund(w: World, receipt_id: int, amount: str, to: str) -> FundDraft:
    return FundDraft(FundKind.REFUND, w.customer_id, Decimal(amount), "多付退回",
                     receipt_id=receipt_id, destination=to)


def _credit_receipt(w: World) -> int:
    signed(w)
    fin = w.finance
    return fin.money.record_receipt(fin.user, w.customer_id, draft("2500.00")).id


def test_an_account_changed_just_before_a_refund_to_it_is_flagged(w: World) -> None:
    receipt_id = _credit_receipt(w)
    _set_account(w, OLD_ACCOUNT)
    _set_account(w, NEW_ACCOUNT)
    request = w.manager.funds.request(w.manager.user, _refund(w, receipt_id, "100.00",
                                                              NEW_ACCOUNT))
    found = w.finance.funds.warnings(w.finance.user, request.id)
    codes = [s.code for s in found]
    assert codes.count("account_changed_before_refund") == 2  # set, then changed
    change = next(s for s in found if "****1111" in s.message)
    assert "****4242" in change.message and "to that new account" in change.message
    # The customer never paid from any known account: the destination is unproven too.
    assert "refund_to_other_account" in codes
    for signal in found:  # accounts only by their last four digits, to anyone
        assert "6217" not in signal.message and "6222" not in signal.message
    logged = w.admin.audit.page(w.admin.user, AuditFilter(action="fund.requested"))[0]
    assert "account_changed_before_refund" in logged.details["warnings"]
    # A warning, not a block: the approver still decides, and the approval records it too.
    approved = w.finance.funds.approve(w.finance.user, request.id, w.password(w.finance))
    assert approved.state == FundState.APPROVED
    decided = w.admin.audit.page(w.admin.user, AuditFilter(action="fund.approved"))[0]
    assert "account_changed_before_refund" in decided.details["warnings"]


def test_no_account_warning_for_requests_other_than_refunds(w: World) -> None:
    cid = signed(w)
    _set_account(w, NEW_ACCOUNT)
    rid = receivables_of(w.finance, cid)[0].id
    write_off = w.manager.funds.request(w.manager.user, FundDraft(
        FundKind.WRITE_OFF, w.customer_id, Decimal("1.00"), "尾差", receivable_id=rid))
    assert w.finance.funds.warnings(w.finance.user, write_off.id) == []


def test_a_refund_to_the_account_the_customer_paid_from_is_not_flagged(
        w: World, tmp_path: Path) -> None:
    cid = signed(w)
    fin = w.finance
    number = contract_number(w, cid)
    header = [*HEADER, "对方账号"]
    path = write(tmp_path, [header, ["2026-01-06", "2,500.00", "", PAYER, "BOC-0001",
                                     f"货款 {number}", OLD_ACCOUNT]])
    fin.reconciliation.import_statement(fin.user, path, "中国银行")
    (paid,) = fin.money.receipts(fin.user, w.customer_id)
    assert paid.unallocated == Decimal("240.00")  # 2,500 against 2,260 billed
    back = w.manager.funds.request(w.manager.user, _refund(w, paid.id, "100.00", OLD_ACCOUNT))
    assert fin.funds.warnings(fin.user, back.id) == []
    elsewhere = w.manager.funds.request(w.manager.user, _refund(w, paid.id, "100.00",
                                                                NEW_ACCOUNT))
    (signal,) = fin.funds.warnings(fin.user, elsewhere.id)
    assert signal.code == "refund_to_other_account"
    assert "****1111" in signal.message and "****4242" in signal.message


def test_anonymisation_forgets_the_account_history(w: World) -> None:
    receipt_id = _credit_receipt(w)
    _set_account(w, NEW_ACCOUNT)
    request = w.manager.funds.request(w.manager.user, _refund(w, receipt_id, "100.00",
                                                              NEW_ACCOUNT))
    w.admin.subject_rights.anonymise(w.admin.user, w.customer_id, "客户要求删除个人信息")
    found = w.finance.funds.warnings(w.finance.user, request.id)
    # The change is still known to have happened; the accounts themselves are gone.
    change = next(s for s in found if s.code == "account_changed_before_refund")
    assert "(none)" in change.message and "4242" not in change.message.split("refund")[0]
