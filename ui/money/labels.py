"""Display words and conversions of the money screens: payment methods (core keeps English
identifiers), amounts with thousands separators, dates, and what a person types as an amount
turned into an exact Decimal (never a float)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QCoreApplication, QDate

from core.contracts.money import MINOR_UNITS, format_amount
from core.money.model import PaymentMethod

# Digits with optional thousands separators and an optional decimal part: nothing else (no
# exponent, no sign), so "1e3", "-5" or "12.3.4" are refused rather than guessed at.
_AMOUNT = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def _tr(text: str) -> str:
    return QCoreApplication.translate("Money", text)


def method_label(method: PaymentMethod | str) -> str:
    labels = {PaymentMethod.BANK_TRANSFER: _tr("Bank transfer"), PaymentMethod.CASH: _tr("Cash"),
              PaymentMethod.CHEQUE: _tr("Cheque"), PaymentMethod.ALIPAY: _tr("Alipay"),
              PaymentMethod.WECHAT_PAY: _tr("WeChat Pay")}
    return labels.get(method, str(method))  # type: ignore[call-overload]


def bucket_labels() -> list[str]:
    return [_tr("Current"), _tr("1–30 days"), _tr("31–60 days"), _tr("61–90 days"),
            _tr("Over 90 days")]


def amount(value: Decimal, currency: str) -> str:
    """1234.5 CNY -> '1,234.50' (the currency is shown in a column or heading of its own)."""
    if currency not in MINOR_UNITS:
        return str(value)
    return format_amount(value, currency)


def money(value: Decimal, currency: str) -> str:
    """1234.5 CNY -> '1,234.50 CNY'."""
    return f"{amount(value, currency)} {currency}"


def day_text(day: date) -> str:
    return day.isoformat()


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def parse_amount(text: str) -> Decimal | None:
    """What a person typed ("1,500.00", "１５００", " 80 ") as an exact Decimal; None when it is
    not a plain positive number. Full-width digits and commas are folded first."""
    cleaned = unicodedata.normalize("NFKC", text).replace(" ", "").strip()
    if not _AMOUNT.match(cleaned):
        return None
    try:
        return Decimal(cleaned.replace(",", ""))
    except InvalidOperation:
        return None
