"""Exporting every visible customer to a file, and transferring all of one rep's customers to
another: the two bulk actions of the Customers page, each run on a worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.audit_service import ExportCancelled
from core.customers.exporting import ExportResult
from core.customers.people import Colleague
from core.roles import Permission
from core.session import Session
from ui.task_dialog import TaskDialog
from ui.widgets import MessageLabel, ask
from ui.worker import Op, error_text, run_op


class ExportDialog(QDialog):
    """Choose the file (and, for those who may reveal, whether protected values go in clear);
    the export runs with a progress bar and can be cancelled (no file is left then)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._op: Op | None = None
        self.result_: ExportResult | None = None
        self.setWindowTitle(self.tr("Export customers"))
        self.setMinimumWidth(520)
        self.path = QLineEdit(self)
        self.path.setPlaceholderText(self.tr("customers.xlsx or customers.csv"))
        browse = QPushButton(self.tr("&Browse…"), self)
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout()
        label = QLabel(self.tr("&File:"), self)
        label.setBuddy(self.path)
        form.addRow(label, row)
        self.reveal: QCheckBox | None = None
        if session.can(Permission.SENSITIVE_REVEAL):
            self.reveal = QCheckBox(self.tr("Include &protected values in clear"), self)
            self.reveal.setObjectName("revealExport")
            note = QLabel(self.tr(
                "Without this, ID numbers, personal mobiles and bank accounts are written "
                "masked. An export in clear is recorded in the audit trail."), self)
            note.setObjectName("hint")
            note.setWordWrap(True)
            form.addRow(self.reveal)
            form.addRow(note)
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.message = MessageLabel(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.export_button = self.buttons.addButton(self.tr("&Export"),
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.export_button.setEnabled(False)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        self.path.textChanged.connect(lambda t: self.export_button.setEnabled(
            bool(t.strip()) and not self.running))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    @property
    def running(self) -> bool:
        return self._op is not None and self._op.running

    def browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export customers"), self.path.text() or "customers.xlsx",
            self.tr("Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"))
        if path:
            self.path.setText(path)

    def start(self) -> None:
        text = self.path.text().strip()
        if not text or self.running:
            return
        path = Path(text)
        if path.suffix.lower() not in (".csv", ".xlsx"):
            path = path.with_suffix(".xlsx")
            self.path.setText(str(path))
        session, actor = self._session, self._session.user
        reveal = self.reveal is not None and self.reveal.isChecked()
        self.message.clear_message()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.export_button.setEnabled(False)
        self.path.setEnabled(False)

        def work(task: object) -> ExportResult:
            return session.customer_export.export(
                actor, path, reveal,
                progress=lambda done, total: task.progress((done, total)),  # type: ignore
                cancelled=task.cancelled)  # type: ignore[attr-defined]

        self._op = run_op(self, work, on_done=self._done, on_error=self._failed,
                          on_progress=self._progress, on_finished=self._finished)

    def _progress(self, value: object) -> None:
        done, total = value  # type: ignore[misc]
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))

    def _done(self, result: ExportResult) -> None:
        self.result_ = result
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ExportCancelled):
            self.message.show_message(self.tr("Export cancelled; no file was written."), "info")
        else:
            self.message.show_message(error_text(exc))

    def _finished(self) -> None:
        self.progress.hide()
        self.path.setEnabled(True)
        self.export_button.setEnabled(bool(self.path.text().strip()))

    def reject(self) -> None:
        if self._op is not None and self._op.running:
            self._op.cancel()
            return
        super().reject()


class TransferDialog(TaskDialog):
    """Move every customer of one user to another (when someone leaves); confirmed with the
    count. `moved` holds how many were moved after OK."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.moved: int | None = None
        self.setWindowTitle(self.tr("Transfer customers"))
        self.setMinimumWidth(440)
        self.from_user = QComboBox(self)
        self.from_user.setObjectName("transferFrom")
        self.to_user = QComboBox(self)
        self.to_user.setObjectName("transferTo")
        form = QFormLayout()
        from_label = QLabel(self.tr("&From:"), self)
        from_label.setBuddy(self.from_user)
        to_label = QLabel(self.tr("&To:"), self)
        to_label.setBuddy(self.to_user)
        form.addRow(from_label, self.from_user)
        form.addRow(to_label, self.to_user)
        intro = QLabel(self.tr("Every customer owned by the first user is given to the second. "
                               "The transfer is recorded in the audit trail."), self)
        intro.setWordWrap(True)
        self.add_footer(self.tr("&Transfer…"), self._confirm, intro, form)
        self.from_user.currentIndexChanged.connect(self._update)
        self.to_user.currentIndexChanged.connect(self._update)
        self.ok_button.setEnabled(False)
        actor = session.user
        self.run(self.tr("Loading users…"), [self.from_user, self.to_user],
                 lambda _t: session.customer_people.transfer_candidates(actor), self._fill)

    def _fill(self, people: list[Colleague]) -> None:
        for person in people:
            self.from_user.addItem(person.name, person.id)
            self.to_user.addItem(person.name, person.id)
        if self.to_user.count() > 1:
            self.to_user.setCurrentIndex(1)
        self._update()

    def _update(self) -> None:
        a, b = self.from_user.currentData(), self.to_user.currentData()
        self.ok_button.setEnabled(a is not None and b is not None and a != b
                                  and not self.busy.active)

    def _confirm(self) -> None:
        session, actor = self._session, self._session.user
        source, target = self.from_user.currentData(), self.to_user.currentData()
        names = (self.from_user.currentText(), self.to_user.currentText())

        def counted(count: int) -> None:
            if not count:
                self.message.show_message(self.tr("{name} owns no customers.").format(
                    name=names[0]), "info")
                return
            self.confirm_box = ask(
                self, self.tr("Transfer customers"),
                self.tr("Transfer {count} customers from {source} to {target}?").format(
                    count=count, source=names[0], target=names[1]),
                self.tr("&Transfer"), lambda: self._transfer(source, target))

        self.run(self.tr("Counting…"), [self.from_user, self.to_user],
                 lambda _t: session.customer_people.owned_count(actor, source), counted)

    def _transfer(self, source: int, target: int) -> None:
        session, actor = self._session, self._session.user

        def done(moved: int) -> None:
            self.moved = moved
            self.accept()

        self.run(self.tr("Transferring…"), [self.from_user, self.to_user],
                 lambda _t: session.customers.transfer_all(actor, source, target), done)


__all__ = ["ExportDialog", "TransferDialog"]
