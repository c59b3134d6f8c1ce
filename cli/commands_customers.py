"""`customers import|export|search`: bulk work on customers from the command line, as the acting
user sees them (their scope, their masking, their permissions)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cli.context import BadUsage, Context, Subcommands, command, emit, say, task_group
from cli.prompts import UsageProblem

if TYPE_CHECKING:
    from core.customers.importing import ImportReport

FIELD_HELP = ("name kind status phone email address city region industry source tags notes "
              "credit_code national_id personal_mobile bank_account contact contact_title "
              "contact_phone contact_email owner ignore custom:KEY")


def _mapping(pairs: list[str] | None) -> dict[str, str]:
    from core.customers.columns import CUSTOM_PREFIX, FIELDS, IGNORE

    mapping: dict[str, str] = {}
    for pair in pairs or []:
        header, sep, field = pair.rpartition("=")
        header, field = header.strip(), field.strip()
        if not sep or not header:
            raise BadUsage(f"--map {pair!r}: write HEADER=FIELD, e.g. --map 客户名称=name")
        if field not in FIELDS and field != IGNORE and not (
                field.startswith(CUSTOM_PREFIX) and len(field) > len(CUSTOM_PREFIX)):
            raise BadUsage(f"--map {pair!r}: {field!r} is not a field; fields: {FIELD_HELP}")
        mapping[header] = field
    return mapping


def _existing_file(name: str) -> Path:
    path = Path(name).expanduser()
    if not path.is_file():
        raise UsageProblem(f"There is no file {path}.")
    return path


def cmd_import(ctx: Context) -> int:
    a = ctx.args
    mapping = _mapping(a.map)
    path = _existing_file(a.file)
    with ctx.session() as session:
        report = session.customer_import.run(
            session.user, path, mapping, dry_run=a.dry_run,
            import_duplicates=a.allow_duplicates, encoding=a.encoding)
    for line in report_lines(report):
        emit(line)
    if report.file_problems:
        say(f"Nothing was imported from {path}.")
    elif report.dry_run:
        say("Dry run: nothing was written.")
    return 0 if report.ok else 1


def report_lines(report: ImportReport) -> list[str]:
    head = f"{report.file}: {report.format}" if report.format else report.file
    lines = [f"{head}, {report.encoding}" if report.encoding else head]
    if report.columns:
        lines.append("columns: " + ", ".join(f"{h}={f}" for h, f in report.columns.items()))
    if report.ignored_columns:
        lines.append("ignored columns: " + ", ".join(report.ignored_columns))
    if report.file_problems:
        lines.append("cannot import:")
        lines.extend(f"  {problem}" for problem in report.file_problems)
        return lines
    lines.append(f"rows read: {report.rows_read}")
    lines.append(f"{'would import' if report.dry_run else 'imported'}: {report.imported}")
    lines.append(f"rejected: {report.rejected_rows}")
    lines.extend(f"  row {p.row}{', ' + p.column if p.column else ''}: {p.reason}"
                 for p in report.problems)
    exact = [d for d in report.duplicates if d.exact]
    possible = [d for d in report.duplicates if not d.exact]
    verb = "imported anyway" if report.duplicate_rows and not report.skipped_duplicates \
        else "skipped"
    lines.append(f"duplicates ({verb}): {report.duplicate_rows}")
    lines.extend(f"  row {d.row}: {d.reason}" for d in exact)
    lines.append(f"possible duplicates (imported; check them): {report.possible_duplicates}")
    lines.extend(f"  row {d.row}: {d.reason}" for d in possible)
    if report.unlisted:
        lines.append(f"({report.unlisted} more problems and duplicates not listed)")
    return lines


def cmd_export(ctx: Context) -> int:
    out = Path(ctx.args.file).expanduser()
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise BadUsage(f"{ctx.args.file}: the file name must end in .csv or .xlsx")
    with ctx.session() as session:
        result = session.customer_export.export(session.user, out, reveal=ctx.args.reveal)
    shown = "in clear (recorded in the audit trail)" if result.revealed else "masked"
    say(f"Exported {result.count} customers to {out}; protected values {shown}.")
    return 0


def cmd_search(ctx: Context) -> int:
    with ctx.session() as session:
        found = session.customers.search(session.user, ctx.args.query, ctx.args.limit)
    for s in found:
        emit("\t".join((f"#{s.id}", s.name, s.kind.value, s.status.value, s.city, s.phone,
                        s.email, s.owner_name)))
    if not found:
        say("No customer you can see matches.")
    return 0


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 500:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 1 to 500")
    return value


def register(sub: Subcommands, common: argparse.ArgumentParser,
             acting: argparse.ArgumentParser) -> None:
    parents = [common, acting]
    tasks = task_group(sub, "customers", help="import, export or search customers",
                       description="Customers, as --user sees them.")
    imp = command(
        tasks, "import", cmd_import, parents, help="import customers from CSV or XLSX",
        description="Import customers from FILE: CSV (UTF-8, UTF-8 with BOM, or GBK as saved "
        "by Excel on Chinese Windows) or XLSX, with a header row. Columns are matched by "
        "their header (English or Chinese: 客户名称, 手机, 邮箱, 城市...). Valid rows are "
        "imported together or not at all; rejected rows are listed with their row number, "
        "column and reason, and make the exit status 1. Duplicates of existing customers or "
        "earlier rows (same credit code, mobile or e-mail) are skipped and listed.")
    imp.add_argument("file", metavar="FILE", help=".csv or .xlsx file")
    imp.add_argument("--dry-run", action="store_true",
                     help="check the file and print the report; write nothing")
    imp.add_argument("--map", action="append", metavar="HEADER=FIELD",
                     help=f"read column HEADER as FIELD (repeatable); fields: {FIELD_HELP}")
    imp.add_argument("--allow-duplicates", action="store_true",
                     help="import rows that duplicate a customer instead of skipping them")
    imp.add_argument("--encoding", metavar="CODEC",
                     help="read a CSV file in this encoding instead of detecting it")

    exp = command(
        tasks, "export", cmd_export, parents, help="export customers to CSV or XLSX",
        description="Write every customer --user may see to FILE (.csv, UTF-8 with BOM, or "
        ".xlsx). Protected values (ID numbers, personal mobiles, bank accounts) are masked "
        "unless --reveal is given by a user who may reveal them. Audited.")
    exp.add_argument("file", metavar="FILE", help="file to write (.csv or .xlsx)")
    exp.add_argument("--reveal", action="store_true",
                     help="write protected values in clear (needs the reveal permission)")

    search = command(
        tasks, "search", cmd_search, parents, help="search customers",
        description="Print the customers --user may see that match QUERY, one per line: "
        "#ID, name, kind, status, city, phone, e-mail, owner (tab-separated).")
    search.add_argument("query", metavar="QUERY", help="words, name fragments or a phone part")
    search.add_argument("--limit", type=_limit, default=50, metavar="N",
                        help="at most N matches (default 50)")
