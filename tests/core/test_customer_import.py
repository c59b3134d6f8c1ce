"""ImportService through real sessions on an encrypted vault: files in every encoding and format
a Chinese office produces, a report naming row, column and reason for each rejected row,
malformed files that write nothing wrong, one transaction that a cancel or a crash leaves
empty, permissions, owners and an audit entry without personal data."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import storage.customers_repo
from core.audit import AuditEntry, AuditFilter
from core.customers.importing import ImportCancelled, ImportReport, RowProblem
from core.customers.model import NATIONAL_ID, CustomerKind, CustomerStatus
from core.customers.validate import id_check_char, uscc_check_char
from core.errors import InvalidInput, PermissionDenied
from core.roles import Role
from core.session import Session
from tests.conftest import USERS

CODE = "91310000MA1FL0000" + uscc_check_char("91310000MA1FL0000")
ID = "11010519491231002" + id_check_char("11010519491231002")
HEADER = ["客户名称", "手机", "邮箱", "城市", "统一社会信用代码", "身份证号", "备注"]
GOOD = [["远航贸易有限公司", "138 1234 5678", "Sales@Acme.COM", "上海", CODE, "", "老客户"],
        ["王芳", "+86 139-1234-5678", "", "北京", "", ID, ""]]


def write(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def trail(admin: Session, action: str) -> list[AuditEntry]:
    return admin.audit.page(admin.user, AuditFilter(action=action))


@pytest.fixture
def admin(login: Any) -> Session:
    return login(Role.ADMINISTRATOR)


def count(session: Session) -> int:
    return session.customers.count(session.user)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_each_encoding_imports_the_same(admin: Session, tmp_path: Path,
                                               encoding: str) -> None:
    report = admin.customer_import.run(admin.user, write(tmp_path / "in.csv",
                                                         [HEADER, *GOOD], encoding))
    assert report.ok and report.imported == 2 and report.rows_read == 2
    assert report.columns == {"客户名称": "name", "手机": "phone", "邮箱": "email",
                              "城市": "city", "统一社会信用代码": "credit_code",
                              "身份证号": "national_id", "备注": "notes"}
    found = {s.name: s for s in admin.customers.page(admin.user)}
    company = admin.customers.get(admin.user, found["远航贸易有限公司"].id)
    assert company.kind == CustomerKind.COMPANY and company.credit_code == CODE
    assert company.phones == ("13812345678",) and company.email == "Sales@acme.com"
    assert company.status == CustomerStatus.LEAD and company.owner_name == admin.user.name
    person = admin.customers.get(admin.user, found["王芳"].id)
    assert person.kind == CustomerKind.INDIVIDUAL and person.phones == ("13912345678",)
    assert person.sensitive[NATIONAL_ID] == "110***********002X"  # stored, shown masked


def test_xlsx_imports_with_spreadsheet_row_numbers(admin: Session, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Mobile", "Type", "Status", "Tags"])
    sheet.append(["Acme Trading Co., Ltd.", 13812345678, "company", "active", "vip; 展会"])
    sheet.append([None, None, None, None, None])
    sheet.append(["Zhang Wei", 123, "个人", "成交", ""])
    sheet.append(["Li Na", 13912345678, "alien", "", ""])
    book.save(tmp_path / "in.xlsx")
    report = admin.customer_import.run(admin.user, tmp_path / "in.xlsx")
    assert report.format == "XLSX" and report.imported == 1 and report.rejected_rows == 2
    assert [(p.row, p.column) for p in report.problems] == [(4, "Mobile"), (5, "Type")]
    acme = admin.customers.search(admin.user, "Acme")[0]
    view = admin.customers.get(admin.user, acme.id)
    assert view.status == CustomerStatus.ACTIVE and view.tags == ("vip", "展会")


def test_preview_maps_columns_and_shows_problems(admin: Session, tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", [["Cust", "手机", "序号"], ["Acme", "13812345678", "1"],
                                       ["Bad", "12", "2"], ["C", "", "3"]])
    preview = admin.customer_import.preview(admin.user, path, {"Cust": "name"}, limit=2)
    assert preview.columns == {"Cust": "name", "手机": "phone"}
    assert preview.ignored_columns == ["序号"] and not preview.problems
    assert [r.row for r in preview.rows] == [2, 3]
    assert preview.rows[0].values == {"name": "Acme", "phone": "13812345678"}
    assert preview.rows[1].problems and preview.rows[1].problems[0].startswith("手机: ")
    with pytest.raises(InvalidInput, match="not a customer field"):
        admin.customer_import.preview(admin.user, path, {"Cust": "nickname"})
    assert count(admin) == 0


def test_every_rejected_row_is_reported_and_the_rest_imported(admin: Session,
                                                              tmp_path: Path) -> None:
    rows = [HEADER, GOOD[0],
            ["", "13700000001", "", "", "", "", ""],
            ["Bad Phone", "1234", "not-an-email", "", "", "", ""],
            ["Bad Code", "", "", "", "91310000MA1FL00001", "", ""],
            ["Bad ID", "", "", "", "", "110105194912310021", ""],
            [], GOOD[1]]
    report = admin.customer_import.run(admin.user, write(tmp_path / "in.csv", rows))
    assert report.imported == 2 and report.rejected_rows == 4 and not report.ok
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "客户名称"), (4, "手机"), (4, "邮箱"), (5, "统一社会信用代码"), (6, "身份证号")]
    assert report.problems[0].reason == "a name is required"
    assert "110105194912310021" not in json.dumps([p.reason for p in report.problems])


def test_ragged_rows_are_rejected_not_shifted(admin: Session, tmp_path: Path) -> None:
    rows = [["名称", "手机", "城市"], ["A", "13812345678", "上海"],
            ["B", "13812345679", "上海", "surplus"], ["C", "13812345670"],
            ["D", "13812345671", "北京", "", ""]]
    report = admin.customer_import.run(admin.user, write(tmp_path / "in.csv", rows))
    assert [p.row for p in report.problems] == [3, 4]
    assert report.problems[0] == RowProblem(3, "", "has 4 cells but the header has 3 columns")
    assert sorted(s.name for s in admin.customers.page(admin.user)) == ["A", "D"]


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "The file is empty."),
    (b"\xef\xbb\xbf", "no rows"),
    ("名称,手机\n".encode(), "no customers below it"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
    ("名称,电话,电话\nA,1,2\n".encode(), "both named '电话'"),
    ("公司名称,客户名称\nA,B\n".encode(), "all hold name"),
    ("手机,城市\n13812345678,上海\n".encode(), "No column holds the customer's name"),
    (b"name\n\xff\xfe\xfa\xfb\x80\x81\n", "neither UTF-8 nor GBK"),
])
def test_malformed_files_give_a_report_and_write_nothing(admin: Session, tmp_path: Path,
                                                         content: bytes, problem: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    report = admin.customer_import.run(admin.user, path)
    assert not report.ok and report.imported == 0
    assert any(problem in p for p in report.file_problems), report.file_problems
    assert count(admin) == 0 and not trail(admin, "customer.imported")


def test_a_missing_file_is_a_report_too(admin: Session, tmp_path: Path) -> None:
    report = admin.customer_import.run(admin.user, tmp_path / "nope.csv")
    assert report.file_problems == ["The file cannot be read: No such file or directory."]


def test_a_10_mb_cell_is_rejected_with_its_row(admin: Session, tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", [HEADER, GOOD[0], ["Giant", "", "", "", "", "",
                                                         "x" * (10 << 20)], GOOD[1]])
    report = admin.customer_import.run(admin.user, path)
    assert report.imported == 2 and report.problems == [
        RowProblem(3, "备注", "has 10,485,760 characters; at most 10,000 fit")]


def test_formula_payloads_are_kept_as_text_and_our_own_prefix_is_undone(
        admin: Session, tmp_path: Path) -> None:
    payload = "=HYPERLINK(\"http://evil.example\",\"click\")"
    rows = [["名称", "备注", "手机"], ["@SUM(A1)", payload, "'+8613812345678"],
            ["'=1+1", "-2+3", ""]]
    report = admin.customer_import.run(admin.user, write(tmp_path / "in.csv", rows))
    assert report.ok and report.imported == 2
    names = {s.name: s.id for s in admin.customers.page(admin.user)}
    first = admin.customers.get(admin.user, names["@SUM(A1)"])
    assert first.notes == payload and first.phones == ("13812345678",)
    assert admin.customers.get(admin.user, names["=1+1"]).notes == "-2+3"


def test_a_dry_run_checks_everything_and_writes_nothing(admin: Session, tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", [HEADER, *GOOD, ["", "", "", "", "", "", "x"]])
    report = admin.customer_import.run(admin.user, path, dry_run=True)
    assert report.dry_run and report.imported == 2 and report.rejected_rows == 1
    assert count(admin) == 0 and not trail(admin, "customer.imported")


def _many(tmp_path: Path, n: int) -> Path:
    return write(tmp_path / "many.csv", [["名称", "手机"], *[
        [f"客户{i:05d}", f"1390000{i:04d}"] for i in range(n)]])


def test_cancel_mid_import_leaves_nothing(admin: Session, tmp_path: Path) -> None:
    calls = []
    seen: list[tuple[int, int]] = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2  # after two batches were written inside the transaction

    with pytest.raises(ImportCancelled, match="nothing was imported"):
        admin.customer_import.run(admin.user, _many(tmp_path, 1600),
                                  progress=lambda d, t: seen.append((d, t)),
                                  cancelled=cancelled)
    assert seen == [(500, 1600), (1000, 1600)]
    assert count(admin) == 0 and admin.customers.search(admin.user, "客户") == []
    assert not trail(admin, "customer.imported")


def test_a_crash_mid_import_rolls_everything_back(admin: Session, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real = storage.customers_repo.SqlCustomers.bulk_add
    written: list[int] = []

    def failing(self: Any, rows: Any, at: Any) -> list[int]:
        if written:
            raise OSError(28, "No space left on device")
        written.extend(real(self, rows, at))
        return written

    monkeypatch.setattr(storage.customers_repo.SqlCustomers, "bulk_add", failing)
    with pytest.raises(OSError):
        admin.customer_import.run(admin.user, _many(tmp_path, 1200))
    monkeypatch.undo()
    assert len(written) == 500 and count(admin) == 0
    assert admin.customers.search(admin.user, "客户") == []
    report = admin.customer_import.run(admin.user, _many(tmp_path, 1200))
    assert report.imported == 1200 and count(admin) == 1200


def test_import_needs_the_permission_and_a_refusal_is_audited(login: Any,
                                                              tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", [HEADER, *GOOD])
    for role in (Role.SALES_REP, Role.FINANCE, Role.AUDITOR):
        session: Session = login(role)
        with pytest.raises(PermissionDenied, match="import customers"):
            session.customer_import.run(session.user, path)
        with pytest.raises(PermissionDenied):
            session.customer_import.preview(session.user, path)
    admin = login(Role.ADMINISTRATOR)
    assert count(admin) == 0
    denials = trail(admin, "permission.denied")
    assert len(denials) == 6
    assert {e.details["permission"] for e in denials} == {"customer.import"}


def test_owner_column_assigns_within_the_managers_team(login: Any, tmp_path: Path) -> None:
    admin: Session = login(Role.ADMINISTRATOR)
    users = {u.name: u for u in admin.accounts.list_users(admin.user)}
    rep, manager_name = USERS[Role.SALES_REP][0], USERS[Role.SALES_MANAGER][0]
    admin.accounts.set_manager(admin.user, users[rep].id, users[manager_name].id)
    manager: Session = login(Role.SALES_MANAGER)
    rows = [["名称", "负责人"], ["Team Customer", rep], ["Own Customer", ""],
            ["Stranger's", "Nobody Here"], ["Admin's", "Alice Admin"],
            ["Finance's", "Frank Finance"]]
    report = manager.customer_import.run(manager.user, write(tmp_path / "in.csv", rows))
    assert report.imported == 2
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (4, "负责人", "no user is named 'Nobody Here'"),
        (5, "负责人", "you may not give customers to Alice Admin (not in your team)"),
        (6, "负责人", "customers can only be given to an active sales user")]
    owners = {s.name: s.owner_name for s in admin.customers.page(admin.user)}
    assert owners == {"Team Customer": rep, "Own Customer": manager_name}


def test_the_audit_entry_has_counts_and_no_personal_data(admin: Session,
                                                         tmp_path: Path) -> None:
    path = write(tmp_path / "客户.csv", [HEADER, *GOOD, ["Bad", "12", "", "", "", "", ""]])
    report: ImportReport = admin.customer_import.run(admin.user, path)
    (entry,) = trail(admin, "customer.imported")
    assert entry.object_type == "file" and entry.object_id == "客户.csv"
    assert entry.details == {
        "format": "CSV", "rows": 3, "imported": 2, "rejected": 1, "duplicates_skipped": 0,
        "possible_duplicates": 0, "fields": sorted(set(report.columns.values()))}
    text = json.dumps(entry.details, ensure_ascii=False)
    for secret in ("远航", "王芳", "13812345678", ID, CODE, "acme"):
        assert secret not in text
    assert admin.audit.verify(admin.user).ok


def test_bulk_create_for_generated_data(admin: Session) -> None:
    from core import demo_customers

    rows = [(d, admin.user.id) for d in demo_customers.customers(1200, seed=5)]
    done: list[int] = []
    assert admin.customer_import.bulk_create(admin.user, rows, lambda d, t: done.append(d),
                                             total=1200) == 1200
    assert done == [500, 1000, 1200] and count(admin) == 1200
    with pytest.raises(InvalidInput, match="active sales user"):
        finance = next(u for u in admin.accounts.list_users(admin.user)
                       if u.role == Role.FINANCE)
        admin.customer_import.bulk_create(admin.user, [(rows[0][0], finance.id)])
    assert count(admin) == 1200


def test_sql_and_fts_syntax_in_cells_is_just_text(admin: Session, tmp_path: Path) -> None:
    hostile = "x'); DROP TABLE customers; -- \" OR 1=1 NEAR(a b) *"
    rows = [["名称", "城市", "邮箱"], [hostile, hostile, ""], [hostile + "2", hostile, ""]]
    path = write(tmp_path / "in.csv", rows)
    assert admin.customer_import.run(admin.user, path).imported == 2
    assert {s.name for s in admin.customers.page(admin.user)} == {hostile, hostile + "2"}
    again = admin.customer_import.run(admin.user, path, dry_run=True)  # looked up by name
    assert again.possible_duplicates == 2 and again.ok


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600) | st.text(max_size=300).map(
    lambda t: ("名称,手机,城市\n" + t).encode("utf-8")))
def test_fuzz_any_file_gives_a_report_through_the_service(admin: Session, tmp_path: Path,
                                                          data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    report = admin.customer_import.run(admin.user, path, dry_run=True)
    if report.file_problems:
        assert report.imported == 0 or report.rows_read
    else:
        assert report.imported + report.rejected_rows + report.skipped_duplicates == (
            report.rows_read)
    assert admin.customers.count(admin.user) == 0


def test_progress_ends_at_the_true_total(admin: Session, tmp_path: Path) -> None:
    # Line breaks inside cells make the file's line count overestimate its rows.
    rows = [["名称", "备注"], *[[f"客户{i}", "line one\nline two\nline three"]
                               for i in range(600)]]
    seen: list[tuple[int, int]] = []
    report = admin.customer_import.run(admin.user, write(tmp_path / "in.csv", rows),
                                       progress=lambda d, t: seen.append((d, t)))
    assert report.imported == 600
    assert seen == [(500, 1800), (600, 1800), (600, 600)]
