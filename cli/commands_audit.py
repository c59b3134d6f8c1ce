"""`audit verify|export` and `policy show|set`."""

from __future__ import annotations

import argparse
import dataclasses
from datetime import date, datetime, time, timedelta
from pathlib import Path

from cli.context import BadUsage, Context, Subcommands, command, emit, say, task_group
from core.audit import AuditFilter

POLICY_OPTIONS = {"idle_minutes": "--idle-minutes", "min_password_length": "--min-length",
                  "password_history": "--history"}


def cmd_verify(ctx: Context) -> int:
    with ctx.session() as session:
        result = session.audit.verify(session.user)
    emit(result.summary())
    if not result.ok:
        say("The audit trail is NOT intact: it was changed outside Strongroom.")
        return 1
    return 0


def cmd_export(ctx: Context) -> int:
    a = ctx.args
    flt = AuditFilter(since=a.since, until=a.until, actor=a.actor or "", action=a.action or "")
    out = Path(a.out).expanduser()
    with ctx.session() as session:
        written = session.audit.export_csv(session.user, flt, out)
    say(f"Exported {written} entries to {out}.")
    return 0


def parse_moment(text: str, end: bool = False) -> datetime:
    """YYYY-MM-DD (a local day; as an end it includes that whole day) or an ISO date-time (local
    time unless it names an offset)."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end:
                day += timedelta(days=1)
            return datetime.combine(day, time()).astimezone()
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM)") from None
    return moment if moment.tzinfo else moment.astimezone()


def _until(text: str) -> datetime:
    return parse_moment(text, end=True)


def cmd_policy_show(ctx: Context) -> int:
    with ctx.session() as session:
        policy = session.policies.get()
    _print_policy(policy)
    return 0


def cmd_policy_set(ctx: Context) -> int:
    changes = {k: getattr(ctx.args, k) for k in POLICY_OPTIONS
               if getattr(ctx.args, k) is not None}
    if not changes:
        raise BadUsage("nothing to change: give at least one of "
                           + ", ".join(POLICY_OPTIONS.values()))
    with ctx.session() as session:
        policy = session.policies.update(
            session.user, dataclasses.replace(session.policies.get(), **changes))
    say("Policy saved.")
    _print_policy(policy)
    return 0


def _print_policy(policy: object) -> None:
    for key, value in dataclasses.asdict(policy).items():  # type: ignore[call-overload]
        emit(f"{key} {value}")


def register(sub: Subcommands, common: argparse.ArgumentParser,
             acting: argparse.ArgumentParser) -> None:
    parents = [common, acting]
    tasks = task_group(sub, "audit", help="verify or export the audit trail",
                       description="The tamper-evident audit trail.")
    command(tasks, "verify", cmd_verify, parents, help="check the audit trail's hash chain",
            description="Walk the hash chain and seals. Prints 'N entries, chain intact' (exit "
            "0), or names the first entry edited, deleted, inserted or reordered (exit 1).")

    export = command(
        tasks, "export", cmd_export, parents, help="export audit entries to CSV",
        description="Write audit entries (newest first) to a CSV file, UTF-8 with BOM. Dates "
        "are YYYY-MM-DD (local time) or YYYY-MM-DDTHH:MM; --until includes the whole day.")
    export.add_argument("--out", required=True, metavar="FILE", help="CSV file to write")
    export.add_argument("--action", metavar="PREFIX",
                        help="only actions starting with PREFIX, e.g. user. or login")
    export.add_argument("--actor", metavar="NAME", help="only entries by this user")
    export.add_argument("--since", metavar="DATE", type=parse_moment,
                        help="only entries at or after DATE")
    export.add_argument("--until", metavar="DATE", type=_until,
                        help="only entries up to DATE (a plain date includes that day)")

    ptasks = task_group(sub, "policy", help="show or change the vault's policies",
                        description="Vault-wide policies.")
    command(ptasks, "show", cmd_policy_show, parents, help="print the policies",
            description="Print each policy as 'name value'.")
    pset = command(ptasks, "set", cmd_policy_set, parents,
                   help="change policies (administrators)",
                   description="Change one or more policies; the change is audited.")
    pset.add_argument("--idle-minutes", dest="idle_minutes", type=int, metavar="N",
                      help="lock after N idle minutes (1-240)")
    pset.add_argument("--min-length", dest="min_password_length", type=int, metavar="N",
                      help="minimum password length (12-128)")
    pset.add_argument("--history", dest="password_history", type=int, metavar="N",
                      help="refuse the last N passwords (1-24)")
