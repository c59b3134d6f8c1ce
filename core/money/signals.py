"""Fraud signals: pure rules over receipts, refunds and bank-account changes that raise
warnings for a person to look at (never block anything themselves). Each message names the
records, the amounts and the limit it was measured against; account numbers are shown by their
last four digits only. Payer names are compared through core.money.names, as in matching, so a
name that matches a statement line never raises "unlike the customer" here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.contracts.money import format_amount
from core.errors import InvalidInput
from core.money.names import account_key, best_similarity, reference_key

HIGH, MEDIUM = "high", "medium"
_RANK = {HIGH: 0, MEDIUM: 1}


@dataclass(frozen=True)
class Signal:
    code: str
    severity: str  # HIGH or MEDIUM
    message: str
    refs: tuple[str, ...]  # ids of the receipts, refunds and customers concerned


@dataclass(frozen=True)
class ReceiptRecord:
    id: str
    customer_id: str
    customer_name: str
    date: date
    amount: Decimal
    currency: str
    method: str  # "bank_transfer", "cash", "cheque", "alipay", "wechat_pay"
    reference: str = ""
    payer_name: str = ""
    payer_account: str = ""
    customer_aliases: tuple[str, ...] = ()  # other names the customer legitimately pays as


@dataclass(frozen=True)
class RefundRecord:
    id: str
    customer_id: str
    customer_name: str
    date: date
    amount: Decimal
    currency: str
    to_account: str
    to_name: str = ""


@dataclass(frozen=True)
class AccountChange:
    customer_id: str
    changed_on: date
    old_account: str
    new_account: str
    changed_by: str = ""


@dataclass(frozen=True)
class SignalConfig:
    account_change_days: int = 30  # a change this many days before a refund is a warning
    unlike_below: float = 0.6  # payer-name similarity under which the payer is "unlike"
    # The People's Bank of China reports cash of 50,000 CNY or more (含5万元), one receipt or
    # the day's total: hence "at or above".
    cash_threshold: Decimal = Decimal("50000")
    cash_currency: str = "CNY"


def mask_account(account: str) -> str:
    key = account_key(account)
    return "****" + key[-4:] if len(key) > 4 else key or "(none)"


def _money(amount: Decimal, currency: str) -> str:
    try:
        return f"{format_amount(amount, currency)} {currency}"
    except InvalidInput:  # an unknown currency must not hide the warning
        return f"{amount} {currency}"


def account_changed_before_refund(refunds: Sequence[RefundRecord],
                                  changes: Sequence[AccountChange],
                                  days: int = 30) -> list[Signal]:
    by_customer: dict[str, list[AccountChange]] = defaultdict(list)
    for change in changes:
        by_customer[change.customer_id].append(change)
    out = []
    for refund in refunds:
        for change in sorted(by_customer.get(refund.customer_id, ()),
                             key=lambda c: (c.changed_on, c.new_account)):
            before = (refund.date - change.changed_on).days
            if not 0 <= before <= days:
                continue
            to_new = account_key(change.new_account) == account_key(refund.to_account)
            out.append(Signal(
                "account_changed_before_refund", HIGH,
                f"The bank account of {refund.customer_name} was changed on "
                f"{change.changed_on.isoformat()} from {mask_account(change.old_account)} to "
                f"{mask_account(change.new_account)}, {before} day(s) before refund {refund.id} "
                f"of {_money(refund.amount, refund.currency)}"
                + (" to that new account" if to_new else "")
                + f" (changes within {days} days of a refund are checked).",
                (refund.id, refund.customer_id)))
    return out


def duplicate_receipt_references(receipts: Sequence[ReceiptRecord]) -> list[Signal]:
    groups: dict[str, list[ReceiptRecord]] = defaultdict(list)
    for receipt in receipts:
        key = reference_key(receipt.reference)
        if key:
            groups[key].append(receipt)
    out = []
    for key in sorted(groups):
        group = sorted(groups[key], key=lambda r: (r.date, r.id))
        if len(group) < 2:
            continue
        listed = "; ".join(f"{r.id} ({_money(r.amount, r.currency)} on {r.date.isoformat()}, "
                           f"{r.customer_name})" for r in group)
        out.append(Signal("duplicate_receipt_reference", HIGH,
                          f"The reference {group[0].reference.strip()!r} is on {len(group)} "
                          f"receipts: {listed}.", tuple(r.id for r in group)))
    return out


def payer_unlike_customer(receipts: Sequence[ReceiptRecord],
                          below: float = 0.6) -> list[Signal]:
    out = []
    for r in receipts:
        if not r.payer_name.strip():
            continue
        score = best_similarity(r.payer_name, (r.customer_name, *r.customer_aliases))
        if score < below:
            out.append(Signal(
                "payer_unlike_customer", MEDIUM,
                f"Receipt {r.id} of {_money(r.amount, r.currency)} was paid by "
                f"{r.payer_name.strip()!r}, a name unlike the customer's {r.customer_name!r} "
                f"(similarity {score:.2f}, below {below:.2f}).", (r.id, r.customer_id)))
    return out


def refund_to_other_account(refunds: Sequence[RefundRecord],
                            receipts: Sequence[ReceiptRecord]) -> list[Signal]:
    paid: dict[str, set[str]] = defaultdict(set)
    for r in receipts:
        if account_key(r.payer_account):
            paid[r.customer_id].add(account_key(r.payer_account))
    out = []
    for refund in refunds:
        to = account_key(refund.to_account)
        if not to or to in paid.get(refund.customer_id, set()):
            continue
        known = sorted(paid.get(refund.customer_id, set()))
        source = (f"the customer paid from {', '.join(mask_account(a) for a in known)}" if known
                  else "no receipt of this customer came from a known account")
        out.append(Signal(
            "refund_to_other_account", HIGH,
            f"Refund {refund.id} of {_money(refund.amount, refund.currency)} to "
            f"{refund.customer_name} goes to account {mask_account(refund.to_account)}, but "
            f"{source}.", (refund.id, refund.customer_id)))
    return out


def cash_above_threshold(receipts: Sequence[ReceiptRecord],
                         threshold: Decimal = Decimal("50000"),
                         currency: str = "CNY") -> list[Signal]:
    """One cash receipt at or above the threshold, or one customer's cash on one day adding
    up to it (several smaller receipts: the usual way around the rule)."""
    limit = _money(threshold, currency)
    out = []
    days: dict[tuple[str, date], list[ReceiptRecord]] = defaultdict(list)
    for r in receipts:
        if str(r.method).casefold() != "cash" or r.currency != currency:
            continue
        if r.amount >= threshold:
            out.append(Signal("cash_above_threshold", MEDIUM,
                              f"Cash receipt {r.id} of {_money(r.amount, currency)} from "
                              f"{r.customer_name} is at or above the {limit} limit for cash.",
                              (r.id, r.customer_id)))
        else:
            days[(r.customer_id, r.date)].append(r)
    for (customer, day), group in sorted(days.items()):
        total = sum((r.amount for r in group), Decimal(0))
        if len(group) > 1 and total >= threshold:
            group.sort(key=lambda r: r.id)
            out.append(Signal(
                "cash_daily_total_above_threshold", MEDIUM,
                f"{len(group)} cash receipts from {group[0].customer_name} on "
                f"{day.isoformat()} ({', '.join(r.id for r in group)}) total "
                f"{_money(total, currency)}, at or above the {limit} limit for cash.",
                (*(r.id for r in group), customer)))
    return out


def all_signals(receipts: Sequence[ReceiptRecord] = (), refunds: Sequence[RefundRecord] = (),
                changes: Sequence[AccountChange] = (),
                config: SignalConfig | None = None) -> list[Signal]:
    """Every rule, high severity first, then by code and the records concerned."""
    c = config or SignalConfig()
    found = [*account_changed_before_refund(refunds, changes, c.account_change_days),
             *duplicate_receipt_references(receipts),
             *payer_unlike_customer(receipts, c.unlike_below),
             *refund_to_other_account(refunds, receipts),
             *cash_above_threshold(receipts, c.cash_threshold, c.cash_currency)]
    return sorted(found, key=lambda s: (_RANK.get(s.severity, 9), s.code, s.refs))
