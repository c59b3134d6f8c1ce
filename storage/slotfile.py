"""The key-slot file: its format, integrity checks and atomic writing.

Two checks guard it. A SHA-256 checksum over the whole content catches damage before any key is
known, so a flipped byte is reported as damage rather than as a wrong password. An HMAC keyed from
the database key catches deliberate edits by someone who recomputed the checksum."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from core.errors import VaultDamaged, VaultInaccessible, VaultTooNew
from storage.crypto import Argon2Params, hkdf, unb64

SLOT_FILE = "keyslots.json"
FORMAT = 1


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}


def mac_key(db_key: bytes | bytearray) -> bytearray:
    return hkdf(db_key, b"", b"strongroom slot-file mac v1")


def compute_mac(data: dict[str, Any], db_key: bytes | bytearray) -> str:
    return hmac.new(bytes(mac_key(db_key)), _canonical(_without(data, "mac", "checksum")),
                    hashlib.sha256).hexdigest()


def read(folder: Path) -> dict[str, Any]:
    """Load and checksum-verify the slot file; raise VaultDamaged or VaultTooNew."""
    path = folder / SLOT_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise VaultDamaged("the key-slot file is missing") from None
    except OSError as exc:
        raise VaultInaccessible(f"{SLOT_FILE}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        checksum = data["checksum"]
        fmt = int(data["format"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise VaultDamaged("the key-slot file cannot be read") from None
    expected = hashlib.sha256(_canonical(_without(data, "checksum"))).hexdigest()
    if not isinstance(checksum, str) or not hmac.compare_digest(checksum, expected):
        raise VaultDamaged("the key-slot file fails its checksum")
    if fmt > FORMAT:
        raise VaultTooNew(fmt, FORMAT)
    try:
        _check_shape(data)
    except (KeyError, TypeError, ValueError):
        raise VaultDamaged("the key-slot file is malformed") from None
    return data


def _check_shape(data: dict[str, Any]) -> None:
    for field in ("vault_id", "db_file", "tag_salt", "kdf_default"):
        if not isinstance(data[field], str | dict):
            raise TypeError(field)
    unb64(data["tag_salt"])
    # Unknown names derive with the default before any MAC can be checked.
    default = Argon2Params.from_dict(data["kdf_default"])
    if min(default.time_cost, default.parallelism) < 1 or \
            default.memory_kib < 8 * default.parallelism:
        raise ValueError("kdf_default")
    if Path(data["db_file"]).name != data["db_file"]:
        raise ValueError("db_file must be a plain file name")
    if not isinstance(data["slots"], list):
        raise TypeError("slots")
    for slot in data["slots"]:
        for field in ("id", "kind", "public", "private", "sealed", "version"):
            slot[field]


def verify_mac(data: dict[str, Any], db_key: bytes | bytearray) -> None:
    if not hmac.compare_digest(str(data.get("mac", "")), compute_mac(data, db_key)):
        raise VaultDamaged("the key-slot file was altered")


def write(folder: Path, data: dict[str, Any], db_key: bytes | bytearray) -> None:
    """Seal with MAC and checksum, then replace the file atomically (Electrum's way)."""
    data = copy.deepcopy(data)
    data["format"] = FORMAT
    data["mac"] = compute_mac(data, db_key)
    data["checksum"] = hashlib.sha256(_canonical(_without(data, "checksum"))).hexdigest()
    atomic_write(folder / SLOT_FILE, json.dumps(data, indent=1, sort_keys=True).encode())


def atomic_write(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
