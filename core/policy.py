"""Vault-wide policies an administrator may change."""

from __future__ import annotations

from dataclasses import dataclass, fields

from core.errors import PolicyViolation

MIN_PASSWORD_LENGTH_FLOOR = 12


@dataclass(frozen=True)
class Policy:
    idle_minutes: int = 10
    min_password_length: int = 12
    password_history: int = 5

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Policy:
        known = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in data.items() if k in known})  # type: ignore[arg-type]

    def validated(self) -> Policy:
        reasons = []
        if not 1 <= self.idle_minutes <= 240:
            reasons.append("Idle minutes must be between 1 and 240.")
        if not MIN_PASSWORD_LENGTH_FLOOR <= self.min_password_length <= 128:
            reasons.append(
                f"Minimum password length must be between {MIN_PASSWORD_LENGTH_FLOOR} and 128."
            )
        if not 1 <= self.password_history <= 24:
            reasons.append("Password history must remember between 1 and 24 passwords.")
        if reasons:
            raise PolicyViolation(reasons)
        return self
