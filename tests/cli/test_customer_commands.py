"""`customers import|export|search` and `demo --customers N`: exit codes (0 done, 1 rejected rows
or refused, 2 bad usage), the report on stdout, messages on stderr, never a traceback, and what
each user sees."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from core.auth import Authenticator
from core.customers.model import NATIONAL_ID, CustomerDraft, CustomerKind
from core.customers.validate import id_check_char
from core.demo import DEMO_CUSTOMERS, DEMO_USERS
from core.roles import Role
from tests.cli.conftest import Result, Runner, open_admin
from tests.conftest import USERS

ID = "11010519491231002" + id_check_char("11010519491231002")


def write(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def as_role(cli: Runner, vault: Path, role: Role, *args: str) -> Result:
    name, password = USERS[role]
    return cli(*args, "--vault", str(vault), "--user", name, stdin=[password])


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.err and "Traceback" not in result.out


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    return folder


def test_import_prints_the_report_and_exits_0(as_admin: Runner, files: Path) -> None:
    path = write(files / "客户.csv", [["客户名称", "手机", "城市"],
                                      ["远航贸易有限公司", "13812345678", "上海"],
                                      ["王芳", "13912345678", "北京"]], "gbk")
    result = as_admin("customers", "import", str(path))
    assert result.code == 0, result.err
    no_traceback(result)
    assert result.lines[:2] == ["客户.csv: CSV, GB18030 (GBK)",
                                "columns: 客户名称=name, 手机=phone, 城市=city"]
    assert "rows read: 2" in result.lines and "imported: 2" in result.lines
    assert "rejected: 0" in result.lines
    search = as_admin("customers", "search", "远航")
    assert search.code == 0 and len(search.lines) == 1
    assert search.lines[0].split("\t")[1:] == ["远航贸易有限公司", "company", "lead", "上海",
                                               "13812345678", "", "Alice Admin"]


def test_rejected_rows_are_listed_and_exit_1(as_admin: Runner, files: Path) -> None:
    path = write(files / "in.csv", [["Name", "Mobile", "Email"], ["Good", "13812345678", ""],
                                    ["Bad", "12345", "x@"], ["", "13912345678", ""]])
    result = as_admin("customers", "import", str(path))
    assert result.code == 1
    no_traceback(result)
    assert "imported: 1" in result.lines and "rejected: 2" in result.lines
    assert ("  row 3, Mobile: '12345' is not a valid phone number (mainland mobile, landline "
            "with area code, or +country code)") in result.lines
    assert "  row 3, Email: not a valid e-mail address" in result.lines
    assert "  row 4, Name: a name is required" in result.lines


def test_dry_run_and_duplicates(as_admin: Runner, files: Path) -> None:
    path = write(files / "in.csv", [["名称", "手机"], ["A", "13812345678"],
                                    ["B", "13812345678"]])
    dry = as_admin("customers", "import", str(path), "--dry-run")
    assert dry.code == 0 and "would import: 1" in dry.lines
    assert "Dry run: nothing was written." in dry.err
    assert as_admin("customers", "search", "13812345678").lines == []
    real = as_admin("customers", "import", str(path))
    assert "duplicates (skipped): 1" in real.lines
    assert "  row 3: same mobile number as row 2" in real.lines
    again = as_admin("customers", "import", str(path), "--allow-duplicates")
    assert again.code == 0 and "imported: 2" in again.lines
    assert "duplicates (imported anyway): 2" in again.lines


def test_map_overrides_and_bad_maps_are_usage_errors(as_admin: Runner, cli: Runner,
                                                     vault_path: Path, files: Path) -> None:
    path = write(files / "in.csv", [["Cust", "Ref"], ["Mapped Co", "1"]])
    unmapped = as_admin("customers", "import", str(path))
    assert unmapped.code == 1 and "cannot import:" in unmapped.lines
    assert "Nothing was imported" in unmapped.err
    mapped = as_admin("customers", "import", str(path), "--map", "Cust=name", "--map",
                      "Ref=ignore")
    assert mapped.code == 0 and "imported: 1" in mapped.lines
    for bad in ("Cust", "=name", "Cust=nickname"):
        result = cli("customers", "import", str(path), "--map", bad, "--vault",
                     str(vault_path), "--user", "Alice Admin")  # no password is asked
        assert result.code == 2 and "--map" in result.err
        no_traceback(result)


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "The file is empty."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file"),
    ("名称,电话,电话\nA,1,2\n".encode(), "both named '电话'"),
])
def test_unreadable_files_exit_1_with_the_reason(as_admin: Runner, files: Path,
                                                 content: bytes, reason: str) -> None:
    path = files / "in.csv"
    path.write_bytes(content)
    result = as_admin("customers", "import", str(path))
    assert result.code == 1
    no_traceback(result)
    assert any(reason in line for line in result.lines)


def test_a_missing_file_is_reported_before_the_password(cli: Runner, vault_path: Path,
                                                        files: Path) -> None:
    result = cli("customers", "import", str(files / "nope.csv"), "--vault", str(vault_path),
                 "--user", "Alice Admin")
    assert result.code == 1 and "There is no file" in result.err


def test_a_rep_may_not_import_or_export(cli: Runner, vault_path: Path, files: Path) -> None:
    path = write(files / "in.csv", [["名称"], ["A"]])
    result = as_role(cli, vault_path, Role.SALES_REP, "customers", "import", str(path))
    assert result.code == 1 and "permission to import customers" in result.err
    result = as_role(cli, vault_path, Role.SALES_REP, "customers", "export",
                     str(files / "out.csv"))
    assert result.code == 1 and "permission to export customers" in result.err
    assert not (files / "out.csv").exists()


def test_export_masks_unless_revealed(as_admin: Runner, cli: Runner, cli_auth: Authenticator,
                                      vault_path: Path, files: Path) -> None:
    admin = open_admin(cli_auth, vault_path)
    try:
        admin.customers.create(admin.user, CustomerDraft(
            kind=CustomerKind.INDIVIDUAL, name="李娜", notes="=1+1",
            sensitive={NATIONAL_ID: ID}))
    finally:
        admin.close()
    result = as_admin("customers", "export", str(files / "out.csv"))
    assert result.code == 0 and result.out == ""
    assert "Exported 1 customers" in result.err and "masked" in result.err
    text = (files / "out.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    decoded = text.decode("utf-8-sig")
    assert "110***********002X" in decoded and ID not in decoded and "'=1+1" in decoded
    clear = as_admin("customers", "export", str(files / "clear.xlsx"), "--reveal")
    assert clear.code == 0 and "in clear" in clear.err
    from openpyxl import load_workbook

    rows = list(load_workbook(files / "clear.xlsx").active.values)
    assert rows[1][rows[0].index("national_id")] == ID
    bad = as_admin("customers", "export", str(files / "out.txt"))
    assert bad.code == 2 and ".csv or .xlsx" in bad.err


def test_search_shows_what_each_user_may_see(cli: Runner, cli_auth: Authenticator,
                                             vault_path: Path) -> None:
    admin = open_admin(cli_auth, vault_path)
    try:
        users = {u.name: u.id for u in admin.accounts.list_users(admin.user)}
        rep = users[USERS[Role.SALES_REP][0]]
        for name, owner in (("Shared Search Co", admin.user.id), ("Rep Search Co", rep),
                            ("Hidden Search Co", admin.user.id)):
            cid = admin.customers.create(admin.user, CustomerDraft(
                kind=CustomerKind.COMPANY, name=name, phones=("13812345678",),
                sensitive={NATIONAL_ID: ID} if owner == rep else {}), owner_id=owner).id
            if name.startswith("Shared"):
                admin.customers.set_shared(admin.user, cid, rep, True)
    finally:
        admin.close()
    result = as_role(cli, vault_path, Role.SALES_REP, "customers", "search", "Search Co")
    assert result.code == 0
    assert [line.split("\t")[1] for line in result.lines] == ["Rep Search Co",
                                                              "Shared Search Co"]
    assert all(ID not in line and "002X" not in line for line in result.lines)
    none = as_role(cli, vault_path, Role.SALES_REP, "customers", "search", "Nothing Like It")
    assert none.code == 0 and none.out == "" and "No customer you can see" in none.err
    auditor = as_role(cli, vault_path, Role.AUDITOR, "customers", "search", "Search Co",
                      "--limit", "2")
    assert len(auditor.lines) == 2
    bad = as_role(cli, vault_path, Role.AUDITOR, "customers", "search", "x", "--limit", "0")
    assert bad.code == 2


def test_demo_adds_customers_with_history_and_bulk_ones(cli: Runner, cli_auth: Authenticator,
                                                        tmp_path: Path) -> None:
    vault = tmp_path / "demo"
    result = cli("demo", "--vault", str(vault), "--customers", "1200")
    assert result.code == 0, result.err
    assert "Generated 1,200 of 1,200 extra customers" in result.err
    passwords = {u.name: u.password for u in DEMO_USERS}
    admin = cli_auth.login(vault, "admin", passwords["admin"])
    try:
        assert admin.customers.count(admin.user) == DEMO_CUSTOMERS + 1200
        users = {u.name: u for u in admin.accounts.list_users(admin.user)}
        assert users["rep"].manager_id == users["王芳"].manager_id == users["manager"].id
    finally:
        admin.close()
    for name in ("rep", "王芳"):
        session = cli_auth.login(vault, name, passwords[name])
        try:
            own = session.customers.page(session.user, limit=500)
            assert own and all(s.owner_name == name or s.owner_id != session.user.id
                               for s in own)
            timeline = [i for s in own[:10]
                        for i in session.interactions.timeline(session.user, s.id)]
            assert timeline and all(i.author_name == name for i in timeline)
            assert session.interactions.today(session.user).overdue or session.interactions.today(
                session.user).due_today
        finally:
            session.close()
    manager = cli_auth.login(vault, "manager", passwords["manager"])
    try:
        owners = {s.owner_name for s in manager.customers.page(manager.user, limit=500)}
        assert owners == {"rep", "王芳", "manager"}
        duplicates = manager.customers.find_duplicates(manager.user, CustomerDraft(
            kind=CustomerKind.COMPANY, name="远航贸易有限公司", city="上海"))
        assert len(duplicates) == 2 and not any(d.exact for d in duplicates)
    finally:
        manager.close()


def test_demo_usage_errors(cli: Runner, tmp_path: Path) -> None:
    result = cli("demo", "--vault", str(tmp_path / "d"), "--customers", "-5")
    assert result.code == 2 and not (tmp_path / "d").exists()
