"""Damage anywhere in the vault's files is reported as damage, never as other data, a wrong
password or a traceback (design.md §7: bit flips anywhere in the database and the slot file)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.audit import AuditFilter
from core.auth import Authenticator
from core.errors import AuthenticationFailed, StrongroomError, VaultDamaged
from core.passwords import PasswordRules
from core.roles import Role
from storage.slots import USER, name_tag
from tests.conftest import ADMIN, USERS, make_authenticator
from tests.storage.rawvault import SLOT_FILE, db_path, flip_byte, rewrite_slot_file, slot_data

PAGE = 4096
RESERVE = 80  # SQLCipher 4: 16-byte IV + 64-byte HMAC-SHA512 at the end of every page


def _snapshot(auth: Authenticator, folder: Path) -> dict[str, Any]:
    """Everything an administrator can read: users, the whole trail, its verification."""
    session = auth.login(folder, *ADMIN)
    try:
        users = [(u.id, u.name, u.role, u.active, u.slot_id)
                 for u in session.accounts.list_users(session.user)]
        trail = [(e.seq, e.action, e.actor_name, dict(e.details), e.hash)
                 for e in session.audit.page(session.user, AuditFilter(), limit=10_000)]
        verified = session.audit.verify(session.user)
        return {"users": users, "trail": trail, "ok": verified.ok}
    finally:
        session.lock()


def _db_offsets(size: int) -> list[int]:
    assert size % PAGE == 0 and size >= 4 * PAGE
    pages = size // PAGE
    fixed = [0, 5, 15,                      # page 1: the salt
             16, 21, 40, 100, 2000,         # page 1: header and first b-tree page, encrypted
             PAGE - RESERVE, PAGE - RESERVE + 16, PAGE - 1,  # page 1: IV and HMAC
             size - PAGE, size - PAGE + 1000, size - RESERVE, size - 1]  # the last page
    middle = [PAGE * (1 + (pages - 2) * i // 24) + (i * 397) % PAGE for i in range(25)]
    offsets = sorted(set(fixed + middle))
    assert len(offsets) >= 40
    return offsets


@pytest.mark.parametrize("check_on_open", [True, False], ids=["checked", "big-vault"])
def test_a_flipped_byte_anywhere_in_the_database_is_damage(
        check_on_open: bool, rules: PasswordRules, vault_path: Path) -> None:
    """With the integrity check on open (vaults up to 64 MiB) every flip is damage at unlock.
    Without it (bigger vaults), a flip must surface as damage when its page is read; a page
    nobody read may go unnoticed, but only if everything read is exactly what was stored."""
    auth = make_authenticator(rules, check_integrity=check_on_open)
    db, slot_file = db_path(vault_path), vault_path / SLOT_FILE
    baseline = _snapshot(auth, vault_path)
    pristine, pristine_slots = db.read_bytes(), slot_file.read_bytes()

    def restore() -> None:
        for leftover in vault_path.glob("vault-*.db-*"):
            leftover.unlink()
        db.write_bytes(pristine)
        slot_file.write_bytes(pristine_slots)  # a successful open moves the anchor on

    surprises: list[str] = []
    for offset in _db_offsets(len(pristine)):
        restore()
        flip_byte(db, offset)
        try:
            snapshot = _snapshot(auth, vault_path)
        except VaultDamaged:
            continue
        except Exception as exc:  # any other outcome is the failure we look for
            surprises.append(f"offset {offset}: {type(exc).__name__}: {exc}")
            continue
        if check_on_open:
            surprises.append(f"offset {offset}: opened without noticing ({snapshot['ok']=})")
        elif snapshot["users"] != baseline["users"] or \
                snapshot["trail"][-len(baseline["trail"]):] != baseline["trail"] or \
                not snapshot["ok"]:
            surprises.append(f"offset {offset}: altered data was returned")
    assert surprises == []
    # And the pristine file still opens: the damage was the flip, not the harness.
    restore()
    assert _snapshot(auth, vault_path)["ok"]


def test_a_flipped_byte_anywhere_in_the_slot_file_is_damage(auth: Authenticator,
                                                            vault_path: Path) -> None:
    slot_file = vault_path / SLOT_FILE
    pristine = slot_file.read_bytes()
    surprises: list[str] = []
    offsets = sorted({*range(0, len(pristine), 50), len(pristine) - 1})
    for offset in offsets:
        # 0x01 keeps ASCII ASCII (so the JSON often still parses); 0x80 breaks UTF-8.
        for mask in (0x01, 0x80):
            slot_file.write_bytes(pristine)
            flip_byte(slot_file, offset, mask)
            try:
                auth.login(vault_path, *ADMIN).close()
            except VaultDamaged:
                continue
            except Exception as exc:
                surprises.append(f"offset {offset}/{mask:#x}: {type(exc).__name__}: {exc}")
            else:
                surprises.append(f"offset {offset}/{mask:#x}: unlocked a changed slot file")
    assert surprises == []
    slot_file.write_bytes(pristine)
    auth.login(vault_path, *ADMIN).close()


def _slot_of(data: dict[str, Any], name: str) -> dict[str, Any]:
    tag = name_tag(data["tag_salt"], name)
    return next(s for s in data["slots"] if s["kind"] == USER and s["tag"] == tag)


def _drop(kind_or_name: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        if kind_or_name == "recovery":
            data["slots"] = [s for s in data["slots"] if s["kind"] != "recovery"]
        else:
            gone = _slot_of(data, kind_or_name)["id"]
            data["slots"] = [s for s in data["slots"] if s["id"] != gone]
    return change


def _own_slot(edit: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], object]:
    return lambda data: edit(_slot_of(data, ADMIN[0]))


MEI = USERS[Role.SALES_MANAGER][0]

EDITS = {
    "audit-head-moved": lambda d: d["audit_head"].update(seq=d["audit_head"]["seq"] + 1),
    "audit-head-cleared": lambda d: d.update(audit_head=None),
    "recovery-slot-removed": _drop("recovery"),
    "other-user-slot-removed": _drop(MEI),
    "cheaper-default-kdf": lambda d: d["kdf_default"].update(m=8, t=1, p=1),
    "other-slot-sealed-box-swapped": lambda d: _slot_of(d, MEI).update(
        sealed=_slot_of(d, ADMIN[0])["sealed"]),
    "own-sealed-box-from-other-slot": lambda d: _slot_of(d, ADMIN[0]).update(
        sealed=_slot_of(d, MEI)["sealed"]),
    "own-slot-unknown-kdf": _own_slot(lambda s: s["kdf"].update(alg="rot13")),
    "own-slot-bad-salt": _own_slot(lambda s: s["kdf"].update(salt="***not base64***")),
    "own-slot-kdf-missing-field": _own_slot(lambda s: s["kdf"].pop("m")),
    "own-slot-zero-memory": _own_slot(lambda s: s["kdf"].update(m=0)),
    "own-slot-nonce-not-base64": _own_slot(lambda s: s["private"].update(nonce="%%%%")),
    "own-slot-sealed-eph-garbage": _own_slot(lambda s: s["sealed"].update(eph="AAAA")),
    "own-slot-version-bumped": _own_slot(lambda s: s.update(version=s["version"] + 1)),
    "vault-id-changed": lambda d: d.update(vault_id="00" * 16),
    "db-file-escapes-folder": lambda d: d.update(db_file="../elsewhere.db"),
    "slots-not-a-list": lambda d: d.update(slots={"a": 1}),
    "tag-salt-not-base64": lambda d: d.update(tag_salt="@@@"),
    "recovery-slot-without-tag": lambda d: next(
        s for s in d["slots"] if s["kind"] == "recovery").pop("tag"),
    "slot-is-a-string": lambda d: d["slots"].insert(0, "slot"),
}

# Edits to the unlocking user's own wrapped private key cannot be told from a wrong password
# before anything is decrypted; everything else must be named as damage.
MAY_LOOK_LIKE_A_WRONG_PASSWORD = {"own-slot-version-bumped", "vault-id-changed"}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_slot_file_edits_with_a_recomputed_checksum_are_caught(name: str, auth: Authenticator,
                                                               vault_path: Path) -> None:
    before = slot_data(vault_path)
    rewrite_slot_file(vault_path, EDITS[name])
    assert slot_data(vault_path) != before, "the edit changed nothing"
    expected: tuple[type[StrongroomError], ...] = (VaultDamaged,)
    if name in MAY_LOOK_LIKE_A_WRONG_PASSWORD:
        expected = (VaultDamaged, AuthenticationFailed)
    with pytest.raises(StrongroomError) as info:
        auth.login(vault_path, *ADMIN)
    assert isinstance(info.value, expected), f"{type(info.value).__name__}: {info.value}"


def test_the_slot_file_is_reported_missing_as_damage(auth: Authenticator,
                                                     vault_path: Path) -> None:
    (vault_path / SLOT_FILE).unlink()
    with pytest.raises(VaultDamaged):
        auth.login(vault_path, *ADMIN)


def test_a_missing_database_is_damage_not_a_new_vault(auth: Authenticator,
                                                      vault_path: Path) -> None:
    db_path(vault_path).unlink()
    with pytest.raises(VaultDamaged):
        auth.login(vault_path, *ADMIN)
    assert not list(vault_path.glob("vault-*.db"))  # nothing was created in its place


def test_slot_file_has_no_user_names_and_parses(vault_path: Path) -> None:
    text = (vault_path / SLOT_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    assert {"checksum", "mac", "slots", "audit_head"} <= data.keys()


@pytest.mark.parametrize("default", [{}, {"m": "lots", "t": 1, "p": 1}, {"m": 0, "t": 1, "p": 1},
                                     {"m": 1024, "t": 0, "p": 1}, "argon2id", None])
@pytest.mark.parametrize("who", ["admin", "unknown"])
def test_a_malformed_default_kdf_is_damage_for_known_and_unknown_names(
        default: Any, who: str, auth: Authenticator, vault_path: Path) -> None:
    rewrite_slot_file(vault_path, lambda d: d.update(kdf_default=default))
    name = ADMIN[0] if who == "admin" else "Nobody Known"
    with pytest.raises(VaultDamaged):
        auth.login(vault_path, name, ADMIN[1])
