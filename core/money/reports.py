"""The receivables and ageing reports as CSV files: UTF-8 with a BOM (Excel on Chinese Windows
reads the Chinese), formula prefixes neutralised (CSV injection), written beside the target and
renamed at the end, and never without their audit entry (core/export_file.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from core.audit_service import neutralise_cell
from core.export_file import atomic_output, check_target, record_export
from core.money.model import AgeingReport, AgeingRow, Receivable
from core.ports import Store
from core.trail import Clock
from core.users import User

RECEIVABLE_COLUMNS = ("customer_id", "customer", "contract", "instalment", "label", "due_date",
                      "currency", "amount", "open_balance", "days_overdue", "invoice_number")
AGEING_COLUMNS = ("level", "id", "name", "currency", "current", "days_1_30", "days_31_60",
                  "days_61_90", "over_90", "open_balance")


def _write(path: Path, header: Iterable[str], rows: Iterable[list[str]]) -> int:
    count = 0
    with atomic_output(path) as raw:
        # Detached, not closed: atomic_output fsyncs and closes the file.
        handle = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            writer = csv.writer(handle)
            writer.writerow(list(header))
            for row in rows:
                writer.writerow([neutralise_cell(str(cell)) for cell in row])
                count += 1
            handle.flush()
        finally:
            handle.detach()
    return count


def receivable_row(r: Receivable, as_of: date) -> list[str]:
    return [str(r.customer_id), r.customer_name, r.contract_number, str(r.position), r.label,
            r.due.isoformat(), r.currency, str(r.amount), str(r.open),
            str(r.days_overdue(as_of)), r.invoice_number]


def ageing_row(row: AgeingRow) -> list[str]:
    return [row.group.value, "" if row.key is None else str(row.key), row.name, row.currency,
            *(str(b) for b in row.buckets), str(row.open)]


def write_receivables(store: Store, actor: User, clock: Clock, path: Path, as_of: date,
                      pages: Iterable[list[Receivable]]) -> int:
    target = check_target(path)
    count = _write(target, RECEIVABLE_COLUMNS,
                   (receivable_row(r, as_of) for page in pages for r in page))
    record_export(store, actor, clock, target, "receivables.exported",
                  {"rows": count, "as_of": as_of.isoformat()})
    return count


def write_ageing(store: Store, actor: User, clock: Clock, path: Path,
                 report: AgeingReport) -> int:
    target = check_target(path)
    rows = (*report.by_customer, *report.by_rep, *report.total)
    count = _write(target, AGEING_COLUMNS, (ageing_row(r) for r in rows))
    record_export(store, actor, clock, target, "ageing.exported",
                  {"rows": count, "as_of": report.as_of.isoformat()})
    return count
