"""Appending to the audit trail from inside a service's transaction, and permission checks that
leave a trace when they refuse."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime

from core.audit import (
    GENESIS,
    AuditEntry,
    AuditEvent,
    ChainHead,
    chain_hash,
    entry_body,
    redact,
    seal,
)
from core.audit_personal import PERSONAL, SubjectKeyRepository, seal_personal, subject_of
from core.errors import PasswordChangeRequired, PermissionDenied
from core.ports import Repositories, Store
from core.roles import PERMISSION_ACTIONS, Permission, has_permission
from core.users import User

Clock = Callable[[], datetime]


def append(repos: Repositories, actor: User | None, event: AuditEvent, at: datetime,
           actor_name: str | None = None) -> AuditEntry:
    head = repos.audit.head()
    entry = _link(head, repos.audit.seal_key(), _subject_keys(repos, (event,)), actor, event,
                  at, actor_name)
    repos.audit.append(entry)
    return entry


def append_many(repos: Repositories, actor: User | None, events: Sequence[AuditEvent],
                at: datetime, actor_name: str | None = None) -> list[AuditEntry]:
    """`append` for each event in order, as one write: the chain head, the seal key and each
    subject's key are read once, every entry is still linked to the one before it and sealed
    (a statement import audits thousands of receipts in one transaction)."""
    if not events:
        return []
    head = repos.audit.head()
    key = repos.audit.seal_key()
    keys = _subject_keys(repos, events)
    entries: list[AuditEntry] = []
    for event in events:
        entry = _link(head, key, keys, actor, event, at, actor_name)
        entries.append(entry)
        head = ChainHead(entry.seq, entry.hash)
    repos.audit.append_many(entries)
    return entries


def _link(head: ChainHead | None, seal_key: bytes, keys: SubjectKeyRepository | None,
          actor: User | None, event: AuditEvent, at: datetime,
          actor_name: str | None) -> AuditEntry:
    """The entry following `head`: personal details sealed, hashed onto the chain, sealed."""
    prev = head.hash if head else GENESIS
    seq = head.seq + 1 if head else 1
    name = actor_name if actor_name is not None else (actor.name if actor else "")
    details = redact(event.details)
    if event.personal:
        assert keys is not None
        details[PERSONAL] = seal_personal(
            keys, event.subject or subject_of(event.object_type, event.object_id),
            redact(event.personal))
    body = entry_body(at, actor.id if actor else None, name, event.action, event.object_type,
                      event.object_id, event.outcome, details)
    digest = chain_hash(prev, body)
    return AuditEntry(seq=seq, at=at, actor_id=actor.id if actor else None, actor_name=name,
                      action=event.action, object_type=event.object_type,
                      object_id=event.object_id, outcome=event.outcome, details=details,
                      prev_hash=prev, hash=digest, seal=seal(seal_key, digest))


def _subject_keys(repos: Repositories,
                  events: Sequence[AuditEvent]) -> SubjectKeyRepository | None:
    if not any(e.personal for e in events):
        return None
    keys: SubjectKeyRepository = repos.subject_keys  # type: ignore[attr-defined]
    return keys if len(events) == 1 else _RememberedKeys(keys)


class _RememberedKeys:
    """Subject keys read (or made) once per batch: a customer paying ten instalments has one
    key, looked up once."""

    def __init__(self, keys: SubjectKeyRepository) -> None:
        self._keys = keys
        self._known: dict[str, bytes | None] = {}

    def get(self, subject: str) -> bytes | None:
        if subject not in self._known:
            self._known[subject] = self._keys.get(subject)
        return self._known[subject]

    def create(self, subject: str, key: bytes) -> None:
        self._keys.create(subject, key)
        self._known[subject] = key

    def forget(self, subject: str) -> bool:
        self._known.pop(subject, None)
        return self._keys.forget(subject)


class Guard:
    """Checks the acting user's permission; a refusal is itself audited."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def allowed(self, actor: User, permission: Permission) -> bool:
        return actor.active and has_permission(actor.role, permission)

    def require(self, actor: User, permission: Permission, object_type: str = "",
                object_id: str = "") -> None:
        # Judge the account as stored now, not the copy the session took at login: a demotion,
        # a disable or a password reset by another administrator applies to open sessions too.
        with self._store.reader() as repos:
            current = repos.users.get(actor.id)
        current = current or dataclasses.replace(actor, active=False)
        if current.must_change_password:
            raise PasswordChangeRequired()
        if self.allowed(current, permission):
            return
        with self._store.transaction() as repos:
            append(repos, actor, AuditEvent("permission.denied", object_type, object_id,
                                            {"permission": permission.value}, outcome="denied"),
                   self._clock())
        raise PermissionDenied(PERMISSION_ACTIONS[permission])
