"""Failed-unlock counters and pending audit records, kept beside the vault so that delays survive a
restart and failures reach the audit trail at the next successful login.

The file is not authenticated (nothing is unlocked when it is written): whoever can write to the
vault folder can reset it, just as they could copy the vault. docs/SECURITY.md says so."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from core.throttle import retry_after
from storage.slotfile import atomic_write

STATE_FILE = "unlock-state.json"
MAX_PENDING = 1000


class UnlockState:
    def __init__(self, folder: Path) -> None:
        self._path = folder / STATE_FILE

    def _load(self) -> dict[str, Any]:
        # Anyone who can write the folder can write this file (see the module doc): what does
        # not have the expected shape is dropped rather than allowed to break every unlock.
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if not isinstance(data, dict):
            data = {}
        if not isinstance(data.get("tags"), dict):
            data["tags"] = {}
        if not isinstance(data.get("pending"), list):
            data["pending"] = []
        return data

    def _save(self, data: dict[str, Any]) -> None:
        atomic_write(self._path, json.dumps(data, sort_keys=True).encode("utf-8"))

    def retry_after(self, tag: str, now: datetime) -> float:
        entry = self._load()["tags"].get(tag)
        if not isinstance(entry, dict):
            return 0.0
        try:
            return retry_after(int(entry["failures"]), datetime.fromisoformat(entry["last"]), now)
        except (KeyError, ValueError, TypeError):
            return 0.0

    def failed(self, tag: str, now: datetime) -> None:
        data = self._load()
        entry = data["tags"].get(tag)
        try:
            failures = int(entry["failures"]) if isinstance(entry, dict) else 0
        except (KeyError, TypeError, ValueError):
            failures = 0
        data["tags"][tag] = {"failures": failures + 1, "last": now.isoformat()}
        data["pending"] = ([*data["pending"], {"tag": tag, "at": now.isoformat()}]
                           )[-MAX_PENDING:]
        self._save(data)

    def succeeded(self, tag: str) -> None:
        data = self._load()
        if tag in data["tags"]:
            del data["tags"][tag]
            self._save(data)

    def take_pending(self) -> list[tuple[str, datetime]]:
        data = self._load()
        pending = data["pending"]
        if not pending:
            return []
        data["pending"] = []
        self._save(data)
        out = []
        for item in pending:
            try:
                out.append((str(item["tag"]), datetime.fromisoformat(item["at"])))
            except (KeyError, ValueError, TypeError):
                continue
        return out
