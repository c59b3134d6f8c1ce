"""Reading a bank statement (CSV in UTF-8 or GBK/GB18030, or XLSX) into statement lines: the
header row found below the bank's preamble, each row read through a column mapping
(bank_mapping) with its cells parsed (statement_values), and every rejected row reported with
its number, column and reason. A file whose columns cannot be found yields no lines at all; a
file with rejected rows is not `ok`, so an import can refuse it whole rather than half."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from core.contracts.money import MINOR_UNITS, quantize
from core.customers.tabular import RawRow, UnreadableFile, clean_header, open_sheet
from core.errors import InvalidInput
from core.money.bank_mapping import BankMapping, guess_mapping
from core.money.statement_values import (
    BLANK_AMOUNTS,
    direction_sign,
    fold,
    is_amount,
    parse_amount,
    parse_currency,
    parse_date,
    shown,
)

MAX_LINES = 100_000  # a statement longer than this is split by the user, not read into memory
MAX_LISTED = 1000  # problems listed; the counts stay exact
HEADER_SEARCH = 30  # banks print the account and period above the header row
_SUMMARY = re.compile(r"合计|总计|小计|本页|累计|total", re.IGNORECASE)


@dataclass(frozen=True)
class StatementLine:
    """One transaction: `row` as the spreadsheet numbers it (it identifies the line within its
    statement); amount positive for money in, negative for money out."""

    row: int
    date: date
    amount: Decimal
    currency: str
    reference: str = ""
    payer_name: str = ""
    payer_account: str = ""
    description: str = ""


@dataclass(frozen=True)
class LineProblem:
    row: int
    column: str  # the header of the column at fault ("" for the whole row)
    reason: str


@dataclass
class Statement:
    file: str = ""
    format: str = ""
    encoding: str = ""
    header: list[str] = field(default_factory=list)
    header_row: int = 0
    mapping: BankMapping | None = None
    lines: list[StatementLine] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)  # rejected rows (capped)
    rejected: int = 0  # rows rejected, exact
    skipped: list[LineProblem] = field(default_factory=list)  # totals, notes, zero amounts
    file_problems: list[str] = field(default_factory=list)  # nothing was read

    @property
    def ok(self) -> bool:
        return not self.file_problems and self.rejected == 0

    def accepted_lines(self) -> list[StatementLine]:
        """The lines, only when every row was read; InvalidInput naming the first problems
        otherwise, so a statement is imported whole or not at all."""
        if self.file_problems:
            raise InvalidInput(" ".join(self.file_problems))
        if self.rejected:
            first = "; ".join(f"row {p.row}{' ' + p.column if p.column else ''}: {p.reason}"
                              for p in self.problems[:3])
            raise InvalidInput(f"{self.rejected} row(s) of the statement cannot be read, so "
                               f"nothing was imported ({first}).")
        return list(self.lines)


# -- rows ------------------------------------------------------------------------------------
def parse_rows(header: Sequence[str], rows: Iterable[RawRow], mapping: BankMapping,
               statement: Statement | None = None) -> Statement:
    """Read `rows` under `header` with `mapping` (whose problems() must be empty)."""
    out = statement or Statement()
    out.header, out.mapping = list(header), mapping
    problems = mapping.problems()
    index = {h: i for i, h in reversed(list(enumerate(header)))}
    missing = [h for h in mapping.headers() if h not in index]
    twice = sorted({h for h in mapping.headers() if list(header).count(h) > 1})
    if twice:
        problems.append(f"The file has more than one column named "
                        f"{', '.join(repr(h) for h in twice)}; rename them and map again.")
    if missing:
        problems.append(f"The file has no column {', '.join(repr(h) for h in missing)} "
                        f"(its columns: {', '.join(header)}).")
    if problems:
        out.file_problems.extend(problems)
        return out
    lines: list[StatementLine] = []
    for raw in rows:
        line = _row(raw, header, index, mapping, out)
        if line is not None:
            lines.append(line)
            if len(lines) > MAX_LINES:
                out.file_problems.append(f"The statement has more than {MAX_LINES:,} lines; "
                                         "export a shorter period.")
                break
    out.lines = [] if out.file_problems else lines
    return out


def _reject(out: Statement, row: int, column: str, reason: str) -> None:
    out.rejected += 1
    if len(out.problems) < MAX_LISTED:
        out.problems.append(LineProblem(row, column, reason))


def _skip(out: Statement, row: int, reason: str) -> None:
    if len(out.skipped) < MAX_LISTED:
        out.skipped.append(LineProblem(row, "", reason))


def _row(raw: RawRow, header: Sequence[str], index: Mapping[str, int], m: BankMapping,
         out: Statement) -> StatementLine | None:
    if raw.problem:
        column = header[raw.column] if raw.column is not None and raw.column < len(header) else ""
        _reject(out, raw.number, column, raw.problem)
        return None
    cells = list(raw.cells)
    filled = [c for c in cells if c.strip()]
    if not filled:
        return None
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
        _reject(out, raw.number, "", f"has {len(cells)} cells but the header has "
                f"{len(header)} (an amount with an unquoted thousands comma?)")
        return None

    def cell(name: str) -> str:
        h = getattr(m, name)
        return cells[index[h]] if h and index[h] < len(cells) else ""

    try:
        when = parse_date(cell("date"), m.date_format)
    except InvalidInput as exc:
        # Only a row without a date may be a totals row: a transaction whose description says
        # "合计" but whose date is wrong must be rejected, not skipped.
        date_cell = cell("date").strip()
        if (not date_cell or _SUMMARY.search(date_cell)) and any(_SUMMARY.search(c)
                                                                 for c in filled):
            _skip(out, raw.number, "a totals row, not a transaction")
        elif len(filled) == 1 and not is_amount(filled[0]):
            _skip(out, raw.number, "a note, not a transaction (one cell filled)")
        else:
            _reject(out, raw.number, m.date, str(exc))
        return None
    try:
        currency = parse_currency(cell("currency"), m.default_currency)
    except InvalidInput as exc:
        _reject(out, raw.number, m.currency, str(exc))
        return None
    amount = _amount(raw.number, cell, m, currency, out)
    if amount is None:
        return None
    if amount == 0:
        _skip(out, raw.number, "the amount is zero")
        return None
    description = " / ".join(cells[index[h]].strip() for h in m.description
                             if index[h] < len(cells) and cells[index[h]].strip())
    return StatementLine(raw.number, when, amount, currency, cell("reference").strip(),
                         cell("payer_name").strip(), cell("payer_account").strip(),
                         description)


def _amount(row: int, get: Callable[[str], str], m: BankMapping, currency: str,
            out: Statement) -> Decimal | None:
    values: dict[str, Decimal] = {}
    for name in ("amount", "credit", "debit"):
        header = getattr(m, name)
        text = get(name)
        if not header or (name != "amount" and fold(text) in BLANK_AMOUNTS):
            continue
        try:
            value, named = parse_amount(text)
        except InvalidInput as exc:
            _reject(out, row, header, str(exc))
            return None
        if named and named != currency:
            _reject(out, row, header, f"the amount is in {named} but the line is in {currency}")
            return None
        if value != quantize(value, currency):
            _reject(out, row, header, f"{shown(text)} has more decimal places than "
                    f"{currency} allows ({MINOR_UNITS[currency]})")
            return None
        if name != "amount" and fold(text).startswith("("):
            # Accounting notation for the column's own direction: "(15.00)" under a debit
            # header is 15 out. A minus sign, by contrast, is a reversal (冲正) and flips it.
            value = abs(value)
        values[name] = value
    if not m.amount and not values:
        both = m.credit and m.debit
        _reject(out, row, "", f"neither {m.credit!r} nor {m.debit!r} is filled" if both
                else f"{m.credit or m.debit!r} is empty")
        return None
    if values.get("credit") and values.get("debit"):
        _reject(out, row, "", f"both {m.credit!r} and {m.debit!r} are filled")
        return None
    if m.amount:
        value = values["amount"]
        if m.direction and value:
            try:
                value = abs(value) * direction_sign(get("direction"))
            except InvalidInput as exc:
                _reject(out, row, m.direction, str(exc))
                return None
        return quantize(value, currency)
    return quantize(values.get("credit", Decimal(0)) - values.get("debit", Decimal(0)),
                    currency)


# -- files -----------------------------------------------------------------------------------
def read_statement(path: Path, mapping: BankMapping | None = None, *,
                   encoding: str | None = None) -> Statement:
    """Read a statement file. Never raises for what is in the file: a file that cannot be read
    gives `file_problems`, a bad row a LineProblem. The header row is the first of the first
    HEADER_SEARCH rows that holds the mapping's columns (or, with no mapping, a date and an
    amount column by their names)."""
    out = Statement(file=Path(path).name)
    try:
        sheet = open_sheet(Path(path), encoding)
    except UnreadableFile as exc:
        out.file_problems.append(str(exc))
        return out
    try:
        out.format, out.encoding = sheet.format, sheet.encoding
        if mapping is not None and mapping.problems():
            out.header, out.header_row = sheet.header, sheet.header_row
            out.file_problems.extend(mapping.problems())
            return out
        header, header_row = sheet.header, sheet.header_row
        chosen = _fits(header, mapping)
        for _ in range(HEADER_SEARCH):
            if chosen is not None:
                break
            raw = next(sheet.rows, None)
            if raw is None:
                break
            if raw.problem or not any(c.strip() for c in raw.cells):
                continue
            header, header_row = [clean_header(c) for c in raw.cells], raw.number
            chosen = _fits(header, mapping)
        if chosen is None:
            out.header, out.header_row = sheet.header, sheet.header_row
            out.file_problems.append(_no_header(sheet.header, mapping))
            return out
        out.header_row = header_row
        return parse_rows(header, sheet.rows, chosen, out)
    except UnreadableFile as exc:  # a workbook damaged past its first rows
        out.lines = []
        out.file_problems.append(str(exc))
        return out
    finally:
        sheet.close()


def _fits(header: list[str], mapping: BankMapping | None) -> BankMapping | None:
    candidate = mapping if mapping is not None else guess_mapping(header)
    wanted = candidate.headers()
    if mapping is None and candidate.problems():
        return None
    return candidate if wanted and all(h in header for h in wanted) else None


def _no_header(header: list[str], mapping: BankMapping | None) -> str:
    first_row = ", ".join(h for h in header if h)[:300]
    if mapping is not None:
        missing = [h for h in mapping.headers() if h not in header]
        return (f"The statement has no row with the mapped columns "
                f"{', '.join(repr(h) for h in missing)} in its first {HEADER_SEARCH} rows "
                f"(its first row: {first_row}). Check the bank's column mapping.")
    return (f"No header row with a date column and an amount (or credit and debit) column "
            f"was found in the first {HEADER_SEARCH} rows (the first row: {first_row}). Map the "
            "columns by hand.")
