"""What an attacker (or a test) does to vault files from outside Strongroom: raw SQLCipher access
with an exported key, slot-file edits with a recomputed checksum, byte flips."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3

SLOT_FILE = "keyslots.json"


def slot_data(folder: Path) -> dict[str, Any]:
    return json.loads((folder / SLOT_FILE).read_text(encoding="utf-8"))


def db_path(folder: Path) -> Path:
    return folder / slot_data(folder)["db_file"]


def raw_connect(path: Path, key_hex: str) -> sqlcipher3.Connection:
    """Open a vault database the way any SQLCipher 4 tool would, given the exported key."""
    assert re.fullmatch(r"[0-9a-f]{64}", key_hex)
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key_hex}'\"")
    conn.execute("PRAGMA cipher_compatibility = 4")
    return conn


def opens_with(path: Path, key_hex: str) -> bool:
    conn = raw_connect(path, key_hex)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")


def rewrite_slot_file(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit the slot file and recompute its checksum (as storage/slotfile.py computes it) but
    not its MAC, which needs the database key."""
    data = slot_data(folder)
    change(data)
    data.pop("checksum", None)
    data["checksum"] = hashlib.sha256(_canonical(data)).hexdigest()
    (folder / SLOT_FILE).write_text(json.dumps(data, indent=1, sort_keys=True),
                                    encoding="utf-8")


def flip_byte(path: Path, offset: int, mask: int = 0x01) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        assert byte, f"offset {offset} is past the end of {path.name}"
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ mask]))
