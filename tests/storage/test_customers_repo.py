"""SqlCustomers against a real encrypted database: round trips, the optimistic version check,
contacts, shares, transfer, the per-owner counts, anonymising, and the search indexes kept in
step with every write. (No vault, no Argon2: a keyed database with the schema and some users.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.customers.access import Scope
from core.customers.model import (
    BANK_ACCOUNT,
    NATIONAL_ID,
    Contact,
    CustomerDraft,
    CustomerKind,
    CustomerStatus,
    EditConflict,
)
from core.customers.ports import CustomerFilter
from core.roles import Role
from storage import migrate
from storage.database import Database, connect
from storage.repositories import SqlRepositories

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
EVERYONE = Scope(everyone=True)
# Users made by the fixture, by id.
ADMIN, MANAGER, REP_A, REP_B, FINANCE = 1, 2, 3, 4, 5


def rep_scope(user_id: int) -> Scope:
    return Scope(owners=frozenset({user_id}), shared_with=user_id)


class CustomerDb:
    """An encrypted database with the full schema and five users."""

    def __init__(self, folder: Path) -> None:
        path = folder / "customers.db"
        conn = connect(path, os.urandom(32), create=True)
        migrate.upgrade(conn)
        self.db = Database(conn, path)
        with self.write() as repos:
            for name, role in (("admin", Role.ADMINISTRATOR), ("manager", Role.SALES_MANAGER),
                               ("rep a", Role.SALES_REP), ("rep b", Role.SALES_REP),
                               ("finance", Role.FINANCE)):
                repos.users.add(name, role, f"slot-{name}", False, T0)

    def write(self) -> AbstractContextManager[SqlRepositories]:
        return _repos(self.db.transaction())

    def read(self) -> AbstractContextManager[SqlRepositories]:
        return _repos(self.db.reading())

    def add(self, draft: CustomerDraft, owner: int = REP_A, at: datetime = T0) -> int:
        with self.write() as repos:
            return repos.customers.add(draft, owner, at).id

    def names(self, scope: Scope, query: str, limit: int = 50) -> list[str]:
        with self.read() as repos:
            return [s.name for s in repos.customers.search(scope, query, limit)]


class _repos:
    def __init__(self, inner: AbstractContextManager[object]) -> None:
        self._inner = inner

    def __enter__(self) -> SqlRepositories:
        return SqlRepositories(self._inner.__enter__())  # type: ignore[arg-type]

    def __exit__(self, *exc: object) -> bool | None:
        return self._inner.__exit__(*exc)  # type: ignore[arg-type]


@pytest.fixture
def cdb(tmp_path: Path) -> Iterator[CustomerDb]:
    made = CustomerDb(tmp_path)
    yield made
    made.db.close()


def draft(name: str, **fields: object) -> CustomerDraft:
    kind = fields.pop("kind", CustomerKind.COMPANY)
    return CustomerDraft(kind=kind, name=name, **fields)  # type: ignore[arg-type]


FULL = draft("Acme Trading", status=CustomerStatus.ACTIVE, phones=("13812345678", "01012345678"),
             email="sales@acme.example", address="1 Road", city="上海", region="华东",
             industry="trade", source="fair", tags=("vip", "渠道"), notes="prefers mail",
             credit_code="91350100M000100Y43",
             contacts=(Contact("王芳", "经理", "13900001111", "wf@acme.example"),
                       Contact("Bob", email="bob@acme.example")),
             custom={"size": "big"}, sensitive={BANK_ACCOUNT: "6222021234567890"})


def test_add_and_get_round_trip(cdb: CustomerDb) -> None:
    cid = cdb.add(FULL)
    with cdb.read() as repos:
        got = repos.customers.get(cid)
    assert got is not None
    assert (got.name, got.kind, got.status, got.owner_id) == (
        "Acme Trading", CustomerKind.COMPANY, CustomerStatus.ACTIVE, REP_A)
    assert got.phones == ("13812345678", "01012345678")  # order kept: the first is shown
    assert [(c.name, c.title, c.phone, c.email) for c in got.contacts] == [
        ("王芳", "经理", "13900001111", "wf@acme.example"), ("Bob", "", "", "bob@acme.example")]
    assert all(c.id for c in got.contacts)
    assert got.tags == ("vip", "渠道") and got.custom == {"size": "big"}
    assert got.sensitive == {BANK_ACCOUNT: "6222021234567890"}
    assert got.created_at == got.updated_at == T0 and got.version == 1 and not got.anonymised
    with cdb.read() as repos:
        assert repos.customers.get(cid + 1) is None


def test_save_replaces_fields_and_moves_the_version(cdb: CustomerDb) -> None:
    cid = cdb.add(FULL)
    with cdb.read() as repos:
        before = repos.customers.get(cid)
    assert before is not None
    later = T0 + timedelta(hours=1)
    edit = draft("Acme Holdings", phones=("13700000000",), tags=("vip",), city="北京",
                 contacts=(before.contacts[1], Contact("New Person")))
    with cdb.write() as repos:
        saved = repos.customers.save(before, edit, later)
    assert saved.version == 2 and saved.updated_at == later and saved.created_at == T0
    assert saved.phones == ("13700000000",) and saved.sensitive == {} and saved.city == "北京"
    # The kept contact keeps its id; the new one gets a new id; the dropped one is gone.
    assert saved.contacts[0].id == before.contacts[1].id
    assert saved.contacts[1].id not in {c.id for c in before.contacts}
    assert cdb.names(EVERYONE, "Holdings") == ["Acme Holdings"]
    assert cdb.names(EVERYONE, "Trading") == [] and cdb.names(EVERYONE, "王芳") == []
    assert cdb.names(EVERYONE, "5678") == [] and cdb.names(EVERYONE, "北京") == ["Acme Holdings"]
    with cdb.read() as repos:
        assert repos.customers.count(EVERYONE, CustomerFilter(tag="渠道")) == 0
        assert repos.customers.count(EVERYONE, CustomerFilter(tag="vip")) == 1


def test_a_stale_save_is_an_edit_conflict_and_changes_nothing(cdb: CustomerDb) -> None:
    cid = cdb.add(FULL)
    with cdb.read() as repos:
        stale = repos.customers.get(cid)
    assert stale is not None
    with cdb.write() as repos:
        repos.customers.save(stale, draft("First Writer"), T0)
    with pytest.raises(EditConflict), cdb.write() as repos:
        repos.customers.save(stale, draft("Second Writer", phones=("13700000000",)), T0)
    with cdb.read() as repos:
        now = repos.customers.get(cid)
    assert now is not None and now.name == "First Writer" and now.version == 2
    assert now.phones == () and cdb.names(EVERYONE, "Writer") == ["First Writer"]


def test_a_contact_id_from_another_customer_is_not_taken_over(cdb: CustomerDb) -> None:
    first = cdb.add(FULL)
    second = cdb.add(draft("Other"))
    with cdb.read() as repos:
        theirs = repos.customers.get(first)
        mine = repos.customers.get(second)
    assert theirs is not None and mine is not None
    stolen = theirs.contacts[0]
    with cdb.write() as repos:
        saved = repos.customers.save(mine, draft("Other", contacts=(stolen,)), T0)
    assert saved.contacts[0].id != stolen.id
    with cdb.read() as repos:
        still = repos.customers.get(first)
    assert still is not None and still.contacts == theirs.contacts


def test_shares(cdb: CustomerDb) -> None:
    cid = cdb.add(draft("Shared Co"), owner=REP_A)
    with cdb.write() as repos:
        repos.customers.set_shared(cid, REP_B, True)
        repos.customers.set_shared(cid, REP_B, True)  # idempotent
        repos.customers.set_shared(cid, MANAGER, True)
    with cdb.read() as repos:
        assert repos.customers.shared_with(cid) == {REP_B, MANAGER}
        assert [s.name for s in repos.customers.page(rep_scope(REP_B), CustomerFilter(), "name",
                                                     False, None, 10)] == ["Shared Co"]
        assert repos.customers.count(rep_scope(REP_B), CustomerFilter()) == 1
    assert cdb.names(rep_scope(REP_B), "Shared") == ["Shared Co"]
    with cdb.write() as repos:
        repos.customers.set_shared(cid, REP_B, False)
    with cdb.read() as repos:
        assert repos.customers.shared_with(cid) == {MANAGER}
        assert repos.customers.count(rep_scope(REP_B), CustomerFilter()) == 0
    assert cdb.names(rep_scope(REP_B), "Shared") == []


def test_transfer_moves_every_customer_and_keeps_counts(cdb: CustomerDb) -> None:
    ids = [cdb.add(draft(f"Customer {i}"), owner=REP_A) for i in range(5)]
    other = cdb.add(draft("Not Moved"), owner=REP_B)
    later = T0 + timedelta(days=1)
    with cdb.write() as repos:
        assert repos.customers.transfer(REP_A, REP_A, later) == []
        moved = repos.customers.transfer(REP_A, REP_B, later)
    assert moved == ids
    with cdb.read() as repos:
        assert repos.customers.count(rep_scope(REP_A), CustomerFilter()) == 0
        assert repos.customers.count(rep_scope(REP_B), CustomerFilter()) == 6
        one = repos.customers.get(ids[0])
        assert one is not None and one.owner_id == REP_B and one.version == 2
        assert one.updated_at == later
        untouched = repos.customers.get(other)
        assert untouched is not None and untouched.version == 1
    assert len(cdb.names(rep_scope(REP_B), "Customer")) == 5
    assert cdb.names(rep_scope(REP_A), "Customer") == []


def test_counts_follow_every_write(cdb: CustomerDb) -> None:
    statuses = list(CustomerStatus)
    for i in range(12):
        cdb.add(draft(f"C{i}", status=statuses[i % 4], city="上海" if i % 3 else "北京"),
                owner=(REP_A, REP_B, MANAGER)[i % 3])
    with cdb.write() as repos:
        c = repos.customers.get(1)
        assert c is not None
        repos.customers.save(c, draft("C0", status=CustomerStatus.INACTIVE), T0)
        repos.customers.transfer(MANAGER, REP_A, T0)
        repos.customers.set_shared(2, REP_A, True)  # owned by REP_B

    def truth(conn: object, scope: Scope, flt: CustomerFilter) -> int:
        rows = SqlRepositories(conn).customers.page(  # type: ignore[arg-type]
            scope, flt, "name", False, None, 500)
        return len(rows)

    with cdb.db.reading() as conn:
        repos = SqlRepositories(conn)
        for scope in (EVERYONE, rep_scope(REP_A), rep_scope(REP_B), rep_scope(FINANCE),
                      Scope(owners=frozenset({MANAGER, REP_A}), shared_with=MANAGER), Scope()):
            for flt in (CustomerFilter(), CustomerFilter(status=CustomerStatus.INACTIVE),
                        CustomerFilter(owner_id=REP_B), CustomerFilter(city="上海"),
                        CustomerFilter(status=CustomerStatus.LEAD, owner_id=REP_A)):
                assert repos.customers.count(scope, flt) == truth(conn, scope, flt), (scope, flt)
        stored = conn.execute("SELECT owner_id, status, count(*) FROM customers "
                              "GROUP BY owner_id, status").fetchall()
        kept = conn.execute("SELECT owner_id, status, n FROM customer_counts WHERE n > 0 "
                            "ORDER BY owner_id, status").fetchall()
        assert sorted(stored) == kept


def test_anonymise_erases_personal_data_everywhere(cdb: CustomerDb) -> None:
    cid = cdb.add(FULL)
    other = cdb.add(draft("Acme Other", sensitive={BANK_ACCOUNT: "6222029999999999"}))
    with cdb.write() as repos:
        done = repos.customers.anonymise(cid, "Customer #1", T0 + timedelta(days=30))
        assert repos.customers.anonymise(9999, "x", T0) is None
    assert done is not None and done.anonymised and done.name == "Customer #1"
    assert (done.phones, done.contacts, done.email, done.address, done.notes) == ((), (), "",
                                                                                  "", "")
    assert done.sensitive == {} and done.custom == {} and done.version == 2
    assert done.credit_code == FULL.credit_code and done.tags == FULL.tags  # not personal
    for gone in ("Trading", "王芳", "5678", "acme.example", "prefers", "Bob"):
        assert "Customer #1" not in cdb.names(EVERYONE, gone), gone
    assert cdb.names(EVERYONE, "Customer") == ["Customer #1"]
    with cdb.read() as repos:
        assert repos.customers.search_sensitive(EVERYONE, "6222021234", 10) == []
        assert [s.id for s in repos.customers.search_sensitive(EVERYONE, "6222029999", 10)] == [
            other]


def test_protected_values_are_only_in_their_own_index(cdb: CustomerDb) -> None:
    cid = cdb.add(draft("Li Wei", kind=CustomerKind.INDIVIDUAL,
                        sensitive={NATIONAL_ID: "11010519491231002X"}))
    for query in ("11010519491231002X", "19491231", "002X", "110105"):
        assert cdb.names(EVERYONE, query) == [], query
    with cdb.read() as repos:
        assert [s.id for s in repos.customers.search_sensitive(EVERYONE, "19491231", 5)] == [cid]
        # Every term must match: the name or a protected value.
        assert [s.id for s in repos.customers.search_sensitive(EVERYONE, "li 19491231", 5)] == [
            cid]
        assert repos.customers.search_sensitive(EVERYONE, "Zhang 19491231", 5) == []
        # Two characters identify nothing: never matched against protected values.
        assert repos.customers.search_sensitive(EVERYONE, "2X", 5) == []
        assert repos.customers.search_sensitive(rep_scope(REP_B), "19491231", 5) == []


def test_the_file_holds_no_customer_text_in_the_clear(cdb: CustomerDb) -> None:
    cdb.add(FULL)
    cdb.db.checkpoint()
    raw = cdb.db.path.read_bytes()
    for text in ("Acme Trading", "13812345678", "6222021234567890", "王芳", "sales@acme"):
        assert text.encode() not in raw


def test_ids_are_never_reused(cdb: CustomerDb) -> None:
    first = cdb.add(draft("First"))
    second = cdb.add(draft("Second"))
    with cdb.write() as repos:
        repos.customers.set_shared(second, REP_B, True)
    with cdb.db.transaction() as conn:  # as a merge removes the merged-away record
        conn.execute("DELETE FROM customers WHERE id = ?", (second,))
    third = cdb.add(draft("Third"))
    assert third > second > first
    with cdb.read() as repos:
        assert repos.customers.count(EVERYONE, CustomerFilter()) == 2
        assert repos.customers.shared_with(third) == set()
