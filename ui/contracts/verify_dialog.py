"""Checking a signed PDF: any file, chosen or dropped, verified off the GUI thread against the
vault's trust roots; one row per signature and a verdict in words as well as colour.

`ReportView` shows a core.pdf.verify.VerificationReport; the documents tab of a contract uses
it too."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.session import Session
from ui.contracts.pdf_files import choose_open_path, pdf_filter, read_file
from ui.widgets import MessageLabel, bullets
from ui.worker import BusyIndicator, Op, Task, error_text, run_op

if TYPE_CHECKING:
    from core.pdf.verify import SignatureCheck, VerificationReport


def _tr(text: str) -> str:
    return QCoreApplication.translate("VerifyReport", text)


def _core(text: str) -> str:
    # Core's findings are fixed English sentences; a catalogue may translate them.
    return QCoreApplication.translate("core", text)


def local_time(moment: datetime | None) -> str:
    if moment is None:
        return _tr("unknown")
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def yes_no(flag: bool) -> str:
    return _tr("yes") if flag else _tr("NO")


def verdict_text(report: VerificationReport) -> str:
    if report.ok:
        count = len(report.signatures)
        return _tr("✔ OK: all {count} signature(s) hold; the document is unchanged since it "
                   "was signed.").format(count=count)
    return _tr("✘ NOT OK: the document does not verify.")


class ReportView(QWidget):
    """The verdict line, the problems, and a table of the signatures."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: VerificationReport | None = None
        self.verdict = MessageLabel(self)
        self.verdict.setObjectName("verdict")
        self.problems = MessageLabel(self)
        headers = [_tr("Field"), _tr("Signer"), _tr("Signed at (local time)"), _tr("Intact"),
                   _tr("Valid"), _tr("Trusted"), _tr("After signing"), _tr("Audit head"),
                   _tr("Result")]
        self.table = QTableWidget(0, len(headers), self)
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(self.problems)
        layout.addWidget(self.table, 1)

    def show_report(self, report: VerificationReport) -> None:
        self.report = report
        self.verdict.show_message(verdict_text(report), "ok" if report.ok else "error")
        if report.problems:
            self.problems.show_message(bullets([_core(p) for p in report.problems]), "error")
        else:
            self.problems.clear_message()
        self.table.setRowCount(len(report.signatures))
        for row, sig in enumerate(report.signatures):
            for column, text in enumerate(self._cells(sig)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.setVisible(bool(report.signatures))

    def _cells(self, sig: SignatureCheck) -> list[str]:
        kind = _tr("certification") if sig.certification else _tr("approval")
        result = _tr("OK") if sig.ok else _tr("FAILED: {problems}").format(
            problems="; ".join(_core(p) for p in sig.problems))
        return [f"{sig.field} ({kind})", sig.signer_name or sig.signer or _tr("unknown"),
                local_time(sig.signed_at), yes_no(sig.intact), yes_no(sig.valid),
                yes_no(sig.trusted), _core(sig.modification),
                sig.audit_head or _tr("none"), result]

    def row_texts(self, row: int) -> list[str]:
        return [self.table.item(row, c).text() for c in range(self.table.columnCount())]

    def clear(self) -> None:
        self.report = None
        self.verdict.clear_message()
        self.problems.clear_message()
        self.table.setRowCount(0)
        self.table.hide()


class VerifyDialog(QDialog):
    """Choose (Ctrl+O) or drop a PDF; it is checked on a worker thread."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._op: Op | None = None
        self.path: Path | None = None
        self.setWindowTitle(self.tr("Verify a signed PDF"))
        self.setAcceptDrops(True)
        intro = QLabel(self.tr(
            "Choose a signed PDF or drop it here. Every signature is checked against this "
            "vault's certificate authority (and the organisation's certificate, if one is "
            "installed): the signed bytes are intact, the signature is valid and trusted, and "
            "nothing but what the signer allowed was added afterwards."), self)
        intro.setWordWrap(True)
        self.file_label = QLabel(self.tr("No file chosen."), self)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.file_label.setWordWrap(True)
        self.choose_button = QPushButton(self.tr("&Choose PDF…"), self)
        self.choose_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Open))
        self.choose_button.setToolTip(self.tr("Choose a PDF file to check (Ctrl+O)"))
        self.close_button = QPushButton(self.tr("Close"), self)
        self.close_button.setToolTip(self.tr("Close (Esc)"))
        for button in (self.choose_button, self.close_button):
            button.setAutoDefault(False)
        self.message = MessageLabel(self)
        self.busy = BusyIndicator(self)
        self.view = ReportView(self)
        row = QHBoxLayout()
        row.addWidget(self.choose_button)
        row.addWidget(self.file_label, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.choose_button.clicked.connect(self.choose)
        self.close_button.clicked.connect(self.reject)
        self.resize(900, 420)

    @property
    def report(self) -> VerificationReport | None:
        return self.view.report

    def choose(self) -> None:
        path = choose_open_path(self, self.tr("Choose a signed PDF"), pdf_filter())
        if path:
            self.verify_file(path)

    def verify_file(self, path: str | Path) -> Op:
        """Read and check `path` on a worker; the result replaces what was shown."""
        chosen = self.path = Path(path)
        self.file_label.setText(str(chosen))
        return self._start(lambda: read_file(chosen))

    def verify_bytes(self, data: bytes, name: str) -> Op:
        self.path = None
        self.file_label.setText(name)
        return self._start(lambda: data)

    def _start(self, load: object) -> Op:
        session, actor = self._session, self._session.user
        self.message.clear_message()
        self.view.clear()
        self.busy.start(self.tr("Checking the signatures…"), [self.choose_button])

        def work(_task: Task) -> VerificationReport:
            data = load()  # type: ignore[operator]
            return session.contract_pdfs.verify(actor, data)

        self._op = run_op(self, work, on_done=self.view.show_report,
                          on_error=lambda exc: self.message.show_message(error_text(exc)),
                          on_finished=self.busy.stop)
        return self._op

    # -- drag and drop -------------------------------------------------------------------------
    def _dropped_path(self, event: QDragEnterEvent | QDropEvent) -> str:
        mime = event.mimeData()
        if not mime.hasUrls():
            return ""
        local = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        return local[0] if len(local) == 1 else ""

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_path(event) and not self.busy.active:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_path(event)
        if path and not self.busy.active:
            event.acceptProposedAction()
            self.verify_file(path)
        else:
            event.ignore()

    def wipe(self) -> None:
        self.view.clear()
        self.message.clear_message()
        self.file_label.clear()
