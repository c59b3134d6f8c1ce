"""What the Reconciliation page shows of one statement, read on a worker: each line with its
state (matched, unmatched, matched with a difference, money out) and the fraud signals that
name it, and the other side core leaves open (receipts no bank line confirms, instalments
still owed), each as ready-made cells; plus the table models that show them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor

from core.money.match_model import OpenInstalment, OpenReceipt
from core.money.reconciliation import ReconciliationService
from core.money.reconciliation_model import StoredLine, StoredMatch, StoredStatement
from core.money.signals import Signal
from core.users import User
from ui.money.labels import amount, day_text, money
from ui.money.receivables_model import DISPLAY, Cells, CellsModel
from ui.table_model import Index

MATCHED, UNMATCHED, DIFFERENCE, OUTGOING = "matched", "unmatched", "difference", "outgoing"
ROW, DATE, AMOUNT, STATE, PAYER, REFERENCE, WARNINGS, DESCRIPTION = range(8)
# A matched line's difference needs one read per line; past this many the state says
# "matched" and the difference shows when the line is selected.
MAX_DIFFERENCE_READS = 5000
MAX_OTHER_SIDE = 1000  # rows of each other-side table shown (all stay available to match)
WARN = QColor("#8a5a00")
FOREGROUND, TOOLTIP = int(Qt.ItemDataRole.ForegroundRole), int(Qt.ItemDataRole.ToolTipRole)


def _t(text: str) -> str:
    return QCoreApplication.translate("Reconciliation", text)


def state_labels() -> dict[str, str]:
    return {MATCHED: _t("Matched"), UNMATCHED: _t("Unmatched"),
            DIFFERENCE: _t("Difference"), OUTGOING: _t("Money out")}


@dataclass(frozen=True)
class LineState:
    line: StoredLine
    state: str
    difference: Decimal = Decimal(0)
    warnings: tuple[str, ...] = ()


@dataclass
class StatementView:
    statement: StoredStatement
    lines: list[LineState]
    receipts: tuple[OpenReceipt, ...]
    instalments: tuple[OpenInstalment, ...]
    line_cells: list[Cells] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys((MATCHED, UNMATCHED, DIFFERENCE, OUTGOING), 0)
        for x in self.lines:
            out[x.state] += 1
        return out

    def line(self, line_id: int) -> LineState | None:
        return next((x for x in self.lines if x.line.id == line_id), None)


def signals_by_row(signals: Sequence[Signal]) -> dict[int, tuple[str, ...]]:
    """The signals that name a statement row ("statement row 7" in their refs), by row."""
    out: dict[int, list[str]] = {}
    for s in signals:
        for ref in s.refs:
            if ref.startswith("statement row "):
                tail = ref.removeprefix("statement row ")
                if tail.isdigit():
                    out.setdefault(int(tail), []).append(s.message)
    return {row: tuple(messages) for row, messages in out.items()}


def load_statement(service: ReconciliationService, actor: User,
                   statement: StoredStatement) -> StatementView:
    """On a worker: the statement's lines with their states, and the open other side."""
    lines = service.lines(actor, statement.id)
    left = service.unmatched(actor, statement.id)
    unmatched = {x.id for x in left.lines}
    reads = 0
    states = []
    for line in lines:
        difference = Decimal(0)
        if line.amount < 0:
            state = OUTGOING
        elif line.id in unmatched:
            state = UNMATCHED
        else:
            state = MATCHED
            if reads < MAX_DIFFERENCE_READS:
                reads += 1
                parts = service.matches(actor, line.id)
                difference = next((p.difference for p in parts if p.difference), Decimal(0))
                if difference:
                    state = DIFFERENCE
        states.append(LineState(line, state, difference))
    view = StatementView(statement, states, left.receipts, left.instalments)
    view.line_cells = [line_cells(x) for x in states]
    return view


def with_warnings(view: StatementView, signals: Sequence[Signal]) -> StatementView:
    """`view` with the signals an import raised put on the lines they name (the signals are
    known only to the window that imported the statement: core does not keep them)."""
    warned = signals_by_row(signals)
    if not warned:
        return view
    states = [replace(x, warnings=warned.get(x.line.row, ())) for x in view.lines]
    out = StatementView(view.statement, states, view.receipts, view.instalments)
    out.line_cells = [line_cells(x) if x.warnings else cells
                      for x, cells in zip(states, view.line_cells, strict=True)]
    return out


