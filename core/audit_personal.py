"""Personal data in the audit trail, erasable without breaking the hash chain (crypto-shredding).

An entry's personal details (a customer's name, the before/after of their fields) are sealed
with AES-256-GCM under a key of their own data subject ("customer:42") before the entry is
hashed. Readers open them while the key exists; anonymising the subject deletes the key, and
from then on those details read as erased, while every entry, its hash and its seal stay as
they were, so `audit verify` still holds. Keys live in the encrypted database (subject_keys),
so this protects nothing against whoever holds the vault key: it is how an append-only trail
can forget a person, not an extra layer of secrecy."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PERSONAL = "personal"
ERASED = "erased when the customer was anonymised"
_NONCE = 12


class SubjectKeyRepository(Protocol):
    def get(self, subject: str) -> bytes | None: ...
    def create(self, subject: str, key: bytes) -> None: ...
    def forget(self, subject: str) -> bool:
        """Forget the subject's key for good; False when it had none."""
        ...


def subject_of(object_type: str, object_id: str) -> str:
    return f"{object_type}:{object_id}"


def seal_personal(keys: SubjectKeyRepository, subject: str,
                  values: Mapping[str, Any]) -> dict[str, str]:
    """The form stored in an entry's details under PERSONAL; makes the subject's key when it
    has none yet."""
    key = keys.get(subject)
    if key is None:
        key = AESGCM.generate_key(bit_length=256)
        keys.create(subject, key)
    nonce = os.urandom(_NONCE)
    plain = json.dumps(dict(values), ensure_ascii=False, sort_keys=True).encode()
    sealed = AESGCM(key).encrypt(nonce, plain, subject.encode())
    return {"subject": subject, "sealed": base64.b64encode(nonce + sealed).decode("ascii")}


def open_details(details: Mapping[str, Any],
                 key_of: Callable[[str], bytes | None]) -> dict[str, Any]:
    """Details as people read them: the personal values back in place while their subject's
    key exists, otherwise PERSONAL says they were erased."""
    box = details.get(PERSONAL)
    if not isinstance(box, Mapping) or "sealed" not in box:
        return dict(details)
    rest = {k: v for k, v in details.items() if k != PERSONAL}
    subject = str(box.get("subject", ""))
    key = key_of(subject)
    if key is None:
        return {**rest, PERSONAL: ERASED}
    try:
        raw = base64.b64decode(str(box["sealed"]))
        values = json.loads(AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], subject.encode()))
    except (InvalidTag, ValueError):
        # The chain check reports an edited entry; the reader just cannot show this one.
        return {**rest, PERSONAL: "unreadable"}
    return {**rest, **values}


def key_lookup(keys: SubjectKeyRepository) -> Callable[[str], bytes | None]:
    """One lookup per subject while a page of entries is opened."""
    cache: dict[str, bytes | None] = {}

    def key_of(subject: str) -> bytes | None:
        if subject not in cache:
            cache[subject] = keys.get(subject)
        return cache[subject]
    return key_of
