"""How numbers and dates are written in a contract: pure functions, no reportlab."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")
_ZH_DIGITS = "零一二三四五六七八九"


def money(value: Decimal) -> str:
    """12345.675 -> '12,345.68': rounded half-up to the cent, thousands separated."""
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never print "-0.00"
    return f"{rounded:,.2f}"


def quantity(value: Decimal) -> str:
    """Quantities keep the precision they were given, without trailing zeros: 1,000 / 2.5."""
    normal = value.normalize()
    if normal.as_tuple().exponent > 0:  # type: ignore[operator]  # 1E+3 -> 1000
        normal = normal.quantize(Decimal(1))
    return f"{normal:,f}"


def percent(value: Decimal) -> str:
    return f"{quantity(value)}%"


def long_date(value: date, language: str) -> str:
    if language == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def zh_ordinal(n: int) -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一, 105 -> 一百零五: for 第N条 clause numbers."""
    if n <= 0:
        raise ValueError("ordinal numbers start at 1")
    if n < 10:
        return _ZH_DIGITS[n]
    if n < 20:
        return "十" + (_ZH_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        tens, ones = divmod(n, 10)
        return _ZH_DIGITS[tens] + "十" + (_ZH_DIGITS[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        if rest == 0:
            return _ZH_DIGITS[hundreds] + "百"
        middle = "零" if rest < 10 else ""
        tail = zh_ordinal(rest) if rest >= 20 or rest < 10 else "一" + zh_ordinal(rest)
        return _ZH_DIGITS[hundreds] + "百" + middle + tail
    return str(n)


_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CAPITAL_UNITS = ("", "拾", "佰", "仟")
_CAPITAL_GROUPS = ("", "万", "亿", "万亿")


def rmb_capital(value: Decimal) -> str:
    """An RMB amount in capital numerals, as Chinese contracts and invoices write the total
    (rounded half-up to the fen): 113000 -> 壹拾壹万叁仟元整, 1680.30 -> 壹仟陆佰捌拾元叁角整."""
    cents = int(value.quantize(_CENT, rounding=ROUND_HALF_UP) * 100)
    sign, cents = ("负" if cents < 0 else ""), abs(cents)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if yuan >= 10 ** 16:
        raise ValueError("amount too large for capital numerals")
    text = f"{_capital_integer(yuan)}元" if yuan or not rest else ""
    if jiao:
        text += f"{_CAPITAL_DIGITS[jiao]}角"
    elif yuan and fen:
        text += "零"
    text += f"{_CAPITAL_DIGITS[fen]}分" if fen else "整"
    return sign + text


def _capital_integer(number: int) -> str:
    if number == 0:
        return "零"
    groups: list[int] = []
    while number:
        number, group = divmod(number, 10000)
        groups.append(group)
    text, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = bool(text)
            continue
        if text and (gap or group < 1000):
            text += "零"
        text += _capital_group(group) + _CAPITAL_GROUPS[index]
        gap = False
    return text


def _capital_group(group: int) -> str:
    text, gap = "", False
    for position in (3, 2, 1, 0):
        digit = group // 10 ** position % 10
        if digit == 0:
            gap = bool(text)
            continue
        if gap:
            text += "零"
            gap = False
        text += _CAPITAL_DIGITS[digit] + _CAPITAL_UNITS[position]
    return text
