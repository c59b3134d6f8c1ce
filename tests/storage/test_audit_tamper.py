"""Tampering with the audit trail through raw SQL, as someone holding the exported key would
(design.md §4): the triggers refuse the obvious, and every edit that gets past them is named by
`audit verify` — down to the sequence number."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlcipher3

from core.audit import (
    AuditFilter,
    ChainHead,
    VerifyResult,
    chain_hash,
    entry_body,
    seal,
    verify_chain,
)
from core.auth import Authenticator
from core.policy import Policy
from storage.repositories import SqlAudit
from tests.conftest import ADMIN
from tests.storage.rawvault import db_path, raw_connect, slot_data

Tamper = Callable[[sqlcipher3.Connection, int], None]


@pytest.fixture
def trail(auth: Authenticator, vault_path: Path) -> Iterator[tuple[Path, str]]:
    """A vault with a dozen-odd audit entries, locked; returns (folder, exported key hex)."""
    session = auth.login(vault_path, *ADMIN)
    for minutes in (11, 12, 13, 14):
        session.policies.update(session.user, Policy(idle_minutes=minutes))
    key = session.vault.export_key(session.user)
    session.close()
    yield vault_path, key


def _open(folder: Path, key: str) -> sqlcipher3.Connection:
    return raw_connect(db_path(folder), key)


def _last_seq(conn: sqlcipher3.Connection) -> int:
    return int(conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0])


def _drop_triggers(conn: sqlcipher3.Connection) -> None:
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")


def _shift(conn: sqlcipher3.Connection, from_seq: int, by: int) -> None:
    """Renumber seq >= from_seq by `by` (through negatives, so no key collides midway)."""
    conn.execute("UPDATE audit_log SET seq = -(seq + ?) WHERE seq >= ?", (by, from_seq))
    conn.execute("UPDATE audit_log SET seq = -seq WHERE seq < 0")


def _row_hash(conn: sqlcipher3.Connection, seq: int) -> str:
    return conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq,)).fetchone()[0]


def _verify_through_the_app(auth: Authenticator, folder: Path) -> VerifyResult:
    session = auth.login(folder, *ADMIN)
    try:
        return session.audit.verify(session.user)
    finally:
        session.close()


def _tamper(folder: Path, key: str, change: Tamper) -> int:
    conn = _open(folder, key)
    try:
        n = _last_seq(conn)
        _drop_triggers(conn)
        change(conn, n)
    finally:
        conn.close()
    return n


def test_triggers_refuse_update_and_delete(trail: tuple[Path, str], auth: Authenticator) -> None:
    folder, key = trail
    conn = _open(folder, key)
    try:
        with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit_log SET details = '{}' WHERE seq = 3")
        with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit_log WHERE seq = 3")
        with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit_log")
    finally:
        conn.close()
    result = _verify_through_the_app(auth, folder)
    assert result.ok, result.problem


def _edit(conn: sqlcipher3.Connection, n: int) -> None:
    conn.execute("""UPDATE audit_log SET details = '{"name":"Nobody"}' WHERE seq = 5""")


def _delete_middle(conn: sqlcipher3.Connection, n: int) -> None:
    conn.execute("DELETE FROM audit_log WHERE seq = 5")


def _insert_forged(conn: sqlcipher3.Connection, n: int, sealed: bool = False) -> None:
    prev = _row_hash(conn, 4)
    _shift(conn, 5, 1)
    forged_hash = "ab" * 32
    seal_value = "cd" * 32
    if sealed:  # with the seal key from meta, the forged row itself is consistent
        at = datetime(2026, 1, 1, tzinfo=UTC)
        body = entry_body(at, 1, ADMIN[0], "user.added", "user", "77", "ok", {"name": "Eve"})
        forged_hash = chain_hash(prev, body)
        key = conn.execute("SELECT value FROM meta WHERE key = 'audit_seal_key'").fetchone()[0]
        seal_value = seal(bytes(key), forged_hash)
        at_text = at.isoformat(timespec="microseconds")
    else:
        at_text = "2026-01-01T00:00:00.000000+00:00"
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, object_type, object_id, "
        "outcome, details, prev_hash, hash, seal) VALUES (5, ?, 1, ?, 'user.added', 'user', "
        "'77', 'ok', '{\"name\": \"Eve\"}', ?, ?, ?)",
        (at_text, ADMIN[0], prev, forged_hash, seal_value))
    if sealed:  # the forged row really is a valid link after #4: only what follows betrays it
        audit = SqlAudit(conn)
        assert verify_chain(list(audit.iter_all())[:5], audit.seal_key()).ok


def _swap(a: int, b: int) -> Tamper:
    def change(conn: sqlcipher3.Connection, n: int) -> None:
        conn.execute("UPDATE audit_log SET seq = -1 WHERE seq = ?", (a,))
        conn.execute("UPDATE audit_log SET seq = ? WHERE seq = ?", (a, b))
        conn.execute("UPDATE audit_log SET seq = ? WHERE seq = -1", (b,))
    return change


@pytest.mark.parametrize(("change", "seq", "problem"), [
    (_edit, 5, "entry #5 was edited"),
    (_delete_middle, 6, "an entry between #4 and #6 was deleted"),
    (_insert_forged, 5, "entry #5 was inserted"),
    (lambda c, n: _insert_forged(c, n, sealed=True), 5, "entry #5 was inserted"),
    (_swap(4, 8), 4, "entry #4 was reordered"),
    (_swap(6, 7), 6, "entry #6 was reordered"),
], ids=["edited", "deleted", "inserted", "inserted-with-seal-key", "reordered",
        "reordered-adjacent"])
def test_tampering_in_the_middle_is_named(trail: tuple[Path, str], auth: Authenticator,
                                          change: Tamper, seq: int, problem: str) -> None:
    folder, key = trail
    n = _tamper(folder, key, change)
    assert n >= 10
    result = _verify_through_the_app(auth, folder)
    assert not result.ok
    assert (result.seq, result.problem) == (seq, problem)


def test_a_cut_tail_is_caught_by_the_anchor(trail: tuple[Path, str],
                                            auth: Authenticator) -> None:
    folder, key = trail
    anchor_before = slot_data(folder)["audit_head"]
    n = _tamper(folder, key, lambda c, n: c.execute("DELETE FROM audit_log WHERE seq > ?",
                                                    (n - 3,)))
    assert anchor_before["seq"] == n
    kept = n - 3

    # The files alone tell: the anchor beside the database names a head the database lacks.
    conn = _open(folder, key)
    audit = SqlAudit(conn)
    raw = verify_chain(audit.iter_all(), audit.seal_key(),
                       ChainHead(anchor_before["seq"], anchor_before["hash"]))
    conn.close()
    assert not raw.ok and raw.seq == kept + 1
    assert raw.problem.startswith(f"entries after #{kept} were deleted")

    # Through the app: logging in appends (the login entry, at kept + 1) on top of the cut
    # chain; that must not move the anchor onto the forged history.
    result = _verify_through_the_app(auth, folder)
    assert not result.ok
    assert result.seq == kept + 2
    assert f"the last recorded head is #{n}" in result.problem
    assert slot_data(folder)["audit_head"] == anchor_before


def test_a_full_rewrite_with_the_seal_key_is_caught_by_the_anchor(
        trail: tuple[Path, str], auth: Authenticator) -> None:
    folder, key = trail
    anchor_before = slot_data(folder)["audit_head"]

    def rewrite(conn: sqlcipher3.Connection, n: int) -> None:
        conn.execute("""UPDATE audit_log SET details = '{"name":"Nobody"}' WHERE seq = 3""")
        audit = SqlAudit(conn)
        seal_key = audit.seal_key()
        prev = _row_hash(conn, 2)
        for entry in list(audit.iter_all())[2:]:
            digest = chain_hash(prev, entry.body())
            conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ?, seal = ? WHERE seq = ?",
                         (prev, digest, seal(seal_key, digest), entry.seq))
            prev = digest

    n = _tamper(folder, key, rewrite)
    conn = _open(folder, key)
    audit = SqlAudit(conn)
    assert verify_chain(audit.iter_all(), audit.seal_key()).ok  # consistent on its own
    conn.close()
    result = _verify_through_the_app(auth, folder)
    assert not result.ok
    assert result.seq == n
    assert result.problem.startswith(f"entry #{n} differs from the head recorded outside")
    assert slot_data(folder)["audit_head"] == anchor_before


def test_the_anchor_follows_honest_appends(trail: tuple[Path, str], auth: Authenticator) -> None:
    folder, key = trail
    session = auth.login(folder, *ADMIN)
    session.policies.update(session.user, Policy(idle_minutes=30))
    head = session.audit.page(session.user, AuditFilter(), limit=1)[0]
    assert slot_data(folder)["audit_head"] == {"seq": head.seq, "hash": head.hash}
    session.close()
    conn = _open(folder, key)
    assert slot_data(folder)["audit_head"]["seq"] == _last_seq(conn)
    conn.close()
