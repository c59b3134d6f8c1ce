"""Creating vaults (init, demo) and vault-level tasks: key export, recovery, integrity check."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.context import BadUsage, Context, Subcommands, command, emit, say, task_group
from cli.prompts import UsageProblem


def cmd_init(ctx: Context) -> int:
    admin = ctx.args.admin
    if ctx.vault.exists() and (not ctx.vault.is_dir() or any(ctx.vault.iterdir())):
        # Checked before asking for passwords; the opener refuses it again in any case.
        raise UsageProblem(f"{ctx.vault} is not an empty folder; choose an empty or new one.")
    password = ctx.passwords.ask_new(admin)
    session, recovery_key = ctx.auth.create(ctx.vault, admin, password, say)
    session.close()
    say(f"Created the vault in {ctx.vault} with administrator {admin}.")
    say("WARNING: the recovery key below is shown only this once. Write it down and keep it "
        "offline, away from this computer: it opens the vault when every password is lost.")
    emit(recovery_key)
    return 0


def cmd_demo(ctx: Context) -> int:
    from core.demo import create_demo_vault

    statement = Path(ctx.args.statement).expanduser() if ctx.args.statement else None
    if statement is not None:
        # Checked before the vault is made (seconds of work): the vault folder holds vault
        # files only, and nothing of the user's is overwritten.
        inside = statement.resolve().is_relative_to(ctx.vault.expanduser().resolve())
        if inside or statement.exists() or not statement.parent.is_dir():
            raise BadUsage(f"--statement {statement}: give a new file in an existing folder "
                           "outside the vault folder")
    users = create_demo_vault(ctx.auth, ctx.vault, say, extra_customers=ctx.args.customers,
                              statement=statement)
    say(f"Created the demo vault in {ctx.vault}. Its passwords are public: never put real data "
        "in it.")
    if statement is not None:
        say(f"Wrote a bank statement that reconciles partly to {statement}. Import it with: "
            f"python main.py payments import-statement {statement} --bank 招商银行 "
            f"--vault {ctx.vault} --user finance")
    for user in users:
        emit(f"{user.name} {user.role.value} {user.password}")
    return 0


def cmd_export_key(ctx: Context) -> int:
    with ctx.session() as session:
        key = session.vault.export_key(session.user)
    say("Anyone holding this key can read the whole vault with any SQLCipher 4 tool. "
        "The export was recorded in the audit trail.")
    emit(key)
    return 0


def cmd_recover(ctx: Context) -> int:
    ctx.require_vault()
    recovery_key = ctx.passwords.ask("Recovery key: ").strip()
    if not recovery_key:
        raise UsageProblem("No recovery key was given.")
    password = ctx.passwords.ask_new(ctx.args.admin)
    ctx.auth.recover(ctx.vault, recovery_key, ctx.args.admin, password)
    say(f"{ctx.args.admin} has a new password; log in with it. The recovery was recorded in the "
        "audit trail.")
    return 0


def cmd_check(ctx: Context) -> int:
    # Unlocking already verifies the slot file and, for small vaults, every page; the explicit
    # check covers vaults of any size. Damage surfaces as VaultDamaged (exit 1).
    with ctx.session() as session:
        session.vault.check_integrity(session.user)
    emit("vault intact")
    return 0


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 10_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 0 to 10000000")
    return value


def register(sub: Subcommands, common: argparse.ArgumentParser,
             acting: argparse.ArgumentParser) -> None:
    init = command(
        sub, "init", cmd_init, [common], help="create a new vault with its first administrator",
        description="Create a new, empty vault in DIR (a new or empty folder) with one "
        "administrator. The password is asked twice; the recovery key is printed once on "
        "standard output.")
    init.add_argument("--admin", required=True, metavar="NAME",
                      help="name of the first administrator")

    demo = command(
        sub, "demo", cmd_demo, [], help="create the demo vault (public passwords)",
        description="Create the demo vault in DIR (a new or empty folder) and print one line per "
        "user: NAME ROLE PASSWORD. These passwords are public.")
    demo.add_argument("--vault", required=True, metavar="DIR", help="folder of the vault")
    demo.add_argument("--customers", type=_count, default=0, metavar="N",
                      help="also generate N more customers in bulk (for benchmarks)")
    demo.add_argument("--statement", metavar="OUT.csv",
                      help="also write a bank statement (GBK CSV, as 招商银行 exports it) that "
                      "reconciles partly with the demo's receipts and instalments")

    tasks = task_group(sub, "vault", help="key export, recovery and integrity check",
                       description="Vault-level tasks.")
    command(tasks, "export-key", cmd_export_key, [common, acting],
            help="print the raw database key (admins only)",
            description="Print the raw SQLCipher database key in hex, so the data can be opened "
            "with other SQLCipher 4 tools. Administrators only; every attempt is audited.")
    recover = command(
        tasks, "recover", cmd_recover, [common], help="give an administrator a new password",
        description="Open the vault with its recovery key and set a new password for an "
        "administrator. Asks the recovery key, then the new password twice.")
    recover.add_argument("--admin", required=True, metavar="NAME",
                         help="administrator whose password is replaced")
    command(tasks, "check", cmd_check, [common, acting],
            help="check the vault for damage or tampering",
            description="Unlock the vault, which verifies the database pages, its structure and "
            "the key-slot file. Prints 'vault intact' (exit 0) or what is damaged (exit 1).")
