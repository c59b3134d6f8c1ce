"""Payment schedules: instalments whose amounts sum exactly to the contract's gross total, due in
order, at least one; and an even schedule to start from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from core.contracts.model import Instalment
from core.contracts.money import quantize, split_evenly, to_minor
from core.errors import InvalidInput

MAX_INSTALMENTS = 120
MAX_LABEL = 100


class ScheduleInvalid(InvalidInput):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems))


def schedule_problems(instalments: Sequence[Instalment], gross: Decimal, currency: str,
                      contract_date: date | None = None) -> list[str]:
    """Every reason the schedule cannot stand, in words a person can act on; [] when valid."""
    problems: list[str] = []
    if not instalments:
        return ["A payment schedule needs at least one instalment."]
    if len(instalments) > MAX_INSTALMENTS:
        problems.append(f"A schedule has at most {MAX_INSTALMENTS} instalments.")
    for number, item in enumerate(instalments, start=1):
        if item.amount <= 0 and gross > 0:
            problems.append(f"Instalment {number} must be a positive amount.")
        if quantize(item.amount, currency) != item.amount:
            problems.append(f"Instalment {number} ({item.amount}) has more decimals than "
                            f"{currency} allows.")
        if contract_date is not None and item.due < contract_date:
            problems.append(f"Instalment {number} is due before the contract date.")
        if len(item.label) > MAX_LABEL:
            problems.append(f"Instalment {number}'s label is too long.")
    for number, (before, after) in enumerate(pairwise(instalments), start=2):
        if after.due < before.due:
            problems.append(f"Instalment {number} is due before instalment {number - 1}: "
                            "list instalments in the order they fall due.")
    total = sum((i.amount for i in instalments), Decimal(0))
    if total != gross:
        problems.append(f"The instalments add up to {quantize(total, currency)} {currency} but "
                        f"the contract total is {quantize(gross, currency)} {currency}.")
    return problems


def check_schedule(instalments: Sequence[Instalment], gross: Decimal, currency: str,
                   contract_date: date | None = None) -> None:
    problems = schedule_problems(instalments, gross, currency, contract_date)
    if problems:
        raise ScheduleInvalid(problems)


def even_schedule(gross: Decimal, count: int, first_due: date, every_days: int = 30,
                  currency: str = "CNY", label: str = "Instalment {n}") -> tuple[Instalment, ...]:
    """`count` instalments `every_days` apart whose amounts sum exactly to `gross`; fewer when
    the total has fewer minor units than `count` (0.01 cannot be paid in two instalments)."""
    count = max(1, min(count, abs(to_minor(gross, currency))))
    amounts = split_evenly(gross, count, currency)
    return tuple(Instalment(first_due + timedelta(days=every_days * i), amount,
                            label.replace("{n}", str(i + 1)))
                 for i, amount in enumerate(amounts))


def payment_days(instalments: Sequence[Instalment], contract_date: date) -> int:
    """Days from the contract date to the last instalment: the term risk is judged on."""
    if not instalments:
        return 0
    return max(0, (max(i.due for i in instalments) - contract_date).days)
