"""The tamper-evident audit trail: entries, their hash chain and HMAC seal, and its verification.

Entry hash = SHA-256(previous hash || canonical JSON of the entry); seal = HMAC-SHA256 of the hash
under a key held inside the encrypted database. The sequence number orders entries but is not
hashed, so that reordering rows shows up as a broken link rather than as an edit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
REDACTED = "[redacted]"

# Keys whose values are never written to the trail, whatever the caller passes.
SECRET_KEYS = frozenset({"password", "new_password", "old_password", "key", "recovery_key",
                         "secret", "token"})


@dataclass(frozen=True)
class AuditEvent:
    """What a service wants recorded; the trail adds time, sequence, chain and seal."""

    action: str
    object_type: str = ""
    object_id: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    outcome: str = "ok"
    # Details about a person, sealed under their subject's key so anonymising them can erase
    # these (core/audit_personal.py); subject defaults to "object_type:object_id".
    personal: Mapping[str, Any] = field(default_factory=dict)
    subject: str = ""


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str
    object_id: str
    outcome: str
    details: Mapping[str, Any]
    prev_hash: str
    hash: str
    seal: str

    def body(self) -> dict[str, Any]:
        return entry_body(
            self.at, self.actor_id, self.actor_name, self.action, self.object_type,
            self.object_id, self.outcome, self.details,
        )


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    actor: str = ""
    action: str = ""
    object_text: str = ""


def redact(details: Mapping[str, Any]) -> dict[str, Any]:
    """Drop secret values at any depth so no password or key reaches the trail."""
    return {key: REDACTED if str(key).lower() in SECRET_KEYS else _redact_value(value)
            for key, value in details.items()}


def _redact_value(value: Any) -> Any:
    # Lists too: {"changes": [{"password": ...}]} is as much "any depth" as a nested mapping.
    if isinstance(value, Mapping):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_redact_value(item) for item in value]
    return value


def entry_body(
    at: datetime, actor_id: int | None, actor_name: str, action: str, object_type: str,
    object_id: str, outcome: str, details: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor": actor_name,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "outcome": outcome,
        "details": dict(details),
    }


def canonical_json(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def chain_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_json(body)).hexdigest()


def seal(key: bytes, entry_hash: str) -> str:
    return hmac.new(key, bytes.fromhex(entry_hash), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    ok: bool
    problem: str = ""
    seq: int | None = None

    def summary(self) -> str:
        if self.ok:
            return f"{self.entries} entries, chain intact"
        return self.problem


def _content_ok(entry: AuditEntry, key: bytes) -> bool:
    recomputed = chain_hash(entry.prev_hash, entry.body())
    return hmac.compare_digest(recomputed, entry.hash) and hmac.compare_digest(
        seal(key, entry.hash), entry.seal
    )


def verify_chain(
    entries: Iterable[AuditEntry], key: bytes, anchor: ChainHead | None = None
) -> VerifyResult:
    """Walk the trail in sequence order and name the first entry edited, deleted, inserted or
    reordered; with an anchor (the head recorded outside the database) also detect a cut tail."""
    rows = list(entries)
    index_of = {e.hash: i for i, e in enumerate(rows)}
    prev = GENESIS
    for i, entry in enumerate(rows):
        content_ok = _content_ok(entry, key)
        linked = hmac.compare_digest(entry.prev_hash, prev)
        if content_ok and linked:
            prev = entry.hash
            continue
        # Where this entry's predecessor sits (-1: it claims to be the first entry).
        j = -1 if entry.prev_hash == GENESIS else index_of.get(entry.prev_hash)
        if content_ok and j is not None and j > i:
            # A genuine entry whose predecessor comes after it: rows were swapped.
            return _bad(len(rows), entry.seq, f"entry #{entry.seq} was reordered")
        following = rows[i + 1] if i + 1 < len(rows) else None
        if following is not None and following.prev_hash == prev:
            # The chain runs from the previous entry straight to the next one: this one was
            # slipped in between.
            return _bad(len(rows), entry.seq, f"entry #{entry.seq} was inserted")
        if not content_ok:
            return _bad(len(rows), entry.seq, f"entry #{entry.seq} was edited")
        if j is None:
            before = rows[i - 1].seq if i else 0
            return _bad(len(rows), entry.seq,
                        f"an entry between #{before} and #{entry.seq} was deleted")
        if j >= i:
            return _bad(len(rows), entry.seq, f"entry #{entry.seq} was reordered")
        return _bad(len(rows), rows[j + 1].seq, f"entry #{rows[j + 1].seq} was inserted")
    if anchor is not None and anchor.seq > 0:
        at = next((e for e in rows if e.seq == anchor.seq), None)
        if at is None:
            last = rows[-1].seq if rows else 0
            return _bad(len(rows), last + 1,
                        f"entries after #{last} were deleted (the last recorded head is "
                        f"#{anchor.seq})")
        if at.hash != anchor.hash:
            return _bad(len(rows), at.seq,
                        f"entry #{at.seq} differs from the head recorded outside the database: "
                        "the trail was rewritten")
    return VerifyResult(entries=len(rows), ok=True)


def _bad(count: int, seq: int, problem: str) -> VerifyResult:
    return VerifyResult(entries=count, ok=False, problem=problem, seq=seq)


def now_utc() -> datetime:
    return datetime.now(UTC)
