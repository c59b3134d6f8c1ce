"""The file reader under import, on its own: encodings, broken files, giant cells and Hypothesis
fuzzing. Whatever the bytes, it yields rows or says why it cannot; a record it has to skip
never shifts the rows after it."""

from __future__ import annotations

import codecs
import csv
import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.customers import tabular
from core.customers.columns import ColumnMap, header_key, map_columns
from core.customers.import_rows import read_row
from core.customers.tabular import MAX_CELL, RawRow, UnreadableFile, open_sheet

HEADER = ["客户名称", "手机", "城市", "备注"]


def _csv_bytes(rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def _read(path: Path, encoding: str | None = None) -> tuple[tabular.Sheet, list[RawRow]]:
    sheet = open_sheet(path, encoding)
    try:
        return sheet, list(sheet.rows)
    finally:
        sheet.close()


@pytest.mark.parametrize(("encoding", "label"), [
    ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with BOM"), ("gbk", "GB18030 (GBK)"),
    ("gb18030", "GB18030 (GBK)")])
def test_encodings_are_detected(tmp_path: Path, encoding: str, label: str) -> None:
    rows = [HEADER, ["远航贸易有限公司", "13812345678", "上海", "老客户，重点跟进"],
            ["王芳", "13912345678", "北京", ""]]
    path = tmp_path / "in.csv"
    path.write_bytes(_csv_bytes(rows, encoding))
    sheet, read = _read(path)
    assert sheet.format == "CSV" and sheet.encoding == label
    assert sheet.header == HEADER and sheet.header_row == 1
    assert [(r.number, r.cells) for r in read] == [(2, rows[1]), (3, rows[2])]


def test_semicolon_and_tab_separated_files(tmp_path: Path) -> None:
    for delimiter in (";", "\t"):
        path = tmp_path / "in.csv"
        path.write_bytes(_csv_bytes([HEADER, ["A, B and C", "13812345678", "上海", ""]],
                                    delimiter=delimiter))
        _sheet, read = _read(path)
        assert read[0].cells[0] == "A, B and C"


def test_a_forced_encoding_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(_csv_bytes([HEADER, ["王芳", "", "", ""]], "gbk"))
    with pytest.raises(UnreadableFile, match="not valid utf-8"):
        open_sheet(path, "utf-8")
    with pytest.raises(UnreadableFile, match="Unknown text encoding"):
        open_sheet(path, "klingon")
    _sheet, read = _read(path, "gbk")
    assert read[0].cells[0] == "王芳"


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (b"\n\n  \n", "no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
    (b"name,phone\nAcme,\x00138\n", "NUL byte"),
    (b"name\n\xff\xfe\xfa\xfb\x80\x81\n", "neither UTF-8 nor GBK"),
    (codecs.BOM_UTF16_LE + "名称\n王芳\n".encode("utf-16-le"), "UTF-16"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    (b"PK\x03\x04 this is not really a zip", "cannot be opened as an XLSX"),
])
def test_unreadable_files_say_why(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    with pytest.raises(UnreadableFile, match=reason):
        open_sheet(path)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (4 << 20))
    monkeypatch.setattr(tabular, "MAX_XLSX_UNPACKED", 1 << 20)
    with pytest.raises(UnreadableFile, match="unpacks to 4 MiB"):
        open_sheet(path)


def test_xlsx_values_read_as_typed(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([*HEADER, "日期"])
    sheet.append(["远航", 13812345678, "上海", "=1+1", datetime(2026, 3, 1)])
    sheet.append([])
    sheet.append(["王芳", 1.3912345678e10, "北京", 1.5, None])
    path = tmp_path / "in.xlsx"
    book.save(path)
    read_sheet, rows = _read(path)
    assert read_sheet.format == "XLSX" and read_sheet.header == [*HEADER, "日期"]
    # Formulas come as their cached value (none here: openpyxl computes nothing), never as
    # a formula to run.
    assert rows[0] == RawRow(2, ["远航", "13812345678", "上海", "", "2026-03-01"])
    assert rows[1].number == 3 and not any(rows[1].cells)
    assert rows[2] == RawRow(4, ["王芳", "13912345678", "北京", "1.5", ""])


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted over lines"])
def test_a_10_mb_cell_rejects_its_row_only_and_memory_stays_small(tmp_path: Path,
                                                                   quoted: bool) -> None:
    giant = ("x" * 999 + "\n") * 10_000 if quoted else "y" * (10 << 20)
    path = tmp_path / "in.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(["Before", "13812345678", "上海", ""])
        writer.writerow(["Giant", "13912345678", "上海", giant])
        writer.writerow(["After", "13712345678", "北京", "a \"quoted\", note"])
    tracemalloc.start()
    try:
        _sheet, rows = _read(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20  # the file is 10 MB; no copy of it is held
    assert [r.number for r in rows] == [2, 3, 4]
    assert rows[0].cells[0] == "Before" and rows[2].cells == ["After", "13712345678", "北京",
                                                              'a "quoted", note']
    assert rows[1].cells == [] and rows[1].column == 3
    assert rows[1].problem == f"has {len(giant):,} characters; at most {MAX_CELL:,} fit"


def test_a_cell_just_over_the_limit_is_measured(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(_csv_bytes([HEADER, ["A", "", "", "z" * (MAX_CELL + 1)],
                                 ["B", "", "", "z" * MAX_CELL]]))
    _sheet, rows = _read(path)
    assert rows[0].problem == "has 10,001 characters; at most 10,000 fit"
    assert not rows[1].problem and rows[1].cells[3] == "z" * MAX_CELL


def test_header_synonyms_and_duplicates() -> None:
    cmap = map_columns(["*客户名称", "手机号码（必填）", "E-Mail", "城市", "序号", ""])
    assert cmap.fields == ["name", "phone", "email", "city", None, None]
    assert cmap.ignored == ["序号"] and not cmap.problems
    assert header_key(" Contact_Person ") == "contactperson"
    twice = map_columns(["名称", "电话", "电话"])
    assert any("both named '电话'" in p for p in twice.problems)
    clash = map_columns(["公司名称", "客户名称"])
    assert any("all hold name" in p for p in clash.problems)
    resolved = map_columns(["公司名称", "客户名称"], {"公司名称": "ignore"})
    assert resolved.fields == [None, "name"] and not resolved.problems
    nameless = map_columns(["手机"])
    assert any("No column holds the customer's name" in p for p in nameless.problems)


# -- fuzzing ---------------------------------------------------------------------------------
def _pipeline(path: Path) -> None:
    """What an import does with a file before it touches the vault."""
    try:
        sheet = open_sheet(path)
    except UnreadableFile:
        return
    try:
        cmap = map_columns(sheet.header)
        for raw in sheet.rows:
            assert raw.problem or all(len(c) <= MAX_CELL for c in raw.cells)
            read_row(raw, cmap, sheet.header, (frozenset(), frozenset()))
    except UnreadableFile:
        pass
    finally:
        sheet.close()


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
def test_fuzz_arbitrary_bytes_give_rows_or_a_reason(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    _pipeline(path)


_CELL = st.text(alphabet=st.sampled_from(list('ab王芳,;"\'\n\r\t =+-@ \u3000１')), max_size=30)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(_CELL, min_size=1, max_size=5),
       rows=st.lists(st.lists(_CELL, max_size=6), max_size=8),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_fuzz_csv_like_text_gives_rows_or_a_reason(tmp_path: Path, header: list[str],
                                                   rows: list[list[str]], encoding: str) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(_csv_bytes([["客户名称", *header], *rows], encoding))
    _pipeline(path)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.text(alphabet=st.sampled_from(list('ab王,"\n\r ')),
                                      max_size=120), min_size=1, max_size=4),
                     min_size=1, max_size=12))
def test_fuzz_skipping_an_oversized_record_never_shifts_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[list[str]]) -> None:
    """With tiny limits most records overflow one way or another; every record must still
    come out whole or be rejected as itself, under its own row number."""
    monkeypatch.setattr(tabular, "FIELD_LIMIT", 40)
    monkeypatch.setattr(tabular, "LINE_BYTES", 64)
    monkeypatch.setattr(tabular, "MAX_CELL", 30)
    rows = [r for r in rows if any(c.strip() for c in r)] or [["a"]]
    path = tmp_path / "fuzz.csv"
    path.write_bytes(_csv_bytes([["name"], *rows]))
    sheet = open_sheet(path)
    try:
        read = list(sheet.rows)
    finally:
        sheet.close()
    assert len(read) == len(rows)
    for number, (raw, original) in enumerate(zip(read, rows, strict=True), start=2):
        assert raw.number == number
        if not raw.problem:
            assert raw.cells == original


def test_read_row_reports_ragged_rows() -> None:
    cmap: ColumnMap = map_columns(["名称", "手机", "备注"])
    header = ["名称", "手机", "备注"]
    long_row = read_row(RawRow(5, ["A", "13812345678", "", "extra"]), cmap, header,
                        (frozenset(), frozenset()))
    assert long_row[0][0].reason == "has 4 cells but the header has 3 columns"
    trailing = read_row(RawRow(6, ["A", "13812345678", "", "", ""]), cmap, header,
                        (frozenset(), frozenset()))
    assert trailing[0] == [] and trailing[1] is not None
    short = read_row(RawRow(7, ["A"]), cmap, header, (frozenset(), frozenset()))
    assert "has 1 cells but the header has 3 columns" in short[0][0].reason
