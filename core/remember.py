"""'Remember on this computer': the OS credential store unlocks one user's device slot."""

from __future__ import annotations

import hashlib

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.errors import StrongroomError
from core.ports import CredentialStore, KeyVault, Store
from core.trail import Clock, append
from core.users import User, normalise_name


def credential_account(vault_id: str, user_name: str) -> str:
    """The credential-store account for a user of a vault; hashed so the OS store does not
    list user names."""
    digest = hashlib.sha256(f"{vault_id}\0{normalise_name(user_name)}".encode()).hexdigest()
    return f"strongroom-{digest[:32]}"


class RememberService:
    def __init__(self, store: Store, keys: KeyVault, credentials: CredentialStore | None,
                 clock: Clock, bus: ChangeBus) -> None:
        self._store, self._keys, self._credentials = store, keys, credentials
        self._clock, self._bus = clock, bus

    def unavailable_reason(self) -> str | None:
        if self._credentials is None:
            return "No credential store is configured."
        return self._credentials.unavailable_reason()

    def is_remembered(self, actor: User) -> bool:
        if self.unavailable_reason() or actor.slot_id is None:
            return False
        assert self._credentials is not None
        account = credential_account(self._keys.vault_id, actor.name)
        return self._keys.has_device_slot(actor.slot_id) and \
            self._credentials.get(account) is not None

    def remember(self, actor: User) -> None:
        reason = self.unavailable_reason()
        if reason:
            raise StrongroomError(reason)
        if actor.slot_id is None:
            raise StrongroomError("A recovery session cannot be remembered.")
        assert self._credentials is not None
        self._keys.remove_device_slots(actor.slot_id)
        secret = self._keys.add_device_slot(actor.slot_id, actor.name)
        try:
            self._credentials.put(credential_account(self._keys.vault_id, actor.name), secret)
        except Exception:
            self._keys.remove_device_slots(actor.slot_id)
            raise
        self._record(actor, "user.remembered")

    def forget(self, actor: User) -> None:
        if actor.slot_id is not None:
            self._keys.remove_device_slots(actor.slot_id)
        if self._credentials is not None and not self.unavailable_reason():
            self._credentials.delete(credential_account(self._keys.vault_id, actor.name))
        self._record(actor, "user.forgotten")

    def _record(self, actor: User, action: str) -> None:
        with self._store.transaction() as repos:
            append(repos, actor, AuditEvent(action, "user", str(actor.id)), self._clock())
        self._bus.publish(Changes(users=True))
