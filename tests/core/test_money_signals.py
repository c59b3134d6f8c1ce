"""Fraud signals, table by table: what raises each warning, what must not, and messages that
name the records, the amounts and the limit (account numbers by their last four digits)."""

from __future__ import annotations

import inspect
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.money import matching, names, signals
from core.money.signals import (
    HIGH,
    MEDIUM,
    AccountChange,
    ReceiptRecord,
    RefundRecord,
    SignalConfig,
    account_changed_before_refund,
    all_signals,
    cash_above_threshold,
    duplicate_receipt_references,
    mask_account,
    payer_unlike_customer,
    refund_to_other_account,
)

D = date(2026, 3, 10)
STAR = "北京星辰科技有限公司"
OLD, NEW = "6222 0200 1111 2222", "6217 0000 9999 8888"


def rc(id: str, amount: str = "1000.00", *, customer: str = "c1", name: str = STAR,
       method: str = "bank_transfer", ref: str = "", payer: str = "", account: str = "",
       when: date = D, currency: str = "CNY",
       aliases: tuple[str, ...] = ()) -> ReceiptRecord:
    return ReceiptRecord(id, customer, name, when, Decimal(amount), currency, method, ref,
                         payer, account, aliases)


def refund(id: str = "f1", amount: str = "5000.00", to: str = NEW, *, customer: str = "c1",
           when: date = D) -> RefundRecord:
    return RefundRecord(id, customer, STAR, when, Decimal(amount), "CNY", to)


def change(days_before: int, customer: str = "c1") -> AccountChange:
    return AccountChange(customer, D - timedelta(days=days_before), OLD, NEW, "王芳")


@pytest.mark.parametrize(("changes", "days", "expected"), [
    ([change(3)], 30, ["3 day(s) before refund f1"]),
    ([change(0)], 30, ["0 day(s) before"]),
    ([change(30)], 30, ["30 day(s) before"]),
    ([change(31)], 30, []),
    ([change(31)], 60, ["31 day(s) before"]),
    ([change(-1)], 30, []),  # changed after the refund: not this rule
    ([change(3, "c2")], 30, []),  # another customer's account
    ([change(3), change(10)], 30, ["3 day(s)", "10 day(s)"]),
])
def test_account_changed_shortly_before_a_refund(changes: list[AccountChange], days: int,
                                                 expected: list[str]) -> None:
    found = account_changed_before_refund([refund()], changes, days)
    assert len(found) == len(expected)
    for text in expected:
        assert any(text in s.message for s in found), text
    assert all(s.severity == HIGH and s.refs == ("f1", "c1") for s in found)
    if found:
        message = found[0].message
        assert "5,000.00 CNY" in message and f"within {days} days" in message
        assert "****2222" in message and "****8888" in message and OLD not in message
        assert "to that new account" in message


def test_account_change_message_without_the_new_account() -> None:
    (signal,) = account_changed_before_refund([refund(to=OLD)], [change(2)], 30)
    assert "to that new account" not in signal.message


@pytest.mark.parametrize(("refs", "flagged"), [
    (["BANK-001", "BANK-002"], []),
    (["BANK-001", "bank 001"], [("r0", "r1")]),  # case, spaces and dashes do not hide it
    (["BANK-001", "ＢＡＮＫ００１"], [("r0", "r1")]),  # nor full-width characters
    (["", ""], []),  # no reference is not a duplicate
    (["X1", "X1", "X1", "Y2"], [("r0", "r1", "r2")]),
    (["A9", "B9", "A9", "B9"], [("r0", "r2"), ("r1", "r3")]),
])
def test_duplicate_receipt_references(refs: list[str], flagged: list[tuple[str, ...]]) -> None:
    receipts = [rc(f"r{i}", f"{100 + i}.00", ref=ref, when=D + timedelta(days=i))
                for i, ref in enumerate(refs)]
    found = duplicate_receipt_references(receipts)
    assert [s.refs for s in found] == flagged
    for signal in found:
        assert signal.code == "duplicate_receipt_reference" and signal.severity == HIGH
        assert f"on {len(signal.refs)} receipts" in signal.message
        assert "100.00 CNY on 2026-03-10" in signal.message or "101.00 CNY" in signal.message


