"""init, demo and `vault export-key|recover|check`, plus tamper detection by `audit verify`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlcipher3

from core.audit import AuditFilter
from core.auth import Authenticator
from core.demo import DEMO_USERS
from core.roles import Role
from tests.cli.conftest import Runner, open_admin
from tests.conftest import ADMIN, USERS

NEW_ADMIN = ("Root Admin", "a long enough pass phrase 77")


def _init(cli: Runner, vault: Path, first: str = NEW_ADMIN[1], second: str = NEW_ADMIN[1]):
    return cli("init", "--vault", str(vault), "--admin", NEW_ADMIN[0], stdin=[first, second])


# -- init -------------------------------------------------------------------------------------
def test_init_creates_a_vault_and_prints_the_recovery_key_once(
        cli: Runner, cli_auth: Authenticator, tmp_path: Path) -> None:
    vault = tmp_path / "v"
    result = _init(cli, vault)
    assert result.code == 0, result.err
    assert len(result.lines) == 1  # only the recovery key on stdout
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4})+", result.lines[0])
    assert "shown only this once" in result.err
    session = cli_auth.login(vault, *NEW_ADMIN)
    assert session.user.role == Role.ADMINISTRATOR
    session.close()


def test_init_password_mismatch_fails_and_creates_nothing(cli: Runner, tmp_path: Path) -> None:
    vault = tmp_path / "v"
    result = _init(cli, vault, second=NEW_ADMIN[1] + "!")
    assert result.code == 1
    assert "do not match" in result.err
    assert result.out == ""
    assert not vault.exists()


def test_init_refuses_a_weak_password(cli: Runner, tmp_path: Path) -> None:
    result = _init(cli, tmp_path / "v", "short", "short")
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert result.out == ""


def test_init_refuses_a_non_empty_folder(cli: Runner, vault_path: Path) -> None:
    result = _init(cli, vault_path)
    assert result.code == 1
    assert "not an empty folder" in result.err


# -- demo -------------------------------------------------------------------------------------
def test_demo_prints_every_user_and_each_can_log_in(
        cli: Runner, cli_auth: Authenticator, tmp_path: Path) -> None:
    vault = tmp_path / "demo"
    result = cli("demo", "--vault", str(vault))
    assert result.code == 0, result.err
    assert len(result.lines) == 6
    for line, demo in zip(result.lines, DEMO_USERS, strict=True):
        name, role, password = line.split(" ")
        assert (name, role, password) == (demo.name, demo.role.value, demo.password)
        session = cli_auth.login(vault, name, password)
        assert session.user.role.value == role
        assert not session.user.must_change_password
        session.close()


def test_demo_refuses_a_non_empty_folder(cli: Runner, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    result = cli("demo", "--vault", str(tmp_path))
    assert result.code == 1
    assert "not empty" in result.err
    assert result.out == ""
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


# -- vault export-key -------------------------------------------------------------------------
def _export_key(as_admin: Runner) -> str:
    result = as_admin("vault", "export-key")
    assert result.code == 0, result.err
    return result.out.strip()


def test_admin_exports_the_key_and_it_is_audited(
        as_admin: Runner, cli_auth: Authenticator, vault_path: Path) -> None:
    key = _export_key(as_admin)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    with _raw_db(vault_path, key) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 5
    session = open_admin(cli_auth, vault_path)
    try:
        entries = session.audit.page(session.user, AuditFilter(action="vault.key_exported"))
    finally:
        session.close()
    assert [e.actor_name for e in entries] == [ADMIN[0]]


def test_rep_cannot_export_the_key_and_the_denial_is_audited(
        cli: Runner, cli_auth: Authenticator, vault_path: Path) -> None:
    rep, password = USERS[Role.SALES_REP]
    result = cli("vault", "export-key", "--vault", str(vault_path), "--user", rep,
                 stdin=[password])
    assert result.code == 1
    assert "You do not have permission to export the vault key." in result.err
    assert result.out == ""
    session = open_admin(cli_auth, vault_path)
    try:
        denied = session.audit.page(session.user, AuditFilter(action="permission.denied"))
    finally:
        session.close()
    assert [(e.actor_name, e.details["permission"], e.outcome) for e in denied] == [
        (rep, "vault.export_key", "denied")]


# -- audit verify and tampering ---------------------------------------------------------------
class _raw_db:
    """The vault's current database opened directly with its exported key."""

    def __init__(self, vault: Path, key_hex: str) -> None:
        slots = json.loads((vault / "keyslots.json").read_text(encoding="utf-8"))
        self.path = vault / slots["db_file"]
        self.key_hex = key_hex

    def __enter__(self) -> sqlcipher3.Connection:
        self.conn = sqlcipher3.connect(str(self.path))
        self.conn.execute(f"PRAGMA key = \"x'{self.key_hex}'\"")
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def test_audit_verify_on_an_intact_vault(as_admin: Runner) -> None:
    result = as_admin("audit", "verify")
    assert result.code == 0, result.err
    assert re.fullmatch(r"\d+ entries, chain intact", result.out.strip())


