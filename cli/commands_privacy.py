"""`privacy due | access-request | anonymise`: PIPL duties from the command line (administrators:
PRIVACY_MANAGE). Every action is audited by the core service."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.context import BadUsage, Context, Subcommands, command, emit, say, task_group


def cmd_due(ctx: Context) -> int:
    with ctx.session() as session:
        years = session.privacy.retention_years()
        due = session.privacy.due_for_anonymisation(session.user, ctx.args.limit)
    for item in due:
        emit("\t".join((f"#{item.id}", item.name, item.last_activity.date().isoformat())))
    say(f"{len(due)} customers inactive for more than {years} years are due for "
        "anonymisation.")
    return 0


def cmd_access_request(ctx: Context) -> int:
    out = Path(ctx.args.file).expanduser()
    if out.suffix.lower() != ".json":
        raise BadUsage(f"{ctx.args.file}: the file name must end in .json")
    with ctx.session() as session:
        counts = session.subject_rights.access_request(session.user, ctx.args.id, out)
    say(f"Wrote everything held about customer #{ctx.args.id} to {out} (protected values in "
        f"clear; keep it safe): " + ", ".join(f"{v} {k}" for k, v in counts.items()) + ".")
    return 0


def cmd_anonymise(ctx: Context) -> int:
    with ctx.session() as session:
        session.subject_rights.anonymise(session.user, ctx.args.id, ctx.args.reason)
    say(f"Customer #{ctx.args.id} is anonymised; this cannot be undone.")
    return 0


def _customer_id(text: str) -> int:
    try:
        value = int(text.lstrip("#"))
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a customer id")
    return value


def register(sub: Subcommands, common: argparse.ArgumentParser,
             acting: argparse.ArgumentParser) -> None:
    parents = [common, acting]
    tasks = task_group(sub, "privacy", help="retention list, access requests, anonymisation",
                       description="PIPL duties towards customers (administrators).")
    due = command(tasks, "due", cmd_due, parents, help="customers due for anonymisation",
                  description="List customers whose last activity (last interaction or "
                  "change) is older than the retention period: ID, name, last activity.")
    due.add_argument("--limit", type=int, default=1000, help="at most this many (1000)")
    req = command(tasks, "access-request", cmd_access_request, parents,
                  help="export everything held about one customer",
                  description="Write everything held about customer ID (record with protected "
                  "values in clear, contacts, consents, interactions, tasks, shares, audit "
                  "entries) to FILE (.json). Audited without the data.")
    req.add_argument("id", type=_customer_id, metavar="ID")
    req.add_argument("file", metavar="FILE")
    ano = command(tasks, "anonymise", cmd_anonymise, parents,
                  help="irreversibly erase one customer's personal data",
                  description="Erase customer ID's personal data (name becomes a pseudonym; "
                  "phones, e-mail, address, contacts, protected and custom values, notes and "
                  "interaction texts are cleared); the record, its owner and its history's "
                  "dates stay. Irreversible; audited with the reason.")
    ano.add_argument("id", type=_customer_id, metavar="ID")
    ano.add_argument("--reason", required=True, help="why (request, retention end)")
