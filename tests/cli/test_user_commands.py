"""`user add|list|disable|reset|role|passwd`, including the must-change-password flow."""

from __future__ import annotations

from pathlib import Path

from core.auth import Authenticator
from core.roles import Role
from tests.cli.conftest import Runner
from tests.conftest import ADMIN, USERS

NEW_PASSWORD = "a brand new pass phrase 99"


def _as(cli: Runner, vault: Path, role: Role, *args: str, extra: list[str] | None = None):
    name, password = ADMIN if role == Role.ADMINISTRATOR else USERS[role]
    return cli(*args, "--vault", str(vault), "--user", name, stdin=[password, *(extra or [])])


def _list(as_admin: Runner) -> dict[str, list[str]]:
    result = as_admin("user", "list", "--tsv")
    assert result.code == 0, result.err
    return {row[0]: row[1:] for row in (line.split("\t") for line in result.lines)}


# -- add --------------------------------------------------------------------------------------
def test_add_reads_three_lines_and_the_user_must_change_password(
        as_admin: Runner, cli: Runner, vault_path: Path) -> None:
    result = as_admin("user", "add", "Bob Rep", "--role", "sales_rep",
                      stdin=[NEW_PASSWORD, NEW_PASSWORD])
    assert result.code == 0, result.err
    assert result.out == ""
    assert _list(as_admin)["Bob Rep"][:2] == ["sales_rep", "active, must change password"]
    # Bob can log in, but any other command first asks him to change the password.
    blocked = cli("audit", "verify", "--vault", str(vault_path), "--user", "Bob Rep",
                  stdin=[NEW_PASSWORD])
    assert blocked.code == 1
    assert "Your password was reset" in blocked.err
    assert "user passwd" in blocked.err


def test_add_with_generate_prints_a_temporary_password(
        as_admin: Runner, cli_auth: Authenticator, vault_path: Path) -> None:
    result = as_admin("user", "add", "Carla", "--role", "finance", "--generate")
    assert result.code == 0, result.err
    temporary = result.out.strip()
    assert len(result.lines) == 1 and len(temporary) >= 16
    session = cli_auth.login(vault_path, "Carla", temporary)
    assert session.user.must_change_password
    session.close()


def test_add_mismatched_passwords_adds_nobody(as_admin: Runner) -> None:
    result = as_admin("user", "add", "Bob", "--role", "sales_rep",
                      stdin=[NEW_PASSWORD, NEW_PASSWORD + "x"])
    assert result.code == 1
    assert "do not match" in result.err
    assert "Bob" not in _list(as_admin)


def test_add_duplicate_name_fails(as_admin: Runner) -> None:
    name = USERS[Role.FINANCE][0]
    result = as_admin("user", "add", name, "--role", "finance", "--generate")
    assert result.code == 1
    assert "already exists" in result.err
    assert result.out == ""


def test_manager_cannot_add_users(cli: Runner, vault_path: Path) -> None:
    result = _as(cli, vault_path, Role.SALES_MANAGER, "user", "add", "Eve", "--role",
                 "administrator", "--generate")
    assert result.code == 1
    assert "You do not have permission to manage user accounts." in result.err
    assert result.out == ""


# -- list -------------------------------------------------------------------------------------
def test_list_shows_a_table_with_every_user(as_admin: Runner) -> None:
    result = as_admin("user", "list")
    assert result.code == 0
    header, *rows = result.lines
    assert header.split() == ["NAME", "ROLE", "STATUS", "LAST", "LOGIN"]
    assert len(rows) == 5
    admin_row = next(r for r in rows if r.startswith(ADMIN[0]))
    assert "administrator" in admin_row and "active" in admin_row
    assert "never" not in admin_row  # the admin just logged in
    rep_row = next(r for r in rows if r.startswith(USERS[Role.SALES_REP][0]))
    assert rep_row.endswith("never")
    # 王芳 is two characters but four columns wide: the ROLE column still lines up.
    assert len({_display_col(r, "  sales_rep", "  administrator", "  auditor",
                             "  finance", "  sales_manager") for r in rows}) == 1


def _display_col(row: str, *markers: str) -> int:
    import unicodedata
    index = min(row.find(m) for m in markers if m in row)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in row[:index])


