"""`payments import-statement`: import a bank statement and match its money in to the
receipts recorded and the instalments expected (finance and administrators only). Counts and
fraud signals go to standard output; a statement with any unreadable row is refused whole,
its rows listed with their reasons, and the exit status is 1."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cli.context import BadUsage, Context, Subcommands, command, emit, say, task_group
from cli.prompts import UsageProblem

if TYPE_CHECKING:
    from core.money.bank_mapping import BankMapping
    from core.money.reconciliation_model import ImportedStatement

FIELDS = ("date", "amount", "credit", "debit", "direction", "currency", "reference",
          "payer_name", "payer_account", "description")


def _mapping(pairs: list[str] | None, date_format: str | None,
             currency: str | None) -> BankMapping | None:
    from core.money.bank_mapping import BankMapping

    if not pairs:
        if date_format or currency:
            raise BadUsage("--date-format and --currency belong to a mapping: give the columns "
                           "with --map too")
        return None
    values: dict[str, object] = {"description": []}
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        header, field = header.strip(), field.strip()
        if not sep or not header:
            raise BadUsage(f"--map {pair!r}: write HEADER=FIELD, e.g. --map 交易日期=date")
        if field not in FIELDS:
            raise BadUsage(f"--map {pair!r}: {field!r} is not a field; fields: "
                           f"{' '.join(FIELDS)}")
        if field == "description":
            values["description"].append(header)  # type: ignore[union-attr]
        elif field in values:
            raise BadUsage(f"--map {pair!r}: {field} is mapped twice")
        else:
            values[field] = header
    if date_format:
        values["date_format"] = date_format
    if currency:
        values["default_currency"] = currency.strip().upper()
    mapping = BankMapping.from_dict(values)
    problems = mapping.problems()
    if problems:
        raise BadUsage("--map: " + " ".join(problems))
    return mapping


def summary_lines(out: ImportedStatement) -> list[str]:
    lines = [f"statement #{out.statement_id}: {out.file_name} ({out.bank}), "
             f"{out.period_from.isoformat()} to {out.period_to.isoformat()}",
             f"lines: {out.lines}",
             f"matched: {out.matched}",
             f"unmatched lines: {out.unmatched_lines}",
             f"money out (not matched): {out.outgoing}",
             f"unmatched receipts: {out.unmatched_receipts}",
             f"unmatched instalments: {out.unmatched_instalments}",
             f"differences: {out.differences}",
             f"receipts recorded: {out.receipts_recorded}",
             f"signals: {len(out.signals)}"]
    lines.extend(f"  [{s.severity}] {s.code}: {s.message}" for s in out.signals)
    return lines


def cmd_import_statement(ctx: Context) -> int:
    from core.money.reconciliation_model import StatementRejected

    a = ctx.args
    mapping = _mapping(a.map, a.date_format, a.currency)
    path = Path(a.file).expanduser()
    if not path.is_file():
        raise UsageProblem(f"There is no file {path}.")
    with ctx.session() as session:
        try:
            out = session.reconciliation.import_statement(session.user, path, a.bank, mapping)
        except StatementRejected as exc:
            emit(f"{path.name}: not imported")
            emit(f"rejected: {exc.rejected}")
            emit_problems = [f"  row {p.row}{', ' + p.column if p.column else ''}: {p.reason}"
                             for p in exc.problems]
            for line in [*(f"  {p}" for p in exc.file_problems), *emit_problems]:
                emit(line)
            say(f"error: {exc}")
            return 1
    for line in summary_lines(out):
        emit(line)
    say(f"Imported {out.lines} lines from {path.name}; {out.matched} matched (recorded in the "
        "audit trail).")
    return 0


def register(sub: Subcommands, common: argparse.ArgumentParser,
             acting: argparse.ArgumentParser) -> None:
    parents = [common, acting]
    tasks = task_group(sub, "payments", help="import and reconcile bank statements",
                       description="Bank statements and their reconciliation (finance and "
                       "administrators).")
    imp = command(
        tasks, "import-statement", cmd_import_statement, parents,
        help="import a bank statement and match it",
        description="Import a bank statement FILE (CSV in UTF-8 or GBK, or XLSX) from bank "
        "NAME and match its money in to the receipts recorded and the instalments expected. "
        "The column mapping is remembered per bank: --map replaces it, otherwise the "
        "remembered one (or one guessed from the headers) is used. A statement with any "
        "unreadable row, or imported before, is refused whole (exit status 1). Prints the "
        "counts of matched and unmatched lines, receipts and instalments, and the fraud "
        "signals raised. Audited.")
    imp.add_argument("file", metavar="FILE", help=".csv or .xlsx statement")
    imp.add_argument("--bank", required=True, metavar="NAME",
                     help="the bank (its column mapping is remembered under this name)")
    imp.add_argument("--map", action="append", metavar="HEADER=FIELD",
                     help="read column HEADER as FIELD (repeatable; description may repeat); "
                     f"fields: {' '.join(FIELDS)}")
    imp.add_argument("--date-format", metavar="FMT",
                     help="strptime format of the date column, e.g. %%d/%%m/%%Y (with --map)")
    imp.add_argument("--currency", metavar="CODE",
                     help="currency of lines without one (default CNY; with --map)")
