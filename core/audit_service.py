"""Viewing, verifying and exporting the audit trail."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable
from pathlib import Path

from core.audit import AuditEntry, AuditEvent, AuditFilter, VerifyResult, verify_chain
from core.audit_personal import key_lookup, open_details
from core.changes import ChangeBus, Changes
from core.errors import StrongroomError
from core.export_file import atomic_output, check_target, record_export
from core.ports import KeyVault, Store
from core.roles import Permission
from core.trail import Clock, Guard, append
from core.users import User

CSV_COLUMNS = ["seq", "time_utc", "actor", "action", "object_type", "object_id", "outcome",
               "details", "hash"]
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ExportCancelled(StrongroomError):
    def __init__(self) -> None:
        super().__init__("Export cancelled; no file was written.")


def neutralise_cell(value: str) -> str:
    """Stop spreadsheets from running a cell as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


def entry_row(entry: AuditEntry) -> list[str]:
    return [str(entry.seq), entry.at.isoformat(timespec="seconds"), entry.actor_name,
            entry.action, entry.object_type, entry.object_id, entry.outcome,
            json.dumps(entry.details, ensure_ascii=False, sort_keys=True), entry.hash]


def opened(repos: object, entries: list[AuditEntry]) -> list[AuditEntry]:
    """Entries as people read them, personal details opened (core/audit_personal.py); the
    chain is verified on the stored form, never on these."""
    key_of = key_lookup(repos.subject_keys)  # type: ignore[attr-defined]
    return [dataclasses.replace(e, details=open_details(e.details, key_of)) for e in entries]


class AuditService:
    PAGE = 500

    def __init__(self, store: Store, keys: KeyVault, guard: Guard, clock: Clock,
                 bus: ChangeBus) -> None:
        self._store, self._keys, self._guard = store, keys, guard
        self._clock, self._bus = clock, bus

    def page(self, actor: User, flt: AuditFilter, before_seq: int | None = None,
             limit: int = PAGE) -> list[AuditEntry]:
        """Newest first, `limit` entries older than `before_seq` (keyset paging)."""
        self._guard.require(actor, Permission.AUDIT_VIEW)
        with self._store.reader() as repos:
            return opened(repos, repos.audit.page(flt, before_seq, limit))

    def count(self, actor: User, flt: AuditFilter) -> int:
        self._guard.require(actor, Permission.AUDIT_VIEW)
        with self._store.reader() as repos:
            return repos.audit.count(flt)

    def actions(self, actor: User) -> list[str]:
        self._guard.require(actor, Permission.AUDIT_VIEW)
        with self._store.reader() as repos:
            return repos.audit.actions()

    def verify(self, actor: User) -> VerifyResult:
        self._guard.require(actor, Permission.AUDIT_VERIFY)
        with self._store.reader() as repos:
            result = verify_chain(repos.audit.iter_all(), repos.audit.seal_key(),
                                  self._keys.audit_anchor())
        with self._store.transaction() as repos:
            append(repos, actor, AuditEvent("audit.verified", details={
                "entries": result.entries, "intact": result.ok, "problem": result.problem}),
                self._clock())
        self._bus.publish(Changes())
        return result

    def export_csv(self, actor: User, flt: AuditFilter, path: Path,
                   progress: Callable[[int, int], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> int:
        """Write the entries matching `flt` to `path` (UTF-8 with BOM for Excel). The file appears
        whole or not at all: it is written beside the target and renamed at the end."""
        self._guard.require(actor, Permission.AUDIT_EXPORT)
        path = check_target(path)
        total = self.count(actor, flt)
        written = 0
        with atomic_output(path) as raw:
            # The wrapper is detached, not closed: atomic_output fsyncs and closes the file.
            handle = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            try:
                writer = csv.writer(handle)
                writer.writerow(CSV_COLUMNS)
                before: int | None = None
                while True:
                    if cancelled and cancelled():
                        raise ExportCancelled()
                    with self._store.reader() as repos:
                        batch = opened(repos, repos.audit.page(flt, before, self.PAGE))
                    if not batch:
                        break
                    for entry in batch:
                        writer.writerow([neutralise_cell(c) for c in entry_row(entry)])
                    written += len(batch)
                    before = batch[-1].seq
                    if progress:
                        progress(written, total)
                handle.flush()
            finally:
                handle.detach()
        record_export(self._store, actor, self._clock, path, "audit.exported",
                      {"entries": written, "filter": _describe(flt)})
        self._bus.publish(Changes())
        return written


def _describe(flt: AuditFilter) -> dict[str, str]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else str(v))
            for k, v in vars(flt).items() if v}
