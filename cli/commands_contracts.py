"""`contract list|render|export-signed`: contracts as the acting user sees them (through their
customers), a PDF of any contract they may read, and the signed copy kept in the vault."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING

from cli.context import Context, Subcommands, command, emit, say, task_group

if TYPE_CHECKING:
    from core.contracts.model import Contract
    from core.session import Session

# core.contracts.workflow.ContractState's values (tests/cli/test_contract_commands.py checks
# they agree): written out so that building the parser imports nothing of the contracts.
STATES = ("draft", "in_review", "approved", "rejected", "signed", "active", "completed",
          "terminated")
SIGNED_STATES = ("signed", "active", "completed", "terminated")
_NUMBER = re.compile(r"SR-\d{4}-\d{6}(-V\d+)?", re.IGNORECASE)
PAGE = 500


def _contract_id(text: str) -> str:
    """A numeric id or a contract number (SR-2026-000123, SR-2026-000123-V2)."""
    text = text.strip()
    if not (text.isdigit() or _NUMBER.fullmatch(text)):
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a contract id (a number) nor a contract number "
            "(like SR-2026-000123)")
    return text.upper()


def _customer_id(text: str) -> int:
    value = text.strip().removeprefix("#")
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a customer id (a number, as "
                                         "`customers search` prints it)")
    return int(value)


def resolve(session: Session, ref: str) -> Contract:
    """The contract `ref` names, if the acting user may read it. A contract of someone else's
    customer and one that does not exist get the same answer (ids cannot be probed)."""
    from core.contracts.model import ContractFilter
    from core.errors import NotFound

    actor = session.user
    missing = NotFound(f"There is no contract {ref} that {actor.name} may see.")
    if ref.isdigit():
        try:
            return session.contracts.get(actor, int(ref))
        except NotFound:
            raise missing from None
    found = [s for s in session.contracts.page(actor, ContractFilter(text=ref), None, PAGE)
             if s.number.upper() == ref]
    if not found:
        raise missing
    return session.contracts.get(actor, found[0].id)


def cmd_list(ctx: Context) -> int:
    from core.contracts.model import ContractFilter
    from core.contracts.money import format_amount

    flt = ContractFilter(customer_id=ctx.args.customer, state=ctx.args.state)
    count = 0
    with ctx.session() as session:
        before: int | None = None
        while True:
            rows = session.contracts.page(session.user, flt, before, PAGE)
            for s in rows:
                emit("\t".join((s.number, s.state, f"#{s.customer_id} {s.customer_name}",
                                f"{format_amount(s.gross, s.currency)} {s.currency}",
                                s.title)))
            count += len(rows)
            if len(rows) < PAGE:
                break
            before = rows[-1].id
    if not count:
        say("No contract you can see matches.")
    return 0


def _target(name: str) -> Path:
    from core.export_file import check_target

    return check_target(Path(name).expanduser())


def cmd_render(ctx: Context) -> int:
    from core.export_file import atomic_output

    out = _target(ctx.args.out)  # a bad path fails before the password is asked
    with ctx.session() as session:
        contract = resolve(session, ctx.args.id)
        rendered = session.contract_pdfs.render(session.user, contract.id)
    with atomic_output(out) as handle:
        handle.write(rendered.pdf)
    note = (" This is a rendering of its current content; the binding signed copy comes from "
            "`contract export-signed`." if contract.state in SIGNED_STATES else "")
    say(f"Wrote contract {rendered.number} ({contract.state}, {rendered.pages} pages) to {out}."
        f"{note} Its content fingerprint (SHA-256):")
    emit(rendered.fingerprint)
    return 0


def cmd_export_signed(ctx: Context) -> int:
    out = _target(ctx.args.out)
    with ctx.session() as session:
        contract = resolve(session, ctx.args.id)
        if contract.state not in SIGNED_STATES:
            say(f"error: contract {contract.number} is {contract.state.replace('_', ' ')}, "
                "not signed: there is no signed document to export. "
                "(`contract render` makes an unsigned PDF of it.)")
            return 1
        written = session.contracts.export_signed(session.user, contract.id, out)
    say(f"Wrote the signed contract {contract.number} to {written} (recorded in the audit "
        "trail). Check it with: python main.py pdf verify FILE --vault DIR --user NAME")
    emit(str(written))
    return 0


def register(sub: Subcommands, common: argparse.ArgumentParser,
             acting: argparse.ArgumentParser) -> None:
    parents = [common, acting]
    tasks = task_group(sub, "contract", help="list contracts, render or export their PDFs",
                       description="Contracts, as --user sees them (through their customers).")
    listing = command(
        tasks, "list", cmd_list, parents, help="list contracts",
        description="Print the contracts --user may see, newest first, one per line "
        "(tab-separated): number, state, #customer-id and name, total and currency, title.")
    listing.add_argument("--state", choices=STATES, metavar="STATE",
                         help=f"only contracts in this state: {', '.join(STATES)}")
    listing.add_argument("--customer", type=_customer_id, metavar="ID",
                         help="only the contracts of this customer")

    render = command(
        tasks, "render", cmd_render, parents, help="write a contract as a PDF",
        description="Render contract ID (its number, e.g. SR-2026-000123, or its numeric id) "
        "as it stands now, in any state --user may read (a draft or an approved contract for "
        "review or printing), to FILE. Audited. Prints the content fingerprint.")
    render.add_argument("id", type=_contract_id, metavar="ID", help="contract number or id")
    render.add_argument("--out", required=True, metavar="FILE", help="the PDF to write")

    export = command(
        tasks, "export-signed", cmd_export_signed, parents,
        help="write the signed PDF kept in the vault",
        description="Write the signed PDF of contract ID (number or numeric id), exactly as "
        "archived in the vault, to FILE. Needs the export permission; audited. Exit status "
        "1 when the contract is not signed.")
    export.add_argument("id", type=_contract_id, metavar="ID", help="contract number or id")
    export.add_argument("--out", required=True, metavar="FILE", help="the PDF to write")
