"""Importing customers from a CSV or XLSX file: column mapping with a preview, a report of every
rejected row (its number as the spreadsheet shows it, the column, the reason), duplicates
flagged, and the rows written in one transaction, so a cancel or a crash leaves nothing
half-imported.

The file is streamed in batches inside that transaction: memory stays bounded by a batch
whatever the file's size. The audit entry records counts and columns, never the data."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.customers.collected import FIELDS_KEY, FieldSettings, drop_uncollected, field_settings
from core.customers.columns import custom_definitions, map_columns, row_values
from core.customers.import_rows import (
    BATCH,
    DuplicateRow,
    ImportJob,
    ImportOptions,
    ImportReport,
    Progress,
    RowProblem,
    bulk_repos,
    data_rows,
    owner_problem,
    row_problems,
)
from core.customers.model import CustomerDraft
from core.customers.service import CustomerService
from core.customers.tabular import UnreadableFile, open_sheet
from core.customers.validate import validate_draft
from core.errors import InvalidInput, StrongroomError
from core.ports import Store
from core.roles import Permission
from core.trail import Clock, Guard, append
from core.users import User

Cancelled = Callable[[], bool]


class _NoRows(Exception):
    pass


class ImportCancelled(StrongroomError):
    def __init__(self) -> None:
        super().__init__("Import cancelled; nothing was imported.")


@dataclass(frozen=True)
class PreviewRow:
    row: int
    values: dict[str, str]  # field -> value as it will be read
    problems: list[str]


@dataclass(frozen=True)
class Preview:
    format: str
    encoding: str
    header: list[str]
    columns: dict[str, str]
    ignored_columns: list[str]
    problems: list[str]
    rows: list[PreviewRow]


class ImportService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 customers: CustomerService) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._customers = customers

    def preview(self, actor: User, path: Path, mapping: Mapping[str, str] | None = None,
                limit: int = 20, encoding: str | None = None) -> Preview:
        """The header, the mapping and the first `limit` rows as they would be read, each with
        the reasons it would be rejected. UnreadableFile or InvalidInput (a bad mapping) when
        the file cannot be read at all."""
        self._guard.require(actor, Permission.CUSTOMER_IMPORT, "customer", "")
        custom, sensitive = self._custom()
        sheet = open_sheet(Path(path), encoding)
        try:
            cmap = drop_uncollected(map_columns(sheet.header, mapping, custom), sheet.header,
                                    self._collected())
            rows: list[PreviewRow] = []
            for raw in data_rows(sheet.rows):
                if len(rows) >= max(0, limit):
                    break
                values = row_values(raw.cells, cmap)
                problems = [f"{p.column or 'row'}: {p.reason}" for p in
                            row_problems(raw, cmap, sheet.header, custom, sensitive)]
                rows.append(PreviewRow(raw.number, values, problems))
        finally:
            sheet.close()
        return Preview(sheet.format, sheet.encoding, sheet.header, cmap.as_dict(sheet.header),
                       cmap.ignored, cmap.problems, rows)

    def run(self, actor: User, path: Path, mapping: Mapping[str, str] | None = None, *,
            dry_run: bool = False, import_duplicates: bool = False,
            encoding: str | None = None, progress: Progress | None = None,
            cancelled: Cancelled | None = None) -> ImportReport:
        """Import (or with `dry_run` only check) the customers in `path`. Valid rows are
        written together in one transaction; rejected rows and duplicates are reported, and
        duplicates (same credit code, mobile or e-mail as a customer or an earlier row) are
        skipped unless `import_duplicates`. ImportCancelled when `cancelled()` says so:
        then nothing was written. A file that cannot be read gives a report whose
        `file_problems` say why."""
        self._guard.require(actor, Permission.CUSTOMER_IMPORT, "customer", "")
        scope = self._customers.read_scope(actor)
        name = os.fsencode(Path(path).name).decode("utf-8", "replace")
        report = ImportReport(file=name, dry_run=dry_run)
        custom, sensitive = self._custom()
        try:
            sheet = open_sheet(Path(path), encoding)
        except UnreadableFile as exc:
            report.file_problems.append(str(exc))
            return report
        try:
            report.format, report.encoding = sheet.format, sheet.encoding
            cmap = drop_uncollected(map_columns(sheet.header, mapping, custom), sheet.header,
                                    self._collected())
            report.columns, report.ignored_columns = cmap.as_dict(sheet.header), cmap.ignored
            if cmap.problems:
                report.file_problems.extend(cmap.problems)
                return report
            job = ImportJob(actor, scope, sheet, cmap, (custom, sensitive), report,
                            ImportOptions(dry_run, import_duplicates))
            try:
                if dry_run:
                    self._check(job, progress, cancelled)
                else:
                    self._commit(job, progress, cancelled)
                job.tell(progress, finished=True)
            except UnreadableFile as exc:  # a workbook damaged past its first rows
                report.file_problems.append(str(exc))
                report.imported = 0
            except _NoRows:
                pass
            if not report.rows_read and not report.file_problems:
                report.file_problems.append("The file has a header row but no customers "
                                            "below it.")
        finally:
            sheet.close()
        return report

    def _check(self, job: ImportJob, progress: Progress | None,
               cancelled: Cancelled | None) -> None:
        for batch in job.batches():
            _stop_if(cancelled)
            with self._store.reader() as repos:
                job.process(bulk_repos(repos), batch, None)
            job.tell(progress)

    def _commit(self, job: ImportJob, progress: Progress | None,
                cancelled: Cancelled | None) -> None:
        now = self._clock()
        # One transaction from the first row to the audit entry: an exception anywhere
        # (cancel, a full disk, a bug) rolls every row back.
        with self._store.transaction() as plain:
            repos = bulk_repos(plain)
            before = repos.customer_bulk.max_customer_id()
            with repos.customer_bulk.loading(job.sheet.estimated_rows):
                for batch in job.batches():
                    _stop_if(cancelled)
                    rows = job.process(repos, batch, before)
                    repos.customers.bulk_add(rows, now)
                    job.tell(progress)
            _stop_if(cancelled)
            report = job.report
            if not report.rows_read:
                raise _NoRows()  # nothing happened: no entry in the trail either
            append(repos, job.actor, AuditEvent("customer.imported", "file", report.file, {
                "format": report.format, "rows": report.rows_read,
                "imported": report.imported, "rejected": report.rejected_rows,
                "duplicates_skipped": report.skipped_duplicates,
                "possible_duplicates": report.possible_duplicates,
                "fields": sorted(set(report.columns.values()))}), now)
        self._bus.publish(Changes(customers=True))

    def bulk_create(self, actor: User, rows: Iterable[tuple[CustomerDraft, int]],
                    progress: Progress | None = None, cancelled: Cancelled | None = None,
                    total: int = 0, source: str = "generated") -> int:
        """Many customers at once, each validated, in one transaction (demo data and
        benchmarks; no duplicate checks). Owners must be users the actor may assign."""
        self._guard.require(actor, Permission.CUSTOMER_IMPORT, "customer", "")
        scope = self._customers.read_scope(actor)
        custom, _sensitive = self._custom()
        now = self._clock()
        owners: dict[int, str] = {}
        with self._store.transaction() as plain:
            repos = bulk_repos(plain)
            batch: list[tuple[CustomerDraft, int]] = []
            written = 0

            def flush() -> None:
                nonlocal batch, written
                _stop_if(cancelled)
                repos.customers.bulk_add(batch, now)
                written += len(batch)
                batch = []
                if progress:
                    progress(written, max(total, written))

            with repos.customer_bulk.loading(total):
                for draft, owner in rows:
                    if owner not in owners:
                        owners[owner] = owner_problem(repos, actor, scope, owner)
                    if owners[owner]:
                        raise InvalidInput(owners[owner])
                    batch.append((validate_draft(draft, custom), owner))
                    if len(batch) >= BATCH:
                        flush()
                if batch:
                    flush()
            if written >= 50_000:
                repos.customer_bulk.optimize_search()
            append(repos, actor, AuditEvent("customer.imported", "customer", "", {
                "source": source, "imported": written}), now)
        self._bus.publish(Changes(customers=True))
        return written

    def _collected(self) -> FieldSettings:
        with self._store.reader() as repos:
            return field_settings(repos.settings.get(FIELDS_KEY))

    def _custom(self) -> tuple[frozenset[str], frozenset[str]]:
        with self._store.reader() as repos:
            return custom_definitions(repos.settings.get("customer_fields"))


def _stop_if(cancelled: Cancelled | None) -> None:
    if cancelled is not None and cancelled():
        raise ImportCancelled()




__all__ = ["DuplicateRow", "ImportCancelled", "ImportReport", "ImportService", "Preview",
           "PreviewRow", "RowProblem"]
