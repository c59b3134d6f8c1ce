"""Bank statements as Chinese and English banks export them: encodings, preambles, column
guessing, every amount and date form, and malformed files reported row by row or refused whole,
never half-read. Hypothesis: any bytes give a Statement (no crash), and amounts round-trip."""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.contracts.money import format_amount, quantize
from core.errors import InvalidInput
from core.money.bank_mapping import BankMapping, guess_mapping, header_key
from core.money.statement import Statement, StatementLine, read_statement
from core.money.statement_values import parse_amount, parse_date

ICBC = ["交易日期", "收入金额(元)", "支出金额(元)", "对方户名", "对方账号", "摘要", "附言",
        "交易流水号"]


def _write(tmp_path: Path, rows: list[list[str]], encoding: str = "utf-8",
           name: str = "statement.csv") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _icbc_rows() -> list[list[str]]:
    return [
        ["中国工商银行对公账户明细", "", "", "", "", "", "", ""],
        ["账号：6222 0200 1234 5678", "", "", "", "", "", "", ""],
        ["起止日期：2026-03-01 至 2026-03-31", "", "", "", "", "", "", ""],
        [],
        ICBC,
        ["2026-03-01", "1,234.50", "", "北京星辰科技有限公司", "6222 1111 2222", "货款",
         "HT-2026-001", "A0001"],
        ["2026/3/2", "", "５００．００", "中国电信", "6222 9999", "话费", "", "A0002"],
        ["2026年3月3日", "￥12,000.00", "", "上海云帆贸易有限公司", "6228 3333", "转账",
         "INV 778", "A0003"],
        ["20260304 10:22:33", "", "--", "张伟", "6212", "存现", "", "A0004"],
        ["", "13,234.50", "500.00", "合计", "", "", "", ""],
    ]


# -- reading whole files ---------------------------------------------------------------------
@pytest.mark.parametrize(("encoding", "label"), [("utf-8", "UTF-8"),
                                                 ("utf-8-sig", "UTF-8 with BOM"),
                                                 ("gb18030", "GB18030 (GBK)"),
                                                 ("gbk", "GB18030 (GBK)")])
def test_a_chinese_bank_export_is_read_in_every_encoding(tmp_path: Path, encoding: str,
                                                         label: str) -> None:
    rows = _icbc_rows()
    rows[8][2] = ""  # the 4th line is money in without a credit: fix it to a real one
    rows[8][1] = "300"
    statement = read_statement(_write(tmp_path, rows, encoding))
    assert statement.encoding == label
    assert statement.file_problems == []
    assert statement.header_row == 5  # the bank's preamble above the header is passed over
    assert statement.problems == [] and statement.ok
    assert [(x.row, x.date, x.amount) for x in statement.lines] == [
        (6, date(2026, 3, 1), Decimal("1234.50")),
        (7, date(2026, 3, 2), Decimal("-500.00")),
        (8, date(2026, 3, 3), Decimal("12000.00")),
        (9, date(2026, 3, 4), Decimal("300.00")),
    ]
    first = statement.lines[0]
    assert first == StatementLine(6, date(2026, 3, 1), Decimal("1234.50"), "CNY", "A0001",
                                  "北京星辰科技有限公司", "6222 1111 2222", "货款 / HT-2026-001")
    assert [s.row for s in statement.skipped] == [10]  # the 合计 row is a total, not money
    assert "total" in statement.skipped[0].reason


def test_rejected_rows_are_named_and_the_statement_is_not_accepted(tmp_path: Path) -> None:
    statement = read_statement(_write(tmp_path, _icbc_rows()))
    # Row 9 has "--" in the debit column and nothing in the credit column.
    assert not statement.ok and statement.rejected == 1
    assert statement.problems[0].row == 9
    assert "收入金额(元)" in statement.problems[0].reason
    assert len(statement.lines) == 3  # shown for the preview ...
    with pytest.raises(InvalidInput, match=r"1 row.*nothing was imported.*row 9"):
        statement.accepted_lines()  # ... but never imported


