"""Importing a bank statement: which bank it is from (the banks imported before are offered, and
the column mapping remembered for the bank is used), the mapping shown and editable (else
guessed from the header), the first lines as they will be read with every problem found; then
core imports it on a worker with a progress bar and Cancel, and the outcome is shown: matched
and unmatched counts and the fraud signals raised.

Core imports a statement whole or not at all: a file with any unreadable row, a cancelled
import and a statement imported before leave nothing behind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.customers.importing import ImportCancelled
from core.money.bank_mapping import BankMapping, guess_mapping
from core.money.reconciliation_model import ImportedStatement, StatementRejected
from core.money.statement import LineProblem, Statement, read_statement
from core.session import Session
from ui.contracts.labels import plain
from ui.money.bank_mapping_editor import BankMappingEditor
from ui.money.labels import day_text, money
from ui.widgets import MessageLabel
from ui.worker import Op, error_text, run_op

PREVIEW_LINES = 20
PROBLEMS_SHOWN = 200


def _t(text: str) -> str:
    return QCoreApplication.translate("StatementImport", text)


@dataclass(frozen=True)
class Preview:
    statement: Statement
    mapping: BankMapping  # what the dialog shows: as read, else remembered, else guessed
    remembered: bool  # the bank's remembered mapping is the one shown


def outcome_lines(out: ImportedStatement) -> list[str]:
    """The import's outcome as lines of text."""
    return [
        _t("Statement #{id} from {bank} ({start} to {end}) was imported: {lines} lines.").format(
            id=out.statement_id, bank=out.bank, start=day_text(out.period_from),
            end=day_text(out.period_to), lines=out.lines),
        _t("Matched: {matched} · Unmatched: {unmatched} · Differences: {diff} · Money out: "
           "{out}").format(matched=out.matched, unmatched=out.unmatched_lines,
                           diff=out.differences, out=out.outgoing),
        _t("Receipts recorded for instalments the bank shows paid: {count}").format(
            count=out.receipts_recorded),
        _t("Still open on the other side: {receipts} receipts no bank line confirms, "
           "{instalments} instalments").format(receipts=out.unmatched_receipts,
                                               instalments=out.unmatched_instalments)]