def test_manager_may_list_but_rep_may_not(cli: Runner, vault_path: Path) -> None:
    assert _as(cli, vault_path, Role.SALES_MANAGER, "user", "list").code == 0
    denied = _as(cli, vault_path, Role.SALES_REP, "user", "list")
    assert denied.code == 1
    assert "permission to list user accounts" in denied.err


# -- disable ----------------------------------------------------------------------------------
def test_disable_stops_the_user_logging_in(as_admin: Runner, cli: Runner,
                                           vault_path: Path) -> None:
    name = USERS[Role.FINANCE][0]
    result = as_admin("user", "disable", name)
    assert result.code == 0, result.err
    assert "rekeyed" in result.err
    assert _list(as_admin)[name][1] == "disabled"
    again = _as(cli, vault_path, Role.FINANCE, "policy", "show")
    assert again.code == 1
    assert "Unknown user or wrong password." in again.err


def test_disable_refuses_self_and_unknown(as_admin: Runner) -> None:
    own = as_admin("user", "disable", ADMIN[0])
    assert own.code == 1 and "your own account" in own.err
    missing = as_admin("user", "disable", "Nobody")
    assert missing.code == 1 and "No user named 'Nobody'" in missing.err


# -- reset and passwd -------------------------------------------------------------------------
def test_reset_then_passwd_then_normal_use(as_admin: Runner, cli: Runner,
                                           vault_path: Path) -> None:
    name = USERS[Role.AUDITOR][0]
    reset = as_admin("user", "reset", name)
    assert reset.code == 0, reset.err
    temporary = reset.out.strip()
    assert "must change it" in reset.err
    assert _list(as_admin)[name][1] == "active, must change password"

    def as_auditor(*args: str, extra: list[str] | None = None, password: str = temporary):
        return cli(*args, "--vault", str(vault_path), "--user", name,
                   stdin=[password, *(extra or [])])

    blocked = as_auditor("audit", "verify")
    assert blocked.code == 1 and "choose a new password" in blocked.err
    mismatch = as_auditor("user", "passwd", extra=[NEW_PASSWORD, NEW_PASSWORD + "?"])
    assert mismatch.code == 1 and "do not match" in mismatch.err
    changed = as_auditor("user", "passwd", extra=[NEW_PASSWORD, NEW_PASSWORD])
    assert changed.code == 0, changed.err
    assert as_auditor("audit", "verify", password=NEW_PASSWORD).code == 0
    assert as_auditor("audit", "verify").code == 1  # the temporary password is gone
    assert _list(as_admin)[name][1] == "active"


def test_reset_re_enables_a_disabled_user(as_admin: Runner, cli_auth: Authenticator,
                                          vault_path: Path) -> None:
    name = USERS[Role.FINANCE][0]
    assert as_admin("user", "disable", name).code == 0
    reset = as_admin("user", "reset", name)
    assert reset.code == 0
    session = cli_auth.login(vault_path, name, reset.out.strip())
    assert session.user.active and session.user.must_change_password
    session.close()


def test_passwd_with_wrong_current_password(cli: Runner, vault_path: Path) -> None:
    name = USERS[Role.FINANCE][0]
    wrong = cli("user", "passwd", "--vault", str(vault_path), "--user", name,
                stdin=["not it", NEW_PASSWORD, NEW_PASSWORD])
    assert wrong.code == 1
    assert "Unknown user or wrong password." in wrong.err


def test_passwd_enforces_the_policy(cli: Runner, vault_path: Path) -> None:
    result = _as(cli, vault_path, Role.FINANCE, "user", "passwd", extra=["short", "short"])
    assert result.code == 1
    assert result.err.startswith("error: ")


# -- role -------------------------------------------------------------------------------------
def test_role_change(as_admin: Runner) -> None:
    name = USERS[Role.SALES_REP][0]
    result = as_admin("user", "role", name, "sales_manager")
    assert result.code == 0, result.err
    assert _list(as_admin)[name][0] == "sales_manager"


def test_last_admin_keeps_the_role(as_admin: Runner) -> None:
    result = as_admin("user", "role", ADMIN[0], "auditor")
    assert result.code == 1
    assert "last active administrator" in result.err
