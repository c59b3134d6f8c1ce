"""Key derivation and wrapping for key slots.

Each slot holds an X25519 key pair: the private key encrypted (AES-256-GCM) under a key derived
from the slot's secret (Argon2id of a password, HKDF of a recovery or device key), and the
database key sealed to the public key. Sealing needs no secret, so after a rekey the new database
key is sealed to every remaining slot without knowing anyone's password."""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
MAX_MEMORY_KIB = 4 * 1024 * 1024


@dataclass(frozen=True)
class Argon2Params:
    memory_kib: int
    time_cost: int
    parallelism: int

    def to_dict(self) -> dict[str, int]:
        return {"m": self.memory_kib, "t": self.time_cost, "p": self.parallelism}

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> Argon2Params:
        params = cls(int(data["m"]), int(data["t"]), int(data["p"]))
        # Bounds: a slot file edited to demand 1 TiB or a million passes would hang every
        # unlock; such values are damage, not a setting.
        if not (8 <= params.memory_kib <= MAX_MEMORY_KIB and 1 <= params.time_cost <= 64
                and 1 <= params.parallelism <= 64):
            raise ValueError("Argon2 parameters out of bounds")
        return params


# design.md: at least m=64 MiB, t=3, p=4.
ARGON2_FLOOR = Argon2Params(memory_kib=64 * 1024, time_cost=3, parallelism=4)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def argon2id(secret: bytes, salt: bytes, params: Argon2Params) -> bytearray:
    return bytearray(hash_secret_raw(secret, salt, time_cost=params.time_cost,
                                     memory_cost=params.memory_kib,
                                     parallelism=params.parallelism, hash_len=KEY_BYTES,
                                     type=Type.ID))


def hkdf(secret: bytes, salt: bytes, info: bytes) -> bytearray:
    return bytearray(HKDF(hashes.SHA256(), KEY_BYTES, salt, info).derive(bytes(secret)))


def calibrate_argon2(target_seconds: float = 0.4, floor: Argon2Params = ARGON2_FLOOR,
                     max_memory_kib: int = 1024 * 1024) -> Argon2Params:
    """Raise memory from the floor in steps of half while one derivation is predicted to stay
    within `target_seconds` on this computer (unlock also opens the database: ~0.6 s in all)."""
    params = floor
    salt = os.urandom(16)
    while True:
        start = time.perf_counter()
        argon2id(b"calibration", salt, params)
        elapsed = time.perf_counter() - start
        bigger = (params.memory_kib * 3 // 2) // 1024 * 1024
        if elapsed * 1.5 > target_seconds or bigger > max_memory_kib:
            return params
        params = Argon2Params(bigger, params.time_cost, params.parallelism)


def encrypt(key: bytes | bytearray, plaintext: bytes | bytearray, aad: bytes) -> dict[str, str]:
    nonce = os.urandom(12)
    return {"nonce": b64(nonce), "ct": b64(AESGCM(bytes(key)).encrypt(nonce, bytes(plaintext),
                                                                    aad))}


def decrypt(key: bytes | bytearray, box: dict[str, str], aad: bytes) -> bytearray:
    """Raises cryptography's InvalidTag when the key is wrong or the box was altered."""
    return bytearray(AESGCM(bytes(key)).decrypt(unb64(box["nonce"]), unb64(box["ct"]), aad))


def new_keypair() -> tuple[bytearray, bytes]:
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    return bytearray(raw), public


def _seal_key(shared: bytes, eph_public: bytes, recipient: bytes) -> bytearray:
    return hkdf(shared, eph_public + recipient, b"strongroom seal v1")


def seal_to(public: bytes, secret: bytes | bytearray, aad: bytes) -> dict[str, str]:
    eph = X25519PrivateKey.generate()
    eph_public = eph.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    shared = eph.exchange(X25519PublicKey.from_public_bytes(public))
    box = encrypt(_seal_key(shared, eph_public, public), secret, aad)
    box["eph"] = b64(eph_public)
    return box


def open_sealed(private_raw: bytes | bytearray, box: dict[str, str], aad: bytes) -> bytearray:
    private = X25519PrivateKey.from_private_bytes(bytes(private_raw))
    public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    eph_public = unb64(box["eph"])
    shared = private.exchange(X25519PublicKey.from_public_bytes(eph_public))
    return decrypt(_seal_key(shared, eph_public, public), box, aad)


def wipe(buffer: bytearray | None) -> None:
    """Overwrite a secret we hold; copies made by libraries or immutable strings cannot be."""
    if buffer is not None:
        for i in range(len(buffer)):
            buffer[i] = 0


__all__ = ["ARGON2_FLOOR", "Argon2Params", "InvalidTag", "argon2id", "calibrate_argon2",
           "decrypt", "encrypt", "hkdf", "new_keypair", "open_sealed", "seal_to", "wipe"]
