"""Schema upgrades: the released schema-1 vault under tests/fixtures/vault-v1 opens, upgrades to
LATEST after a backup, and keeps its data and audit chain; a failing migration changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlcipher3

import storage.migrate
from core.audit import AuditFilter
from core.auth import Authenticator
from core.passwords import HistoryHasher
from core.roles import Role
from storage.migrate import LATEST, MigrationFailed
from storage.slots import USER
from tests.conftest import CHEAP_KDF
from tests.fixtures.make_vault_v1 import ADMIN, OTHERS, build_v1_vault
from tests.storage.rawvault import raw_connect, slot_data

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "vault-v1"
FIXTURE_RECOVERY_KEY = "JOBY-35OM-Y5Z2-URJN-D62X-X6M5-S53Z-TWLD"  # see tests/fixtures/README.md


def _columns(conn: sqlcipher3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _version(conn: sqlcipher3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


@pytest.fixture
def v1_copy(tmp_path: Path) -> Path:
    target = tmp_path / "vault-v1"
    shutil.copytree(FIXTURE, target)
    return target


def test_the_fixture_is_a_real_schema_1_vault_with_real_argon2(v1_copy: Path) -> None:
    data = slot_data(v1_copy)
    assert data["db_file"] == "vault-1.db" and not (v1_copy / "backups").exists()
    for slot in data["slots"]:
        if slot["kind"] == USER:
            assert (slot["kdf"]["m"], slot["kdf"]["t"], slot["kdf"]["p"]) >= (65536, 3, 4)
    # No tool but SQLCipher with the key reads it: the file has no SQLite header.
    assert not (v1_copy / "vault-1.db").read_bytes().startswith(b"SQLite format 3")


@pytest.mark.slow
def test_schema_1_vault_upgrades_with_a_backup(auth: Authenticator, v1_copy: Path) -> None:
    session = auth.login(v1_copy, ADMIN.name, ADMIN.password)  # real Argon2 floor parameters
    try:
        assert session.user.name == ADMIN.name and session.user.role == Role.ADMINISTRATOR
        users = {u.name: u for u in session.accounts.list_users(session.user)}
        assert set(users) == {ADMIN.name, *(u.name for u in OTHERS)}
        # The new columns work: this login was recorded, nobody else has logged in since.
        assert session.user.last_login_at is not None
        assert users[ADMIN.name].last_login_at == session.user.last_login_at
        assert all(users[u.name].last_login_at is None for u in OTHERS)
        assert all(u.display_name == "" for u in users.values())
        trail = list(reversed(session.audit.page(session.user, AuditFilter())))
        assert [e.action for e in trail[:2]] == ["vault.created", "user.added"]
        assert trail[-1].action == "login"
        assert any(e.details.get("note") == "built by make_vault_v1" for e in trail)
        result = session.audit.verify(session.user)
        assert result.ok, result.problem
        key = session.vault.export_key(session.user)
    finally:
        session.close()

    conn = raw_connect(v1_copy / "vault-1.db", key)
    assert _version(conn) == LATEST
    assert {"last_login_at", "display_name"} <= _columns(conn, "users")
    conn.close()

    backups = list((v1_copy / "backups").iterdir())
    assert len(backups) == 1 and backups[0].name.endswith("-schema1")
    assert {p.name for p in backups[0].iterdir()} == {"vault-1.db", "keyslots.json"}
    assert (backups[0] / "keyslots.json").read_bytes() == (FIXTURE / "keyslots.json").read_bytes()
    old = raw_connect(backups[0] / "vault-1.db", key)
    assert _version(old) == 1
    assert "last_login_at" not in _columns(old, "users")
    assert old.execute("SELECT count(*) FROM users").fetchone()[0] == 1 + len(OTHERS)
    old.close()

    # Next time: nothing to upgrade, no second backup; another user's slot opens too.
    other = auth.login(v1_copy, OTHERS[0].name, OTHERS[0].password)
    other.close()
    assert len(list((v1_copy / "backups").iterdir())) == 1


@pytest.mark.slow
def test_the_fixture_recovery_key_documented_in_the_readme_works(auth: Authenticator,
                                                                v1_copy: Path) -> None:
    readme = (FIXTURE.parent / "README.md").read_text(encoding="utf-8")
    assert FIXTURE_RECOVERY_KEY in readme and ADMIN.password in readme
    auth.recover(v1_copy, FIXTURE_RECOVERY_KEY, ADMIN.name, "recovered legacy words 3")
    auth.login(v1_copy, ADMIN.name, "recovered legacy words 3").close()


BROKEN_0003 = """
CREATE TABLE half_done (x INTEGER);
ALTER TABLE users ADD COLUMN nickname TEXT;
INSERT INTO no_such_table VALUES (1);
"""


def test_a_failing_migration_rolls_back_entirely(auth: Authenticator, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "v1"
    build_v1_vault(folder, CHEAP_KDF, hasher=HistoryHasher(1024, 1, 1))
    real = storage.migrate.available()
    assert [v for v, _, _ in real] == list(range(1, LATEST + 1))
    monkeypatch.setattr(storage.migrate, "available",
                        lambda: [*real, (LATEST + 1, f"{LATEST + 1:04d}_broken.sql", BROKEN_0003)])
    monkeypatch.setattr(storage.migrate, "LATEST", LATEST + 1)
    with pytest.raises(MigrationFailed, match="left unchanged"):
        auth.login(folder, ADMIN.name, ADMIN.password)

    monkeypatch.undo()
    backup = next((folder / "backups").iterdir())
    assert backup.name.endswith("-schema1")
    after_failure = tmp_path / "after-failure"
    shutil.copytree(folder, after_failure)
    # The key does not change on upgrade: take it from a successful login with the real
    # migrations, then look at the copy taken right after the failure.
    session = auth.login(folder, ADMIN.name, ADMIN.password)
    key = session.vault.export_key(session.user)
    session.close()
    conn = raw_connect(after_failure / "vault-1.db", key)
    try:
        assert _version(conn) == 1  # neither 0002 nor the broken step took
        assert "half_done" not in {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"nickname", "last_login_at"}.isdisjoint(_columns(conn, "users"))
    finally:
        conn.close()
    conn = raw_connect(folder / "vault-1.db", key)
    assert _version(conn) == LATEST  # ... and the retry upgraded it
    conn.close()


def test_a_newer_schema_is_refused_before_any_migration(auth: Authenticator,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "v1"
    build_v1_vault(folder, CHEAP_KDF, hasher=HistoryHasher(1024, 1, 1))
    monkeypatch.setattr(storage.migrate, "LATEST", 0)
    from core.errors import VaultTooNew

    with pytest.raises(VaultTooNew):
        auth.login(folder, ADMIN.name, ADMIN.password)
    assert not (folder / "backups").exists()
