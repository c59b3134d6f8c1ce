"""The values in a bank statement's cells: amounts in the many forms exports write them
(full-width digits, currency signs and words, brackets, a trailing minus), dates year-first or
in a bank's own format, currency names and debit/credit indicators. Each parser raises
InvalidInput with a reason a person can act on."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from core.contracts.money import DEFAULT_CURRENCY, MAX_AMOUNT, MINOR_UNITS
from core.errors import InvalidInput

_CURRENCY_WORDS = {"RMB": "CNY", "人民币": "CNY", "元": "CNY", "¥": "CNY", "US$": "USD",
                   "美元": "USD", "HK$": "HKD", "港币": "HKD", "港元": "HKD", "€": "EUR",
                   "欧元": "EUR", "£": "GBP", "英镑": "GBP", "日元": "JPY", "$": "USD"}
_CURRENCY_WORDS.update({code: code for code in MINOR_UNITS})
_CURRENCY_RE = "|".join(re.escape(w) for w in sorted(_CURRENCY_WORDS, key=len, reverse=True))
_LEAD = re.compile(rf"^(?:[-+]|{_CURRENCY_RE})")
_TRAIL = re.compile(rf"(?:-|{_CURRENCY_RE})$")
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+")
BLANK_AMOUNTS = {"", "-", "--", "—", "——"}  # an empty credit or debit cell
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME = r"(?:[ T]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?|\d{6})?"
_DAY_FIRST = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
_CREDIT_WORDS = {"贷", "C", "CR", "CREDIT", "收", "收入", "入", "贷方", "+"}
_DEBIT_WORDS = {"借", "D", "DR", "DEBIT", "支", "支出", "出", "借方", "-"}


def fold(text: str) -> str:
    # NFKC folds full-width digits, "，", "．", "（" and "￥" to their ASCII/half-width forms.
    value = unicodedata.normalize("NFKC", text).replace("\u2212", "-").replace("\u2013", "-")
    return "".join(value.split()).upper()


def shown(text: str) -> str:
    # A cell may hold 10,000 characters: a reason quotes only its start.
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:40] + "…")


def parse_amount(text: str) -> tuple[Decimal, str]:
    """(amount, currency named in the text or ""): '¥1,234.50', '１２３．４５', '(1,234.50)',
    '-1234.5', '1,234.50元', 'CNY 12.00', '1234.50-'. InvalidInput with the reason otherwise."""
    value = fold(text)
    if not value:
        raise InvalidInput("the amount is empty")
    negative = False
    currencies: set[str] = set()
    for _ in range(6):  # each pass peels brackets, a sign or a currency word off the ends
        before = value
        if len(value) > 2 and value[0] == "(" and value[-1] == ")":
            if negative:
                raise InvalidInput(f"{shown(text)} has more than one minus sign")
            value, negative = value[1:-1], True
        for pattern, at in ((_LEAD, 0), (_TRAIL, -1)):
            match = pattern.search(value)
            if not match or match.group() == value:
                continue
            word = match.group()
            if word in ("-", "+"):
                if word == "-":
                    if negative:
                        raise InvalidInput(f"{shown(text)} has more than one minus sign")
                    negative = True
            else:
                currencies.add(_CURRENCY_WORDS[word])
            value = value[len(word):] if at == 0 else value[: -len(word)]
        if value == before:
            break
    if len(currencies) > 1:
        raise InvalidInput(f"{shown(text)} names two currencies")
    if not _NUMBER.fullmatch(value):
        raise InvalidInput(f"{shown(text)} is not an amount")
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise InvalidInput(f"{shown(text)} is not an amount") from None
    if amount >= MAX_AMOUNT:
        raise InvalidInput(f"{shown(text)} is too large")
    return (-amount if negative else amount), (currencies.pop() if currencies else "")


def is_amount(text: str) -> bool:
    try:
        parse_amount(text)
    except InvalidInput:
        return False
    return True


def parse_currency(text: str, default: str = DEFAULT_CURRENCY) -> str:
    value = fold(text)
    if not value:
        return default
    code = _CURRENCY_WORDS.get(value, "")
    if not code:
        raise InvalidInput(f"unknown currency {shown(text)}")
    return code


def parse_date(text: str, date_format: str = "") -> date:
    """A date from '2026-03-01', '2026/3/1', '2026.03.01', '20260301', '2026年3月1日' (a time
    after it is ignored), or by `date_format` (strptime). InvalidInput with the reason."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not value:
        raise InvalidInput("the date is empty")
    if date_format:
        for candidate in (value, value.split()[0]):
            try:
                return datetime.strptime(candidate, date_format).date()
            except ValueError:
                continue
        raise InvalidInput(f"{shown(value)} is not a date in the format {date_format}")
    for pattern in (_YMD, _COMPACT):
        match = re.fullmatch(pattern.pattern + _TIME, value)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                if year < 1900:
                    raise ValueError
                return date(year, month, day)
            except ValueError:
                raise InvalidInput(f"{shown(value)} is not a valid date") from None
    if _DAY_FIRST.match(value):
        raise InvalidInput(f"{shown(value)} could be day/month or month/day; set the date format "
                           "of this bank's mapping")
    if re.fullmatch(r"\d{5}(\.0+)?", value):
        raise InvalidInput(f"{shown(value)} is a spreadsheet date serial number; format the "
                           "column as a date before exporting")
    raise InvalidInput(f"{shown(value)} is not a date")


def direction_sign(text: str) -> int:
    value = fold(text)
    if value in _CREDIT_WORDS:
        return 1
    if value in _DEBIT_WORDS:
        return -1
    raise InvalidInput(f"{shown(text)} is neither debit (借/D) nor credit (贷/C)")
