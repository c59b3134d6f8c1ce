"""How protected values look to someone who has not revealed them."""

from __future__ import annotations

from core.customers.model import BANK_ACCOUNT, NATIONAL_ID, PERSONAL_MOBILE

MASK = "*"


def mask(field: str, value: str) -> str:
    """138****5678 for a mobile, 110***********002X for an ID, ************1234 for an account;
    other protected values keep at most their first and last character."""
    if not value:
        return ""
    if field == PERSONAL_MOBILE and len(value) == 11:
        return value[:3] + MASK * 4 + value[-4:]
    if field == NATIONAL_ID and len(value) == 18:
        return value[:3] + MASK * 11 + value[-4:]
    if field == BANK_ACCOUNT and len(value) > 4:
        return MASK * (len(value) - 4) + value[-4:]
    if len(value) <= 2:
        return MASK * len(value)
    return value[0] + MASK * min(len(value) - 2, 8) + value[-1]


def mask_all(values: dict[str, str] | object) -> dict[str, str]:
    assert isinstance(values, dict)
    return {k: mask(k, v) for k, v in values.items()}
