"""`user ...`: adding, listing, disabling, resetting, changing roles and one's own password."""

from __future__ import annotations

import argparse
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING

from cli.context import Context, Subcommands, command, emit, say, task_group
from core.roles import Role

if TYPE_CHECKING:
    from core.users import User

ROLE_CHOICES = [r.value for r in Role]


def cmd_add(ctx: Context) -> int:
    from core.accounts import generate_temporary_password

    a = ctx.args
    with ctx.session() as session:
        password = generate_temporary_password() if a.generate else ctx.passwords.ask_new(a.name)
        user = session.accounts.add_user(session.user, a.name, Role(a.role), password,
                                         must_change=True)
    say(f"Added {user.name} ({user.role.value}). They must choose a new password at first "
        "login.")
    if a.generate:
        emit(password)
    return 0


def cmd_list(ctx: Context) -> int:
    with ctx.session() as session:
        users = session.accounts.list_users(session.user)
    rows = [[u.name, u.role.value, _status(u), _when(u.last_login_at)] for u in users]
    if ctx.args.tsv:
        for row in rows:
            emit("\t".join(row))
    else:
        emit(format_table(["NAME", "ROLE", "STATUS", "LAST LOGIN"], rows))
    return 0


def cmd_disable(ctx: Context) -> int:
    with ctx.session() as session:
        target = session.accounts.find(session.user, ctx.args.name)
        session.accounts.disable_user(session.user, target.id)
    say(f"Disabled {target.name}. Their key slot was deleted and the vault rekeyed.")
    return 0


def cmd_reset(ctx: Context) -> int:
    with ctx.session() as session:
        target = session.accounts.find(session.user, ctx.args.name)
        user, temporary = session.accounts.reset_password(session.user, target.id)
    say(f"Temporary password for {user.name} below; they must change it at their next login.")
    emit(temporary)
    return 0


def cmd_role(ctx: Context) -> int:
    with ctx.session() as session:
        target = session.accounts.find(session.user, ctx.args.name)
        user = session.accounts.set_role(session.user, target.id, Role(ctx.args.role))
    say(f"{user.name} is now {user.role.value}.")
    return 0


def cmd_passwd(ctx: Context) -> int:
    current = ctx.passwords.ask(f"Current password for {ctx.args.user}: ")
    with ctx.session(current) as session:
        new = ctx.passwords.ask_new(session.user.name)
        session.change_password(current, new)
    say("Password changed.")
    return 0


def _status(user: User) -> str:
    if not user.active:
        return "disabled"
    return "active, must change password" if user.must_change_password else "active"


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "never"


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two, so 王芳 lines up with ASCII names."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def register(sub: Subcommands, common: argparse.ArgumentParser,
             acting: argparse.ArgumentParser) -> None:
    tasks = task_group(sub, "user", help="manage user accounts",
                       description="Manage user accounts. --user names who is acting; their "
                       "password is asked first.")
    parents = [common, acting]
    roles = ", ".join(ROLE_CHOICES)

    add = command(
        tasks, "add", cmd_add, parents, help="add a user",
        description="Add a user with a role. Asks the acting user's password, then the new "
        "user's password twice (or prints a generated one with --generate). The new user must "
        "change it at first login.")
    add.add_argument("name", metavar="NAME", help="the new user's name")
    add.add_argument("--role", required=True, choices=ROLE_CHOICES, metavar="ROLE",
                     help=f"one of: {roles}")
    add.add_argument("--generate", action="store_true",
                     help="generate a temporary password and print it on standard output")

    lst = command(tasks, "list", cmd_list, parents, help="list users",
                  description="List users: name, role, status and last login.")
    lst.add_argument("--tsv", action="store_true",
                     help="tab-separated rows without a header, for scripts")

    disable = command(
        tasks, "disable", cmd_disable, parents, help="disable a user",
        description="Disable a user: their key slot is deleted and the vault rekeyed, so an old "
        "copy of their slot opens nothing new. Close other windows on this vault first.")
    disable.add_argument("name", metavar="NAME", help="the user to disable")

    reset = command(
        tasks, "reset", cmd_reset, parents, help="give a user a temporary password",
        description="Generate a temporary password for a user (printed on standard output); "
        "re-enables a disabled account. The user must change it at next login.")
    reset.add_argument("name", metavar="NAME", help="the user whose password is reset")

    role = command(tasks, "role", cmd_role, parents, help="change a user's role",
                   description="Change a user's role.")
    role.add_argument("name", metavar="NAME", help="the user")
    role.add_argument("role", choices=ROLE_CHOICES, metavar="ROLE", help=f"one of: {roles}")

    command(tasks, "passwd", cmd_passwd, parents, help="change your own password",
            description="Change the password of --user: asks the current password, then the "
            "new one twice. Required after a reset before any other command.")
