"""SqlContracts and friends against a real encrypted database: money as integer minor units,
Chinese text and injection strings round-trip, numbers per year, and the database itself
refusing to change a signed contract, its history or its archived PDF, even through raw SQL."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlcipher3

from core.contracts.model import (
    ClauseCategory,
    Contract,
    ContractClause,
    ContractEvent,
    ContractFilter,
    Instalment,
    LineItem,
    QualificationKind,
    TemplateClause,
)
from core.customers.access import Scope
from core.customers.model import CustomerDraft, CustomerKind
from core.roles import Role
from storage import migrate
from storage.database import Database, connect
from storage.repositories import SqlRepositories

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
EVERYONE = Scope(everyone=True)
INJECTION = "'); DELETE FROM contract_archive; --"


class Db:
    def __init__(self, folder: Path) -> None:
        path = folder / "contracts.db"
        self.conn = connect(path, os.urandom(32), create=True)
        migrate.upgrade(self.conn)
        self.db = Database(self.conn, path)
        with self.db.transaction() as conn:
            repos = SqlRepositories(conn)
            self.rep = repos.users.add("王芳", Role.SALES_REP, "slot-rep", False, T0).id
            self.other = repos.users.add("李强", Role.SALES_REP, "slot-other", False, T0).id
            self.customer = repos.customers.add(CustomerDraft(
                kind=CustomerKind.COMPANY, name="上海明珠贸易有限公司"), self.rep, T0).id

    def contract(self, **overrides: object) -> Contract:
        values: dict[str, object] = dict(
            id=0, number="SR-2026-000001", customer_id=self.customer, author_id=self.rep,
            template_version_id=None, language="zh", state="draft", title="年度维护合同",
            currency="CNY",
            items=(LineItem("服务器维护服务", Decimal("2.5"), Decimal("1000.01"),
                            Decimal("0.05"), Decimal("0.13")),),
            instalments=(Instalment(date(2030, 1, 10), Decimal("2684.40"), "一次付清"),),
            clauses=(ContractClause(1, ClauseCategory.PAYMENT, "付款方式", "改过的条款",
                                    "标准条款"),),
            delivery_terms="送货上门", contract_date=date(2030, 1, 1),
            start_date=date(2030, 1, 1), end_date=date(2030, 12, 31), net=Decimal("2375.02"),
            tax=Decimal("309.38"), gross=Decimal("2684.40"), created_at=T0, updated_at=T0)
        values.update(overrides)
        return Contract(**values)  # type: ignore[arg-type]

    def insert(self, contract: Contract) -> Contract:
        with self.db.transaction() as conn:
            return SqlRepositories(conn).contracts.insert(contract)

    def sign(self, contract: Contract) -> None:
        with self.db.transaction() as conn:
            repos = SqlRepositories(conn)
            repos.contracts.archive(contract.id, b"%PDF-1.7 signed", "ab" * 32, "cd" * 32,
                                    self.rep, T0)
            repos.contracts.update_workflow(dataclasses.replace(
                contract, state="signed", signed_at=T0, updated_at=T0))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Db]:
    made = Db(tmp_path)
    yield made
    made.db.close()


def test_round_trip_with_money_as_minor_units(db: Db) -> None:
    stored = db.insert(db.contract())
    assert stored == dataclasses.replace(db.contract(), id=stored.id)
    row = db.conn.execute("SELECT typeof(gross_minor), gross_minor, net_minor, tax_minor "
                          "FROM contracts").fetchone()
    assert row == ("integer", 268440, 237502, 30938)
    item = db.conn.execute("SELECT quantity, unit_price_minor, discount FROM contract_items"
                           ).fetchone()
    assert item == ("2.5", 100001, "0.05")
    with pytest.raises(sqlcipher3.IntegrityError):  # gross must equal net + tax
        db.conn.execute("UPDATE contracts SET gross_minor = 1")


def test_numbers_count_per_year_and_are_unique(db: Db) -> None:
    with db.db.transaction() as conn:
        repos = SqlRepositories(conn)
        assert [repos.contracts.next_number(2026) for _ in range(3)] == [1, 2, 3]
        assert repos.contracts.next_number(2027) == 1
    db.insert(db.contract())
    with pytest.raises(sqlcipher3.IntegrityError):
        db.insert(db.contract())


def test_injection_strings_are_stored_and_searched_as_text(db: Db) -> None:
    stored = db.insert(db.contract(title=INJECTION, delivery_terms=INJECTION))
    db.sign(stored)
    with db.db.reading() as conn:
        repos = SqlRepositories(conn)
        assert repos.contracts.get(stored.id).title == INJECTION  # type: ignore[union-attr]
        for text in (INJECTION, "%", "_", "\\", "' OR '1'='1"):
            found = repos.contracts.page(EVERYONE, ContractFilter(text=text), None, 50)
            assert [c.id for c in found] == ([stored.id] if text in INJECTION else [])
        assert repos.contracts.archived_pdf(stored.id) == b"%PDF-1.7 signed"
        # A scope of another rep sees nothing.
        other = Scope(owners=frozenset({db.other}), shared_with=db.other)
        assert repos.contracts.page(other, ContractFilter(), None, 50) == []


@pytest.mark.parametrize("statement", [
    "UPDATE contract_archive SET pdf = x'00'",
    "UPDATE contract_archive SET sha256 = 'x'",
    "DELETE FROM contract_archive",
    "UPDATE contracts SET gross_minor = 0, net_minor = 0, tax_minor = 0",
    "UPDATE contracts SET title = 'changed'",
    "UPDATE contracts SET state = 'draft'",
    "DELETE FROM contracts",
    "UPDATE contract_items SET unit_price_minor = 1",
    "DELETE FROM contract_items",
    "INSERT INTO contract_items VALUES (1, 9, 'extra', '1', 1, '0', '0')",
    "UPDATE contract_clauses SET text = 'changed'",
    "DELETE FROM contract_instalments",
    "UPDATE contract_events SET comment = 'changed'",
    "DELETE FROM contract_events",
])
def test_signed_contracts_and_the_archive_refuse_raw_changes(db: Db, statement: str) -> None:
    stored = db.insert(db.contract())
    with db.db.transaction() as conn:
        SqlRepositories(conn).contracts.add_event(ContractEvent(
            0, stored.id, 1, T0, db.rep, "", "submitted", "draft", "in_review", "", "好"))
    db.sign(stored)
    before = db.conn.execute("SELECT count(*), sum(length(pdf)) FROM contract_archive"
                             ).fetchone()
    with pytest.raises(sqlcipher3.IntegrityError):
        db.conn.execute(statement)
    assert db.conn.execute("SELECT count(*), sum(length(pdf)) FROM contract_archive"
                           ).fetchone() == before
    with db.db.reading() as conn:
        again = SqlRepositories(conn).contracts.get(stored.id)
    assert again is not None and again.title == "年度维护合同" and again.state == "signed"
    # Life-cycle moves remain possible.
    db.conn.execute("UPDATE contracts SET state = 'active' WHERE id = ?", (stored.id,))


def test_template_versions_are_frozen_and_qualifications_kept(db: Db) -> None:
    with db.db.transaction() as conn:
        repos = SqlRepositories(conn)
        tid = repos.contract_templates.add_template("t", "模板", "zh", T0)
        v1 = repos.contract_templates.add_version(tid, "销售合同", "{customer_name}", (
            TemplateClause(ClauseCategory.PAYMENT, "付款", "三十日内付款"),), None, T0)
        v2 = repos.contract_templates.add_version(tid, "销售合同", "", (), None, T0)
        q = repos.qualifications.add(db.customer, QualificationKind.BUSINESS_LICENCE,
                                     "91310000MA1FL0000X", date(2030, 1, 1), db.rep, T0)
    assert (v1.version, v2.version) == (1, 2) and v1.clauses[0].text == "三十日内付款"
    with pytest.raises(sqlcipher3.IntegrityError):
        db.conn.execute("UPDATE contract_template_versions SET preamble = 'x'")
    with db.db.reading() as conn:
        assert SqlRepositories(conn).qualifications.for_customer(db.customer) == [q]