@pytest.mark.parametrize(("payer", "aliases", "raised"), [
    ("北京星辰科技有限公司", (), False),
    ("北京星辰科技", (), False),  # the legal form left out
    ("星辰科技（北京）有限公司", (), False),
    ("北京星晨科技有限公司", (), False),  # a typo is not fraud
    ("", (), False),  # no payer recorded
    ("张伟", (), True),  # a person
    ("上海云帆贸易有限公司", (), True),  # another company
    ("上海云帆贸易有限公司", ("上海云帆贸易",), False),  # ... known to pay for this customer
])
def test_payer_unlike_the_customer(payer: str, aliases: tuple[str, ...], raised: bool) -> None:
    found = payer_unlike_customer([rc("r1", payer=payer, aliases=aliases)], 0.6)
    assert bool(found) == raised
    if raised:
        (signal,) = found
        assert signal.severity == MEDIUM and signal.refs == ("r1", "c1")
        assert f"paid by {payer!r}" in signal.message and STAR in signal.message
        assert "1,000.00 CNY" in signal.message and "below 0.60" in signal.message


def test_the_unlike_rule_uses_matchings_name_folding() -> None:
    # One normalisation for both, never two copies that drift apart.
    assert signals.best_similarity is names.best_similarity
    assert matching.best_similarity is names.best_similarity
    assert "def normalize" not in inspect.getsource(signals)


@pytest.mark.parametrize(("paid_from", "to", "raised", "text"), [
    ([OLD], OLD, False, ""),
    ([OLD], "62220200 11112222", False, ""),  # spacing is not another account
    ([OLD], NEW, True, "paid from ****2222"),
    ([OLD, "6228 1234 0000 7777"], "6228123400007777", False, ""),
    ([""], NEW, True, "no receipt of this customer came from a known account"),
    ([], "", False, ""),  # a refund with no account (cash): not this rule
])
def test_refund_to_an_account_other_than_the_one_that_paid(paid_from: list[str], to: str,
                                                           raised: bool, text: str) -> None:
    receipts = [rc(f"r{i}", account=a) for i, a in enumerate(paid_from)]
    receipts.append(rc("other", customer="c2", account=NEW))  # another customer's account
    found = refund_to_other_account([refund(to=to)], receipts)
    assert bool(found) == raised
    if raised:
        (signal,) = found
        assert text in signal.message and "Refund f1 of 5,000.00 CNY" in signal.message
        assert "account ****8888" in signal.message and signal.severity == HIGH


@pytest.mark.parametrize(("receipts", "codes", "text"), [
    ([rc("r1", "49999.99", method="cash")], [], ""),
    ([rc("r1", "50000.00", method="cash")], ["cash_above_threshold"],
     "Cash receipt r1 of 50,000.00 CNY from 北京星辰科技有限公司 is at or above the "
     "50,000.00 CNY limit"),
    ([rc("r1", "80000.00", method="bank_transfer")], [], ""),
    ([rc("r1", "80000.00", method="cash", currency="USD")], [], ""),
    ([rc("r1", "30000.00", method="cash"), rc("r2", "20000.00", method="CASH")],
     ["cash_daily_total_above_threshold"], "2 cash receipts from 北京星辰科技有限公司 on "
     "2026-03-10 (r1, r2) total 50,000.00 CNY"),
    ([rc("r1", "30000.00", method="cash"),
      rc("r2", "30000.00", method="cash", when=D + timedelta(days=1))], [], ""),
    ([rc("r1", "30000.00", method="cash"), rc("r2", "30000.00", method="cash", customer="c2")],
     [], ""),
])
def test_cash_at_or_above_the_threshold(receipts: list[ReceiptRecord], codes: list[str],
                                        text: str) -> None:
    found = cash_above_threshold(receipts)
    assert [s.code for s in found] == codes
    if text:
        assert text in found[0].message


def test_the_cash_threshold_is_configurable() -> None:
    found = all_signals([rc("r1", "20000.00", method="cash")],
                        config=SignalConfig(cash_threshold=Decimal("10000")))
    assert [s.code for s in found] == ["cash_above_threshold"]
    assert "10,000.00 CNY limit" in found[0].message


def test_all_signals_orders_high_before_medium_and_is_repeatable() -> None:
    receipts = [rc("r1", "60000.00", method="cash", payer="张伟", ref="R-1000"),
                rc("r2", "10.00", ref="R-1000", account=OLD)]
    args = (receipts, [refund(to=NEW)], [change(5)])
    found = all_signals(*args)
    assert [s.code for s in found] == [
        "account_changed_before_refund", "duplicate_receipt_reference",
        "refund_to_other_account", "cash_above_threshold", "payer_unlike_customer"]
    assert all_signals(*args) == found
    assert all_signals() == []


@pytest.mark.parametrize(("account", "shown"), [("6222 0200 1111 2222", "****2222"),
                                                ("1234", "1234"), ("", "(none)")])
def test_account_masking(account: str, shown: str) -> None:
    assert mask_account(account) == shown
