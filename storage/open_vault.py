"""An unlocked vault: the open database, the key, and the key-slot operations core asks for."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.audit import ChainHead
from core.errors import AuthenticationFailed, VaultDamaged, VaultLocked
from core.ports import FailedUnlock
from storage import slotfile
from storage.crypto import Argon2Params, InvalidTag, wipe
from storage.database import Database, connect, key_pragma
from storage.locks import OpenLock, slot_lock
from storage.repositories import SqlRepositories
from storage.slots import (
    DEVICE,
    RECOVERY,
    USER,
    make_slot,
    name_tag,
    new_kdf,
    new_recovery_key,
    open_private,
    password_bytes,
    reseal,
    rewrap_private,
)
from storage.unlock_state import UnlockState


class SqlStore:
    """core's Store over one Database; after a commit that appended to the audit trail, the new
    head is recorded in the slot file as the anchor kept outside the database."""

    def __init__(self, db: Database, on_audit: Callable[[ChainHead], None]) -> None:
        self.db = db
        self._on_audit = on_audit

    @contextmanager
    def transaction(self) -> Iterator[SqlRepositories]:
        with self.db.transaction() as conn:
            repos = SqlRepositories(conn)
            yield repos
        if repos.audit.appended is not None:
            self._on_audit(repos.audit.appended)

    @contextmanager
    def reader(self) -> Iterator[SqlRepositories]:
        with self.db.reading() as conn:
            yield SqlRepositories(conn)

    def checkpoint(self) -> None:
        self.db.checkpoint()


def db_files(folder: Path, name: str) -> list[Path]:
    base = folder / name
    return [base, base.with_name(name + "-wal"), base.with_name(name + "-shm")]


class OpenVault:
    def __init__(self, folder: Path, data: dict[str, Any], key: bytearray, db: Database,
                 open_lock: OpenLock) -> None:
        self.path = folder
        self.vault_id: str = data["vault_id"]
        self._tag_salt: str = data["tag_salt"]
        self._kdf = Argon2Params.from_dict(data["kdf_default"])
        self._key: bytearray | None = key
        self._open_lock = open_lock
        self.store = SqlStore(db, self._record_anchor)

    # -- state -------------------------------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        return self._key is None

    def _require_key(self) -> bytearray:
        if self._key is None:
            raise VaultLocked()
        return self._key

    def lock(self) -> None:
        """Checkpoint and close the database, forget the key."""
        self.store.db.close()
        wipe(self._key)
        self._key = None
        self._open_lock.release()

    def _mutate(self, change: Callable[[dict[str, Any]], None],
                key: bytearray | None = None) -> dict[str, Any]:
        """Read-modify-write the slot file under the slot lock, re-reading it first so another
        process's change is not lost."""
        current = self._require_key()
        with slot_lock(self.path):
            data = slotfile.read(self.path)
            slotfile.verify_mac(data, current)
            change(data)
            slotfile.write(self.path, data, key or current)
        return data

    def _record_anchor(self, head: ChainHead) -> None:
        """Move the anchor forward only along the chain it anchors. If the recorded head is no
        longer in the database (a cut tail, a rewrite), appending on top of the forged history
        must not bless it: the anchor stays where it was, for `audit verify` to report. An older
        head (another window's commit, recorded late) never moves it back either."""
        def change(data: dict[str, Any]) -> None:
            old = data.get("audit_head")
            if old:
                if int(old["seq"]) >= head.seq:
                    return
                rows = self.store.db.execute("SELECT hash FROM audit_log WHERE seq = ?",
                                             (int(old["seq"]),))
                if not rows or rows[0][0] != old["hash"]:
                    return
            data["audit_head"] = {"seq": head.seq, "hash": head.hash}

        self._mutate(change)

    def audit_anchor(self) -> ChainHead | None:
        data = slotfile.read(self.path)
        slotfile.verify_mac(data, self._require_key())
        head = data.get("audit_head")
        return ChainHead(int(head["seq"]), str(head["hash"])) if head else None

    # -- user slots --------------------------------------------------------------------------
    def _user_slot(self, data: dict[str, Any], slot_id: str) -> dict[str, Any]:
        for slot in data["slots"]:
            if slot["id"] == slot_id and slot["kind"] == USER:
                return slot
        raise VaultDamaged("a user's key slot is missing")

    def add_user_slot(self, user_name: str, password: str) -> str:
        key = self._require_key()
        tag = name_tag(self._tag_salt, user_name)
        slot = make_slot(self.vault_id, USER, new_kdf(USER, self._kdf),
                         password_bytes(password), key, tag=tag)

        def change(data: dict[str, Any]) -> None:
            if any(s["kind"] == USER and s["tag"] == tag for s in data["slots"]):
                # A stale slot for this name (an add that crashed before its row was written).
                data["slots"] = [s for s in data["slots"]
                                 if not (s["kind"] == USER and s["tag"] == tag)]
            data["slots"].append(slot)

        self._mutate(change)
        return str(slot["id"])

    def replace_user_slot(self, old_slot_id: str | None, user_name: str, password: str) -> str:
        key = self._require_key()
        tag = name_tag(self._tag_salt, user_name)
        slot = make_slot(self.vault_id, USER, new_kdf(USER, self._kdf),
                         password_bytes(password), key, tag=tag)

        def change(data: dict[str, Any]) -> None:
            data["slots"] = [s for s in data["slots"]
                             if s["id"] != old_slot_id and s.get("parent") != old_slot_id
                             and not (s["kind"] == USER and s["tag"] == tag)]
            data["slots"].append(slot)

        self._mutate(change)
        return str(slot["id"])

    def check_password(self, slot_id: str, user_name: str, password: str) -> bool:
        slot = self._user_slot(slotfile.read(self.path), slot_id)
        if slot["tag"] != name_tag(self._tag_salt, user_name):
            return False
        try:
            wipe(open_private(self.vault_id, slot, password_bytes(password)))
        except InvalidTag:
            return False
        return True

    def change_password(self, slot_id: str, user_name: str, old: str, new: str) -> None:
        def change(data: dict[str, Any]) -> None:
            slot = self._user_slot(data, slot_id)
            try:
                private = open_private(self.vault_id, slot, password_bytes(old))
            except InvalidTag:
                raise AuthenticationFailed() from None
            try:
                updated = rewrap_private(self.vault_id, slot, private, password_bytes(new),
                                         self._kdf)
            finally:
                wipe(private)
            data["slots"] = [updated if s["id"] == slot_id else s for s in data["slots"]]

        self._mutate(change)

    def upgrade_slot_kdf(self, slot_id: str, password: str) -> bool:
        """Raise a slot's Argon2 cost to the vault's current default (needs the password, which
        we have right after an unlock). Returns whether the slot changed."""
        slot = self._user_slot(slotfile.read(self.path), slot_id)
        current = Argon2Params.from_dict(slot["kdf"])
        if (current.memory_kib >= self._kdf.memory_kib
                and current.time_cost >= self._kdf.time_cost):
            return False
        self.change_password(slot_id, "", password, password)
        return True

    # -- device slots ("remember on this computer") ------------------------------------------
    def add_device_slot(self, user_slot_id: str, user_name: str) -> bytes:
        key = self._require_key()
        secret = os.urandom(32)
        slot = make_slot(self.vault_id, DEVICE, new_kdf(DEVICE, self._kdf), secret, key,
                         tag=name_tag(self._tag_salt, user_name), parent=user_slot_id)
        self._mutate(lambda d: d["slots"].append(slot))
        return secret

    def remove_device_slots(self, user_slot_id: str) -> None:
        def change(data: dict[str, Any]) -> None:
            data["slots"] = [s for s in data["slots"]
                             if not (s["kind"] == DEVICE and s["parent"] == user_slot_id)]
        self._mutate(change)

    def has_device_slot(self, user_slot_id: str) -> bool:
        return any(s["kind"] == DEVICE and s["parent"] == user_slot_id
                   for s in slotfile.read(self.path)["slots"])

    # -- rekeying ----------------------------------------------------------------------------
    def remove_slots_and_rekey(self, slot_ids: list[str]) -> None:
        self._rekey(set(slot_ids), new_recovery=False)

    def regenerate_recovery(self) -> str:
        text = self._rekey(set(), new_recovery=True)
        assert text is not None
        return text

    def _rekey(self, removed: set[str], new_recovery: bool) -> str | None:
        """New database key: export to the next generation's file, seal the new key to every
        remaining slot, then switch the slot file over in one atomic rename. A crash before the
        rename leaves the old generation in force; after it, the new one."""
        old_key = self._require_key()
        db = self.store.db
        recovery_text: str | None = None
        with self._open_lock.exclusive(), slot_lock(self.path):
            data = slotfile.read(self.path)
            slotfile.verify_mac(data, old_key)
            generation = int(data.get("generation", 1)) + 1
            new_name = f"vault-{generation}.db"
            new_path = self.path / new_name
            for stale in db_files(self.path, new_name):
                stale.unlink(missing_ok=True)
            new_key = bytearray(os.urandom(32))
            with db.reading() as conn:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                conn.execute(f"ATTACH DATABASE ? AS rekeyed KEY \"x'{bytes(new_key).hex()}'\"",
                             (str(new_path),))
                try:
                    conn.execute("SELECT sqlcipher_export('rekeyed')").fetchall()
                    conn.execute(f"PRAGMA rekeyed.user_version = {version}")
                finally:
                    conn.execute("DETACH DATABASE rekeyed")
            new_conn = connect(new_path, new_key)
            new_conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            slots = []
            for slot in data["slots"]:
                if slot["id"] in removed or slot.get("parent") in removed:
                    continue
                if new_recovery and slot["kind"] == RECOVERY:
                    continue
                slots.append(reseal(self.vault_id, slot, new_key))
            if new_recovery:
                recovery_text, raw = new_recovery_key()
                slots.append(make_slot(self.vault_id, RECOVERY, new_kdf(RECOVERY, self._kdf),
                                       raw, new_key))
                wipe(raw)
            old_name = data["db_file"]
            data.update(slots=slots, generation=generation, db_file=new_name)
            slotfile.write(self.path, data, new_key)
            db.swap(new_conn, new_path)
            wipe(old_key)
            self._key = new_key
            for old in db_files(self.path, old_name):
                old.unlink(missing_ok=True)
        return recovery_text

    def export_key_hex(self) -> str:
        key = self._require_key()
        key_pragma(key)  # validates
        return bytes(key).hex()

    def check_integrity(self) -> None:
        """Every page's HMAC and the b-tree structure, whatever the database's size."""
        self.store.db.integrity_check()

    # -- housekeeping after unlock -----------------------------------------------------------
    def prune_orphan_slots(self, referenced: set[str]) -> None:
        data = slotfile.read(self.path)
        orphans = {s["id"] for s in data["slots"] if s["kind"] == USER
                   and s["id"] not in referenced}
        if orphans:
            self._mutate(lambda d: d.update(slots=[
                s for s in d["slots"] if s["id"] not in orphans and s.get("parent") not in orphans
            ]))

    def take_failed_unlocks(self, known_names: list[str]) -> list[FailedUnlock]:
        by_tag = {name_tag(self._tag_salt, n): n for n in known_names}
        return [FailedUnlock(at=at, user_name_known=by_tag.get(tag))
                for tag, at in UnlockState(self.path).take_pending()]