def line_cells(x: LineState) -> Cells:
    line = x.line
    state = state_labels()[x.state]
    if x.state == DIFFERENCE:
        state = _t("Difference {amount}").format(amount=amount(x.difference, line.currency))
    return (str(line.row), day_text(line.date), money(line.amount, line.currency), state,
            line.payer_name, line.reference,
            _t("⚠ {count}").format(count=len(x.warnings)) if x.warnings else "",
            line.description)


def receipt_cells(r: OpenReceipt) -> Cells:
    return (r.id, day_text(r.date), r.customer_name, money(r.amount, r.currency), r.reference,
            r.payer_name)


def instalment_cells(i: OpenInstalment) -> Cells:
    return (i.id, day_text(i.due_date), i.customer_name, money(i.open_amount, i.currency),
            ", ".join(i.references))


def statement_cells(s: StoredStatement) -> Cells:
    return (str(s.id), s.bank, s.file_name, day_text(s.period_from), day_text(s.period_to),
            str(s.line_count), s.imported_at.astimezone().strftime("%Y-%m-%d %H:%M"))


def part_text(p: StoredMatch, currency: str) -> str:
    """What a matched line was matched to, for the line's details."""
    kind = _t("receipt") if p.kind == "receipt" else _t("instalment")
    text = _t("Matched to {kind} #{id}: {amount} ({rule}").format(
        kind=kind, id=p.target_id, amount=money(p.amount, currency), rule=p.rule)
    if p.difference:
        text += _t(", difference {diff}").format(diff=money(p.difference, currency))
    if p.reason:
        text += _t("; {reason}").format(reason=p.reason)
    return text + ")"


def closed_text(closed: date | None) -> str:
    if closed is None:
        return _t("No period is closed yet.")
    return _t("Closed up to {day}.").format(day=day_text(closed))


class StatementLinesModel(CellsModel):
    """The lines of one statement; differences and signals are drawn as warnings (the
    signals' messages in the tool tip)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__([_t("Row"), _t("Date"), _t("Amount"), _t("State"), _t("Payer"),
                          _t("Reference"), _t("Warnings"), _t("Description")], (AMOUNT,),
                         parent)
        self._states: list[LineState] = []

    def set_lines(self, states: list[LineState], cells: list[Cells]) -> None:
        self._states = list(states)
        self.set_rows(cells, [x.line.id for x in states])

    def state(self, row: int) -> LineState | None:
        return self._states[row] if 0 <= row < len(self._states) else None

    def row_of(self, line_id: int) -> int:
        return next((n for n, x in enumerate(self._states) if x.line.id == line_id), -1)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        x = self.state(index.row())
        if x is not None and role == FOREGROUND and (
                x.warnings or x.state == DIFFERENCE) and index.column() in (STATE, WARNINGS):
            return WARN
        if x is not None and role == TOOLTIP:
            if index.column() == WARNINGS and x.warnings:
                return "\n".join(x.warnings)
            if index.column() == DESCRIPTION and x.line.description:
                return x.line.description
        return super().data(index, role)

    def wipe(self) -> None:
        self._states = []
        super().wipe()


def other_side_models(parent: Any) -> tuple[CellsModel, CellsModel]:
    receipts = CellsModel([_t("Receipt"), _t("Received on"), _t("Customer"), _t("Amount"),
                           _t("Reference"), _t("Payer")], (3,), parent)
    instalments = CellsModel([_t("Instalment"), _t("Due date"), _t("Customer"),
                              _t("Open amount"), _t("Contract / invoice")], (3,), parent)
    return receipts, instalments


def fill_other_side(receipts: CellsModel, instalments: CellsModel,
                    view: StatementView | None) -> None:
    shown_r = view.receipts[:MAX_OTHER_SIDE] if view else ()
    shown_i = view.instalments[:MAX_OTHER_SIDE] if view else ()
    receipts.set_rows([receipt_cells(r) for r in shown_r], [r.id for r in shown_r])
    instalments.set_rows([instalment_cells(i) for i in shown_i], [i.id for i in shown_i])