@pytest.mark.parametrize(("cells", "column", "reason"), [
    (["2026-02-30", "1.00", ""], "交易日期", "not a valid date"),
    (["03/01/2026", "1.00", ""], "交易日期", "day/month or month/day"),
    (["46082", "1.00", ""], "交易日期", "serial number"),
    (["2026-03-01", "abc", ""], "收入金额", "not an amount"),
    (["2026-03-01", "1.005", ""], "收入金额", "more decimal places than CNY allows (2)"),
    (["2026-03-01", "1,23.45", ""], "收入金额", "not an amount"),
    (["2026-03-01", "1E5", ""], "收入金额", "not an amount"),
    (["2026-03-01", "--5", ""], "收入金额", "more than one minus"),
    (["2026-03-01", "$5 ¥", ""], "收入金额", "names two currencies"),
    (["2026-03-01", "USD 5.00", ""], "收入金额", "in USD but the line is in CNY"),
    (["2026-03-01", "5.00", "6.00"], "", "both"),
    (["2026-03-01", "", ""], "", "neither"),
    (["2026-03-01", "99999999999999999", ""], "收入金额", "too large"),
])
def test_each_kind_of_bad_row_is_reported_with_column_and_reason(
        tmp_path: Path, cells: list[str], column: str, reason: str) -> None:
    rows = [["交易日期", "收入金额", "支出金额", "对方户名"], [*cells, "某公司"],
            ["2026-03-02", "8.00", "", "好公司"]]
    statement = read_statement(_write(tmp_path, rows))
    assert statement.rejected == 1, statement.problems
    problem = statement.problems[0]
    assert (problem.row, problem.column) == (2, column)
    assert reason in problem.reason
    assert [x.row for x in statement.lines] == [3]  # the next row is unaffected


def test_a_note_row_is_skipped_but_a_lone_amount_is_rejected(tmp_path: Path) -> None:
    rows = [["交易日期", "收入金额", "对方户名"], ["以下空白", "", ""], ["", "5,000.00", ""],
            ["", "", "合计"]]
    statement = read_statement(_write(tmp_path, rows))
    assert [(p.row, p.column) for p in statement.problems] == [(3, "交易日期")]
    assert [p.row for p in statement.skipped] == [2, 4] and not statement.ok


def test_a_description_saying_total_does_not_hide_a_bad_date(tmp_path: Path) -> None:
    rows = [["交易日期", "收入金额", "摘要"], ["2026-02-31", "5.00", "货款合计"]]
    statement = read_statement(_write(tmp_path, rows))
    assert statement.rejected == 1 and statement.skipped == []


def test_an_unquoted_thousands_comma_is_caught_not_read_as_a_shifted_row(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("交易日期,收入金额,对方户名\n2026-03-01,1,234.00,某公司\n", encoding="utf-8")
    statement = read_statement(path)
    assert statement.rejected == 1 and statement.lines == []
    assert "unquoted thousands comma" in statement.problems[0].reason


@pytest.mark.parametrize("content", [
    "日期,对方户名,摘要\n2026-03-01,某公司,货款\n",  # no amount column
    "收入金额,对方户名\n100.00,某公司\n",  # no date column
    "a,b,c\n1,2,3\n",
])
def test_a_file_without_the_required_columns_is_refused_whole(tmp_path: Path,
                                                              content: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(content, encoding="utf-8")
    statement = read_statement(path)
    assert statement.lines == [] and not statement.ok
    assert "No header row with a date column and an amount" in statement.file_problems[0]
    with pytest.raises(InvalidInput):
        statement.accepted_lines()


def test_a_remembered_mapping_whose_columns_are_gone_is_refused_with_their_names(
        tmp_path: Path) -> None:
    mapping = BankMapping(date="记账日期", credit="贷方发生额", debit="借方发生额")
    statement = read_statement(_write(tmp_path, _icbc_rows()), mapping)
    assert statement.lines == []
    assert "'记账日期'" in statement.file_problems[0] and "'贷方发生额'" in \
        statement.file_problems[0]


def test_a_mapping_that_cannot_work_is_refused_before_reading(tmp_path: Path) -> None:
    bad = BankMapping(date="交易日期", amount="交易金额", credit="收入金额(元)")
    statement = read_statement(_write(tmp_path, _icbc_rows()), bad)
    assert statement.lines == [] and "not both" in statement.file_problems[0]
    assert "more than one field" in BankMapping(date="A", amount="A").problems()[0]


def test_a_header_named_twice_is_refused(tmp_path: Path) -> None:
    rows = [["交易日期", "收入金额", "收入金额"], ["2026-03-01", "1", "2"]]
    statement = read_statement(_write(tmp_path, rows))
    assert statement.lines == [] and "more than one column named" in statement.file_problems[0]


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02binary", "交易日期,收入金额\n".encode(
    "utf-16"), b"\xff\xfe\xfa not text \x81"])
