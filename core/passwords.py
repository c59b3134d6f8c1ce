"""Password rules: length, a list of common passwords, and no reuse of recent ones.

Recent passwords are kept as passlib argon2 verifiers inside the encrypted database only; the slot
file never holds a cheaper check than the slot's own Argon2id unwrap.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

from passlib.hash import argon2 as _passlib_argon2

from core.errors import PolicyViolation
from core.policy import Policy


class HistoryHasher:
    """Argon2id verifiers for the password history (OWASP floor by default, cheaper in tests)."""

    def __init__(self, memory_kib: int = 19456, time_cost: int = 2, parallelism: int = 1) -> None:
        self._scheme = _passlib_argon2.using(
            type="ID", memory_cost=memory_kib, rounds=time_cost, parallelism=parallelism
        )

    def hash(self, password: str) -> str:
        return self._scheme.hash(password)

    def verify(self, password: str, verifier: str) -> bool:
        try:
            return bool(self._scheme.verify(password, verifier))
        except (ValueError, TypeError):
            return False


def load_common_passwords(path: Path) -> frozenset[str]:
    words = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().casefold() for w in words if w.strip() and not w.startswith("#"))


class PasswordRules:
    def __init__(self, common: frozenset[str], hasher: HistoryHasher) -> None:
        self._common = common
        self.hasher = hasher

    def problems(
        self, password: str, user_name: str, policy: Policy, history: Iterable[str] = ()
    ) -> list[str]:
        """Every reason the password is refused, empty when it is acceptable."""
        reasons: list[str] = []
        text = unicodedata.normalize("NFC", password)
        if len(text) < policy.min_password_length:
            reasons.append(
                f"A password needs at least {policy.min_password_length} characters."
            )
        folded = text.casefold()
        if folded in self._common or folded.strip("0123456789!@#$%^&*.?") in self._common:
            reasons.append("This password is on the list of commonly used passwords.")
        name = unicodedata.normalize("NFC", user_name).strip().casefold()
        # Three letters make a telling Latin name; two characters are a whole Chinese one (王芳).
        wide = any(unicodedata.east_asian_width(ch) in "WF" for ch in name)
        if len(name) >= (2 if wide else 3) and name in folded:
            reasons.append("A password must not contain the user name.")
        if len(set(text)) < 4 and text:
            reasons.append("A password needs more than three different characters.")
        recent = list(history)[: policy.password_history]
        if any(self.hasher.verify(text, verifier) for verifier in recent):
            reasons.append(
                f"This password was used recently; choose one not among the last "
                f"{policy.password_history}."
            )
        return reasons

    def check(
        self, password: str, user_name: str, policy: Policy, history: Iterable[str] = ()
    ) -> None:
        reasons = self.problems(password, user_name, policy, history)
        if reasons:
            raise PolicyViolation(reasons)
