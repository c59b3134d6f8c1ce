"""Vault folders in states nobody planned for: a mangled unlock-state file, a database that cannot
be opened or written. Each is a clear message, and only real damage is called damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlcipher3

from core.auth import Authenticator
from core.errors import AuthenticationFailed, VaultDamaged, VaultInaccessible
from storage import slotfile
from storage.database import is_access_problem, is_damage
from storage.slotfile import SLOT_FILE
from storage.slots import name_tag
from storage.unlock_state import STATE_FILE
from tests.conftest import ADMIN
from tests.storage.rawvault import db_path, slot_data


@pytest.mark.parametrize("content", [
    '{"tags": [], "pending": 5}',
    '{"tags": {"x": 3}, "pending": [1, "x", {"tag": 5}]}',
    '[1, 2]',
    "not json",
])
def test_a_mangled_unlock_state_file_is_ignored(auth: Authenticator, vault_path: Path,
                                                content: str) -> None:
    (vault_path / STATE_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(AuthenticationFailed):
        auth.login(vault_path, ADMIN[0], "not the password")
    auth.login(vault_path, *ADMIN).close()


@pytest.mark.parametrize("entry", [7, {"failures": "many"}, {"last": "yesterday"}])
def test_a_mangled_counter_for_a_real_name_is_ignored(auth: Authenticator, vault_path: Path,
                                                      entry: object) -> None:
    tag = name_tag(slot_data(vault_path)["tag_salt"], ADMIN[0])
    (vault_path / STATE_FILE).write_text(json.dumps({"tags": {tag: entry}, "pending": []}),
                                         encoding="utf-8")
    with pytest.raises(AuthenticationFailed):
        auth.login(vault_path, ADMIN[0], "not the password")
    auth.login(vault_path, *ADMIN).close()


def test_a_database_that_cannot_be_opened_is_not_called_damaged(auth: Authenticator,
                                                                 vault_path: Path) -> None:
    database = db_path(vault_path)
    database.unlink()
    database.mkdir()  # opening it fails the way an unreadable file does
    with pytest.raises(VaultInaccessible) as raised:
        auth.login(vault_path, *ADMIN)
    assert not isinstance(raised.value, VaultDamaged)
    assert "permission" in str(raised.value)


def test_read_only_and_cannot_open_errors_are_access_problems(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    sqlcipher3.connect(str(path)).execute("CREATE TABLE t (x)").connection.close()
    conn = sqlcipher3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlcipher3.OperationalError) as readonly:
        conn.execute("INSERT INTO t VALUES (1)")
    conn.close()
    with pytest.raises(sqlcipher3.OperationalError) as cantopen:
        sqlcipher3.connect(str(tmp_path / "no" / "such.db"))
    for exc in (readonly.value, cantopen.value):
        assert is_access_problem(exc) and not is_damage(exc)


def test_a_slot_file_that_cannot_be_read_is_not_called_damaged(vault_path: Path) -> None:
    (vault_path / SLOT_FILE).unlink()
    (vault_path / SLOT_FILE).mkdir()  # reading it fails the way an unreadable file does
    with pytest.raises(VaultInaccessible, match=r"keyslots\.json"):
        slotfile.read(vault_path)