def test_unreadable_files_give_a_reason_not_an_exception(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(data)
    statement = read_statement(path)
    assert statement.lines == [] and statement.file_problems


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    assert read_statement(tmp_path / "nope.csv").file_problems


def test_a_forced_wrong_encoding_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, _icbc_rows(), "gb18030")
    assert "not valid utf-8" in read_statement(path, encoding="utf-8").file_problems[0]


def test_single_amount_column_with_a_debit_credit_indicator(tmp_path: Path) -> None:
    rows = [["记账日期", "交易金额", "借贷标志", "币种", "对方户名", "用途"],
            ["2026-03-01", "1,000.00", "贷", "人民币", "甲公司", "货款"],
            ["2026-03-02", "200.00", "借", "RMB", "乙公司", "费用"],
            ["2026-03-03", "50.00", "C", "USD", "丙公司", "货款"],
            ["2026-03-04", "50.00", "?", "CNY", "丁公司", "?"]]
    statement = read_statement(_write(tmp_path, rows))
    assert statement.mapping is not None and statement.mapping.direction == "借贷标志"
    assert [(x.amount, x.currency) for x in statement.lines] == [
        (Decimal("1000.00"), "CNY"), (Decimal("-200.00"), "CNY"), (Decimal("50.00"), "USD")]
    assert statement.problems[0].column == "借贷标志"


def test_an_english_export_with_a_day_first_date_format(tmp_path: Path) -> None:
    rows = [["Value Date", "Description", "Money In", "Money Out", "Counterparty Name",
             "Reference"],
            ["01/03/2026", "INV-778", "2,500.00", "", "Acme Trading Ltd", "REF1"],
            ["02/03/2026", "Fee", "", "(15.00)", "Bank", "REF2"]]
    path = _write(tmp_path, rows)
    guessed = read_statement(path)
    assert guessed.mapping is not None
    assert (guessed.mapping.credit, guessed.mapping.debit) == ("Money In", "Money Out")
    assert "day/month" in guessed.problems[0].reason  # ambiguous until the format is set
    mapping = BankMapping.from_dict({**guessed.mapping.to_dict(), "date_format": "%d/%m/%Y"})
    statement = read_statement(path, mapping)
    assert statement.ok
    # "(15.00)" under a debit header is accounting notation for 15 out, not a reversal.
    assert [(x.date, x.amount) for x in statement.lines] == [
        (date(2026, 3, 1), Decimal("2500.00")), (date(2026, 3, 2), Decimal("-15.00"))]


def test_a_minus_in_a_credit_or_debit_column_is_a_reversal(tmp_path: Path) -> None:
    rows = [["交易日期", "收入金额", "支出金额"], ["2026-03-01", "-100.00", ""],
            ["2026-03-02", "", "-40.00"]]
    statement = read_statement(_write(tmp_path, rows))
    assert [x.amount for x in statement.lines] == [Decimal("-100.00"), Decimal("40.00")]


