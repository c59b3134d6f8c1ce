"""Reading a customer file as rows of text, streamed: CSV in UTF-8 (with or without a BOM) or
GB18030 (the superset of GBK that Excel on Chinese Windows writes), and XLSX.

Memory stays bounded whatever the file holds: CSV is fed to the csv module one line (at most
LINE_BYTES) at a time with a field limit, and a record that overflows either is skipped by
rescanning it from its first byte, so the rows after it are read correctly even when the giant
cell was quoted over many lines. Every problem becomes a reason a person can act on; nothing
here raises anything but UnreadableFile (the whole file) and OSError (the disk)."""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from core.errors import InvalidInput

MAX_CELL = 10_000  # characters; a longer cell rejects its row
FIELD_LIMIT = 1 << 17  # what the csv module may buffer for one cell before giving up on it
LINE_BYTES = 1 << 20  # one physical line handed to the csv module at most
BLOCK = 1 << 20
MAX_XLSX_UNPACKED = 256 << 20  # a customer list; a larger workbook is a zip bomb or a mistake
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_BLANK = re.compile(r"\s*")


class UnreadableFile(InvalidInput):
    """The file as a whole cannot be read as a customer list; the message says why."""


@dataclass(frozen=True)
class RawRow:
    """One data row: its number as a spreadsheet shows it (the header is usually row 1), its
    cells as text, and what is wrong with it structurally (a giant cell, broken quoting)."""

    number: int
    cells: list[str]
    problem: str = ""
    column: int | None = None  # index of the cell the problem is about


@dataclass
class Sheet:
    format: str  # "CSV" or "XLSX"
    encoding: str  # how a CSV file was decoded ("" for XLSX)
    header: list[str]
    header_row: int
    estimated_rows: int  # data rows, from the line count or the sheet's dimension
    rows: Iterator[RawRow]
    close: Callable[[], None] = field(default=lambda: None)


def open_sheet(path: Path, encoding: str | None = None) -> Sheet:
    """The header and a stream of rows of `path`; UnreadableFile when that cannot be had.
    The caller must call `close()` (an XLSX workbook holds its file open)."""
    try:
        with open(path, "rb") as probe:
            start = probe.read(8)
    except OSError as exc:  # missing, a folder, no permission
        raise UnreadableFile(f"The file cannot be read: {exc.strerror or exc}.") from None
    if not start:
        raise UnreadableFile("The file is empty.")
    if start.startswith(_ZIP_MAGIC):
        return _open_xlsx(path)
    if start.startswith(_OLE_MAGIC):
        raise UnreadableFile("This is an old Excel .xls file or a password-protected workbook. "
                             "Save it as .xlsx or as CSV UTF-8 and import that.")
    if start.startswith(_UTF16_BOMS):
        raise UnreadableFile("This file is UTF-16 text (Excel's \"Unicode Text\"). Save it as "
                             "\"CSV UTF-8 (comma delimited)\" and import that.")
    return _open_csv(path, encoding)


