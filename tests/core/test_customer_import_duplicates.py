"""Duplicates on import and create (same credit code, mobile or e-mail; similar name in the same
city), what a user who may not see the other customer learns of it (that it exists, nothing
more), and merging two records with their whole history."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.audit import AuditFilter
from core.customers.duplicates import DuplicateMatch, name_core, similar_names
from core.customers.interactions import InteractionKind
from core.customers.model import (
    BANK_ACCOUNT,
    NATIONAL_ID,
    Contact,
    CustomerDraft,
    CustomerKind,
)
from core.customers.validate import id_check_char, uscc_check_char
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.roles import Role
from core.session import Session
from tests.conftest import USERS

CODE = "91310000MA1FL0000" + uscc_check_char("91310000MA1FL0000")
ID = "11010519491231002" + id_check_char("11010519491231002")


def company(name: str, **fields: Any) -> CustomerDraft:
    return CustomerDraft(kind=CustomerKind.COMPANY, name=name, **fields)


def write(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


@pytest.fixture
def admin(login: Any) -> Session:
    return login(Role.ADMINISTRATOR)


@pytest.fixture
def rep(login: Any) -> Session:
    return login(Role.SALES_REP)


def test_company_names_are_compared_without_legal_form_or_city() -> None:
    assert name_core("远航贸易（上海）有限公司") == "远航贸易"
    assert name_core("Acme Trading Co., Ltd.") == "acmetrading"
    assert similar_names("上海远航贸易有限公司", "远航贸易有限公司", "上海")
    assert similar_names("Acme Trading Ltd", "ACME TRADING CO LTD", "Paris")
    assert not similar_names("远航贸易有限公司", "远大物流有限公司", "上海")
    assert similar_names("王芳", "王芳", "上海", CustomerKind.INDIVIDUAL)
    assert not similar_names("王芳", "王芳华", "上海", CustomerKind.INDIVIDUAL)


def test_import_skips_exact_duplicates_and_flags_possible_ones(admin: Session,
                                                               tmp_path: Path) -> None:
    existing = admin.customers.create(admin.user, company(
        "远航贸易有限公司", city="上海", credit_code=CODE, phones=("13812345678",),
        email="info@yuanhang.example")).id
    rows = [["客户名称", "手机", "邮箱", "城市", "统一社会信用代码"],
            ["远航贸易", "", "", "上海", CODE],
            ["Other Co", "138-1234-5678", "", "北京", ""],
            ["Third Co", "", "INFO@yuanhang.example", "", ""],
            ["远航贸易（上海）有限公司", "13900000001", "", "上海", ""],
            ["New Co", "13900000002", "", "深圳", ""],
            ["New Co Again", "13900000002", "", "广州", ""]]
    report = admin.customer_import.run(admin.user, write(tmp_path / "in.csv", rows))
    assert report.ok and report.imported == 2
    assert report.duplicate_rows == 4 and report.skipped_duplicates == 4
    assert report.possible_duplicates == 1
    notes = {(d.row, d.reason, d.exact, d.imported) for d in report.duplicates}
    assert notes == {
        (2, f"same credit code as 远航贸易有限公司 (#{existing})", True, False),
        (3, f"same mobile number as 远航贸易有限公司 (#{existing})", True, False),
        (4, f"same e-mail address as 远航贸易有限公司 (#{existing})", True, False),
        (5, f"similar name in the same city as 远航贸易有限公司 (#{existing})", False, True),
        (5, "similar name in the same city as row 2", False, True),
        (7, "same mobile number as row 6", True, False)}
    assert sorted(s.name for s in admin.customers.page(admin.user)) == [
        "New Co", "远航贸易(上海)有限公司", "远航贸易有限公司"]


def test_duplicates_can_be_imported_on_purpose(admin: Session, tmp_path: Path) -> None:
    admin.customers.create(admin.user, company("Acme", phones=("13812345678",)))
    path = write(tmp_path / "in.csv", [["name", "mobile"], ["Acme Again", "13812345678"]])
    report = admin.customer_import.run(admin.user, path, import_duplicates=True)
    assert report.imported == 1 and report.duplicate_rows == 1
    assert report.skipped_duplicates == 0 and report.duplicates[0].imported
    assert admin.customers.count(admin.user) == 2


def test_a_duplicate_the_importer_may_not_see_is_not_named(login: Any, admin: Session,
                                                           tmp_path: Path) -> None:
    rep: Session = login(Role.SALES_REP)
    theirs = rep.customers.create(rep.user, company("Rep's Secret Client", city="上海",
                                                    phones=("13812345678",))).id
    manager: Session = login(Role.SALES_MANAGER)  # 王芳 is not in Mei's team
    path = write(tmp_path / "in.csv", [["名称", "手机", "城市"],
                                       ["Secret Client Co", "13812345678", "上海"],
                                       ["Rep's Secret Client", "", "上海"]])
    report = manager.customer_import.run(manager.user, path, dry_run=True)
    reasons = [d.reason for d in report.duplicates]
    assert reasons == ["same mobile number as an existing customer you cannot see",
                       "similar name in the same city as an existing customer you cannot see"]
    assert str(theirs) not in json.dumps(reasons)
    # Once 王芳 is in the team, Mei sees whose customer it is.
    users = {u.name: u.id for u in admin.accounts.list_users(admin.user)}
    admin.accounts.set_manager(admin.user, users[USERS[Role.SALES_REP][0]], manager.user.id)
    report = manager.customer_import.run(manager.user, path, dry_run=True)
    assert report.duplicates[0].reason == (
        f"same mobile number as Rep's Secret Client (#{theirs})")


def test_find_duplicates_for_the_create_form(rep: Session, login: Any) -> None:
    mine = rep.customers.create(rep.user, company("远航贸易有限公司", city="上海",
                                                  credit_code=CODE)).id
    other: Session = login(Role.SALES_MANAGER)
    other.customers.create(other.user, company("Hidden", email="a@hidden.example"))
    found = rep.customers.find_duplicates(rep.user, company(
        "远航贸易（上海）有限公司", city="上海市", email="A@hidden.example"))
    assert found == [DuplicateMatch("email", True, None, ""),
                     DuplicateMatch("name", False, mine, "远航贸易有限公司")]
    assert rep.customers.find_duplicates(rep.user, company("X", credit_code=CODE)) == [
        DuplicateMatch("credit_code", True, mine, "远航贸易有限公司")]
    assert rep.customers.find_duplicates(rep.user, company("Nothing Alike")) == []


def _history(session: Session, customer_id: int, text: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    session.interactions.log(session.user, customer_id, InteractionKind.CALL,
                             now - timedelta(hours=1), text, follow_up=(f"{text} task", now))


def test_merge_keeps_everything_and_deletes_the_other(rep: Session, admin: Session) -> None:
    keep = rep.customers.create(rep.user, company(
        "远航贸易有限公司", city="上海", phones=("13812345678",), tags=("vip",),
        contacts=(Contact("张伟", phone="13700000001"),), notes="first",
        sensitive={BANK_ACCOUNT: "6222021234567890"})).id
    remove = rep.customers.create(rep.user, company(
        "远航贸易（上海）有限公司", phones=("13812345678", "021-61234567"), tags=("展会",),
        email="info@yh.example", credit_code=CODE, notes="second",
        contacts=(Contact("张伟", phone="13700000001"), Contact("李娜", title="财务")),
        sensitive={NATIONAL_ID: ID, BANK_ACCOUNT: "6222020000000000"})).id
    _history(rep, keep, "kept call")
    _history(rep, remove, "removed call")
    merged = rep.customers.merge(rep.user, keep, remove)
    assert merged.id == keep and merged.name == "远航贸易有限公司"
    assert merged.phones == ("13812345678", "02161234567")
    assert merged.tags == ("vip", "展会") and merged.email == "info@yh.example"
    assert merged.credit_code == CODE and merged.city == "上海"
    assert [c.name for c in merged.contacts] == ["张伟", "李娜"]
    assert merged.notes == "first\n\nsecond"
    assert merged.sensitive == {BANK_ACCOUNT: "************7890",
                                NATIONAL_ID: "110***********002X"}  # keep's account wins
    timeline = rep.interactions.timeline(rep.user, keep)
    assert sorted(i.summary for i in timeline) == ["kept call", "removed call"]
    assert sorted(t.title for t in rep.interactions.tasks_for(rep.user, keep)) == [
        "kept call task", "removed call task"]
    with pytest.raises(NotFound):
        rep.customers.get(rep.user, remove)
    assert [s.id for s in rep.customers.search(rep.user, "6123")] == [keep]
    assert [s.id for s in rep.customers.search(rep.user, "远航")] == [keep]
    assert rep.customers.count(rep.user) == 1
    (entry,) = admin.audit.page(admin.user, AuditFilter(action="customer.merged"))
    assert entry.details["kept"] == keep and entry.details["removed"] == remove
    assert entry.details["interactions_moved"] == 1 and entry.details["tasks_moved"] == 1
    assert "6222020000000000" not in json.dumps(entry.details) and ID not in json.dumps(
        entry.details)
    assert admin.audit.verify(admin.user).ok


def test_merge_follows_row_level_access(rep: Session, login: Any, admin: Session) -> None:
    mine = rep.customers.create(rep.user, company("Mine")).id
    also = rep.customers.create(rep.user, company("Also Mine")).id
    manager: Session = login(Role.SALES_MANAGER)
    theirs = manager.customers.create(manager.user, company("Manager's")).id
    with pytest.raises(NotFound):
        rep.customers.merge(rep.user, mine, theirs)
    with pytest.raises(InvalidInput, match="itself"):
        rep.customers.merge(rep.user, mine, mine)
    manager.customers.set_shared(manager.user, theirs, rep.user.id, True)
    with pytest.raises(PermissionDenied):  # shared: may read, not merge away
        rep.customers.merge(rep.user, mine, theirs)
    finance: Session = login(Role.FINANCE)
    with pytest.raises(PermissionDenied):
        finance.customers.merge(finance.user, mine, also)
    assert admin.customers.count(admin.user) == 3
    # An administrator merges across owners; the removed record's owner keeps access.
    admin.customers.merge(admin.user, mine, theirs)
    assert [s.id for s in manager.customers.page(manager.user)] == [mine]
    assert manager.customers.get(manager.user, mine).can_edit is False
