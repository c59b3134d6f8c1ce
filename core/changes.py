"""What a mutating call changed, so open views refresh only what they show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Changes:
    users: bool = False
    policy: bool = False
    customers: bool = False
    interactions: bool = False  # interactions and tasks
    contracts: bool = False  # contracts, templates, qualifications, the archive
    money: bool = False  # receivables, receipts, allocations
    audit: bool = True


class ChangeBus:
    """Plain-Python observer; the UI bridges it to a Qt signal."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[Changes], None]] = []

    def subscribe(self, listener: Callable[[Changes], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Changes], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def publish(self, changes: Changes) -> None:
        for listener in list(self._listeners):
            listener(changes)
