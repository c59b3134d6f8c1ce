"""Signing certificates (SIGNING_MANAGE, administrators): the vault's certificate authority and
the organisation's own certificate, exporting the CA for Adobe Reader or pdfsig, installing a
PKCS#12 from a public CA, and the company details printed as the seller on every contract (its
name is also the organisation named in new certificates, so it lives here).

Certificates are read on a worker: loading `cryptography` costs tens of milliseconds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from core.changes import Changes
from core.contracts.model import Party
from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.pdf_files import choose_open_path, choose_save_path, read_file, write_file
from ui.widgets import MessageLabel, button_row, page_layout, password_edit
from ui.worker import BusyIndicator, Op, Task, error_text, run_op

if TYPE_CHECKING:
    from cryptography import x509

COMPANY_FIELDS = ("name", "address", "credit_code", "contact", "phone", "email")


@dataclass(frozen=True)
class CertInfo:
    subject: str
    fingerprint: str
    not_before: str
    not_after: str


def cert_info(cert: x509.Certificate | None) -> CertInfo | None:
    if cert is None:
        return None
    from core.pdf.pki import fingerprint

    def day(moment: object) -> str:
        return moment.astimezone().strftime("%Y-%m-%d %H:%M")  # type: ignore[attr-defined]

    return CertInfo(cert.subject.rfc4514_string(), fingerprint(cert),
                    day(cert.not_valid_before_utc), day(cert.not_valid_after_utc))


class CertBox(QGroupBox):
    def __init__(self, title: str, empty_text: str, parent: QWidget) -> None:
        super().__init__(title, parent)
        self._empty_text = empty_text
        self.subject, self.fingerprint, self.validity = QLabel(self), QLabel(self), QLabel(self)
        for label in (self.subject, self.fingerprint, self.validity):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout(self)
        form.addRow(self.tr("Subject:"), self.subject)
        form.addRow(self.tr("SHA-256 fingerprint:"), self.fingerprint)
        form.addRow(self.tr("Valid:"), self.validity)

    def show_info(self, info: CertInfo | None) -> None:
        if info is None:
            self.subject.setText(self._empty_text)
            self.fingerprint.clear()
            self.validity.clear()
            return
        self.subject.setText(info.subject)
        self.fingerprint.setText(info.fingerprint)
        self.validity.setText(self.tr("from {start} to {end} (local time)").format(
            start=info.not_before, end=info.not_after))


class SigningPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._op: Op | None = None
        self.exported_path: Path | None = None
        layout = page_layout(self, self.tr("Signing certificates"), self.tr(
            "Contracts are certified for the company and the customer's signature is sealed "
            "with certificates from the vault's own certificate authority, or with the "
            "organisation's certificate from a public CA once one is installed."))
        self.ca_box = CertBox(self.tr("Vault certificate authority"), self.tr(
            "Not created yet: it is made the first time a contract is signed or the CA is "
            "exported."), self)
        self.org_box = CertBox(self.tr("Organisation certificate"), self.tr(
            "None installed: the company signs with certificates from the vault CA."), self)
        layout.addWidget(self.ca_box)
        layout.addWidget(self.org_box)

        self.export_button = QPushButton(self.tr("&Export CA certificate…"), self)
        self.export_button.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_button.setToolTip(self.tr(
            "Save the CA's public certificate (PEM) so others can trust the signatures "
            "(Ctrl+Shift+E)"))
        self.org_button = QPushButton(self.tr("Use &organisation certificate…"), self)
        self.org_button.setToolTip(self.tr(
            "Install the organisation's certificate from a public CA (.p12/.pfx with its "
            "password); the company signs with it from then on"))
        layout.addLayout(button_row(self.export_button, self.org_button))
        guide = QLabel(self.tr(
            "To check signed contracts in Adobe Acrobat Reader or with poppler's pdfsig, "
            "trust the exported CA certificate there: docs/SIGNATURES.md gives the steps. "
            "Read the SHA-256 fingerprint above to whoever installs it, by another channel "
            "than the file."), self)
        guide.setObjectName("pageIntro")
        guide.setWordWrap(True)
        layout.addWidget(guide)

        self.p12_password = password_edit(self)
        self.p12_password.setPlaceholderText(self.tr("Password of the .p12/.pfx file"))
        password_row = QFormLayout()
        password_row.addRow(self.tr("PKCS#12 &password:"), self.p12_password)
        layout.addLayout(password_row)

        self.company_box = QGroupBox(self.tr("Company (the seller on every contract)"), self)
        self.company: dict[str, QLineEdit] = {k: QLineEdit(self.company_box)
                                              for k in COMPANY_FIELDS}
        labels = {"name": self.tr("&Name:"), "address": self.tr("&Address:"),
                  "credit_code": self.tr("Unified social &credit code:"),
                  "contact": self.tr("Con&tact:"), "phone": self.tr("P&hone:"),
                  "email": self.tr("E&mail:")}
        company_form = QFormLayout(self.company_box)
        for key in COMPANY_FIELDS:
            company_form.addRow(labels[key], self.company[key])
        self.save_company_button = QPushButton(self.tr("&Save company details"), self)
        self.save_company_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        self.save_company_button.setToolTip(self.tr("Save the company details (Ctrl+S)"))
        company_form.addRow("", self.save_company_button)
        can_company = session.can(Permission.POLICY_MANAGE)
        self.company_box.setEnabled(can_company)
        layout.addWidget(self.company_box)

        self.message = MessageLabel(self)
        self.busy = BusyIndicator(self)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        self._buttons = [self.export_button, self.org_button, self.save_company_button]

        self.export_button.clicked.connect(self.export_ca)
        self.org_button.clicked.connect(self.choose_organisation_certificate)
        self.save_company_button.clicked.connect(self.save_company)
        if bridge is not None:
            bridge.changed.connect(self._changed)
        self.load_company()
        self.refresh()

    # -- showing -------------------------------------------------------------------------------
    def refresh(self) -> Op:
        signing = self._session.signing

        def work(_task: Task) -> tuple[CertInfo | None, CertInfo | None]:
            return (cert_info(signing.ca_certificate()),
                    cert_info(signing.organisation_certificate()))

        def done(infos: tuple[CertInfo | None, CertInfo | None]) -> None:
            self.ca_box.show_info(infos[0])
            self.org_box.show_info(infos[1])

        self._op = run_op(self, work, on_done=done, on_error=self._show_error)
        return self._op

    def load_company(self) -> None:
        try:
            party = self._session.contracts.company()
        except Exception as exc:  # shown on the page, never raised into Qt
            self._show_error(exc)
            return
        for key in COMPANY_FIELDS:
            self.company[key].setText(getattr(party, key))

    def _changed(self, changes: Changes) -> None:
        # The signing service publishes a bare Changes when a key is created or replaced.
        del changes
        if not self.busy.active:
            self.refresh()

    def _show_error(self, exc: BaseException) -> None:
        self.message.show_message(error_text(exc))

    def _run(self, text: str, work: object, done: object) -> Op:
        self.message.clear_message()
        self.busy.start(text, self._buttons)
        self._op = run_op(self, work, on_done=done, on_error=self._show_error,  # type: ignore
                          on_finished=self.busy.stop)
        return self._op

    # -- the CA --------------------------------------------------------------------------------
    def export_ca(self) -> None:
        path = choose_save_path(self, self.tr("Export the CA certificate"), "strongroom-ca.pem",
                                self.tr("PEM certificates (*.pem);;All files (*)"), ".pem")
        if path:
            self.export_ca_to(path)

    def export_ca_to(self, path: str | Path) -> Op:
        session, actor, target = self._session, self._session.user, Path(path)

        def work(_task: Task) -> tuple[Path, CertInfo | None]:
            pem = session.signing.export_ca_pem(actor)
            written = write_file(target, pem)
            return written, cert_info(session.signing.ca_certificate())

        def done(result: tuple[Path, CertInfo | None]) -> None:
            self.exported_path, info = result
            self.ca_box.show_info(info)
            self.message.show_message(self.tr(
                "The CA certificate was saved to {path}. Its SHA-256 fingerprint is "
                "{fingerprint}. See docs/SIGNATURES.md for trusting it in Adobe Reader or "
                "pdfsig.").format(path=self.exported_path,
                                  fingerprint=info.fingerprint if info else ""), "ok")

        return self._run(self.tr("Exporting the CA certificate…"), work, done)

    # -- the organisation's certificate --------------------------------------------------------
    def choose_organisation_certificate(self) -> None:
        path = choose_open_path(self, self.tr("Choose the organisation's certificate"),
                                self.tr("PKCS#12 files (*.p12 *.pfx);;All files (*)"))
        if path:
            self.use_organisation_certificate(path, self.p12_password.text())

    def use_organisation_certificate(self, path: str | Path, password: str) -> Op:
        session, actor, source = self._session, self._session.user, Path(path)
        self.p12_password.clear()

        def work(_task: Task) -> CertInfo | None:
            blob = read_file(source, limit=1024 * 1024)
            return cert_info(session.signing.use_organisation_certificate(actor, blob,
                                                                          password or None))

        def done(info: CertInfo | None) -> None:
            self.org_box.show_info(info)
            self.message.show_message(self.tr(
                "The organisation's certificate is installed: the company signs with it from "
                "now on, and its root is trusted when verifying."), "ok")

        return self._run(self.tr("Installing the organisation's certificate…"), work, done)

    # -- the company ---------------------------------------------------------------------------
    def save_company(self) -> None:
        party = Party(**{k: self.company[k].text() for k in COMPANY_FIELDS})
        try:
            saved = self._session.contracts.set_company(self._session.user, party)
        except Exception as exc:  # core's reason shown on the page, never raised into Qt
            self._show_error(exc)
            return
        for key in COMPANY_FIELDS:
            self.company[key].setText(getattr(saved, key))
        self.message.show_message(self.tr("The company details were saved; new contracts "
                                          "print them."), "ok")

    def wipe(self) -> None:
        if self._op is not None:
            self._op.cancel()
        self.ca_box.show_info(None)
        self.org_box.show_info(None)
        self.p12_password.clear()
        for edit in self.company.values():
            edit.clear()
