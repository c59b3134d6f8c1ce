"""User accounts as the core sees them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from core.errors import InvalidInput
from core.roles import Role


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    active: bool
    must_change_password: bool
    created_at: datetime
    slot_id: str | None
    last_login_at: datetime | None = None
    display_name: str = ""
    manager_id: int | None = None


def normalise_name(name: str) -> str:
    """The form user names are compared in: NFC, trimmed, case-folded."""
    return unicodedata.normalize("NFC", name).strip().casefold()


def validate_user_name(name: str) -> str:
    """Return the trimmed NFC name, or raise InvalidInput saying why it is not acceptable."""
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned:
        raise InvalidInput("A user name is required.")
    if len(cleaned) > 64:
        raise InvalidInput("A user name has at most 64 characters.")
    if any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in cleaned):
        raise InvalidInput("A user name cannot contain control characters or line breaks.")
    return cleaned