def test_audit_verify_names_an_edited_entry(as_admin: Runner, vault_path: Path) -> None:
    key = _export_key(as_admin)
    with _raw_db(vault_path, key) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET details = ? WHERE seq = 3", ('{"name": "Mallory"}',))
        conn.commit()
    result = as_admin("audit", "verify")
    assert result.code == 1
    assert result.out.strip() == "entry #3 was edited"
    assert "NOT intact" in result.err


def test_audit_verify_names_a_deleted_entry(as_admin: Runner, vault_path: Path) -> None:
    key = _export_key(as_admin)
    with _raw_db(vault_path, key) as conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE seq = 4")
        conn.commit()
    result = as_admin("audit", "verify")
    assert result.code == 1
    assert result.out.strip() == "an entry between #3 and #5 was deleted"


def test_auditor_may_verify(cli: Runner, vault_path: Path) -> None:
    name, password = USERS[Role.AUDITOR]
    result = cli("audit", "verify", "--vault", str(vault_path), "--user", name,
                 stdin=[password])
    assert result.code == 0
    assert result.out.strip().endswith("chain intact")


# -- vault check ------------------------------------------------------------------------------
def test_vault_check_intact(as_admin: Runner) -> None:
    result = as_admin("vault", "check")
    assert result.code == 0
    assert result.out.strip() == "vault intact"


def test_vault_check_reports_damage(as_admin: Runner, vault_path: Path) -> None:
    slots = json.loads((vault_path / "keyslots.json").read_text(encoding="utf-8"))
    db = vault_path / slots["db_file"]
    data = bytearray(db.read_bytes())
    data[len(data) // 2] ^= 0x01  # a page in the middle: its HMAC no longer matches
    db.write_bytes(bytes(data))
    result = as_admin("vault", "check")
    assert result.code == 1
    assert "damaged or has been tampered with" in result.err
    assert result.out == ""


# -- vault recover ----------------------------------------------------------------------------
def test_recover_sets_a_new_admin_password(
        cli: Runner, cli_auth: Authenticator, tmp_path: Path) -> None:
    vault = tmp_path / "v"
    recovery_key = _init(cli, vault).out.strip()
    new = "recovered pass phrase 2026"
    result = cli("vault", "recover", "--vault", str(vault), "--admin", NEW_ADMIN[0],
                 stdin=[recovery_key, new, new])
    assert result.code == 0, result.err
    session = cli_auth.login(vault, NEW_ADMIN[0], new)
    try:
        recovered = session.audit.page(session.user, AuditFilter(action="vault.recovered"))
    finally:
        session.close()
    assert len(recovered) == 1


def test_recover_with_a_wrong_key_fails(cli: Runner, tmp_path: Path) -> None:
    vault = tmp_path / "v"
    _init(cli, vault)
    new = "recovered pass phrase 2026"
    result = cli("vault", "recover", "--vault", str(vault), "--admin", NEW_ADMIN[0],
                 stdin=["AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH", new, new])
    assert result.code == 1
    assert "That recovery key does not open this vault." in result.err


def test_recover_refuses_a_non_administrator(cli: Runner, tmp_path: Path) -> None:
    vault = tmp_path / "v"
    recovery_key = _init(cli, vault).out.strip()
    new = "recovered pass phrase 2026"
    result = cli("vault", "recover", "--vault", str(vault), "--admin", "Nobody",
                 stdin=[recovery_key, new, new])
    assert result.code == 1
    assert "not an administrator" in result.err
