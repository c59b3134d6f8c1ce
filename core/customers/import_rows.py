"""The rows of one import: reading each into a validated draft or the reasons it is rejected,
deciding which are duplicates, and the report that tells a person all of it (row numbers as
the spreadsheet shows them, column headers, reasons; never more than MAX_LISTED lines of it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import cast

from core.customers import duplicates as dup
from core.customers.access import Scope
from core.customers.columns import ColumnMap, column_letter, draft_of, field_column, row_values
from core.customers.model import CustomerDraft
from core.customers.tabular import RawRow, Sheet
from core.customers.validate import CustomerInvalid, FieldError, validate_draft
from core.ports import Repositories
from core.roles import Role
from core.users import User

BATCH = 500  # rows validated, checked for duplicates and written at a time
MAX_LISTED = 1000  # problems and duplicates listed in a report; the counts stay exact
OWNER_ROLES = (Role.SALES_REP, Role.SALES_MANAGER, Role.ADMINISTRATOR)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str  # the header of the column ("" when the whole row is at fault)
    reason: str


@dataclass(frozen=True)
class DuplicateRow:
    row: int
    reason: str
    exact: bool  # False: a possible duplicate (similar name, same city), imported anyway
    imported: bool


@dataclass
class ImportReport:
    file: str
    dry_run: bool = False
    format: str = ""
    encoding: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # header -> field
    ignored_columns: list[str] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)  # nothing could be imported
    rows_read: int = 0
    imported: int = 0  # in a dry run: would be imported
    rejected_rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    duplicates: list[DuplicateRow] = field(default_factory=list)
    duplicate_rows: int = 0  # same credit code, mobile or e-mail
    skipped_duplicates: int = 0
    possible_duplicates: int = 0
    unlisted: int = 0  # problems and duplicates beyond MAX_LISTED

    @property
    def ok(self) -> bool:
        return not self.file_problems and not self.rejected_rows

    def note(self, item: RowProblem | DuplicateRow) -> None:
        """List a problem or a duplicate, up to MAX_LISTED of them (a file of a million bad
        rows must not make a report of a million lines)."""
        if len(self.problems) + len(self.duplicates) >= MAX_LISTED:
            self.unlisted += 1
        elif isinstance(item, RowProblem):
            self.problems.append(item)
        else:
            self.duplicates.append(item)


@dataclass
class ImportOptions:
    dry_run: bool
    import_duplicates: bool


def bulk_repos(repos: Repositories) -> dup.BulkRepositories:
    return cast(dup.BulkRepositories, repos)


def data_rows(rows: Iterator[RawRow]) -> Iterator[RawRow]:
    for raw in rows:
        if raw.problem or any(cell.strip() for cell in raw.cells):
            yield raw


def row_problems(raw: RawRow, cmap: ColumnMap, header: list[str], custom: frozenset[str],
                 sensitive: frozenset[str]) -> list[RowProblem]:
    """Structural and validation problems of one row, without looking at the vault."""
    problems, _draft, _owner = read_row(raw, cmap, header, (custom, sensitive))
    return problems


def read_row(raw: RawRow, cmap: ColumnMap, header: list[str],
             custom: tuple[frozenset[str], frozenset[str]],
             ) -> tuple[list[RowProblem], CustomerDraft | None, str]:
    """(problems, the validated draft when there are none, the owner's name as written)."""
    if raw.problem:
        column = "" if raw.column is None else (
            header[raw.column] if raw.column < len(header) and header[raw.column]
            else column_letter(raw.column))
        return [RowProblem(raw.number, column, raw.problem)], None, ""
    width = len(header)
    if len(raw.cells) > width and any(c.strip() for c in raw.cells[width:]):
        return [RowProblem(raw.number, "", f"has {len(raw.cells)} cells but the header has "
                           f"{width} columns")], None, ""
    if len(raw.cells) < width and any(cmap.fields[len(raw.cells):]):
        return [RowProblem(raw.number, "", f"has {len(raw.cells)} cells but the header has "
                           f"{width} columns; a missing separator would put values in the "
                           "wrong columns")], None, ""
    draft, owner, errors = draft_of(row_values(raw.cells, cmap), custom[1])
    try:
        draft = validate_draft(draft, custom[0])
    except CustomerInvalid as exc:
        errors = [*errors, *exc.errors]
    if errors:
        return [_problem(raw.number, e, cmap, header) for e in errors], None, owner
    return [], draft, owner


def _problem(row: int, error: FieldError, cmap: ColumnMap, header: list[str]) -> RowProblem:
    return RowProblem(row, field_column(error.field, cmap, header) or error.field,
                      error.message)


def owner_problem(repos: Repositories, actor: User, scope: Scope, owner_id: int) -> str:
    if owner_id == actor.id:
        return ""
    user = repos.users.get(owner_id)
    if user is None or not user.active or user.role not in OWNER_ROLES:
        return "customers can only be given to an active sales user"
    if not scope.everyone and owner_id not in scope.owners:
        return f"you may not give customers to {user.name} (not in your team)"
    return ""


@dataclass
class ImportJob:
    """One file's import: reads rows in batches, decides each row's fate, keeps the report."""

    actor: User
    scope: Scope
    sheet: Sheet
    cmap: ColumnMap
    custom: tuple[frozenset[str], frozenset[str]]
    report: ImportReport
    options: ImportOptions
    seen: dup.SeenInFile = field(default_factory=dup.SeenInFile)
    owners: dict[str, tuple[int, str]] = field(default_factory=dict)
    told: tuple[int, int] = (-1, -1)

    def batches(self) -> Iterator[list[RawRow]]:
        batch: list[RawRow] = []
        for raw in data_rows(self.sheet.rows):
            batch.append(raw)
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def tell(self, progress: Progress | None, finished: bool = False) -> None:
        """Rows read so far out of the estimate (line breaks inside cells make the line count
        an overestimate); when finished, the true total."""
        if progress:
            done = self.report.rows_read
            told = (done, done if finished else max(self.sheet.estimated_rows, done))
            if told != self.told:
                self.told = told
                progress(*told)

    def process(self, repos: dup.BulkRepositories, batch: list[RawRow],
                up_to_id: int | None) -> list[tuple[CustomerDraft, int]]:
        """The rows of `batch` to write, with their owners; everything else reported."""
        report = self.report
        valid: list[tuple[int, CustomerDraft, int]] = []
        for raw in batch:
            report.rows_read += 1
            problems, draft, owner_name = read_row(raw, self.cmap, self.sheet.header,
                                                   self.custom)
            owner_id = self.actor.id
            if draft is not None and owner_name:
                owner_id, why = self._owner(repos, owner_name)
                if why:
                    problems = [RowProblem(raw.number, field_column(
                        "owner", self.cmap, self.sheet.header), why)]
            if problems:
                report.rejected_rows += 1
                for problem in problems:
                    report.note(problem)
                continue
            assert draft is not None
            valid.append((raw.number, draft, owner_id))
        keys = [dup.keys_of(d) for _n, d, _o in valid]
        found: dict[int, list[dup.Candidate]] = {}
        for c in repos.customer_bulk.candidates(
                [dup.probe(i, d, keys[i]) for i, (_n, d, _o) in enumerate(valid)], up_to_id):
            found.setdefault(c.index, []).append(c)
        shared = {c.customer_id: repos.customers.shared_with(c.customer_id)
                  for cs in found.values() for c in cs
                  if not self.scope.everyone and c.owner_id not in self.scope.owners
                  and self.scope.shared_with is not None}
        keep: list[tuple[CustomerDraft, int]] = []
        for index, (number, draft, owner_id) in enumerate(valid):
            notes = [(f"same {dup.REASONS[r]} as row {row}" if exact else
                      f"similar name in the same city as row {row}", exact)
                     for r, row, exact in self.seen.find(keys[index])]
            notes += [(m.describe(), m.exact) for m in
                      dup.matches(draft, found.get(index, ()), self.scope, shared)]
            exact = any(e for _t, e in notes)
            imported = not exact or self.options.import_duplicates
            self.seen.add(number, keys[index])
            if exact:
                report.duplicate_rows += 1
                report.skipped_duplicates += 0 if imported else 1
            elif notes:
                report.possible_duplicates += 1
            for text, is_exact in notes:
                report.note(DuplicateRow(number, text, is_exact, imported))
            if imported:
                keep.append((draft, owner_id))
        report.imported += len(keep)
        return keep

    def _owner(self, repos: Repositories, name: str) -> tuple[int, str]:
        if name not in self.owners:
            user = repos.users.by_name(name)
            if user is None:
                self.owners[name] = (0, f"no user is named {name!r}")
            else:
                self.owners[name] = (user.id, owner_problem(repos, self.actor, self.scope,
                                                            user.id))
        return self.owners[name]
