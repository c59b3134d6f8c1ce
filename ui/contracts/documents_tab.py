"""The documents of one contract: the PDF for review, signing with the customer, and the signed
copy in the vault's archive (exported, or verified where it lies).

Rendering, signing and verifying load reportlab/pyHanko and take tens to hundreds of
milliseconds, so they run on a worker; reading the contract's state is a quick read and is not.
Saving a review copy writes a plain file only where the user chose (no temporary previews: a
contract must not linger unencrypted in a temp folder)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from core.contracts.model import ArchivedDocument, Contract
from core.contracts.money import format_amount
from core.contracts.workflow import ContractState
from core.roles import Permission
from core.session import Session
from ui.contracts.pdf_files import choose_save_path, pdf_filter, safe_file_name, write_file
from ui.contracts.sign_dialog import CustomerSignDialog
from ui.contracts.verify_dialog import ReportView, local_time
from ui.widgets import MessageLabel, button_row
from ui.worker import BusyIndicator, Op, Task, error_text, run_op

if TYPE_CHECKING:
    from core.contracts.output import ContractPdf
    from core.pdf.verify import VerificationReport


class DocumentsTab(QWidget):
    """Documents of one contract; `refresh()` re-reads its state, `wipe()` forgets shown data
    at lock time (the tab is then spent: the window builds new pages on unlock)."""

    def __init__(self, session: Session, contract_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._contract_id = contract_id
        self.contract: Contract | None = None
        self.archived: ArchivedDocument | None = None
        self.saved_path: Path | None = None
        self.sign_dialog: CustomerSignDialog | None = None
        self._op: Op | None = None
        self._wiped = False

        self.status = QLabel(self)
        self.status.setObjectName("documentStatus")
        self.status.setWordWrap(True)
        self.save_button = QPushButton(self.tr("Save PDF for &review…"), self)
        self.save_button.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_button.setToolTip(self.tr(
            "Render the contract as it stands and save it where you choose (Ctrl+Shift+S). "
            "An unsigned copy is for review only."))
        self.open_button = QPushButton(self.tr("&Open saved copy"), self)
        self.open_button.setToolTip(self.tr("Open the file just saved in the PDF viewer"))
        self.open_button.hide()
        self.sign_button = QPushButton(self.tr("Sign with &customer…"), self)
        self.sign_button.setShortcut(QKeySequence("Ctrl+Shift+G"))
        self.sign_button.setToolTip(self.tr(
            "The customer signs on this computer; the company's certification and the "
            "customer's signature are sealed into the PDF and archived (Ctrl+Shift+G)."))
        self.export_button = QPushButton(self.tr("&Export signed PDF…"), self)
        self.export_button.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_button.setToolTip(self.tr(
            "Save a copy of the archived signed PDF (Ctrl+Shift+E); the export is recorded "
            "in the audit trail."))
        self.verify_button = QPushButton(self.tr("&Verify archived copy"), self)
        self.verify_button.setShortcut(QKeySequence("Ctrl+Shift+Y"))
        self.verify_button.setToolTip(self.tr(
            "Check every signature of the archived PDF (Ctrl+Shift+Y); reading it is recorded "
            "in the audit trail."))
        self._buttons = [self.save_button, self.sign_button, self.export_button,
                         self.verify_button]

        self.message = MessageLabel(self)
        self.busy = BusyIndicator(self)
        self.report_view = ReportView(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(button_row(self.save_button, self.open_button))
        layout.addLayout(button_row(self.sign_button, self.export_button, self.verify_button))
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.report_view, 1)

        self.save_button.clicked.connect(self.save_pdf)
        self.open_button.clicked.connect(self.open_saved)
        self.sign_button.clicked.connect(self.start_signing)
        self.export_button.clicked.connect(self.export_signed)
        self.verify_button.clicked.connect(self.verify_archived)
        self.refresh()

    # -- state ---------------------------------------------------------------------------------
    @property
    def report(self) -> VerificationReport | None:
        return self.report_view.report

    def refresh(self) -> None:
        """Re-read the contract and its archive entry (quick reads) and update the buttons."""
        if self._wiped:
            return
        session, actor = self._session, self._session.user
        try:
            self.contract = session.contracts.get(actor, self._contract_id)
            self.archived = session.contracts.archived(actor, self._contract_id)
        except Exception as exc:  # shown in the tab, never raised into Qt
            self.contract, self.archived = None, None
            self.status.setText("")
            self.message.show_message(error_text(exc))
            self._update_buttons()
            return
        self.status.setText(self._status_text())
        self._update_buttons()

    def _status_text(self) -> str:
        if self.contract is None:
            return ""
        if self.archived is None:
            if self.contract.state == ContractState.APPROVED:
                return self.tr("Approved, not signed yet: nothing is archived. The customer can "
                               "sign it now.")
            return self.tr("Not signed: nothing is archived. A saved PDF is a copy for review.")
        return self.tr(
            "Signed and archived in the vault on {when}.\nSHA-256 of the archived PDF: {sha}"
        ).format(when=local_time(self.archived.signed_at), sha=self.archived.sha256)

    def _update_buttons(self) -> None:
        can = self._session.can
        contract, archived = self.contract, self.archived is not None
        self.save_button.setEnabled(contract is not None)
        self.sign_button.setVisible(can(Permission.CONTRACT_SIGN))
        self.sign_button.setEnabled(contract is not None and not archived
                                    and contract.state == ContractState.APPROVED)
        exportable = archived and can(Permission.CONTRACT_EXPORT)
        self.export_button.setVisible(can(Permission.CONTRACT_EXPORT))
        self.export_button.setEnabled(exportable)
        # Checking the archived copy reads it inside the vault: whoever sees the contract may.
        self.verify_button.setEnabled(archived)
        if self.busy.active:  # restored by the busy line when the work ends
            for button in self._buttons:
                button.setEnabled(False)

    def wipe(self) -> None:
        self._wiped = True  # a worker finishing after the lock must not show or re-read
        if self._op is not None:
            self._op.cancel()
        if self.sign_dialog is not None:
            self.sign_dialog.pad.clear()
            self.sign_dialog.reject()
            self.sign_dialog = None
        self.contract, self.archived, self.saved_path = None, None, None
        self.status.clear()
        self.message.clear_message()
        self.report_view.clear()
        self.open_button.hide()
        for button in self._buttons:
            button.setEnabled(False)

    def _number(self) -> str:
        return self.contract.number if self.contract else str(self._contract_id)

    def _run(self, text: str, work: object, done: object, failed: object = None) -> Op:
        self.message.clear_message()
        self.busy.start(text, self._buttons)

        def finished() -> None:
            self.busy.stop()
            if not self._wiped:
                self._update_buttons()

        def unless_wiped(callback: object) -> object:
            return lambda value: None if self._wiped else callback(value)  # type: ignore

        self._op = run_op(self, work, on_done=unless_wiped(done),  # type: ignore[arg-type]
                          on_error=unless_wiped(failed or self._show_error),  # type: ignore
                          on_progress=self.busy.set_text, on_finished=finished)
        return self._op

    def _show_error(self, exc: BaseException) -> None:
        self.message.show_message(error_text(exc))

    # -- review copy ---------------------------------------------------------------------------
    def save_pdf(self) -> None:
        if self.contract is None:
            return
        signed = self.archived is not None
        suggested = f"{safe_file_name(self._number())}" + ("-unsigned-copy.pdf" if signed
                                                             else "-for-review.pdf")
        path = choose_save_path(self, self.tr("Save the contract for review"), suggested,
                                pdf_filter(), ".pdf")
        if path:
            self.save_pdf_to(path)

    def save_pdf_to(self, path: str | Path) -> Op:
        session, actor, cid, target = (self._session, self._session.user, self._contract_id,
                                       Path(path))

        def work(_task: Task) -> tuple[Path, int]:
            rendered = session.contract_pdfs.render(actor, cid)
            return write_file(target, rendered.pdf), rendered.pages

        def done(result: tuple[Path, int]) -> None:
            self.saved_path, pages = result
            self.open_button.show()
            note = (self.tr("It is not the signed document: export the archived copy for that.")
                    if self.archived is not None
                    else self.tr("It is unsigned and for review only."))
            self.message.show_message(self.tr("Saved {pages} page(s) to {path}. {note}").format(
                pages=pages, path=self.saved_path, note=note), "ok")

        return self._run(self.tr("Rendering the PDF…"), work, done)

    def open_saved(self) -> None:
        if self.saved_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved_path)))

    # -- signing -------------------------------------------------------------------------------
    def start_signing(self) -> None:
        contract = self.contract
        if contract is None or not self.sign_button.isEnabled():
            return
        total = f"{format_amount(contract.gross, contract.currency)} {contract.currency}"
        self.sign_dialog = CustomerSignDialog(contract.number, total, self)
        self.sign_dialog.finished.connect(self._sign_dialog_finished)
        self.sign_dialog.open()

    def _sign_dialog_finished(self, result: int) -> None:
        dialog, self.sign_dialog = self.sign_dialog, None
        if dialog is None:
            return
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            return
        name, png = dialog.result_signature()
        self.sign(name, png)

    def sign(self, customer_name: str, handwriting_png: bytes | None) -> Op:
        """Sign on a worker, then verify what was archived and show the report."""
        session, actor, cid = self._session, self._session.user, self._contract_id
        signing_text = self.tr("Sealing the signatures into the PDF…")
        checking_text = self.tr("Checking the signed PDF…")

        def work(task: Task) -> VerificationReport:
            signed: ContractPdf = session.contract_pdfs.sign(actor, cid, customer_name,
                                                             handwriting_png)
            task.progress(checking_text)
            return session.contract_pdfs.verify(actor, signed.pdf)

        def done(report: VerificationReport) -> None:
            self.refresh()
            self.report_view.show_report(report)
            self.message.show_message(self.tr(
                "Signed by {name} and archived in the vault.").format(name=customer_name),
                "ok")

        def failed(exc: BaseException) -> None:
            self.refresh()
            self.message.show_message(error_text(exc))

        return self._run(signing_text, work, done, failed)

    # -- the archived copy ---------------------------------------------------------------------
    def export_signed(self) -> None:
        if self.archived is None:
            return
        path = choose_save_path(self, self.tr("Export the signed PDF"),
                                f"{safe_file_name(self._number())}-signed.pdf", pdf_filter(),
                                ".pdf")
        if path:
            self.export_signed_to(path)

    def export_signed_to(self, path: str | Path) -> Op:
        session, actor, cid, target = (self._session, self._session.user, self._contract_id,
                                       Path(path))

        def work(_task: Task) -> Path:
            return session.contracts.export_signed(actor, cid, target)

        def done(written: Path) -> None:
            self.saved_path = written
            self.open_button.show()
            sha = self.archived.sha256 if self.archived else ""
            self.message.show_message(self.tr(
                "The signed PDF was saved to {path} (SHA-256 {sha}). The export is recorded in "
                "the audit trail.").format(path=written, sha=sha), "ok")

        return self._run(self.tr("Exporting the signed PDF…"), work, done)

    def verify_archived(self) -> Op | None:
        if self.archived is None:
            return None
        session, actor, cid = self._session, self._session.user, self._contract_id

        def work(_task: Task) -> VerificationReport:
            return session.contract_pdfs.verify_archived(actor, cid)

        def done(report: VerificationReport) -> None:
            self.report_view.show_report(report)

        return self._run(self.tr("Checking the archived PDF…"), work, done)
