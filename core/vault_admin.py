"""Administrator operations on the vault's keys: key export and recovery-key regeneration."""

from __future__ import annotations

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.ports import KeyVault, Store
from core.roles import Permission
from core.trail import Clock, Guard, append
from core.users import User


class VaultAdminService:
    def __init__(self, store: Store, keys: KeyVault, guard: Guard, clock: Clock,
                 bus: ChangeBus) -> None:
        self._store, self._keys, self._guard = store, keys, guard
        self._clock, self._bus = clock, bus

    def export_key(self, actor: User) -> str:
        """The raw database key in hex, so the data opens in any SQLCipher 4 tool."""
        self._guard.require(actor, Permission.VAULT_EXPORT_KEY, "vault", self._keys.vault_id)
        with self._store.transaction() as repos:
            append(repos, actor, AuditEvent("vault.key_exported", "vault", self._keys.vault_id),
                   self._clock())
        self._bus.publish(Changes())
        return self._keys.export_key_hex()

    def regenerate_recovery(self, actor: User) -> str:
        """Replace the recovery slot; the old recovery key stops opening the vault."""
        self._guard.require(actor, Permission.RECOVERY_REGENERATE, "vault", self._keys.vault_id)
        key = self._keys.regenerate_recovery()
        with self._store.transaction() as repos:
            append(repos, actor, AuditEvent("vault.recovery_regenerated", "vault",
                                            self._keys.vault_id), self._clock())
        self._bus.publish(Changes())
        return key

    def check_integrity(self, actor: User) -> None:
        """Raise VaultDamaged unless every database page and the slot file are intact. Any user
        may ask: the check reveals nothing but whether the vault is damaged."""
        self._keys.check_integrity()
        self._keys.audit_anchor()  # re-reads the slot file: checksum and MAC
        with self._store.transaction() as repos:
            append(repos, actor, AuditEvent("vault.checked", "vault", self._keys.vault_id),
                   self._clock())
