"""Exporting the customers a user may see to CSV (UTF-8 with a BOM, so Excel on Chinese Windows
and LibreOffice both read the Chinese) or XLSX.

Protected values stay masked unless the user holds the reveal permission and asked for clear
values; such an export is audited as revealing. A cell a spreadsheet would run as a formula is
prefixed with an apostrophe. The file appears whole or not at all: written beside the target
and renamed at the end, removed on cancel or failure."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from core.audit_service import ExportCancelled, neutralise_cell
from core.changes import ChangeBus, Changes
from core.customers.columns import custom_definitions
from core.customers.duplicates import BulkRepositories
from core.customers.masking import mask
from core.customers.model import SENSITIVE_FIELDS, Customer
from core.customers.service import CustomerService
from core.errors import InvalidInput
from core.export_file import atomic_output, check_target, record_export
from core.ports import Store
from core.roles import Permission
from core.trail import Clock, Guard
from core.users import User

PAGE = 500
FORMATS = {".csv": "CSV", ".xlsx": "XLSX"}
# Header names the importer maps back to the same fields, so an export can be re-imported.
BASE_COLUMNS = ("id", "name", "kind", "status", "owner", "phone", "email", "address", "city",
                "region", "industry", "source", "tags", "notes", "credit_code", "contact",
                "contact_title", "contact_phone", "contact_email", "other_contacts",
                "created_at", "updated_at")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    count: int
    columns: tuple[str, ...]
    revealed: bool


class ExportService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 customers: CustomerService) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._customers = customers

    def export(self, actor: User, path: Path, reveal: bool = False,
               progress: Callable[[int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> ExportResult:
        """Write every customer the actor may see to `path` (.csv or .xlsx). With `reveal`,
        protected values are written in clear (needs the reveal permission; audited)."""
        self._guard.require(actor, Permission.CUSTOMER_EXPORT, "customer", "")
        if reveal:
            self._guard.require(actor, Permission.SENSITIVE_REVEAL, "customer", "")
        scope = self._customers.read_scope(actor)
        path = Path(path)
        kind = FORMATS.get(path.suffix.lower())
        if kind is None:
            raise InvalidInput("Export to a file ending in .csv or .xlsx.")
        check_target(path)
        with self._store.reader() as repos:
            custom, protected_custom = custom_definitions(repos.settings.get("customer_fields"))
            owners = {u.id: u.name for u in repos.users.all()}
        total = self._customers.count(actor) if progress else 0
        protected = (*SENSITIVE_FIELDS, *sorted(protected_custom))
        columns = (*BASE_COLUMNS, *protected, *sorted(custom - protected_custom))
        written = 0
        with atomic_output(path) as handle, _sink(kind, handle) as sink:
            sink.write(columns)
            after = 0
            while True:
                if cancelled and cancelled():
                    raise ExportCancelled()
                with self._store.reader() as plain:
                    batch = cast(BulkRepositories, plain).customer_bulk.full_page(
                        scope, after, PAGE)
                if not batch:
                    break
                for customer in batch:
                    sink.write(_row(customer, owners, protected, columns, reveal))
                written += len(batch)
                after = batch[-1].id
                if progress:
                    progress(written, max(total, written))
            sink.close()
        record_export(self._store, actor, self._clock, path, "customer.exported", {
            "format": kind, "count": written, "columns": list(columns), "revealed": reveal})
        self._bus.publish(Changes())
        return ExportResult(path, written, columns, reveal)


def _row(customer: Customer, owners: dict[int, str], protected: tuple[str, ...],
         columns: tuple[str, ...], reveal: bool) -> list[str]:
    first = customer.contacts[0] if customer.contacts else None
    others = "; ".join(" ".join(p for p in (c.name, c.title, c.phone, c.email) if p)
                       for c in customer.contacts[1:])
    values: dict[str, Any] = {
        "id": customer.id, "name": customer.name, "kind": customer.kind.value,
        "status": customer.status.value, "owner": owners.get(customer.owner_id, ""),
        "phone": "; ".join(customer.phones), "email": customer.email,
        "address": customer.address, "city": customer.city, "region": customer.region,
        "industry": customer.industry, "source": customer.source,
        "tags": "; ".join(customer.tags), "notes": customer.notes,
        "credit_code": customer.credit_code,
        "contact": first.name if first else "", "contact_title": first.title if first else "",
        "contact_phone": first.phone if first else "",
        "contact_email": first.email if first else "", "other_contacts": others,
        "created_at": customer.created_at.isoformat(timespec="seconds"),
        "updated_at": customer.updated_at.isoformat(timespec="seconds")}
    for key in protected:
        value = customer.sensitive.get(key, "")
        values[key] = value if reveal else mask(key, value)
    values.update({k: v for k, v in customer.custom.items() if k not in values})
    return [neutralise_cell(str(values.get(c, ""))) for c in columns]


@contextmanager
def _sink(kind: str, handle: IO[bytes]) -> Iterator[_CsvSink | _XlsxSink]:
    sink = _CsvSink(handle) if kind == "CSV" else _XlsxSink(handle)
    try:
        yield sink
    except BaseException:
        sink.abort()
        raise


class _CsvSink:
    def __init__(self, handle: IO[bytes]) -> None:
        import io

        self._text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="",
                                      write_through=True)
        self._writer = csv.writer(self._text)

    def write(self, row: Any) -> None:
        self._writer.writerow(row)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the caller closes the file

    def abort(self) -> None:
        self._text.detach()


class _XlsxSink:
    """openpyxl's write-only mode streams rows to a temporary file instead of holding them."""

    def __init__(self, handle: IO[bytes]) -> None:
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        self._handle = handle
        self._illegal = ILLEGAL_CHARACTERS_RE
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("Customers")

    def write(self, row: Any) -> None:
        # Every value is written as text: 13812345678 stays a phone number, not 1.38E+10.
        self._sheet.append([self._illegal.sub("", str(v)) for v in row])

    def close(self) -> None:
        self._book.save(self._handle)

    def abort(self) -> None:
        """Finish openpyxl's row stream and delete its temporary file, as saving would."""
        if self._sheet.closed:
            return
        with suppress(Exception):
            self._sheet.close()
        writer = getattr(self._sheet, "_writer", None)
        if writer is not None:
            with suppress(Exception):
                writer.cleanup()