# -- CSV -------------------------------------------------------------------------------------
def detect_encoding(path: Path, forced: str | None = None) -> tuple[str, int]:
    """(codec, number of line breaks): a BOM means UTF-8; else strict UTF-8 if every byte
    decodes; else GB18030 if every byte does; else the file is refused. NUL bytes never occur
    in CSV text, so they mean a binary file. `forced` (a codec name) is checked instead."""
    with open(path, "rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
        handle.seek(0)
        candidates = [forced] if forced else ["utf-8-sig"] if bom else ["utf-8", "gb18030"]
        decoders = {name: codecs.getincrementaldecoder(name)("strict") for name in candidates}
        lines = 0
        offset = 0
        for block in iter(lambda: handle.read(BLOCK), b""):
            if b"\x00" in block:
                at = offset + block.index(b"\x00")
                raise UnreadableFile(f"This is not a text file (a NUL byte at byte {at:,}); "
                                     "import a CSV or XLSX file.")
            lines += block.count(b"\n")
            offset += len(block)
            for name in list(decoders):
                try:
                    decoders[name].decode(block)
                except UnicodeDecodeError:
                    del decoders[name]
            if not decoders:
                break
        for name in list(decoders):
            try:
                decoders[name].decode(b"", final=True)
            except UnicodeDecodeError:
                del decoders[name]
    if not decoders and forced:
        raise UnreadableFile(f"The file is not valid {forced} text.")
    if not decoders:
        raise UnreadableFile("The file is neither UTF-8 nor GBK/GB18030 text. Save it from "
                             "Excel as \"CSV UTF-8 (comma delimited)\" and import that.")
    return next(iter(decoders)), lines


class _Lines:
    """Feeds the csv module one physical line at a time and knows the byte offset reached, so
    a record that goes wrong can be skipped from its first byte."""

    def __init__(self, raw: IO[bytes], encoding: str) -> None:
        self._raw, self._encoding = raw, encoding
        self.offset = raw.tell()
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        piece = self._raw.readline(LINE_BYTES)
        if not piece:
            raise StopIteration
        self.offset += len(piece)
        if not piece.endswith(b"\n") and len(piece) == LINE_BYTES:
            raise _LineTooLong()
        return self._decoder.decode(piece)

    def seek(self, offset: int) -> None:
        self._raw.seek(offset)
        self.offset = offset
        self._decoder = codecs.getincrementaldecoder(self._encoding)("strict")


class _LineTooLong(Exception):
    pass


def _delimiter(first_line: str) -> str:
    # Excel writes ";" where the decimal mark is a comma, and "\t" for "Text (tab delimited)".
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_LABELS = {"utf-8-sig": "UTF-8 with BOM", "utf-8": "UTF-8", "gb18030": "GB18030 (GBK)"}


def _open_csv(path: Path, encoding: str | None) -> Sheet:
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise UnreadableFile(f"Unknown text encoding {encoding!r}.") from None
    encoding, lines = detect_encoding(path, encoding)
    raw = open(path, "rb")  # noqa: SIM115 - closed by Sheet.close
    try:
        stream = encoding
        if encoding == "utf-8-sig":
            stream = "utf-8"
            if raw.read(3) != codecs.BOM_UTF8:
                raw.seek(0)
        start = raw.tell()
        first = raw.readline(LINE_BYTES).decode(stream, "replace")
        raw.seek(start)
        rows = _csv_rows(raw, stream, _delimiter(first))
        header, header_row = _header(rows)
    except BaseException:
        raw.close()
        raise
    return Sheet("CSV", _LABELS.get(encoding, encoding), header, header_row,
                 max(0, lines - header_row), rows, raw.close)


def _header(rows: Iterator[RawRow]) -> tuple[list[str], int]:
    """The first row that is not blank."""
    for row in rows:
        if row.problem:
            raise UnreadableFile(f"The header row (row {row.number}) cannot be read: "
                                 f"{row.problem}.")
        if any(not _BLANK.fullmatch(cell) for cell in row.cells):
            return [clean_header(cell) for cell in row.cells], row.number
    raise UnreadableFile("The file has no rows: it needs a header row naming the columns, "
                         "then one row per customer.")


def _csv_rows(raw: IO[bytes], encoding: str, delimiter: str) -> Iterator[RawRow]:
    lines = _Lines(raw, encoding)
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    while True:
        start = lines.offset
        number += 1
        # The limit is process-wide: set for this reader's step only.
        previous = csv.field_size_limit(FIELD_LIMIT)
        try:
            row = _checked(number, next(reader))
        except StopIteration:
            return
        except (csv.Error, _LineTooLong, UnicodeDecodeError) as exc:
            if isinstance(exc, UnicodeDecodeError):  # the file changed since it was checked
                raise UnreadableFile(f"Row {number} is not valid {encoding} text.") from None
            end, lengths = _skip_record(raw, encoding, delimiter, start)
            lines.seek(end)
            row = _overflow(number, lengths, str(exc))
        finally:
            csv.field_size_limit(previous)
        yield row


def _checked(number: int, cells: list[str]) -> RawRow:
    for index, cell in enumerate(cells):
        if len(cell) > MAX_CELL:
            return RawRow(number, [], f"has {len(cell):,} characters; at most {MAX_CELL:,} fit",
                          index)
    return RawRow(number, cells)


def _overflow(number: int, lengths: list[int], error: str) -> RawRow:
    if lengths and max(lengths) > MAX_CELL:
        index = max(range(len(lengths)), key=lambda i: lengths[i])
        return RawRow(number, [], f"has {lengths[index]:,} characters; at most {MAX_CELL:,} fit",
                      index)
    return RawRow(number, [], f"cannot be read as CSV ({error})")


def _skip_record(raw: IO[bytes], encoding: str, delimiter: str,
                 start: int) -> tuple[int, list[int]]:
    """The byte offset just past the record starting at `start`, and the length of each of its
    cells, found by following the csv module's quoting rules over the bytes (cells are
    measured, never kept)."""
    raw.seek(start)
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    offset = start
    lengths = [0]
    state = "start"  # start of a cell, "plain", "quoted", "quote" (a quote inside quotes)
    stops = re.compile(re.escape(delimiter) + r"|\n")
    while True:
        piece = raw.readline(LINE_BYTES)
        if not piece:
            return offset, lengths
        offset += len(piece)
        text = decoder.decode(piece)
        i = 0
        while i < len(text):
            if state == "quoted":
                j = text.find('"', i)
                if j < 0:
                    lengths[-1] += len(text) - i
                    break
                lengths[-1] += j - i
                state, i = "quote", j + 1
                continue
            ch = text[i]
            if state == "quote" and ch == '"':
                lengths[-1] += 1
                state, i = "quoted", i + 1
                continue
            if state == "start" and ch == '"':
                state, i = "quoted", i + 1
                continue
            match = stops.search(text, i)
            j = match.start() if match else len(text)
            # A CR before the line break ends the line; it is not part of the cell.
            lengths[-1] += j - i - (1 if match and j > i and text[j - 1] == "\r" else 0)
            if match is None:
                state, i = "plain", j
                continue
            if match.group() == "\n":
                if j == len(text) - 1:
                    return offset, lengths
                state, i = "start", j + 1  # a lone line break inside a piece: cannot happen
                continue
            lengths.append(0)
            state, i = "start", j + 1


# -- XLSX ------------------------------------------------------------------------------------
def _open_xlsx(path: Path) -> Sheet:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableFile("The file looks like a ZIP archive but cannot be opened as an "
                             "XLSX workbook.") from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise UnreadableFile(f"The workbook unpacks to {unpacked >> 20} MiB, more than a "
                             f"customer list needs ({MAX_XLSX_UNPACKED >> 20} MiB at most); "
                             "split it or save it as CSV.")
    import openpyxl  # imported here: start-up stays fast for everyone who never imports

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign archive
        raise UnreadableFile(f"The file cannot be opened as an XLSX workbook "
                             f"({type(exc).__name__}).") from None
    try:
        sheet = book.worksheets[0]
        rows = _xlsx_rows(sheet)
        header, header_row = _header(rows)
        estimated = max(0, (sheet.max_row or 0) - header_row)
    except UnreadableFile:
        book.close()
        raise
    except Exception as exc:
        book.close()
        raise UnreadableFile(f"The workbook cannot be read ({type(exc).__name__}).") from None
    return Sheet("XLSX", "", header, header_row, estimated, _guarded(rows), book.close)


def _xlsx_rows(sheet: Any) -> Iterator[RawRow]:
    for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
        yield _checked(number, [cell_text(v) for v in values])


def _guarded(rows: Iterator[RawRow]) -> Iterator[RawRow]:
    # A workbook damaged past its first rows fails mid-stream: the whole file is then unread.
    try:
        yield from rows
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile(f"The workbook cannot be read past this point "
                             f"({type(exc).__name__}).") from None


def cell_text(value: object) -> str:
    """A spreadsheet value as the text a person typed: 13812345678 not 13812345678.0 (Excel
    keeps phone numbers typed as numbers as floating point), dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def clean_header(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).replace("\ufeff", "").split())
