"""Nothing readable leaves the encryption: no user name, no stored text and no schema word appears
in any file of the vault folder, backups included, open or locked (design.md §2)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from core.audit import AuditFilter
from core.auth import Authenticator
from core.errors import AuthenticationFailed
from core.passwords import HistoryHasher
from core.roles import Role
from core.session import Session
from tests.conftest import CHEAP_KDF
from tests.fixtures.make_vault_v1 import V1User, build_v1_vault

ADMIN = V1User("Zhang Wei 张伟", Role.ADMINISTRATOR, "长城脚下的清晨 walk 42")
OTHERS = (V1User("Ólafur Þórsson", Role.FINANCE, "northern ledger lights 7"),
          V1User("佐藤 花子", Role.AUDITOR, "桜の下で監査する 2026"))
LATER = V1User("Łucja Ämmälä", Role.SALES_REP, "later rep pass phrase 5")
MARKER = "ZEBRA-7d1f-机密-MARKER"
SCHEMA_WORDS = ("CREATE TABLE", "audit_log", "password_history", "sqlite_master",
                "SQLite format 3", "name_key", "audit_seal_key", "user.added")


def _needles() -> list[bytes]:
    people = (ADMIN, *OTHERS, LATER)
    names = [u.name for u in people]
    # Each part of a name on its own too ("Zhang", "张伟"), when long enough to be telling.
    parts = [p for n in names for p in n.split() if len(p.encode("utf-8")) >= 5]
    words = [*names, *parts, *(u.password for u in people), MARKER, *SCHEMA_WORDS]
    out: set[bytes] = set()
    for word in words:
        for form in (word, word.casefold(), unicodedata.normalize("NFD", word)):
            out.add(form.encode("utf-8"))
    return sorted(out)


def _leaks(folder: Path) -> list[str]:
    found = []
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        for needle in _needles():
            if needle in data:
                found.append(f"{path.relative_to(folder)} contains {needle.decode()!r}")
    return found


@pytest.fixture
def busy_vault(auth: Authenticator, tmp_path: Path) -> tuple[Path, Session]:
    """A schema-1 vault upgraded on open (so backups/ exists), with more users, a setting and an
    audit entry that hold the marker text."""
    folder = tmp_path / "vault"
    build_v1_vault(folder, CHEAP_KDF, ADMIN, OTHERS, note=MARKER,
                   hasher=HistoryHasher(1024, 1, 1))
    with pytest.raises(AuthenticationFailed):  # a failed unlock leaves a trace beside the vault
        auth.login(folder, OTHERS[0].name, "not the password at all")
    session = auth.login(folder, ADMIN.name, ADMIN.password)
    assert list((folder / "backups").rglob("*.db")), "the upgrade made no backup"
    session.accounts.add_user(session.user, LATER.name, LATER.role, LATER.password)
    export = tmp_path / "outside" / "trail.csv"
    export.parent.mkdir()
    session.audit.export_csv(session.user, AuditFilter(object_text=MARKER), export)
    # No service stores free text yet: write a setting holding the marker directly.
    with session._store.transaction() as repos:
        repos.settings.put("marker", {"text": MARKER, "who": ADMIN.name})
    return folder, session


def test_nothing_readable_while_open_or_locked(busy_vault: tuple[Path, Session]) -> None:
    folder, session = busy_vault
    # The marker really is stored (so not finding it below means it is encrypted) ...
    entries = session.audit.page(session.user, AuditFilter(action="audit.exported"))
    assert entries and entries[0].details["filter"]["object_text"] == MARKER
    with session._store.reader() as repos:
        assert repos.settings.get("marker")["text"] == MARKER
    # ... and appears in no file of the folder, with the database open (WAL in use) ...
    assert any(p.stat().st_size > 0 for p in folder.glob("vault-*.db-wal"))
    assert _leaks(folder) == []
    session.lock()
    # ... or locked.
    assert _leaks(folder) == []


def test_the_slot_file_holds_no_user_name(busy_vault: tuple[Path, Session]) -> None:
    folder, session = busy_vault
    session.lock()
    text = (folder / "keyslots.json").read_text(encoding="utf-8").casefold()
    for user in (ADMIN, *OTHERS, LATER):
        assert user.name.casefold() not in text
        assert user.name.encode("utf-8").hex() not in text
    state = (folder / "unlock-state.json").read_text(encoding="utf-8").casefold()
    assert OTHERS[0].name.casefold() not in state and "ólafur" not in state


def test_the_leak_scan_would_see_a_leak(busy_vault: tuple[Path, Session]) -> None:
    """The scanner itself works: a plain file in backups/ with a name is caught."""
    folder, session = busy_vault
    session.lock()
    (folder / "backups" / "notes.txt").write_text(f"owner: {OTHERS[1].name}", encoding="utf-8")
    assert any("notes.txt" in leak for leak in _leaks(folder))