def test_xlsx_statements_are_read_too(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["交易日期", "贷方发生额", "借方发生额", "对方户名"])
    sheet.append([date(2026, 3, 1), 1234.5, None, "甲公司"])
    path = tmp_path / "s.xlsx"
    book.save(path)
    statement = read_statement(path)
    assert statement.ok and statement.lines[0].amount == Decimal("1234.50")


def test_too_many_lines_yield_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.money import statement as module
    monkeypatch.setattr(module, "MAX_LINES", 2)
    rows = [["交易日期", "收入金额"]] + [["2026-03-01", "1"]] * 4
    result = read_statement(_write(tmp_path, rows))
    assert result.lines == [] and "more than 2 lines" in result.file_problems[0]


# -- mapping ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("header", "expected"), [
    (ICBC, {"date": "交易日期", "credit": "收入金额(元)", "debit": "支出金额(元)",
            "payer_name": "对方户名", "payer_account": "对方账号", "reference": "交易流水号",
            "description": ("摘要", "附言")}),
    (["记账日期", "贷方发生额", "借方发生额", "对方账户名称", "对方账户", "凭证号", "备注"],
     {"date": "记账日期", "credit": "贷方发生额", "debit": "借方发生额",
      "payer_name": "对方账户名称", "payer_account": "对方账户", "reference": "凭证号",
      "description": ("备注",)}),
    (["交易时间", "交易日期/Transaction Date", "交易金额", "收/支", "付款人"],
     {"date": "交易日期/Transaction Date", "amount": "交易金额", "direction": "收/支",
      "payer_name": "付款人"}),
    (["Date", "Amount", "Payer", "Memo"], {"date": "Date", "amount": "Amount",
                                           "payer_name": "Payer", "description": ("Memo",)}),
])
def test_the_mapping_is_guessed_from_common_headers(header: list[str],
                                                    expected: dict[str, object]) -> None:
    mapping = guess_mapping(header)
    for name, value in expected.items():
        assert getattr(mapping, name) == value, name
    assert mapping.problems() == []


def test_a_remembered_mapping_reads_the_banks_next_export(tmp_path: Path) -> None:
    first = read_statement(_write(tmp_path, _icbc_rows(), "gb18030"))
    assert first.mapping is not None
    remembered = BankMapping.from_dict(first.mapping.to_dict())
    again = read_statement(_write(tmp_path, _icbc_rows(), "utf-8-sig", "next.csv"), remembered)
    assert again.header_row == 5 and again.lines == first.lines


def test_a_reason_quotes_only_the_start_of_a_huge_cell(tmp_path: Path) -> None:
    rows = [["交易日期", "收入金额"], ["2026-03-01", "9" * 5000 + "x"]]
    (problem,) = read_statement(_write(tmp_path, rows)).problems
    assert len(problem.reason) < 100 and "…" in problem.reason


def test_a_mapping_round_trips_through_a_dict_and_rejects_damage() -> None:
    mapping = guess_mapping(ICBC)
    data = mapping.to_dict()
    assert data["description"] == ["摘要", "附言"]
    import json
    assert BankMapping.from_dict(json.loads(json.dumps(data))) == mapping
    with pytest.raises(InvalidInput):
        BankMapping.from_dict({"date": 3})
    with pytest.raises(InvalidInput):
        BankMapping.from_dict({"description": [1]})
    assert header_key(ICBC) == header_key([f" {h} " for h in ICBC])


