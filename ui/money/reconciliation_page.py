"""The Reconciliation page (finance; administrators): the bank statements imported, and for the
one selected its lines (matched, unmatched, matched with a difference, money out; the fraud
signals its import raised drawn as warnings) beside what is left open on the other side
(receipts no bank line confirms, instalments still owed). From here a statement is imported,
a line matched or split by hand or unmatched, and a period closed. Core does all of it on a
worker and audits it; the page reads again whenever money changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.changes import Changes
from core.money.reconciliation_model import StoredMatch, StoredStatement
from core.money.signals import Signal
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.labels import plain
from ui.money.match_dialog import MatchDialog
from ui.money.receivables_model import CellsModel
from ui.money.reconciliation_dialogs import ClosePeriodDialog, UnmatchDialog
from ui.money.statement_import_dialog import StatementImportDialog, outcome_lines
from ui.money.statement_lines_model import (
    DIFFERENCE,
    MATCHED,
    OUTGOING,
    UNMATCHED,
    LineState,
    StatementLinesModel,
    StatementView,
    closed_text,
    fill_other_side,
    load_statement,
    other_side_models,
    part_text,
    statement_cells,
    with_warnings,
)
from ui.widgets import add_shortcut, add_status, button_row, configure_list_view, page_layout
from ui.worker import error_text, run_op

ALL, WARNED = "all", "warned"


def _view(parent: QWidget, model: object, stretch: int | None = None) -> QTableView:
    view = QTableView(parent)
    configure_list_view(view, model, stretch)
    return view


class ReconciliationPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.signals: dict[int, tuple[Signal, ...]] = {}  # raised by imports made here
        self.statement_rows: list[StoredStatement] = []
        self.closed_until: date | None = None
        self.data: StatementView | None = None
        self.dialog: QDialog | None = None
        self.loading = self.loading_lines = False
        self._request = self._line_request = self._detail_request = 0
        self._wanted: int | None = None
        layout = page_layout(self, self.tr("Reconciliation"), self.tr(
            "Import bank statements and match their money to the receipts recorded and the "
            "instalments expected; match or split what is left by hand; close a period "
            "once it is reconciled."))
        self.import_button = QPushButton(self.tr("&Import statement…"), self)
        self.import_button.setToolTip(QKeySequence(QKeySequence.StandardKey.Open).toString(
            QKeySequence.SequenceFormat.NativeText))
        self.close_button = QPushButton(self.tr("C&lose period…"), self)
        self.closed_label = QLabel(self)
        self.closed_label.setObjectName("hint")
        top = button_row(self.import_button, self.close_button)
        top.addWidget(self.closed_label)
        layout.addLayout(top)

        self.statements = CellsModel([self.tr("#"), self.tr("Bank"), self.tr("File"),
                                      self.tr("From"), self.tr("To"), self.tr("Lines"),
                                      self.tr("Imported")], (0, 5), self)
        self.statement_view = _view(self, self.statements, 2)
        self.statement_view.setMaximumHeight(170)
        for column, width in enumerate((50, 160, 0, 100, 100, 70, 140)):
            if width:
                self.statement_view.setColumnWidth(column, width)
        layout.addWidget(self.statement_view)
        self.summary = QLabel(self)
        plain(self.summary)
        layout.addWidget(self.summary)

        splitter = QSplitter(self)
        left = QWidget(splitter)
        self.show_filter = QComboBox(left)
        for key, text in ((ALL, self.tr("All lines")), (UNMATCHED, self.tr("Unmatched")),
                          (DIFFERENCE, self.tr("Differences")), (MATCHED, self.tr("Matched")),
                          (OUTGOING, self.tr("Money out")), (WARNED, self.tr("With warnings"))):
            self.show_filter.addItem(text, key)
        show_label = QLabel(self.tr("&Show:"), left)
        show_label.setBuddy(self.show_filter)
        heading = QHBoxLayout()
        title = QLabel(self.tr("Statement lines"), left)
        title.setObjectName("sectionTitle")
        heading.addWidget(title, 1)
        heading.addWidget(show_label)
        heading.addWidget(self.show_filter)
        self.lines = StatementLinesModel(self)
        self.line_view = _view(left, self.lines)
        for column, width in enumerate((50, 90, 120, 120, 160, 130, 70)):
            self.line_view.setColumnWidth(column, width)
        self.match_button = QPushButton(self.tr("&Match…"), left)
        self.unmatch_button = QPushButton(self.tr("&Unmatch…"), left)
        self.detail = QLabel(left)
        self.detail.setWordWrap(True)
        self.detail.setObjectName("hint")
        plain(self.detail)
        inner = QVBoxLayout(left)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(heading)
        inner.addWidget(self.line_view, 1)
        inner.addWidget(self.detail)
        inner.addLayout(button_row(self.match_button, self.unmatch_button))
        self.other_tabs = QTabWidget(splitter)
        self.receipts, self.instalments = other_side_models(self)
        self.receipt_view = _view(self.other_tabs, self.receipts)
        self.instalment_view = _view(self.other_tabs, self.instalments)
        for view in (self.receipt_view, self.instalment_view):
            for column, width in enumerate((70, 90, 180, 120, 130)):
                view.setColumnWidth(column, width)
        self.other_tabs.addTab(self.receipt_view, self.tr("Receipts not confirmed"))
        self.other_tabs.addTab(self.instalment_view, self.tr("Open instalments"))
        splitter.addWidget(left)
        splitter.addWidget(self.other_tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.warnings = QLabel(self)
        self.warnings.setWordWrap(True)
        self.warnings.setProperty("kind", "warning")
        plain(self.warnings)
        self.warnings.hide()
        layout.addWidget(self.warnings)
        self.message, self.busy = add_status(layout, self)
        plain(self.message)

        self.import_button.clicked.connect(lambda: self.import_statement())
        self.close_button.clicked.connect(self.close_period)
        self.match_button.clicked.connect(self.match_selected)
        self.unmatch_button.clicked.connect(self.unmatch_selected)
        self.show_filter.currentIndexChanged.connect(lambda _i: self._show_lines())
        self.statement_view.selectionModel().selectionChanged.connect(
            lambda *_a: self.load_lines())
        self.line_view.selectionModel().selectionChanged.connect(lambda *_a: self._line_chosen())
        self.line_view.doubleClicked.connect(lambda _i: self.match_selected())
        bridge.changed.connect(self._changed)
        add_shortcut(self, QKeySequence.StandardKey.Refresh, self.reload)
        add_shortcut(self, QKeySequence.StandardKey.Open, self.import_statement)
        self._update_buttons()
        self.reload()

    # -- reading -----------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the statements and the closed period, then the selected statement again."""
        self._request += 1
        request = self._request
        service, actor = self._session.reconciliation, self._session.user
        self.loading = True

        def work(_t: object) -> tuple[list[StoredStatement], date | None]:
            rows = sorted(service.statements(actor), key=lambda s: s.id, reverse=True)
            return rows, service.closed_until(actor)

        def done(result: tuple[list[StoredStatement], date | None]) -> None:
            if request == self._request:
                self.loading = False
                self._show_statements(*result)

        def failed(exc: BaseException) -> None:
            if request == self._request:
                self.loading = False
                self.message.show_message(error_text(exc))

        run_op(self, work, on_done=done, on_error=failed)

    def _show_statements(self, rows: list[StoredStatement], closed: date | None) -> None:
        keep = self._wanted or self.selected_statement_id()
        self._wanted = None
        self.statement_rows, self.closed_until = rows, closed
        self.closed_label.setText(closed_text(closed))
        self.statement_view.selectionModel().blockSignals(True)
        self.statements.set_rows([statement_cells(s) for s in rows], [s.id for s in rows])
        self.statement_view.selectionModel().blockSignals(False)
        ids = [s.id for s in rows]
        if not rows:
            self.data = None
            self._show_lines()
            self.summary.setText(self.tr("No statement has been imported yet."))
            return
        # The reset cleared the selection: selecting again reads the statement's lines.
        self.statement_view.selectRow(ids.index(keep) if keep in ids else 0)

    def selected_statement(self) -> StoredStatement | None:
        rows = self.statement_view.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self.statement_rows):
            return None
        return self.statement_rows[rows[0].row()]

    def selected_statement_id(self) -> int | None:
        s = self.selected_statement()
        return s.id if s is not None else None

    def load_lines(self) -> None:
        statement = self.selected_statement()
        self._line_request += 1
        request = self._line_request
        if statement is None:
            return
        service, actor = self._session.reconciliation, self._session.user
        self.loading_lines = True

        def done(view: StatementView) -> None:
            if request == self._line_request:
                self.loading_lines = False
                self.data = view
                self._show_lines()

        def failed(exc: BaseException) -> None:
            if request == self._line_request:
                self.loading_lines = False
                self.message.show_message(error_text(exc))

        run_op(self, lambda _t: load_statement(service, actor, statement),
               on_done=done, on_error=failed)

    def _show_lines(self) -> None:
        view = self.data
        if view is not None:
            view = with_warnings(view, self.signals.get(view.statement.id, ()))
        chosen = self.selected_line()
        wanted = self.show_filter.currentData()
        states: list[LineState] = []
        cells = []
        for state, row in zip(view.lines if view else [], view.line_cells if view else [],
                              strict=True):
            if wanted == ALL or state.state == wanted or (wanted == WARNED and state.warnings):
                states.append(state)
                cells.append(row)
        self.lines.set_lines(states, cells)
        fill_other_side(self.receipts, self.instalments, view)
        if view is None:
            self.summary.clear()
            self.warnings.hide()
            self._update_buttons()
            return
        c = view.counts()
        self.summary.setText(self.tr(
            "{bank}, {file}: {lines} lines · matched {matched} · unmatched {unmatched} · "
            "differences {diff} · money out {out} · receipts not confirmed {receipts} · "
            "open instalments {instalments}").format(
            bank=view.statement.bank, file=view.statement.file_name, lines=len(view.lines),
            matched=c[MATCHED] + c[DIFFERENCE], unmatched=c[UNMATCHED], diff=c[DIFFERENCE],
            out=c[OUTGOING], receipts=len(view.receipts), instalments=len(view.instalments)))
        self.other_tabs.setTabText(0, self.tr("Receipts not confirmed ({count})").format(
            count=len(view.receipts)))
        self.other_tabs.setTabText(1, self.tr("Open instalments ({count})").format(
            count=len(view.instalments)))
        raised = self.signals.get(view.statement.id, ())
        self.warnings.setText("\n".join(self.tr("⚠ {message}").format(message=s.message)
                                        for s in raised))
        self.warnings.setVisible(bool(raised))
        if chosen is not None and (row := self.lines.row_of(chosen.line.id)) >= 0:
            self.line_view.selectRow(row)
        self._line_chosen()

    # -- the selected line -------------------------------------------------------------------
    def selected_line(self) -> LineState | None:
        rows = self.line_view.selectionModel().selectedRows()
        return self.lines.state(rows[0].row()) if rows else None

    def select_line(self, line_id: int) -> bool:
        row = self.lines.row_of(line_id)
        if row >= 0:
            self.line_view.selectRow(row)
        return row >= 0

    def _update_buttons(self) -> None:
        x = self.selected_line()
        self.match_button.setEnabled(x is not None and x.state == UNMATCHED)
        self.unmatch_button.setEnabled(x is not None and x.state in (MATCHED, DIFFERENCE))

    def _line_chosen(self) -> None:
        self._update_buttons()
        x = self.selected_line()
        self._detail_request += 1
        request = self._detail_request
        self.detail.clear()
        if x is None:
            return
        notes = [self.tr("⚠ {message}").format(message=m) for m in x.warnings]
        if x.state not in (MATCHED, DIFFERENCE):
            self.detail.setText("\n".join(notes))
            return
        service, actor, line = self._session.reconciliation, self._session.user, x.line

        def done(parts: list[StoredMatch]) -> None:
            if request == self._detail_request:
                self.detail.setText("\n".join([*(part_text(p, line.currency)
                                                  for p in parts), *notes]))

        run_op(self, lambda _t: service.matches(actor, line.id), on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    # -- actions -----------------------------------------------------------------------------
    def _open(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def import_statement(self, path: str | None = None) -> StatementImportDialog | None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, self.tr("Import bank statement"), "",
                self.tr("Bank statements (*.csv *.xlsx);;CSV (*.csv);;Excel workbook (*.xlsx)"))
        if not path:
            return None
        banks = [s.bank for s in self.statement_rows]
        dialog = StatementImportDialog(self._session, Path(path), banks, self)

        def finished(_result: int) -> None:
            out = dialog.outcome
            if out is not None:
                self.signals[out.statement_id] = out.signals
                self._wanted = out.statement_id
                if self.data is not None and self.data.statement.id == out.statement_id:
                    self._show_lines()  # read already, when core told of the change
                self.message.show_message("\n".join(outcome_lines(out)), "ok")
                self.reload()

        dialog.finished.connect(finished)
        self._open(dialog)
        return dialog

    def match_selected(self) -> MatchDialog | None:
        x, view = self.selected_line(), self.data
        if x is None or view is None or x.state != UNMATCHED:
            return None
        dialog = MatchDialog(self._session, x.line, view.receipts, view.instalments, self)
        row = x.line.row
        dialog.accepted.connect(lambda: self.message.show_message(
            self.tr("Row {row} was matched.").format(row=row), "ok"))
        self._open(dialog)
        return dialog

    def unmatch_selected(self) -> UnmatchDialog | None:
        x = self.selected_line()
        if x is None or x.state not in (MATCHED, DIFFERENCE):
            return None
        dialog = UnmatchDialog(self._session, x.line, self)
        row = x.line.row
        dialog.accepted.connect(lambda: self.message.show_message(
            self.tr("The match of row {row} was undone.").format(row=row), "ok"))
        self._open(dialog)
        return dialog

    def close_period(self) -> ClosePeriodDialog:
        today = self._session.money.today()
        statement = self.selected_statement()
        suggested = min(statement.period_to, today) if statement else today
        dialog = ClosePeriodDialog(self._session, self.closed_until, suggested, self)
        dialog.accepted.connect(lambda: self.message.show_message(
            self.tr("Reconciliation is closed up to {day}.").format(
                day=dialog.closed.isoformat() if dialog.closed else ""), "ok"))
        self._open(dialog)
        return dialog

    def _changed(self, changes: Changes) -> None:
        if changes.money:
            self.reload()

    def wipe(self) -> None:
        """Forget everything shown (at lock time, before the page is deleted)."""
        dialog = self.dialog
        if dialog is not None and shiboken6.isValid(dialog):
            wipe = getattr(dialog, "wipe", None)
            if wipe is not None:
                wipe()
            dialog.hide()
        self._request += 1
        self._line_request += 1
        self.signals.clear()
        self.statement_rows, self.data = [], None
        for model in (self.statements, self.lines, self.receipts, self.instalments):
            model.wipe()
        for label in (self.summary, self.detail, self.warnings, self.closed_label):
            label.clear()
        self.message.clear_message()
