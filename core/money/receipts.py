"""Checking a receipt as typed, and what makes two receipts the same payment.

Nothing is rounded or cut: an amount with more decimals than the currency has, a float, a
reference that is too long, are refused with a message. A payment is recognised by its payer,
reference, amount, currency and date, compared with width, case and separators folded."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from core.contracts.money import check_currency
from core.customers.validate import clean_text
from core.errors import InvalidInput
from core.money.amounts import exact_minor
from core.money.model import PaymentMethod, ReceiptDraft

MAX_REFERENCE = 100
MAX_PAYER = 200
MAX_REASON = 500
_SEPARATORS = re.compile(r"[\s\-_/.:#]+")


class DuplicateReceipt(InvalidInput):
    def __init__(self, receipt_id: int) -> None:
        self.receipt_id = receipt_id
        super().__init__(
            f"This payment is already recorded as receipt #{receipt_id} (same payer, reference, "
            "amount and date). It was not recorded a second time.")


def reference_key(reference: str) -> str:
    """A reference as compared for duplicates: width, case, spaces and punctuation between
    the characters do not count ("BOC 2026/0001" is "boc-2026-0001" typed again)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", reference).casefold())


def payer_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def text_field(value: str | None, limit: int, what: str) -> str:
    if not isinstance(value, str | None):
        raise InvalidInput(f"{what} must be text.")
    text = clean_text(value or "")
    # Refused, not cut: clean_text would shorten it silently.
    if len(" ".join((value or "").split())) > limit:
        raise InvalidInput(f"{what} has at most {limit} characters.")
    return text


@dataclass(frozen=True)
class CheckedReceipt:
    method: PaymentMethod
    received_on: date
    currency: str
    amount_minor: int
    reference: str
    reference_key: str
    payer_name: str
    payer_key: str


@dataclass(frozen=True)
class NewReceipt:
    """A checked receipt about to be stored under the id a batch gave it."""

    id: int
    customer_id: int
    checked: CheckedReceipt
    recorded_by: int
    recorded_at: datetime


def duplicate_key(c: CheckedReceipt) -> tuple[str, str, int, str, date] | None:
    """What makes two receipts one payment (find_duplicate's columns); None without a
    reference (cash), which is never taken for a duplicate."""
    if not c.reference_key:
        return None
    return (c.payer_key, c.reference_key, c.amount_minor, c.currency, c.received_on)


def check_receipt(draft: ReceiptDraft, today: date) -> CheckedReceipt:
    if not isinstance(draft, ReceiptDraft):
        raise InvalidInput("A receipt needs its date, amount, method, reference and payer.")
    try:
        method = PaymentMethod(draft.method)
    except ValueError:
        raise InvalidInput(f"Unknown payment method {draft.method!r} (use one of "
                           f"{', '.join(m.value for m in PaymentMethod)}).") from None
    received_on = draft.received_on
    if not isinstance(received_on, date) or isinstance(received_on, datetime):
        raise InvalidInput("The date received must be a calendar date.")
    if received_on > today:
        raise InvalidInput("A receipt cannot be dated in the future.")
    currency = check_currency(draft.currency)
    amount_minor = exact_minor(draft.amount, currency)
    reference = text_field(draft.reference, MAX_REFERENCE, "A reference")
    payer = text_field(draft.payer_name, MAX_PAYER, "A payer name")
    if not reference and method != PaymentMethod.CASH:
        # The reference is what makes a payment recognisable (and a second entry of it
        # detectable); only cash may come without one.
        raise InvalidInput("Give the payment's reference (bank serial, cheque number or "
                           "transaction number).")
    return CheckedReceipt(method, received_on, currency, amount_minor, reference,
                          reference_key(reference), payer, payer_key(payer))