# -- values ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "amount", "currency"), [
    ("1,234.56", "1234.56", ""), ("１２３．４５", "123.45", ""), ("￥1,000", "1000", "CNY"),
    ("¥ 1 000.5", "1000.5", "CNY"), ("CNY 12.00", "12.00", "CNY"), ("12.00元", "12.00", "CNY"),
    ("RMB12", "12", "CNY"), ("(1,234.56)", "-1234.56", ""), ("-1234.56", "-1234.56", ""),
    ("−7.5", "-7.5", ""), ("1234.56-", "-1234.56", ""), ("+3", "3", ""),
    ("（１，０００．００）", "-1000.00", ""), ("-¥5", "-5", "CNY"), ("¥-5", "-5", "CNY"),
    ("US$ 9.99", "9.99", "USD"), ("$9.99", "9.99", "USD"), (".5", "0.5", ""),
])
def test_amount_forms(text: str, amount: str, currency: str) -> None:
    assert parse_amount(text) == (Decimal(amount), currency)


@pytest.mark.parametrize("text", ["", "-", "abc", "1.2.3", "1,2345", "12,345,67", "--1",
                                  "(-1)", "CNY USD 1", "1e3", "NaN", "Infinity", "0x10"])
def test_amount_garbage_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-01", date(2026, 3, 1)), ("2026/3/1", date(2026, 3, 1)),
    ("20260301", date(2026, 3, 1)), ("2026年3月1日", date(2026, 3, 1)),
    ("2026.03.01", date(2026, 3, 1)), ("2026-03-01 23:59:59", date(2026, 3, 1)),
    ("2026-03-01T08:00", date(2026, 3, 1)), ("20260301102233", date(2026, 3, 1)),
    ("２０２６－０３－０１", date(2026, 3, 1)), (" 2026年 3月 1日 ", date(2026, 3, 1)),
])
def test_date_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "2026-13-01", "0999-01-01", "yesterday", "2026-3",
                                  "2026-03-01 lunch"])
def test_date_garbage_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_date(text)


def test_explicit_date_format() -> None:
    assert parse_date("01/03/2026 10:00", "%d/%m/%Y") == date(2026, 3, 1)
    with pytest.raises(InvalidInput, match="format"):
        parse_date("2026-03-01", "%d/%m/%Y")


# -- properties ------------------------------------------------------------------------------
amounts = st.decimals(min_value=Decimal("-999999999999.99"), max_value=Decimal("999999999999.99"),
                      places=2, allow_nan=False, allow_infinity=False)


@given(amounts, st.sampled_from(["{}", "¥{}", "￥{}", "{}元", "CNY {}", "RMB{}"]),
       st.booleans(), st.booleans())
def test_formatting_then_parsing_an_amount_round_trips(amount: Decimal, shape: str,
                                                       wide: bool, brackets: bool) -> None:
    text = format_amount(amount, "CNY")
    if brackets and amount < 0:
        text = f"({text[1:]})"
    text = shape.format(text)
    if wide:  # full width, as some Chinese bank exports and pasted figures have it
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    value, _currency = parse_amount(text)
    assert value == quantize(amount, "CNY")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_any_bytes_give_a_statement_not_a_crash(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.csv"
        path.write_bytes(codecs.BOM_UTF8 * (len(data) % 2) + data)
        statement = read_statement(path)
    _consistent(statement)


cell = st.one_of(st.text(max_size=12), st.sampled_from(
    ["2026-03-01", "2026年3月1日", "1,234.00", "(5)", "￥１２", "--", "合计", "贷", "借", ""]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, max_size=6), max_size=8),
       st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_any_text_under_a_real_header_gives_a_statement_not_a_crash(
        rows: list[list[str]], encoding: str) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([["交易日期", "交易金额", "借贷标志", "币种", "对方户名",
                                   "摘要"], *rows])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.csv"
        try:
            path.write_bytes(buffer.getvalue().encode(encoding))
        except UnicodeEncodeError:
            return  # a surrogate: not something a file can hold in this encoding
        statement = read_statement(path)
    _consistent(statement)


def _consistent(statement: Statement) -> None:
    if statement.file_problems:
        assert statement.lines == []
    for line in statement.lines:
        assert line.amount != 0 and line.amount == quantize(line.amount, line.currency)
    assert statement.rejected >= len(statement.problems)
    assert statement.ok == (not statement.file_problems and statement.rejected == 0)
