"""The credit hold: a contract whose amount exceeds the customer's available credit (the
approved limit minus open receivables and approved contracts not yet signed) is held when it
is entered. Risk forces it to the strictest approval chain (core/contracts/risk.py), and the
approval that would release it must say why the hold is overridden; the reason is sealed in
the audit trail under the customer's key with the figures it overrode."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.contracts.money import format_amount
from core.errors import InvalidInput

MAX_OVERRIDE_REASON = 1000


@dataclass(frozen=True)
class CreditHold:
    total: Decimal
    available: Decimal
    currency: str

    @property
    def over_by(self) -> Decimal:
        return self.total - self.available

    def message(self) -> str:
        def money(amount: Decimal) -> str:
            return f"{format_amount(amount, self.currency)} {self.currency}"

        return (f"Credit hold: the contract's {money(self.total)} exceeds the customer's "
                f"available credit of {money(self.available)} by {money(self.over_by)}.")

    def audit_details(self) -> dict[str, str]:
        return {"total": str(self.total), "available": str(self.available),
                "over_by": str(self.over_by), "currency": self.currency}


class OverrideReasonNeeded(InvalidInput):
    """Approving a held contract's last step needs the reason for overriding the hold."""

    def __init__(self, hold: CreditHold) -> None:
        super().__init__(hold.message() + " Give the reason for overriding the hold to "
                         "approve it.")
        self.hold = hold


def hold_for(total: Decimal, currency: str, available: Decimal | None) -> CreditHold | None:
    """None when the amount is covered, or when no limit is known (risk reports that case as
    a reason of its own: there is nothing to override)."""
    if available is None or total <= available:
        return None
    return CreditHold(total, available, currency)
