"""Importing customers: a preview of the file (its encoding and format, the column mapping with
a choice per column, the first rows with what is wrong in them), a check or an import on a
worker with a progress bar and Cancel, then the report, which can be saved.

A cancelled import writes nothing: the service commits every row in one transaction."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
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

from core.customers.columns import FIELDS, IGNORE
from core.customers.import_rows import ImportReport
from core.customers.importing import ImportCancelled, Preview
from core.session import Session
from ui.widgets import MessageLabel
from ui.worker import Op, error_text, run_op

PREVIEW_ROWS = 20


def _t(text: str) -> str:
    return QCoreApplication.translate("ImportDialog", text)


def report_lines(report: ImportReport) -> list[str]:
    """The report as lines of text (shown, and written by "Save report…")."""
    lines = [_t("File: {file} ({format}, {encoding})").format(
        file=report.file, format=report.format or "—", encoding=report.encoding or "—")]
    lines += [_t("Problem: {text}").format(text=p) for p in report.file_problems]
    if report.dry_run:
        counts = _t("Checked only (nothing was written). Rows read: {read}; would be "
                    "imported: {done}; rejected: {rejected}; duplicates: {dups}")
    else:
        counts = _t("Rows read: {read}; imported: {done}; rejected: {rejected}; "
                    "duplicates: {dups}")
    lines.append(counts.format(read=report.rows_read, done=report.imported,
                               rejected=report.rejected_rows, dups=report.duplicate_rows))
    for problem in report.problems:
        lines.append(_t("Row {row}, column {column}: {reason}").format(
            row=problem.row, column=problem.column or "—", reason=problem.reason))
    for dup in report.duplicates:
        state = _t("imported") if dup.imported else _t("skipped")
        lines.append(_t("Row {row}: duplicate ({reason}), {state}").format(
            row=dup.row, reason=dup.reason, state=state))
    if report.unlisted:
        lines.append(_t("… and {count} more not listed").format(count=report.unlisted))
    return lines


class ImportDialog(QDialog):
    """Preview → check or import → report. `imported` is True once rows were written."""

    def __init__(self, session: Session, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.path = Path(path)
        self.preview: Preview | None = None
        self.report: ImportReport | None = None
        self.imported = False
        self._op: Op | None = None
        self.setWindowTitle(self.tr("Import customers — {file}").format(file=self.path.name))
        self.resize(860, 600)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self._preview_page())
        self.stack.addWidget(self._report_page())
        self.progress = QProgressBar(self)
        self.progress.setObjectName("importProgress")
        self.progress.hide()
        self.message = MessageLabel(self)
        self.check_button = QPushButton(self.tr("C&heck only"), self)
        self.import_button = QPushButton(self.tr("&Import"), self)
        self.import_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.save_button = QPushButton(self.tr("&Save report…"), self)
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.hide()
        self.check_button.clicked.connect(lambda: self.start(dry_run=True))
        self.import_button.clicked.connect(lambda: self.start(dry_run=False))
        self.cancel_button.clicked.connect(self.cancel_or_close)
        self.save_button.clicked.connect(self.save_report)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch()
        for button in (self.save_button, self.check_button, self.import_button,
                       self.cancel_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._set_running(True)
        self.load_preview()

    # -- pages -------------------------------------------------------------------------------
    def _preview_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.format_label = QLabel(self.tr("Reading the file…"), page)
        self.format_label.setObjectName("importFormat")
        self.format_label.setWordWrap(True)
        layout.addWidget(self.format_label)
        heading = QLabel(self.tr("&Columns: choose the field each column goes to"), page)
        self.mapping = QTableWidget(0, 2, page)
        self.mapping.setObjectName("importMapping")
        heading.setBuddy(self.mapping)
        self.mapping.setHorizontalHeaderLabels([self.tr("Column in the file"),
                                                self.tr("Imported as")])
        self.mapping.verticalHeader().hide()
        self.mapping.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents)
        self.mapping.horizontalHeader().setStretchLastSection(True)
        self.mapping.setFixedWidth(460)
        self.mapping.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(heading)
        beside = QHBoxLayout()
        beside.addWidget(self.mapping)
        beside.addStretch(1)
        layout.addLayout(beside)
        rows_heading = QLabel(self.tr("First &rows as they will be read"), page)
        self.rows = QTableWidget(0, 0, page)
        self.rows.setObjectName("importRows")
        rows_heading.setBuddy(self.rows)
        self.rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows.setWordWrap(False)
        self.rows.verticalHeader().hide()  # the file's own row numbers are the first column
        self.rows.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(rows_heading)
        layout.addWidget(self.rows, 3)
        return page

    def _report_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(page)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.report_table = QTableWidget(0, 3, page)
        self.report_table.setObjectName("importReport")
        self.report_table.setHorizontalHeaderLabels([self.tr("Row"), self.tr("Column"),
                                                     self.tr("Reason")])
        self.report_table.verticalHeader().hide()
        self.report_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.report_table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.summary)
        layout.addWidget(self.report_table, 1)
        return page

    # -- preview -----------------------------------------------------------------------------
    def mapping_choice(self) -> dict[str, str]:
        """Header → field (or "ignore") as chosen in the combo boxes."""
        chosen: dict[str, str] = {}
        for row in range(self.mapping.rowCount()):
            combo = self.mapping.cellWidget(row, 1)
            if isinstance(combo, QComboBox):
                chosen[self.mapping.item(row, 0).text()] = combo.currentData()
        return chosen

    def load_preview(self, mapping: dict[str, str] | None = None) -> None:
        session, actor, path = self._session, self._session.user, self.path
        self.message.clear_message()
        self._set_running(True)
        self._op = run_op(
            self, lambda _t: session.customer_import.preview(actor, path, mapping,
                                                             limit=PREVIEW_ROWS),
            on_done=self._show_preview, on_error=self._preview_failed,
            on_finished=lambda: self._set_running(False))

    def _preview_failed(self, exc: BaseException) -> None:
        self.format_label.setText(self.tr("This file cannot be imported."))
        self.message.show_message(error_text(exc))
        self.preview = None

    def _show_preview(self, preview: Preview) -> None:
        self.preview = preview
        ignored = set(preview.ignored_columns)
        self.format_label.setText(self.tr(
            "Format: {format} · Encoding: {encoding} · Columns: {columns}").format(
            format=preview.format, encoding=preview.encoding or "—",
            columns=len(preview.header)))
        same = [self.mapping.item(r, 0).text() for r in range(self.mapping.rowCount())
                if self.mapping.item(r, 0) is not None] == preview.header
        if not same:
            self._build_mapping(preview)
        for row, header in enumerate(preview.header):
            combo = self.mapping.cellWidget(row, 1)
            assert isinstance(combo, QComboBox)
            current = IGNORE if header in ignored else preview.columns.get(header, IGNORE)
            combo.blockSignals(True)  # showing the mapping is not choosing one
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)
        shown = [f for f in dict.fromkeys(preview.columns.values()) if f != IGNORE]
        self.rows.clear()
        self.rows.setColumnCount(len(shown) + 2)
        self.rows.setHorizontalHeaderLabels([self.tr("Row"), *shown, self.tr("Problems")])
        self.rows.setRowCount(len(preview.rows))
        for r, item in enumerate(preview.rows):
            self.rows.setItem(r, 0, QTableWidgetItem(str(item.row)))
            for c, name in enumerate(shown, start=1):
                self.rows.setItem(r, c, QTableWidgetItem(item.values.get(name, "")))
            problems = QTableWidgetItem("; ".join(item.problems) or self.tr("OK"))
            problems.setToolTip("\n".join(item.problems))
            if item.problems:
                problems.setForeground(Qt.GlobalColor.darkRed)
            self.rows.setItem(r, len(shown) + 1, problems)
        self.rows.resizeColumnsToContents()
        # The problems take what is left (in full in their tool tips), not a scroll bar.
        self.rows.horizontalHeader().setSectionResizeMode(
            len(shown) + 1, QHeaderView.ResizeMode.Stretch)
        # As tall as the columns need (a file of four columns leaves no empty box), scrolling
        # beyond about eight.
        height = sum(self.mapping.rowHeight(r) for r in range(min(8, len(preview.header))))
        self.mapping.setFixedHeight(height + self.mapping.horizontalHeader().height() + 4)
        if preview.problems:
            self.message.show_message("\n".join(preview.problems))

    def _build_mapping(self, preview: Preview) -> None:
        self.mapping.setRowCount(len(preview.header))
        fields = sorted({*FIELDS, *preview.columns.values()} - {IGNORE})
        for row, header in enumerate(preview.header):
            self.mapping.setItem(row, 0, QTableWidgetItem(header))
            combo = QComboBox(self.mapping)
            combo.addItem(self.tr("(ignore)"), IGNORE)
            for name in fields:
                combo.addItem(name, name)
                combo.setItemData(combo.count() - 1, FIELDS.get(name, ""),
                                  Qt.ItemDataRole.ToolTipRole)
            combo.currentIndexChanged.connect(lambda _i: self.load_preview(
                self.mapping_choice()))
            self.mapping.setCellWidget(row, 1, combo)

    # -- running -----------------------------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        ready = not running and self.preview is not None and not self.preview.problems
        for button in (self.check_button, self.import_button):
            button.setEnabled(ready)
        self.mapping.setEnabled(not running)
        self.cancel_button.setText(self.tr("Cancel") if running or self.report is None
                                   else self.tr("Close"))

    def start(self, dry_run: bool) -> None:
        if self.preview is None or (self._op is not None and self._op.running):
            return
        session, actor, path = self._session, self._session.user, self.path
        mapping = self.mapping_choice()
        self.message.clear_message()
        self.progress.setRange(0, 0)
        self.progress.show()
        self._set_running(True)

        def work(task: object) -> ImportReport:
            return session.customer_import.run(
                actor, path, mapping, dry_run=dry_run,
                progress=lambda done, total: task.progress((done, total)),  # type: ignore
                cancelled=task.cancelled)  # type: ignore[attr-defined]

        self._op = run_op(self, work, on_done=self._show_report, on_error=self._failed,
                          on_progress=self._progress, on_finished=self._run_finished)

    def _progress(self, value: object) -> None:
        done, total = value  # type: ignore[misc]
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.progress.setFormat(self.tr("{done} of {total} rows").format(done=done, total=total))

    def _run_finished(self) -> None:
        self.progress.hide()
        self.cancel_button.setEnabled(True)
        self._set_running(False)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ImportCancelled):
            self.message.show_message(self.tr("Import cancelled; nothing was imported."), "info")
        else:
            self.message.show_message(error_text(exc))

    def _show_report(self, report: ImportReport) -> None:
        self.report = report
        self.imported = self.imported or (not report.dry_run and report.imported > 0)
        lines = report_lines(report)
        self.summary.setText("\n".join(lines[:2 + len(report.file_problems)]))
        entries = [(str(p.row), p.column, p.reason) for p in report.problems]
        entries += [(str(d.row), "", self.tr("Duplicate: {reason} ({state})").format(
            reason=d.reason, state=self.tr("imported") if d.imported else self.tr("skipped")))
            for d in report.duplicates]
        self.report_table.setRowCount(len(entries))
        for r, entry in enumerate(entries):
            for c, text in enumerate(entry):
                self.report_table.setItem(r, c, QTableWidgetItem(text))
        self.report_table.resizeColumnToContents(0)
        self.report_table.resizeColumnToContents(1)
        self.stack.setCurrentIndex(1)
        self.save_button.show()
        # After a check the import may follow; after an import there is nothing more to do.
        self.check_button.setVisible(report.dry_run)
        self.import_button.setVisible(report.dry_run)

    def cancel_or_close(self) -> None:
        if self._op is not None and self._op.running:
            self._op.cancel()
            self.cancel_button.setEnabled(False)
            self.message.show_message(self.tr("Cancelling…"), "info")
            return
        self.cancel_button.setEnabled(True)
        self.accept() if self.imported else self.reject()

    def reject(self) -> None:
        if self._op is not None and self._op.running:
            self.cancel_or_close()
            return
        super().reject()

    def wipe(self) -> None:
        """Forget the file's rows (at lock time): cancel any run, empty every table."""
        if self._op is not None and self._op.running:
            self._op.cancel()
        self.preview, self.report = None, None
        for table in (self.mapping, self.rows, self.report_table):
            table.setRowCount(0)
        self.summary.clear()
        self.hide()

    # -- report ------------------------------------------------------------------------------
    def save_report(self, path: str | None = None) -> None:
        if self.report is None:
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, self.tr("Save report"), str(self.path.with_suffix(".report.txt")),
                self.tr("Text files (*.txt)"))
        if not path:
            return
        try:
            Path(path).write_text("\n".join(report_lines(self.report)) + "\n",
                                  encoding="utf-8-sig")
        except OSError as exc:
            self.message.show_message(self.tr("The report could not be saved: {error}").format(
                error=exc.strerror or str(exc)))
            return
        self.message.show_message(self.tr("Report saved to {path}.").format(path=path), "ok")
