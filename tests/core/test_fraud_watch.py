"""session.fraud: every fraud signal over a period from what the vault holds — a reference on
two receipts (even when the first is older than the period), cash at or above 50,000 CNY
(one receipt or a day's total), a payer unlike the customer, and the refund signals — only
for the customers the reader may see, accounts shown by their last four digits."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from core.customers.collected import as_draft
from core.customers.model import BANK_ACCOUNT, CustomerDraft, CustomerKind
from core.errors import InvalidInput
from core.money.funds_model import FundDraft, FundKind
from core.money.model import PaymentMethod
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world
from tests.core.money_support import TODAY, draft, signed


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def _codes(session: Session, **kw: object) -> list[str]:
    return [s.code for s in session.fraud.signals(session.user, **kw)]


def test_receipt_signals_over_a_period(w: World) -> None:
    signed(w)
    fin = w.finance
    old = TODAY - timedelta(days=200)
    fin.money.record_receipt(fin.user, w.customer_id,
                             draft("10.00", "BOC-777", received_on=old))
    fin.money.record_receipt(fin.user, w.customer_id, draft("20.00", "boc 777"))
    fin.money.record_receipt(fin.user, w.customer_id, draft("30.00", "BOC-778",
                                                            payer="张三个人账户"))
    for amount in ("30000.00", "25000.00"):
        fin.money.record_receipt(fin.user, w.customer_id, draft(
            amount, "", method=PaymentMethod.CASH))
    found = fin.fraud.signals(fin.user, until=TODAY)
    codes = [s.code for s in found]
    assert codes == ["duplicate_receipt_reference", "cash_daily_total_above_threshold",
                     "payer_unlike_customer"]
    assert "2 receipts" in found[0].message  # the twin from 200 days ago is found too
    # Looking at the old receipt's days finds its later twin as well; before it, nothing.
    assert _codes(fin, since=old, until=old) == ["duplicate_receipt_reference"]
    assert _codes(fin, since=old - timedelta(days=9), until=old - timedelta(days=1)) == []
    with pytest.raises(InvalidInput):
        fin.fraud.signals(fin.user, since=TODAY, until=TODAY - timedelta(days=1))
    with pytest.raises(InvalidInput):
        fin.fraud.signals(fin.user, since=TODAY - timedelta(days=400), until=TODAY)


def test_a_reversed_receipt_entered_again_is_not_a_duplicate(w: World) -> None:
    signed(w)
    fin = w.finance
    wrong = fin.money.record_receipt(fin.user, w.customer_id, draft("11.00", "BOC-1"))
    fin.money.reverse_receipt(fin.user, wrong.id, "金额录错")
    fin.money.record_receipt(fin.user, w.customer_id, draft("110.00", "BOC-1"))
    assert _codes(fin, until=TODAY) == []


def test_signals_follow_customer_visibility(w: World) -> None:
    signed(w)
    fin = w.finance
    other = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="管理员的客户"))
    fin.money.record_receipt(fin.user, other.id, draft("60000.00", "", payer="管理员的客户",
                                                       method=PaymentMethod.CASH))
    assert _codes(fin, until=TODAY) == ["cash_above_threshold"]
    assert _codes(w.rep, until=TODAY) == []  # not the rep's customer
    assert _codes(w.auditor, until=TODAY) == ["cash_above_threshold"]


def test_refund_signals_in_the_watch(w: World) -> None:
    signed(w)
    fin = w.finance
    receipt = fin.money.record_receipt(fin.user, w.customer_id, draft("2500.00"))
    view = w.admin.customers.get(w.admin.user, w.customer_id)
    base = as_draft(view.customer)
    w.admin.customers.update(w.admin.user, w.customer_id, dataclasses.replace(
        base, sensitive={**base.sensitive, BANK_ACCOUNT: "6217000099994242"}), view.version)
    request = w.manager.funds.request(w.manager.user, FundDraft(
        FundKind.REFUND, w.customer_id, Decimal("100.00"), "多付退回", receipt_id=receipt.id,
        destination="6217000099994242"))
    fin.funds.approve(fin.user, request.id, w.password(fin))
    found = fin.fraud.signals(fin.user)  # the refund was paid today
    assert {s.code for s in found} >= {"account_changed_before_refund",
                                       "refund_to_other_account"}
    assert all("6217000099994242" not in s.message for s in found)


def test_the_warnings_of_one_receipt_when_it_is_recorded(w: World) -> None:
    signed(w)
    fin = w.finance
    clean = fin.money.record_receipt(fin.user, w.customer_id, draft("10.00", "BOC-1"))
    assert fin.fraud.receipt_warnings(fin.user, clean.id) == []
    first = fin.money.record_receipt(fin.user, w.customer_id, draft(
        "30000.00", "", method=PaymentMethod.CASH))
    assert fin.fraud.receipt_warnings(fin.user, first.id) == []  # under the limit alone
    second = fin.money.record_receipt(fin.user, w.customer_id, draft(
        "25000.00", "", method=PaymentMethod.CASH))
    (day_total,) = fin.fraud.receipt_warnings(fin.user, second.id)
    assert day_total.code == "cash_daily_total_above_threshold"
    twin = fin.money.record_receipt(fin.user, w.customer_id, draft("11.00", "boc 1"))
    assert [s.code for s in fin.fraud.receipt_warnings(fin.user, twin.id)] == [
        "duplicate_receipt_reference"]
    # Another rep's reader learns nothing about a receipt they may not see.
    other = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="管理员的客户"))
    hidden = fin.money.record_receipt(fin.user, other.id, draft(
        "60000.00", "", payer="管理员的客户", method=PaymentMethod.CASH))
    assert [s.code for s in fin.fraud.receipt_warnings(fin.user, hidden.id)] == [
        "cash_above_threshold"]
    assert w.rep.fraud.receipt_warnings(w.rep.user, hidden.id) == []
    assert w.rep.fraud.receipt_warnings(w.rep.user, 999_999) == []
