"""Allocating a receipt to a customer's open instalments, in integer minor units.

Automatically the oldest due first (the instalment that has waited longest is paid first, as
customers and auditors expect); or by hand, with amounts per instalment that are checked: each
positive, never more than the instalment's open balance, together never more than the receipt.
What is left over stays with the customer as credit. Pure: no storage, no permissions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from core.contracts.money import DEFAULT_CURRENCY, from_minor
from core.errors import InvalidInput


class AllocationInvalid(InvalidInput):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("The allocation cannot be made: " + "; ".join(problems))


@dataclass(frozen=True)
class OpenItem:
    receivable_id: int
    due: date
    open_minor: int


@dataclass(frozen=True)
class Plan:
    parts: tuple[tuple[int, int], ...]  # (receivable id, minor units), in allocation order
    credit_minor: int  # what stays unallocated

    @property
    def allocated_minor(self) -> int:
        return sum(minor for _id, minor in self.parts)


def _oldest_first(items: Iterable[OpenItem]) -> list[OpenItem]:
    return sorted((i for i in items if i.open_minor > 0), key=lambda i: (i.due, i.receivable_id))


def oldest_first(items: Iterable[OpenItem], amount_minor: int) -> Plan:
    if amount_minor < 0:
        raise AllocationInvalid(["the amount to allocate cannot be negative"])
    left = amount_minor
    parts: list[tuple[int, int]] = []
    for item in _oldest_first(items):
        if left == 0:
            break
        take = min(left, item.open_minor)
        parts.append((item.receivable_id, take))
        left -= take
    return Plan(tuple(parts), left)


def by_hand(items: Iterable[OpenItem], amount_minor: int, requested: Mapping[int, int],
            currency: str = DEFAULT_CURRENCY) -> Plan:
    """The amounts asked for, if every one of them can stand; AllocationInvalid lists every
    problem otherwise (nothing is half-applied)."""
    open_by_id = {i.receivable_id: i for i in items}
    problems: list[str] = []
    for receivable_id, minor in requested.items():
        item = open_by_id.get(receivable_id)
        if item is None or item.open_minor <= 0:
            problems.append(f"instalment {receivable_id} is not an open instalment of this "
                            "customer in the receipt's currency")
        elif minor <= 0:
            problems.append(f"the amount for instalment {receivable_id} must be more than zero")
        elif minor > item.open_minor:
            problems.append(f"instalment {receivable_id} has only "
                            f"{from_minor(item.open_minor, currency)} {currency} open, less "
                            f"than the {from_minor(minor, currency)} asked")
    total = sum(requested.values())
    if total > amount_minor:
        problems.append(f"together the amounts ({from_minor(total, currency)} {currency}) "
                        f"exceed the {from_minor(amount_minor, currency)} available")
    if problems:
        raise AllocationInvalid(problems)
    ordered = sorted(requested.items(),
                     key=lambda kv: (open_by_id[kv[0]].due, kv[0]))
    return Plan(tuple(ordered), amount_minor - total)
