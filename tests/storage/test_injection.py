"""SQL metacharacters in user names and in every audit filter field are data, never SQL: they are
stored and matched literally, and the tables survive (design.md §7)."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.audit import AuditEntry, AuditFilter
from core.errors import InvalidInput, NotFound
from core.passwords import PasswordRules
from core.roles import Role
from core.session import Session
from tests.conftest import ADMIN, USERS, make_authenticator

INJECTIONS = ["'; DROP TABLE users; --", "%", "_", "\\", "\" OR 1=1", "' OR '1'='1",
              "a%b_c\\d", "x'); DELETE FROM audit_log; --"]
FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1-2", "-2+3"]


@pytest.fixture(scope="module")
def injected(_template_vault: Path, rules: PasswordRules,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """Users named with every injection string, each logged in once, and exports whose file
    names carry the strings into the trail's object column. Built once: the tests only read
    (or append, which they allow for)."""
    base = tmp_path_factory.mktemp("injected")
    vault_path = base / "vault"
    shutil.copytree(_template_vault, vault_path)
    auth = make_authenticator(rules)
    admin = auth.login(vault_path, *ADMIN)
    for i, name in enumerate(INJECTIONS + FORMULAS):
        admin.accounts.add_user(admin.user, name, Role.SALES_REP, f"plain pass phrase {i:02d}",
                                must_change=False)
    admin.close()
    for i, name in enumerate(INJECTIONS + FORMULAS):
        auth.login(vault_path, name, f"plain pass phrase {i:02d}").close()
    admin = auth.login(vault_path, *ADMIN)
    out = base / "exports"
    out.mkdir()
    for text in INJECTIONS:
        admin.audit.export_csv(admin.user, AuditFilter(), out / (text.replace("/", "") + ".csv"))
    yield admin
    admin.close()


def _everything(session: Session) -> list[AuditEntry]:
    return session.audit.page(session.user, AuditFilter(), limit=100_000)


def _literal(entry: AuditEntry, field: str, text: str) -> bool:
    """What the filter means, computed without SQL (SQLite's NOCASE and LIKE fold ASCII only)."""
    low = text.lower()
    if field == "actor":
        return entry.actor_name.lower() == low
    if field == "action":
        return entry.action.lower().startswith(low)
    return low in f"{entry.object_type}:{entry.object_id}".lower()


def test_injected_names_are_stored_and_found_literally(injected: Session) -> None:
    admin = injected
    users = admin.accounts.list_users(admin.user)
    names = {u.name for u in users}
    assert set(INJECTIONS + FORMULAS) <= names
    assert {ADMIN[0], *(n for n, _ in USERS.values())} <= names
    assert len(users) == 5 + len(INJECTIONS) + len(FORMULAS)
    for name in INJECTIONS:
        assert admin.accounts.find(admin.user, name).name == name
    with pytest.raises(NotFound):
        admin.accounts.find(admin.user, "%%")  # no wildcard matching in name lookups
    with pytest.raises(NotFound):
        admin.accounts.find(admin.user, "' OR 1=1 --")
    result = admin.audit.verify(admin.user)
    assert result.ok, result.problem


@pytest.mark.parametrize("field", ["actor", "action", "object_text"])
@pytest.mark.parametrize("text", INJECTIONS)
def test_every_audit_filter_matches_literally(injected: Session, field: str, text: str) -> None:
    admin = injected
    everything = _everything(admin)
    expected = [e.seq for e in everything if _literal(e, field, text)]
    flt = AuditFilter(**{field: text})
    got = [e.seq for e in admin.audit.page(admin.user, flt, limit=100_000)]
    assert got == expected
    assert admin.audit.count(admin.user, flt) == len(expected)
    if field in ("actor", "object_text"):
        assert expected, "the fixture should have made rows that match this text"
    # Paging by key with the same filter returns the same rows, in pages.
    paged, before = [], None
    while batch := admin.audit.page(admin.user, flt, before_seq=before, limit=3):
        paged += [e.seq for e in batch]
        before = batch[-1].seq
    assert paged == expected
    assert len(_everything(admin)) == len(everything)  # nothing deleted


def test_wildcards_do_not_widen_a_filter(injected: Session) -> None:
    admin = injected
    total = len(_everything(admin))
    for text in ("%", "_", "%%", "_%"):
        assert admin.audit.count(admin.user, AuditFilter(action=text)) == 0
        assert admin.audit.count(admin.user, AuditFilter(object_text=text)) < total
    # A control: an ordinary prefix does match.
    assert admin.audit.count(admin.user, AuditFilter(action="user.")) >= len(INJECTIONS)


def test_names_that_are_not_names_are_refused(admin_session: Session) -> None:
    for bad in ["", "   ", "line\nbreak", "tab\there", "nul\x00byte", "x" * 65,
                "zero\u200bwidth"]:
        with pytest.raises(InvalidInput):
            admin_session.accounts.add_user(admin_session.user, bad, Role.SALES_REP,
                                            "some fine pass phrase 1")
    assert len(admin_session.accounts.list_users(admin_session.user)) == 5


def test_exported_csv_neutralises_formulas(injected: Session, tmp_path: Path) -> None:
    admin = injected
    target = tmp_path / "all.csv"
    written = admin.audit.export_csv(admin.user, AuditFilter(), target)
    with open(target, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == written + 1
    actors = {row[2] for row in rows[1:]}
    for formula in FORMULAS:
        assert formula not in actors
        assert "'" + formula in actors
    assert not any(cell[:1] in "=+-@" for row in rows[1:] for cell in row if cell)
