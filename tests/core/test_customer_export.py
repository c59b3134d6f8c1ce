"""ExportService: only what the user may see, protected values masked unless revealed by someone
allowed to (and then audited as such), formulas neutralised in CSV and XLSX, a BOM for Excel,
and a file that appears whole or not at all."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

import storage.customer_bulk
from core.audit import AuditFilter
from core.audit_service import ExportCancelled
from core.customers.model import (
    BANK_ACCOUNT,
    NATIONAL_ID,
    PERSONAL_MOBILE,
    Contact,
    CustomerDraft,
    CustomerKind,
)
from core.customers.validate import id_check_char
from core.errors import InvalidInput, PermissionDenied
from core.roles import ROLE_PERMISSIONS, Permission, Role
from core.session import Session
from tests.conftest import USERS

ID = "11010519491231002" + id_check_char("11010519491231002")
MOBILE = "13912348765"
ACCOUNT = "6222021234567890"
FORMULAS = ["=HYPERLINK(\"http://evil.example\")", "+1+2", "-3+4", "@SUM(A1)", "\tTab",
            "\rReturn"]


def person(name: str, **fields: Any) -> CustomerDraft:
    return CustomerDraft(kind=CustomerKind.INDIVIDUAL, name=name, **fields)


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs it to read UTF-8
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_xlsx(path: Path) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book.active
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    for row in rows[1:]:
        for cell in row:
            assert cell.data_type != "f", cell.value  # never a formula
    return [dict(zip(header, [c.value or "" for c in row], strict=True)) for row in rows[1:]]


@pytest.fixture
def admin(login: Any) -> Session:
    return login(Role.ADMINISTRATOR)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder of its own (tmp_path also holds the vault)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def protected(admin: Session) -> int:
    return admin.customers.create(admin.user, person(
        "李娜", phones=("13812345678",), city="上海", notes=FORMULAS[0],
        sensitive={NATIONAL_ID: ID, PERSONAL_MOBILE: MOBILE, BANK_ACCOUNT: ACCOUNT})).id


def test_csv_export_masks_neutralises_and_has_a_bom(admin: Session, protected: int,
                                                    out: Path) -> None:
    admin.customers.create(admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="@Risky Name", city="北京", tags=("vip", "+tag"),
        contacts=(Contact("张伟", title="经理", phone="13700000001"), Contact("=Evil"))))
    for i, text in enumerate(FORMULAS[1:]):
        admin.customers.create(admin.user, person(f"Formula {i}", notes=f"x{i}",
                                                  address=text))
    result = admin.customer_export.export(admin.user, out / "out.csv")
    assert result.count == 7 and not result.revealed
    rows = {r["name"]: r for r in read_csv(out / "out.csv")}
    li = rows["李娜"]
    assert li["national_id"] == "110***********002X"
    assert li["personal_mobile"] == "139****8765" and li["bank_account"] == "************7890"
    assert li["notes"] == "'" + FORMULAS[0] and li["phone"] == "13812345678"
    assert li["owner"] == admin.user.name and li["kind"] == "individual"
    risky = rows["'@Risky Name"]
    assert risky["contact"] == "张伟" and risky["contact_phone"] == "13700000001"
    assert risky["tags"] == "vip; +tag" and risky["other_contacts"] == "'=Evil"
    # Address text is cleaned on entry (tab and CR go); what is left still starts with a
    # formula prefix where it did and is neutralised.
    assert [rows[f"Formula {i}"]["address"][:2] for i in range(3)] == ["'+", "'-", "'@"]
    text = (out / "out.csv").read_text(encoding="utf-8-sig")
    for secret in (ID, MOBILE, ACCOUNT):
        assert secret not in text


def test_xlsx_export_is_text_only_and_masked(admin: Session, protected: int,
                                             out: Path) -> None:
    result = admin.customer_export.export(admin.user, out / "out.xlsx")
    (row,) = read_xlsx(out / "out.xlsx")
    assert result.count == 1 and row["name"] == "李娜" and row["city"] == "上海"
    assert row["phone"] == "13812345678"  # text, not 1.38E+10
    assert row["notes"] == "'" + FORMULAS[0] and row["national_id"] == "110***********002X"


def test_reveal_needs_the_permission_and_is_audited(admin: Session, protected: int,
                                                   login: Any, out: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    result = admin.customer_export.export(admin.user, out / "clear.csv", reveal=True)
    assert result.revealed
    (row,) = read_csv(out / "clear.csv")
    assert (row["national_id"], row["personal_mobile"], row["bank_account"]) == (
        ID, MOBILE, ACCOUNT)
    entries = admin.audit.page(admin.user, AuditFilter(action="customer.exported"))
    assert entries[0].details["revealed"] is True and entries[0].details["count"] == 1
    assert entries[0].object_id == "clear.csv"
    assert "national_id" in entries[0].details["columns"]
    for secret in (ID, MOBILE, ACCOUNT, "李娜"):
        assert secret not in json.dumps(entries[0].details, ensure_ascii=False)
    # A role that may export but not reveal gets a refusal, and no file.
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.SALES_MANAGER,
                        ROLE_PERMISSIONS[Role.SALES_MANAGER] - {Permission.SENSITIVE_REVEAL})
    manager: Session = login(Role.SALES_MANAGER)
    with pytest.raises(PermissionDenied, match="reveal protected"):
        manager.customer_export.export(manager.user, out / "m.csv", reveal=True)
    assert not (out / "m.csv").exists()


def test_export_holds_only_what_the_user_may_see(admin: Session, login: Any,
                                                 out: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rep: Session = login(Role.SALES_REP)
    manager: Session = login(Role.SALES_MANAGER)
    rep.customers.create(rep.user, person("Rep Own"))
    shared = admin.customers.create(admin.user, person("Shared With Rep")).id
    admin.customers.set_shared(admin.user, shared, rep.user.id, True)
    admin.customers.create(admin.user, person("Admin Own"))
    manager.customers.create(manager.user, person("Manager Own"))
    with pytest.raises(PermissionDenied, match="export customers"):
        rep.customer_export.export(rep.user, out / "rep.csv")
    assert not (out / "rep.csv").exists()
    # Not in Mei's team yet: only her own.
    manager.customer_export.export(manager.user, out / "m.csv")
    assert [r["name"] for r in read_csv(out / "m.csv")] == ["Manager Own"]
    users = {u.name: u.id for u in admin.accounts.list_users(admin.user)}
    admin.accounts.set_manager(admin.user, users[USERS[Role.SALES_REP][0]], manager.user.id)
    manager.customer_export.export(manager.user, out / "m.xlsx")
    assert sorted(r["name"] for r in read_xlsx(out / "m.xlsx")) == [
        "Manager Own", "Rep Own"]
    # Were reps allowed to export, a rep would get their own and shared customers only.
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.SALES_REP,
                        ROLE_PERMISSIONS[Role.SALES_REP] | {Permission.CUSTOMER_EXPORT})
    rep.customer_export.export(rep.user, out / "rep.csv")
    assert sorted(r["name"] for r in read_csv(out / "rep.csv")) == [
        "Rep Own", "Shared With Rep"]


def _some(admin: Session, n: int) -> None:
    from core import demo_customers

    admin.customer_import.bulk_create(
        admin.user, [(d, admin.user.id) for d in demo_customers.customers(n, seed=3)])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cancel_leaves_no_file_and_keeps_the_old_one(admin: Session, out: Path,
                                                     suffix: str) -> None:
    _some(admin, 1100)
    target = out / f"out{suffix}"
    target.write_text("the previous export")
    seen: list[tuple[int, int]] = []
    calls: list[int] = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(ExportCancelled):
        admin.customer_export.export(admin.user, target, progress=lambda d, t: seen.append(
            (d, t)), cancelled=cancelled)
    assert seen == [(500, 1100), (1000, 1100)]
    assert target.read_text() == "the previous export"
    assert sorted(p.name for p in out.iterdir()) == [target.name]
    assert not admin.audit.page(admin.user, AuditFilter(action="customer.exported"))


def test_a_crash_mid_export_leaves_no_file(admin: Session, out: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _some(admin, 600)
    real = storage.customer_bulk.SqlCustomerBulk.full_page

    def failing(self: Any, scope: Any, after: int, limit: int) -> Any:
        if after:
            raise OSError(28, "No space left on device")
        return real(self, scope, after, limit)

    monkeypatch.setattr(storage.customer_bulk.SqlCustomerBulk, "full_page", failing)
    with pytest.raises(OSError):
        admin.customer_export.export(admin.user, out / "out.csv")
    assert list(out.iterdir()) == []


def test_bad_targets_are_refused(admin: Session, out: Path) -> None:
    with pytest.raises(InvalidInput, match=r"\.csv or \.xlsx"):
        admin.customer_export.export(admin.user, out / "out.txt")
    with pytest.raises(InvalidInput, match="does not exist"):
        admin.customer_export.export(admin.user, out / "nope" / "out.csv")


def test_an_export_reimports_as_duplicates_and_masked_values_are_named(
        admin: Session, protected: int, out: Path) -> None:
    admin.customer_export.export(admin.user, out / "out.csv")
    report = admin.customer_import.run(admin.user, out / "out.csv", dry_run=True)
    assert report.rejected_rows == 1
    assert {(p.column, p.reason.split(";")[0]) for p in report.problems} == {
        (field, "holds a masked value (exported without revealing)")
        for field in (NATIONAL_ID, PERSONAL_MOBILE, BANK_ACCOUNT)}
    admin.customer_export.export(admin.user, out / "clear.xlsx", reveal=True)
    report = admin.customer_import.run(admin.user, out / "clear.xlsx", dry_run=True)
    assert report.ok and report.imported == 0 and report.skipped_duplicates == 1
    assert report.ignored_columns == ["id", "other_contacts", "created_at", "updated_at"]
