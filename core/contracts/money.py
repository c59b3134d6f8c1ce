"""Money as Decimal: rounding half-up to the currency's minor unit, minor-unit integers for
storage, line and contract totals, and an even split whose parts sum exactly to the whole."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.errors import InvalidInput

DEFAULT_CURRENCY = "CNY"
# ISO 4217 minor units of the currencies a contract may be written in.
MINOR_UNITS: dict[str, int] = {"CNY": 2, "HKD": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0,
                               "SGD": 2, "AUD": 2, "CAD": 2, "CHF": 2, "KRW": 0, "TWD": 2}
ZERO = Decimal(0)
ONE = Decimal(1)
# Guards against a typo of many digits turning into an absurd (or un-storable) amount.
MAX_AMOUNT = Decimal("1e15")


def check_currency(currency: str) -> str:
    code = (currency or "").strip().upper()
    if code not in MINOR_UNITS:
        raise InvalidInput(f"Unsupported currency {currency!r} (use one of "
                           f"{', '.join(sorted(MINOR_UNITS))}).")
    return code


def exponent(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS[check_currency(currency)])


def decimal(value: object, what: str = "amount") -> Decimal:
    """A Decimal from a Decimal, int or numeric string; floats are refused (0.1 is not 0.1)."""
    if isinstance(value, bool | float):
        raise InvalidInput(f"The {what} must be given exactly (as text or Decimal), not as a "
                           "floating-point number.")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(f"The {what} {value!r} is not a number.") from exc
    if not result.is_finite():
        raise InvalidInput(f"The {what} must be a finite number.")
    return result


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up (commercial rounding, not banker's) to the currency's minor unit."""
    return decimal(amount).quantize(exponent(currency), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    """The amount in minor units (fen, cents) for storage; rounds half-up first."""
    value = quantize(amount, currency)
    if abs(value) >= MAX_AMOUNT:
        raise InvalidInput(f"The amount {value} is too large.")
    return int(value.scaleb(MINOR_UNITS[check_currency(currency)]))


def from_minor(minor: int, currency: str) -> Decimal:
    return quantize(Decimal(int(minor)).scaleb(-MINOR_UNITS[check_currency(currency)]),
                    currency)


def line_net(quantity: Decimal, unit_price: Decimal, discount: Decimal, currency: str) -> Decimal:
    """quantity × unit price × (1 − discount), rounded once at the end."""
    return quantize(quantity * unit_price * (ONE - discount), currency)


def tax_on(net: Decimal, rate: Decimal, currency: str) -> Decimal:
    # Tax per line, as Chinese VAT invoices compute it, so a line's figures never change when
    # other lines are added.
    return quantize(net * rate, currency)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    gross: Decimal


def totals(lines: Iterable[tuple[Decimal, Decimal]], currency: str) -> Totals:
    """Sum of (net, tax) pairs already rounded per line; gross = net + tax exactly."""
    net = tax = quantize(ZERO, currency)
    for line_net_amount, line_tax in lines:
        net += line_net_amount
        tax += line_tax
    return Totals(net, tax, net + tax)


def split_evenly(total: Decimal, parts: int, currency: str = DEFAULT_CURRENCY) -> list[Decimal]:
    """`parts` amounts differing by at most one minor unit whose sum is exactly `total`; the
    earlier instalments carry the extra units."""
    if parts < 1:
        raise InvalidInput("Split into at least one part.")
    minor = to_minor(total, currency)
    base, extra = divmod(abs(minor), parts)
    sign = -1 if minor < 0 else 1
    return [from_minor(sign * (base + (1 if i < extra else 0)), currency) for i in range(parts)]


def fraction(value: object, what: str) -> Decimal:
    """A rate or discount as a fraction 0..1 (13% is 0.13)."""
    result = decimal(value, what)
    if not ZERO <= result <= ONE:
        raise InvalidInput(f"The {what} must be a fraction between 0 and 1 (13% is 0.13).")
    return result.normalize() if result != ZERO else ZERO


def format_amount(amount: Decimal, currency: str) -> str:
    """1234567.5 CNY -> '1,234,567.50' (grouping for documents; no currency symbol)."""
    return f"{quantize(amount, currency):,}"
