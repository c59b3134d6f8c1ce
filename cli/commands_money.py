"""`reports receivables|ageing`: the money reports as CSV files, as the acting user sees them
(through the customers they may see), written whole or not at all and audited as exports;
`reports warnings`: the fraud signals of a period, one per line on stdout."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from cli.context import Context, Subcommands, command, emit, say, task_group


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (write YYYY-MM-DD)") from None


def _customer_id(text: str) -> int:
    value = text.strip().removeprefix("#")
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a customer id (a number, as "
                                         "`customers search` prints it)")
    return int(value)


def _target(name: str) -> Path:
    from core.errors import InvalidInput
    from core.export_file import check_target

    path = check_target(Path(name).expanduser())
    if path.suffix.lower() != ".csv":
        raise InvalidInput("The report is a CSV file: give a name ending in .csv.")
    return path


def cmd_receivables(ctx: Context) -> int:
    from core.money.model import ReceivableFilter

    out = _target(ctx.args.out)  # a bad path fails before the password is asked
    a = ctx.args
    with ctx.session() as session:
        as_of = a.as_of or session.money.today()
        flt = ReceivableFilter(customer_id=a.customer,
                               overdue_on=as_of if a.overdue else None)
        count = session.money.export_receivables(session.user, out, as_of, flt)
    what = "overdue instalments" if a.overdue else "open instalments"
    say(f"Wrote {count} {what} (as of {as_of.isoformat()}) to {out} (recorded in the audit "
        "trail).")
    emit(str(out))
    return 0


def cmd_ageing(ctx: Context) -> int:
    out = _target(ctx.args.out)
    with ctx.session() as session:
        as_of = ctx.args.as_of or session.money.today()
        count = session.money.export_ageing(session.user, out, as_of)
    say(f"Wrote the ageing as of {as_of.isoformat()} ({count} rows: per customer, per rep, "
        f"total) to {out} (recorded in the audit trail).")
    emit(str(out))
    return 0


def cmd_warnings(ctx: Context) -> int:
    a = ctx.args
    with ctx.session() as session:
        until = a.until or session.money.today()
        found = session.fraud.signals(session.user, a.since, until)
    for signal in found:
        emit(f"{signal.severity.upper()}\t{signal.code}\t{signal.message}")
    say(f"{len(found)} warning(s) up to {until.isoformat()}.")
    return 0


def register(sub: Subcommands, common: argparse.ArgumentParser,
             acting: argparse.ArgumentParser) -> None:
    parents = [common, acting]
    tasks = task_group(sub, "reports", help="money reports: receivables, ageing, warnings",
                       description="Money reports as CSV files (UTF-8 with BOM), covering the "
                       "customers --user may see.")
    receivables = command(
        tasks, "receivables", cmd_receivables, parents, help="open instalments to CSV",
        description="Write the open instalments --user may see, by due date: customer, "
        "contract number, instalment, due date, currency, amount, open balance, days overdue "
        "and invoice number. Audited.")
    receivables.add_argument("--out", required=True, metavar="FILE", help="the CSV to write")
    receivables.add_argument("--as-of", type=_day, metavar="DATE",
                             help="count days overdue as of DATE (YYYY-MM-DD; default today)")
    receivables.add_argument("--customer", type=_customer_id, metavar="ID",
                             help="only this customer's instalments")
    receivables.add_argument("--overdue", action="store_true",
                             help="only instalments past due on the --as-of date")
    ageing = command(
        tasks, "ageing", cmd_ageing, parents, help="ageing of open balances to CSV",
        description="Write open balances by days overdue (current, 1-30, 31-60, 61-90, over "
        "90) per customer, per rep and in total, per currency. Audited.")
    ageing.add_argument("--out", required=True, metavar="FILE", help="the CSV to write")
    ageing.add_argument("--as-of", type=_day, metavar="DATE",
                        help="age as of DATE (YYYY-MM-DD; default today)")
    warnings = command(
        tasks, "warnings", cmd_warnings, parents, help="fraud warnings of a period",
        description="Print the fraud signals of receipts and refunds --user may see: "
        "severity, code and message, tab-separated, high severity first (bank accounts by "
        "their last four digits).")
    warnings.add_argument("--since", type=_day, metavar="DATE",
                          help="from DATE (YYYY-MM-DD; default 90 days before --until)")
    warnings.add_argument("--until", type=_day, metavar="DATE",
                          help="up to DATE (YYYY-MM-DD; default today)")
