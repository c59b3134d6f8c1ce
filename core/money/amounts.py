"""Amounts a person types for receipts and allocations: exact Decimals (never floats), positive,
with no more decimals than the currency has. Rounding and minor units come from
core/contracts/money.py, so contracts and money agree to the fen."""

from __future__ import annotations

from decimal import Decimal

from core.contracts.money import MAX_AMOUNT, MINOR_UNITS, check_currency, decimal, from_minor
from core.errors import InvalidInput


def exact_minor(value: object, currency: str, what: str = "amount") -> int:
    """`value` in minor units of `currency`, refused (not rounded) when it is a float, not a
    number, zero or negative, too large, or carries more decimals than the currency allows:
    a receipt of 100.005 yuan is a typo, not something to round away."""
    code = check_currency(currency)
    amount = decimal(value, what)
    if amount <= 0:
        raise InvalidInput(f"The {what} must be more than zero.")
    if amount >= MAX_AMOUNT:
        raise InvalidInput(f"The {what} {amount} is too large.")
    places = MINOR_UNITS[code]
    scaled = amount.scaleb(places)
    if scaled != scaled.to_integral_value():
        unit = "no decimals" if places == 0 else f"at most {places} decimals"
        raise InvalidInput(f"The {what} {amount} has more decimals than {code} allows "
                           f"({unit}).")
    return int(scaled)


def money(minor: int, currency: str) -> Decimal:
    """Minor units back to a Decimal of the currency's precision."""
    return from_minor(minor, currency)
