"""The signing page: only administrators get it; the CA is exported as a PEM that
`cryptography` loads and whose fingerprint the page shows; an organisation certificate is
installed from a .p12 (a wrong password is a message, not a crash); company details are saved;
the verify action of the main window is there for every user and gone while locked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from core.audit import AuditFilter
from core.pdf.pki import fingerprint
from core.roles import Role
from ui.main_window import MainWindow
from ui.pages import allowed_pages
from ui.pages.signing import SigningPage


def make_page(qtbot: QtBot, session: Any) -> SigningPage:
    page = SigningPage(session, None)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.ca_box.subject.text() != "", timeout=10_000)
    return page


def wait_idle(qtbot: QtBot, page: SigningPage) -> None:
    qtbot.waitUntil(lambda: not page.busy.active, timeout=20_000)


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_MANAGER, Role.FINANCE,
                                  Role.AUDITOR])
def test_only_administrators_see_the_signing_page(login: Any, role: Role) -> None:
    assert "signing" not in {s.key for s in allowed_pages(login(role))}


def test_an_administrator_exports_a_pem_that_cryptography_loads(
        qtbot: QtBot, admin_session: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert "signing" in {s.key for s in allowed_pages(admin_session)}
    page = make_page(qtbot, admin_session)
    assert "Not created yet" in page.ca_box.subject.text()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(tmp_path / "ca"), "")))
    page.export_button.click()
    wait_idle(qtbot, page)
    pem = (tmp_path / "ca.pem").read_bytes()
    cert = x509.load_pem_x509_certificate(pem)
    assert cert.subject == cert.issuer  # the self-signed vault CA
    assert page.ca_box.fingerprint.text() == fingerprint(cert)
    assert fingerprint(cert) in page.message.text()
    assert "docs/SIGNATURES.md" in page.message.text()
    actions = [e.action for e in admin_session.audit.page(admin_session.user, AuditFilter())]
    assert "signing.ca_exported" in actions


def _p12(password: bytes) -> bytes:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    from core.pdf import pki

    now = datetime.now(UTC)
    ca = pki.create_ca("Public Test CA", now)
    org = pki.issue_certificate(ca, "ACME Trading Ltd", "ACME Trading Ltd", now)
    return pkcs12.serialize_key_and_certificates(b"org", org.key, org.certificate,
                                                 [ca.certificate],
                                                 BestAvailableEncryption(password))


def test_an_organisation_certificate_is_installed_from_a_p12(
        qtbot: QtBot, admin_session: Any, tmp_path: Path) -> None:
    path = tmp_path / "org.p12"
    path.write_bytes(_p12(b"p12 secret"))
    page = make_page(qtbot, admin_session)
    assert "None installed" in page.org_box.subject.text()

    page.use_organisation_certificate(path, "wrong")
    wait_idle(qtbot, page)
    assert "wrong password" in page.message.text()
    assert admin_session.signing.organisation_certificate() is None

    page.use_organisation_certificate(path, "p12 secret")
    wait_idle(qtbot, page)
    assert "ACME Trading Ltd" in page.org_box.subject.text()
    installed = admin_session.signing.organisation_certificate()
    assert installed is not None and "ACME" in installed.subject.rfc4514_string()
    assert page.p12_password.text() == ""  # the password does not stay in the field


def test_company_details_are_saved_and_a_missing_name_is_refused(
        qtbot: QtBot, admin_session: Any) -> None:
    page = make_page(qtbot, admin_session)
    page.company["name"].setText("上海强室科技有限公司")
    page.company["phone"].setText("021-5555 0100")
    page.save_company_button.click()
    company = admin_session.contracts.company()
    assert company.name == "上海强室科技有限公司" and company.phone == "021-5555 0100"
    page.company["name"].setText("  ")
    page.save_company_button.click()
    assert "needs a name" in page.message.text()
    assert admin_session.contracts.company().name == "上海强室科技有限公司"


def test_every_user_can_open_the_verify_window_but_not_while_locked(
        qtbot: QtBot, auth: Any, login: Any) -> None:
    rep = login(Role.SALES_REP)
    window = MainWindow(auth, rep, idle_ms=600_000)
    qtbot.addWidget(window)
    assert window.verify_action.isEnabled()
    assert window.verify_action.shortcut().toString() == "Ctrl+Shift+V"
    dialog = window.open_verify_dialog()
    assert dialog is not None and dialog.isVisible()
    window.lock()
    assert window.verify_dialog is None and not window.verify_action.isEnabled()
    assert window.open_verify_dialog() is None
    window.shutdown()
