"""Making and opening individual key slots (user, recovery, device)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata
from typing import Any

from argon2.exceptions import Argon2Error

from core.errors import VaultDamaged
from core.users import normalise_name
from storage.crypto import (
    Argon2Params,
    argon2id,
    b64,
    decrypt,
    encrypt,
    hkdf,
    new_keypair,
    open_sealed,
    seal_to,
    unb64,
    wipe,
)

USER, RECOVERY, DEVICE = "user", "recovery", "device"


def name_tag(tag_salt: str, user_name: str) -> str:
    """How a slot is found from a typed user name without the name being stored in clear."""
    digest = hmac.new(unb64(tag_salt), normalise_name(user_name).encode("utf-8"),
                      hashlib.sha256).digest()
    return b64(digest[:16])


def _aad(vault_id: str, slot: dict[str, Any], part: str) -> bytes:
    version = slot["version"] if part == "private" else 0
    return f"strongroom/slot/v1|{vault_id}|{slot['id']}|{slot['kind']}|{version}|{part}".encode()


def password_bytes(password: str) -> bytes:
    return unicodedata.normalize("NFC", password).encode("utf-8")


def derive_kek(slot_kdf: dict[str, Any], secret: bytes | bytearray) -> bytearray:
    salt = unb64(slot_kdf["salt"])
    if slot_kdf["alg"] == "argon2id":
        return argon2id(bytes(secret), salt, Argon2Params.from_dict(slot_kdf))
    if slot_kdf["alg"] == "hkdf-sha256":
        return hkdf(secret, salt, b"strongroom slot secret v1")
    raise ValueError(f"unknown key derivation {slot_kdf['alg']!r}")


def new_kdf(kind: str, params: Argon2Params) -> dict[str, Any]:
    if kind == USER:
        return {"alg": "argon2id", "salt": b64(os.urandom(16)), **params.to_dict()}
    return {"alg": "hkdf-sha256", "salt": b64(os.urandom(16))}


def make_slot(vault_id: str, kind: str, kdf: dict[str, Any], secret: bytes | bytearray,
              db_key: bytes | bytearray, tag: str = "", parent: str = "") -> dict[str, Any]:
    private, public = new_keypair()
    slot: dict[str, Any] = {"id": os.urandom(16).hex(), "kind": kind, "tag": tag,
                            "parent": parent, "version": 1, "kdf": kdf, "public": b64(public)}
    kek = derive_kek(kdf, secret)
    try:
        slot["private"] = encrypt(kek, private, _aad(vault_id, slot, "private"))
        slot["sealed"] = seal_to(public, db_key, _aad(vault_id, slot, "sealed"))
    finally:
        wipe(kek)
        wipe(private)
    return slot


# What a slot edited into nonsense raises before any MAC can be checked (binascii.Error is a
# ValueError): reported as damage, never as a traceback.
_MALFORMED = (KeyError, TypeError, ValueError, Argon2Error)


def open_private(vault_id: str, slot: dict[str, Any], secret: bytes | bytearray) -> bytearray:
    """The slot's private key; raises InvalidTag when the secret is wrong."""
    try:
        kek = derive_kek(slot["kdf"], secret)
        try:
            return decrypt(kek, slot["private"], _aad(vault_id, slot, "private"))
        finally:
            wipe(kek)
    except _MALFORMED:
        raise VaultDamaged("a key slot is malformed") from None


def open_db_key(vault_id: str, slot: dict[str, Any], private: bytearray) -> bytearray:
    try:
        return open_sealed(private, slot["sealed"], _aad(vault_id, slot, "sealed"))
    except _MALFORMED:
        raise VaultDamaged("a key slot is malformed") from None


def rewrap_private(vault_id: str, slot: dict[str, Any], private: bytearray,
                   new_secret: bytes | bytearray, params: Argon2Params) -> dict[str, Any]:
    """Same key pair under a new password: a password change touches one slot only."""
    updated = dict(slot, version=int(slot["version"]) + 1, kdf=new_kdf(slot["kind"], params))
    kek = derive_kek(updated["kdf"], new_secret)
    try:
        updated["private"] = encrypt(kek, private, _aad(vault_id, updated, "private"))
    finally:
        wipe(kek)
    return updated


def reseal(vault_id: str, slot: dict[str, Any], db_key: bytes | bytearray) -> dict[str, Any]:
    return dict(slot, sealed=seal_to(unb64(slot["public"]), db_key,
                                     _aad(vault_id, slot, "sealed")))


# -- recovery keys ---------------------------------------------------------------------------
RECOVERY_BYTES = 20


def new_recovery_key() -> tuple[str, bytearray]:
    raw = bytearray(os.urandom(RECOVERY_BYTES))
    text = base64.b32encode(bytes(raw)).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4)), raw


def parse_recovery_key(text: str) -> bytearray | None:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    try:
        raw = base64.b32decode(cleaned)
    except (binascii.Error, ValueError):
        return None
    return bytearray(raw) if len(raw) == RECOVERY_BYTES else None
