"""The documents tab of a contract, driven like a person: the customer signs on the pad and the
contract is archived and shown verified; the export is byte for byte the archived copy; a
review copy of a draft is a PDF; who may not sign or export does not get the buttons; errors
from core are shown as sentences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from core.audit import AuditFilter
from core.contracts.workflow import ContractState
from tests.core.contract_support import drive, make_world
from tests.core.test_contract_output import handwriting
from tests.ui.test_signature_pad import sign as draw_signature
from ui.contracts.documents_tab import DocumentsTab
from ui.worker import wait_for_workers


@pytest.fixture
def world(login: Any) -> Any:
    return make_world(login)


def make_tab(qtbot: QtBot, session: Any, contract_id: int) -> DocumentsTab:
    tab = DocumentsTab(session, contract_id)
    qtbot.addWidget(tab)
    tab.show()
    return tab


def wait_idle(qtbot: QtBot, tab: DocumentsTab) -> None:
    qtbot.waitUntil(lambda: not tab.busy.active, timeout=20_000)


def save_dialog_returns(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[tuple]:
    asked: list[tuple] = []

    def fake(*args: Any, **_kw: Any) -> tuple[str, str]:
        asked.append(args)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    return asked


def test_the_customer_signs_on_the_pad_and_the_tab_shows_it_archived_and_verified(
        qtbot: QtBot, world: Any) -> None:
    cid = drive(world, ContractState.APPROVED)
    tab = make_tab(qtbot, world.rep, cid)
    assert tab.sign_button.isEnabled() and not tab.export_button.isEnabled()
    assert "not signed" in tab.status.text()

    qtbot.mouseClick(tab.sign_button, Qt.MouseButton.LeftButton)
    dialog = tab.sign_dialog
    assert dialog is not None and dialog.isVisible()
    assert "2,260.00 CNY" in dialog.meaning.text()
    dialog.name.setText("李 雷")  # QTest types ASCII only
    draw_signature(dialog.pad)
    assert dialog.sign_button.isEnabled()
    dialog.sign_button.click()
    qtbot.waitUntil(lambda: tab.report is not None, timeout=20_000)
    wait_idle(qtbot, tab)

    contract = world.rep.contracts.get(world.rep.user, cid)
    assert contract.state == ContractState.SIGNED
    archived = world.rep.contracts.archived(world.rep.user, cid)
    assert archived is not None
    assert tab.report is not None and tab.report.ok
    assert tab.report_view.verdict.text().startswith("✔ OK")
    assert {s.field for s in tab.report.signatures} == {"CompanySignature",
                                                       "CustomerSignature"}
    assert archived.sha256 in tab.status.text()
    assert "Signed by 李 雷" in tab.message.text()
    # Signed once: the button cannot sign it again, export and verify are now offered.
    assert not tab.sign_button.isEnabled()
    assert tab.export_button.isEnabled() and tab.verify_button.isEnabled()


def test_cancelling_the_pad_signs_nothing(qtbot: QtBot, world: Any) -> None:
    cid = drive(world, ContractState.APPROVED)
    tab = make_tab(qtbot, world.rep, cid)
    tab.start_signing()
    assert tab.sign_dialog is not None
    tab.sign_dialog.cancel_button.click()
    assert not tab.busy.active and tab.report is None
    assert world.rep.contracts.get(world.rep.user, cid).state == ContractState.APPROVED


def test_export_writes_exactly_the_archived_bytes_and_verify_reports_ok(
        qtbot: QtBot, world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = drive(world, ContractState.APPROVED)
    world.rep.contract_pdfs.sign(world.rep.user, cid, "李雷", handwriting())
    tab = make_tab(qtbot, world.rep, cid)
    target = tmp_path / "signed"  # the suffix is added
    asked = save_dialog_returns(monkeypatch, target)
    tab.export_button.click()
    wait_idle(qtbot, tab)
    written = tmp_path / "signed.pdf"
    assert asked and written.read_bytes() == world.admin.contracts.signed_pdf(
        world.admin.user, cid)
    assert "recorded in the audit trail" in tab.message.text()
    assert not list(tmp_path.glob(".export-*"))  # no temporary file left behind

    tab.verify_button.click()
    wait_idle(qtbot, tab)
    assert tab.report is not None and tab.report.ok
    assert tab.report_view.table.rowCount() == 2
    assert all("yes" in tab.report_view.row_texts(r)[3] for r in range(2))


def test_a_draft_saves_a_review_copy_and_cannot_be_signed_or_exported(
        qtbot: QtBot, world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = drive(world, ContractState.DRAFT)
    tab = make_tab(qtbot, world.rep, cid)
    assert not tab.sign_button.isEnabled()
    assert not tab.export_button.isEnabled() and not tab.verify_button.isEnabled()
    asked = save_dialog_returns(monkeypatch, tmp_path / "review.pdf")
    tab.save_button.click()
    wait_idle(qtbot, tab)
    assert "for-review" in asked[0][2]
    assert (tmp_path / "review.pdf").read_bytes().startswith(b"%PDF")
    assert "for review only" in tab.message.text()
    assert tab.open_button.isVisible()
    assert world.rep.contracts.archived(world.rep.user, cid) is None


def test_signing_what_is_not_approved_shows_the_reason_not_a_traceback(
        qtbot: QtBot, world: Any) -> None:
    cid = drive(world, ContractState.IN_REVIEW)
    tab = make_tab(qtbot, world.rep, cid)
    assert not tab.sign_button.isEnabled()
    tab.sign("李雷", handwriting())  # as if the state changed under the open tab
    wait_idle(qtbot, tab)
    text = tab.message.text()
    assert text and "Traceback" not in text and "unexpected" not in text
    assert world.rep.contracts.get(world.rep.user, cid).state == ContractState.IN_REVIEW


def test_saving_into_a_missing_folder_is_an_error_message(
        qtbot: QtBot, world: Any, tmp_path: Path) -> None:
    cid = drive(world, ContractState.DRAFT)
    tab = make_tab(qtbot, world.rep, cid)
    tab.save_pdf_to(tmp_path / "no-such-folder" / "x.pdf")
    wait_idle(qtbot, tab)
    assert "does not exist" in tab.message.text()


def test_an_auditor_sees_the_status_but_gets_no_sign_or_export(
        qtbot: QtBot, world: Any) -> None:
    cid = drive(world, ContractState.APPROVED)
    world.rep.contract_pdfs.sign(world.rep.user, cid, "李雷", handwriting())
    tab = make_tab(qtbot, world.auditor, cid)
    assert tab.contract is not None
    assert not tab.sign_button.isVisible() and not tab.export_button.isVisible()
    # ...but may check the archived copy, which never leaves the vault (not an export).
    before = len(world.admin.audit.page(world.admin.user, AuditFilter(action="contract.exported")))
    tab.verify_archived()
    wait_idle(qtbot, tab)
    assert tab.report is not None and tab.report.ok
    assert len(world.admin.audit.page(world.admin.user,
                                      AuditFilter(action="contract.exported"))) == before


def test_wipe_forgets_what_was_shown(qtbot: QtBot, world: Any) -> None:
    cid = drive(world, ContractState.APPROVED)
    world.rep.contract_pdfs.sign(world.rep.user, cid, "李雷", handwriting())
    tab = make_tab(qtbot, world.rep, cid)
    tab.verify_archived()
    wait_idle(qtbot, tab)
    assert tab.report is not None
    tab.wipe()
    assert tab.report is None and tab.contract is None and tab.archived is None
    assert tab.status.text() == "" and tab.report_view.table.rowCount() == 0
    assert not any(b.isEnabled() for b in (tab.sign_button, tab.export_button,
                                           tab.verify_button, tab.save_button))


def test_a_result_arriving_after_wipe_is_dropped(qtbot: QtBot, world: Any) -> None:
    cid = drive(world, ContractState.APPROVED)
    world.rep.contract_pdfs.sign(world.rep.user, cid, "李雷", handwriting())
    tab = make_tab(qtbot, world.rep, cid)
    tab.verify_archived()
    tab.wipe()  # locked while the check runs
    assert wait_for_workers(20_000)
    assert tab.report is None and tab.status.text() == "" and tab.message.text() == ""


def test_finance_may_export_and_verify_but_not_sign(qtbot: QtBot, world: Any) -> None:
    cid = drive(world, ContractState.APPROVED)
    tab = make_tab(qtbot, world.finance, cid)
    assert not tab.sign_button.isVisible()
    assert tab.export_button.isVisible() and not tab.export_button.isEnabled()
    world.rep.contract_pdfs.sign(world.rep.user, cid, "李雷", handwriting())
    tab.refresh()
    assert tab.export_button.isEnabled()
    tab.verify_archived()
    wait_idle(qtbot, tab)
    assert tab.report is not None and tab.report.ok