class StatementImportDialog(QDialog):
    """Preview → import → outcome. `outcome` is set once core imported the statement."""

    def __init__(self, session: Session, path: Path, banks: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.path = Path(path)
        self.preview: Preview | None = None
        self.outcome: ImportedStatement | None = None
        self._edited = False  # a person changed the mapping shown
        self._request = 0
        self._preview_op: Op | None = None
        self._op: Op | None = None
        self.setWindowTitle(self.tr("Import bank statement — {file}").format(
            file=self.path.name))
        self.resize(980, 680)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self._preview_page(banks))
        self.stack.addWidget(self._outcome_page())
        self.problems = QTableWidget(0, 3, self)
        self.problems.setObjectName("statementProblems")
        self.problems.setHorizontalHeaderLabels([self.tr("Row"), self.tr("Column"),
                                                 self.tr("Problem")])
        _read_only(self.problems)
        self.problems.setMaximumHeight(150)
        self.problems.hide()
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.message = MessageLabel(self)
        plain(self.message)
        self.import_button = QPushButton(self.tr("&Import"), self)
        self.import_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.import_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch()
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.problems)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._bank_timer = QTimer(self)
        self._bank_timer.setSingleShot(True)
        self._bank_timer.setInterval(400)
        self._bank_timer.timeout.connect(lambda: self.load_preview(remembered=True))
        self.bank.editTextChanged.connect(lambda _t: self._bank_changed())
        self.editor.edited.connect(self._mapping_edited)
        self.load_preview(remembered=True)

    # -- pages -------------------------------------------------------------------------------
    def _preview_page(self, banks: Sequence[str]) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.file_label = QLabel(self.tr("Reading the file…"), page)
        self.file_label.setWordWrap(True)
        plain(self.file_label)
        self.bank = QComboBox(page)
        self.bank.setEditable(True)
        self.bank.addItems(list(dict.fromkeys(banks)))
        self.bank.setCurrentIndex(0 if banks else -1)
        self.bank.lineEdit().setPlaceholderText(self.tr("The bank's name, e.g. 招商银行"))
        bank_label = QLabel(self.tr("&Bank:"), page)
        bank_label.setBuddy(self.bank)
        self.mapping_note = QLabel(page)
        self.mapping_note.setObjectName("hint")
        top = QHBoxLayout()
        top.addWidget(bank_label)
        top.addWidget(self.bank, 1)
        top.addWidget(self.mapping_note, 2)
        box = QGroupBox(self.tr("Columns"), page)
        self.editor = BankMappingEditor(box)
        inner = QVBoxLayout(box)
        inner.addWidget(self.editor)
        self.counts = QLabel(page)
        plain(self.counts)
        self.lines = QTableWidget(0, 7, page)
        self.lines.setObjectName("statementPreview")
        self.lines.setHorizontalHeaderLabels([
            self.tr("Row"), self.tr("Date"), self.tr("Amount"), self.tr("Payer"),
            self.tr("Account"), self.tr("Reference"), self.tr("Description")])
        _read_only(self.lines)
        layout.addWidget(self.file_label)
        layout.addLayout(top)
        layout.addWidget(box)
        layout.addWidget(self.counts)
        layout.addWidget(self.lines, 1)
        return page

    def _outcome_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(page)
        self.summary.setObjectName("statementOutcome")
        self.summary.setWordWrap(True)
        plain(self.summary)
        self.signals = QLabel(page)
        self.signals.setWordWrap(True)
        self.signals.setProperty("kind", "warning")
        plain(self.signals)
        layout.addWidget(self.summary)
        layout.addWidget(self.signals)
        layout.addStretch(1)
        return page

    # -- preview -----------------------------------------------------------------------------
    def bank_name(self) -> str:
        return self.bank.currentText().strip()

    def _bank_changed(self) -> None:
        self._bank_timer.start()  # read again once the typing stops
        self._set_running(False)

    def _mapping_edited(self) -> None:
        self._edited = True
        self.load_preview(remembered=False)

    def load_preview(self, remembered: bool) -> None:
        """Read the file on a worker: with the bank's remembered mapping (when `remembered`
        and there is one), else the mapping shown if a person edited it, else a guess."""
        self._bank_timer.stop()
        self._request += 1
        request = self._request
        service, actor, path, bank = (self._session.reconciliation, self._session.user,
                                      self.path, self.bank_name())
        edited = self.editor.mapping() if self._edited else None

        def work(_task: object) -> Preview:
            known = service.bank_mapping(actor, bank) if remembered and bank else None
            chosen = known or edited
            statement = read_statement(path, chosen)
            shown = statement.mapping or chosen or guess_mapping(statement.header)
            return Preview(statement, shown, known is not None)

        def done(preview: Preview) -> None:
            if request == self._request:
                self._show_preview(preview)

        def failed(exc: BaseException) -> None:
            if request == self._request:
                self.preview = None
                self.message.show_message(error_text(exc))

        self.message.clear_message()
        self._set_running(True)
        self._preview_op = run_op(self, work, on_done=done, on_error=failed,
                                  on_finished=lambda: self._set_running(False))

    def _show_preview(self, preview: Preview) -> None:
        self.preview = preview
        st = preview.statement
        self.file_label.setText(self.tr(
            "File: {file} · Format: {format} · Encoding: {encoding} · Header on row "
            "{row}").format(file=self.path.name, format=st.format or "—",
                            encoding=st.encoding or "—", row=st.header_row or "—"))
        self.editor.set_mapping(st.header, preview.mapping)
        if preview.remembered:
            self._edited = False
            self.mapping_note.setText(self.tr("The mapping remembered for this bank is used."))
        elif self._edited:
            self.mapping_note.setText(self.tr("Mapping set by hand; it is remembered for "
                                              "the bank once imported."))
        else:
            self.mapping_note.setText(self.tr("Mapping guessed from the column names; check "
                                              "it. It is remembered for the bank once "
                                              "imported."))
        incoming = sum(1 for x in st.lines if x.amount > 0)
        self.counts.setText(self.tr(
            "Lines read: {lines} ({incoming} money in, {out} money out) · Rows skipped "
            "(totals, notes): {skipped} · Rows that cannot be read: {rejected}").format(
            lines=len(st.lines), incoming=incoming, out=len(st.lines) - incoming,
            skipped=len(st.skipped), rejected=st.rejected))
        shown = st.lines[:PREVIEW_LINES]
        self.lines.setRowCount(len(shown))
        for r, line in enumerate(shown):
            cells = (str(line.row), day_text(line.date), money(line.amount, line.currency),
                     line.payer_name, line.payer_account, line.reference, line.description)
            for c, text in enumerate(cells):
                self.lines.setItem(r, c, QTableWidgetItem(text))
        self.lines.resizeColumnsToContents()
        self.show_problems(st.problems, st.file_problems)
        if not st.ok:
            self.message.show_message(self.tr(
                "This file cannot be imported as it is: fix the file or the column mapping. "
                "Nothing is imported while any row cannot be read."))
        elif not st.lines:
            self.message.show_message(self.tr("The file holds no transactions."))

    def show_problems(self, problems: Sequence[LineProblem], file_problems: Sequence[str]
                      ) -> None:
        entries = [("", "", text) for text in file_problems]
        entries += [(str(p.row), p.column, p.reason) for p in problems[:PROBLEMS_SHOWN]]
        self.problems.setRowCount(len(entries))
        for r, entry in enumerate(entries):
            for c, text in enumerate(entry):
                self.problems.setItem(r, c, QTableWidgetItem(text))
        self.problems.resizeColumnToContents(0)
        self.problems.setVisible(bool(entries))

    def problem_rows(self) -> list[tuple[str, str, str]]:
        return [tuple(self.problems.item(r, c).text() for c in range(3))  # type: ignore
                for r in range(self.problems.rowCount())]

    # -- importing ---------------------------------------------------------------------------
    def ready(self) -> bool:
        p = self.preview
        return (p is not None and p.statement.ok and bool(p.statement.lines)
                and bool(self.bank_name()) and self.outcome is None)

    def _running(self) -> bool:
        return any(op is not None and op.running for op in (self._op, self._preview_op))

    def _set_running(self, running: bool) -> None:
        busy = running or self._running() or self._bank_timer.isActive()
        self.import_button.setEnabled(not busy and self.ready())
        self.editor.setEnabled(not (self._op is not None and self._op.running))
        self.bank.setEnabled(not (self._op is not None and self._op.running))

    def start(self) -> None:
        if not self.ready() or self._running():
            return
        service, actor, path, bank = (self._session.reconciliation, self._session.user,
                                      self.path, self.bank_name())
        mapping = self.editor.mapping()
        self.message.clear_message()
        self.problems.hide()
        self.progress.setRange(0, 0)
        self.progress.setFormat(self.tr("Importing…"))
        self.progress.show()

        def work(task: object) -> ImportedStatement:
            return service.import_statement(
                actor, path, bank, mapping,
                progress=lambda done, total: task.progress((done, total)),  # type: ignore
                cancelled=task.cancelled)  # type: ignore[attr-defined]

        self._op = run_op(self, work, on_done=self._show_outcome, on_error=self._failed,
                          on_progress=self._progress, on_finished=self._run_finished)
        self._set_running(True)

    def _progress(self, value: object) -> None:
        done, total = value  # type: ignore[misc]
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.progress.setFormat(self.tr("Matching: {done} of {total}").format(
            done=done, total=total))

    def _run_finished(self) -> None:
        self.progress.hide()
        self.cancel_button.setEnabled(True)
        self._set_running(False)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ImportCancelled):
            self.message.show_message(self.tr("Import cancelled; nothing was imported."),
                                      "info")
            return
        self.message.show_message(error_text(exc))
        if isinstance(exc, StatementRejected):
            self.show_problems(exc.problems, ())

    def _show_outcome(self, out: ImportedStatement) -> None:
        self.outcome = out
        if self._op is not None and self._op.task.cancelled():
            self.message.show_message(self.tr(
                "Cancel came after the statement was checked: it was imported whole."), "info")
        else:
            self.message.clear_message()
        self.summary.setText("\n".join(outcome_lines(out)))
        self.signals.setText("\n".join(self.tr("⚠ {message}").format(message=s.message)
                                       for s in out.signals))
        self.signals.setVisible(bool(out.signals))
        self.stack.setCurrentIndex(1)
        self.import_button.hide()
        self.cancel_button.setText(self.tr("Close"))

    def cancel_or_close(self) -> None:
        if self._op is not None and self._op.running:
            self._op.cancel()
            self.cancel_button.setEnabled(False)
            self.message.show_message(self.tr("Cancelling…"), "info")
            return
        self.accept() if self.outcome is not None else super().reject()

    def reject(self) -> None:
        self.cancel_or_close()

    def wipe(self) -> None:
        """Forget the file's lines (at lock time): cancel any run, empty every table."""
        for op in (self._op, self._preview_op):
            if op is not None and op.running:
                op.cancel()
        self.preview, self.outcome = None, None
        for table in (self.lines, self.problems):
            table.setRowCount(0)
        self.editor.clear()
        self.summary.clear()
        self.signals.clear()
        self.hide()


def _read_only(table: QTableWidget) -> None:
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
