"""Creating and unlocking vaults: core's VaultOpener over SQLCipher and the key-slot file."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import (
    AuthenticationFailed,
    RecoveryKeyRejected,
    UnlockThrottled,
    VaultDamaged,
    VaultExists,
)
from core.ports import Unlocked
from storage import slotfile
from storage.crypto import Argon2Params, InvalidTag, argon2id, b64, calibrate_argon2, wipe
from storage.database import CHECK_ON_OPEN_BYTES, Database, connect, meaning
from storage.locks import OpenLock
from storage.migrate import backup_files, check_not_newer, upgrade
from storage.open_vault import OpenVault, db_files
from storage.slots import (
    DEVICE,
    RECOVERY,
    USER,
    make_slot,
    name_tag,
    new_kdf,
    new_recovery_key,
    open_db_key,
    open_private,
    parse_recovery_key,
    password_bytes,
)
from storage.unlock_state import UnlockState

RECOVERY_TAG = "recovery"
Progress = Callable[[str], None]


def _now() -> datetime:
    return datetime.now(UTC)


class SqlCipherVaults:
    """core.ports.VaultOpener. `kdf` fixes the Argon2 parameters of new vaults (tests use cheap
    ones); by default they are calibrated on this computer, never below the floor."""

    def __init__(self, kdf: Argon2Params | None = None, check_integrity: bool = True,
                 clock: Callable[[], datetime] = _now) -> None:
        self._kdf = kdf
        self._check_integrity = check_integrity
        self._clock = clock

    def exists(self, path: Path) -> bool:
        return (Path(path) / slotfile.SLOT_FILE).is_file()

    def vault_id(self, path: Path) -> str:
        return str(slotfile.read(Path(path))["vault_id"])

    # -- creation ----------------------------------------------------------------------------
    def create(self, path: Path, admin_name: str, password: str,
               progress: Progress | None = None) -> tuple[Unlocked, str]:
        folder = Path(path)
        if folder.exists() and any(folder.iterdir()):
            raise VaultExists(f"{folder} is not empty; choose an empty or new folder.")
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        if progress:
            progress("Measuring this computer to set the password hardness…")
        params = self._kdf or calibrate_argon2()
        if progress:
            progress("Creating the encrypted database…")
        key = bytearray(os.urandom(32))
        vault_id = os.urandom(16).hex()
        tag_salt = b64(os.urandom(16))
        user_slot = make_slot(vault_id, USER, new_kdf(USER, params), password_bytes(password),
                              key, tag=name_tag(tag_salt, admin_name))
        recovery_text, raw = new_recovery_key()
        recovery_slot = make_slot(vault_id, RECOVERY, new_kdf(RECOVERY, params), raw, key)
        wipe(raw)
        db_name = "vault-1.db"
        conn = connect(folder / db_name, key, create=True)
        try:
            upgrade(conn)
            conn.execute("INSERT INTO meta (key, value) VALUES ('vault_id', ?)", (vault_id,))
        except BaseException:
            conn.close()
            raise
        data: dict[str, Any] = {
            "format": slotfile.FORMAT, "vault_id": vault_id, "generation": 1,
            "db_file": db_name, "tag_salt": tag_salt, "kdf_default": params.to_dict(),
            "slots": [user_slot, recovery_slot], "audit_head": None,
        }
        slotfile.write(folder, data, key)
        vault = OpenVault(folder, data, key, Database(conn, folder / db_name), OpenLock(folder))
        return Unlocked(vault.store, vault, user_slot["id"]), recovery_text

    # -- unlocking ---------------------------------------------------------------------------
    def unlock(self, path: Path, user_name: str, password: str) -> Unlocked:
        folder = Path(path)
        data = slotfile.read(folder)
        tag = name_tag(data["tag_salt"], user_name)
        state = self._throttle(folder, tag)
        slot = next((s for s in data["slots"] if s["kind"] == USER and s["tag"] == tag), None)
        if slot is None:
            # Spend the same work as a real attempt, so timing does not reveal unknown names.
            argon2id(password_bytes(password), os.urandom(16),
                     Argon2Params.from_dict(data["kdf_default"]))
            state.failed(tag, self._clock())
            raise AuthenticationFailed()
        try:
            private = open_private(data["vault_id"], slot, password_bytes(password))
        except InvalidTag:
            state.failed(tag, self._clock())
            raise AuthenticationFailed() from None
        unlocked = self._open(folder, data, slot, private, state, tag)
        assert isinstance(unlocked.keys, OpenVault)
        unlocked.keys.upgrade_slot_kdf(slot["id"], password)
        return unlocked

    def unlock_with_device(self, path: Path, user_name: str, secret: bytes) -> Unlocked:
        folder = Path(path)
        data = slotfile.read(folder)
        tag = name_tag(data["tag_salt"], user_name)
        state = self._throttle(folder, tag)
        user = next((s for s in data["slots"] if s["kind"] == USER and s["tag"] == tag), None)
        for slot in data["slots"]:
            if user is None or slot["kind"] != DEVICE or slot["parent"] != user["id"]:
                continue
            try:
                private = open_private(data["vault_id"], slot, secret)
            except InvalidTag:
                continue
            unlocked = self._open(folder, data, slot, private, state, tag)
            return Unlocked(unlocked.store, unlocked.keys, user["id"])
        state.failed(tag, self._clock())
        raise AuthenticationFailed()

    def unlock_with_recovery(self, path: Path, recovery_key: str) -> Unlocked:
        folder = Path(path)
        data = slotfile.read(folder)
        state = self._throttle(folder, RECOVERY_TAG)
        raw = parse_recovery_key(recovery_key)
        slot = next((s for s in data["slots"] if s["kind"] == RECOVERY), None)
        if raw is None or slot is None:
            state.failed(RECOVERY_TAG, self._clock())
            raise RecoveryKeyRejected()
        try:
            private = open_private(data["vault_id"], slot, raw)
        except InvalidTag:
            state.failed(RECOVERY_TAG, self._clock())
            raise RecoveryKeyRejected() from None
        finally:
            wipe(raw)
        unlocked = self._open(folder, data, slot, private, state, RECOVERY_TAG)
        return Unlocked(unlocked.store, unlocked.keys, None)

    def _throttle(self, folder: Path, tag: str) -> UnlockState:
        state = UnlockState(folder)
        wait = state.retry_after(tag, self._clock())
        if wait > 0:
            raise UnlockThrottled(wait)
        return state

    def _open(self, folder: Path, data: dict[str, Any], slot: dict[str, Any],
              private: bytearray, state: UnlockState, tag: str) -> Unlocked:
        try:
            key = open_db_key(data["vault_id"], slot, private)
        except InvalidTag:
            raise VaultDamaged("a key slot was altered") from None
        finally:
            wipe(private)
        # The shared lock first: a rekey in another process finishes before we look at files.
        open_lock = OpenLock(folder)
        try:
            slotfile.verify_mac(data, key)
            db = self._open_database(folder, data, key)
        except BaseException:
            wipe(key)
            open_lock.release()
            raise
        state.succeeded(tag)
        vault = OpenVault(folder, data, key, db, open_lock)
        try:
            with vault.store.reader() as repos:
                referenced = repos.users.slot_ids()
            vault.prune_orphan_slots(referenced)
        except BaseException:
            vault.lock()  # close the database, drop the key and the shared lock
            raise
        return Unlocked(vault.store, vault, slot["id"])

    def _open_database(self, folder: Path, data: dict[str, Any], key: bytearray) -> Database:
        path = folder / data["db_file"]
        conn = connect(path, key)
        try:
            check_not_newer(conn)
            db = Database(conn, path)
            if self._check_integrity and path.stat().st_size <= CHECK_ON_OPEN_BYTES:
                db.integrity_check()
            stored_id = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
            if not stored_id or stored_id[0] != data["vault_id"]:
                raise VaultDamaged("the database does not belong to this key-slot file")

            def backup(version: int) -> None:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                backup_files(folder, path, folder / slotfile.SLOT_FILE, version)

            upgrade(conn, backup=backup)
        except BaseException as exc:
            conn.close()
            # Without the full check on open (big vaults), a damaged page read here is the
            # first sign of damage: report it as such, not as a driver error.
            reported = meaning(exc)
            if reported is None:
                raise
            raise reported from exc
        _remove_stale_generations(folder, data["db_file"])
        return db


def _remove_stale_generations(folder: Path, current: str) -> None:
    """Files left by a rekey that crashed before or after switching generations."""
    for candidate in folder.glob("vault-*.db"):
        if candidate.name != current:
            for path in db_files(folder, candidate.name):
                path.unlink(missing_ok=True)
