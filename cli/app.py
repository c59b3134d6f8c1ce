"""The command line's parser, dispatch and the one place that turns failures into exit codes."""

from __future__ import annotations

import argparse
import os

from cli import (
    commands_audit,
    commands_contracts,
    commands_customers,
    commands_money,
    commands_payments,
    commands_pdf,
    commands_privacy,
    commands_users,
    commands_vault,
)
from cli.context import AuthFactory, BadUsage, Context, say
from cli.prompts import Passwords, is_text
from core.errors import PasswordChangeRequired, StrongroomError

PROG = "python main.py"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

EPILOG = """\
commands (each takes --vault DIR; --user NAME is who acts and logs in):
  init --admin NAME                 create a vault; prints the recovery key once
  demo [--customers N --statement F.csv]  create the demo vault; prints NAME ROLE PASSWORD lines
  user add NAME --role ROLE [--generate]
  user list [--tsv] | disable NAME | reset NAME | role NAME ROLE | passwd
  audit verify                      "N entries, chain intact" or the first broken entry
  audit export --out FILE [--action PREFIX --actor NAME --since DATE --until DATE]
  vault export-key | check | recover --admin NAME | export-ca --out FILE.pem
  policy show | set [--idle-minutes N --min-length N --history N]
  customers import FILE [--dry-run --map HEADER=FIELD ...] | export FILE [--reveal]
  customers search QUERY            matches as --user sees them, one per line
  privacy due | access-request ID FILE.json | anonymise ID --reason TEXT
  pdf verify FILE.pdf [--ca CA.pem]  every signature intact and trusted (--vault/--user optional)
  contract list [--state S --customer ID] | render ID --out F.pdf | export-signed ID --out F.pdf
  reports receivables --out F.csv [--as-of DATE --customer ID --overdue] | ageing --out F.csv
  payments import-statement FILE --bank NAME [--map HEADER=FIELD ...]

Without a command, Strongroom opens its window.

Passwords are read from the terminal without echo, or one per line from standard input with
--password-stdin (in the order the command asks them). Results go to standard output, messages
to standard error.

Exit status: 0 success, 1 failure (wrong password, permission denied, damaged vault...),
2 bad usage, 130 interrupted.

Examples:
  python main.py init --vault ~/crm --admin "Alice Admin"
  python main.py user add Bob --role sales_rep --generate --vault ~/crm --user "Alice Admin"
  python main.py audit verify --vault ~/crm --user "Alice Admin"
  python main.py COMMAND --help
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Strongroom administration: vaults, users, audit trail, policies.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--vault", required=True, metavar="DIR", help="folder of the vault")
    common.add_argument("--password-stdin", action="store_true",
                        help="read passwords from standard input, one per line, instead of "
                        "the terminal")
    acting = argparse.ArgumentParser(add_help=False)
    acting.add_argument("--user", required=True, metavar="NAME",
                        help="who is acting (their password is asked)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands_vault.register(sub, common, acting)
    commands_users.register(sub, common, acting)
    commands_audit.register(sub, common, acting)
    commands_customers.register(sub, common, acting)
    commands_privacy.register(sub, common, acting)
    commands_pdf.register(sub, common, acting)  # after commands_vault: adds `vault export-ca`
    commands_contracts.register(sub, common, acting)
    commands_money.register(sub, common, acting)
    commands_payments.register(sub, common, acting)
    return parser


def run_cli(args: list[str], build_authenticator: AuthFactory) -> int:
    """Run one administrative command; returns the process exit status.

    `build_authenticator` is called without arguments, once, when a command first needs the
    vault: main.py passes its real (calibrated Argon2) factory, tests a cheap one."""
    parser = build_parser()
    try:
        parsed = parser.parse_args(args)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed by argparse
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    problem = _not_text(parsed)
    if problem:
        say(f"{PROG}: error: {problem}")
        return EXIT_USAGE
    ctx = Context(parsed, build_authenticator,
                  Passwords(from_stdin=getattr(parsed, "password_stdin", False)))
    try:
        return int(parsed.func(ctx))
    except BadUsage as exc:
        say(f"{PROG}: error: {exc}")
        return EXIT_USAGE
    except PasswordChangeRequired as exc:
        say(f"error: {exc}")
        say(f"Run: {PROG} user passwd --vault {parsed.vault} --user {_quote(parsed.user)}")
        return EXIT_FAILED
    except StrongroomError as exc:
        say(f"error: {exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        say("\nInterrupted.")
        return EXIT_INTERRUPTED
    except EOFError:  # Ctrl+D at a password prompt
        say("\nerror: no input; nothing was changed.")
        return EXIT_FAILED
    except OSError as exc:
        say(f"error: {_describe_os_error(exc)}")
        return EXIT_FAILED
    except Exception as exc:
        # A bug, not a user error: still no traceback for the person at the terminal (it may
        # sit in a log), unless they ask for one.
        if os.environ.get("STRONGROOM_DEBUG"):
            raise
        say(f"error: unexpected {type(exc).__name__}: {exc} "
            "(set STRONGROOM_DEBUG=1 for details)")
        return EXIT_FAILED


# Paths may hold any bytes the file system allows; names end up in the vault as text.
_PATH_ARGUMENTS = frozenset({"vault", "out", "file"})


def _not_text(parsed: argparse.Namespace) -> str | None:
    for key, value in vars(parsed).items():
        if key not in _PATH_ARGUMENTS and isinstance(value, str) and not is_text(value):
            return f"the {key} {value!r} is not valid UTF-8 text"
    return None


def _describe_os_error(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    return f"{text}: {exc.filename}" if exc.filename else text


def _quote(name: str) -> str:
    return f'"{name}"' if any(ch.isspace() for ch in name) else name

