"""The approver types their password again (design.md §3): the same key-slot unwrap as a login,
with growing delays after consecutive failures (core/throttle.py) against guessing a colleague's
password at their unattended, unlocked session; every failure is audited."""

from __future__ import annotations

from datetime import datetime

from core.audit import AuditEvent
from core.errors import AuthenticationFailed, UnlockThrottled
from core.ports import KeyVault, Store
from core.throttle import retry_after
from core.trail import Clock, append
from core.users import User


class Reauthentication:
    def __init__(self, store: Store, keys: KeyVault, clock: Clock) -> None:
        self._store, self._keys, self._clock = store, keys, clock
        self._failures: dict[int, tuple[int, datetime]] = {}

    def check(self, user: User, password: str, failed: AuditEvent) -> None:
        """Return if `password` is `user`'s (the account as stored); otherwise audit `failed`
        and raise AuthenticationFailed, or UnlockThrottled while a delay runs."""
        failures, last = self._failures.get(user.id, (0, None))
        wait = retry_after(failures, last, self._clock())
        if wait > 0:
            raise UnlockThrottled(wait)
        if user.slot_id is None or not password or not self._keys.check_password(
                user.slot_id, user.name, password):
            self._failures[user.id] = (failures + 1, self._clock())
            with self._store.transaction() as repos:
                append(repos, user, failed, self._clock())
            raise AuthenticationFailed()
        self._failures.pop(user.id, None)
