"""The verification window: a good signed contract is reported OK with its signers; one flipped
byte, a truncated copy or a file that is no PDF at all is reported NOT OK in words; a file that
cannot be read is an error message; a dropped file is checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from core.contracts.workflow import ContractState
from tests.core.contract_support import drive, make_world
from tests.core.test_contract_output import handwriting
from ui.contracts.verify_dialog import VerifyDialog


@pytest.fixture
def world(login: Any) -> Any:
    return make_world(login)


@pytest.fixture
def signed_pdf(world: Any) -> bytes:
    cid = drive(world, ContractState.APPROVED)
    return world.rep.contract_pdfs.sign(world.rep.user, cid, "李雷", handwriting()).pdf


def make_dialog(qtbot: QtBot, session: Any) -> VerifyDialog:
    dialog = VerifyDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def check(qtbot: QtBot, dialog: VerifyDialog, path: Path) -> None:
    dialog.verify_file(path)
    qtbot.waitUntil(lambda: not dialog.busy.active, timeout=20_000)


def test_a_good_file_is_ok_with_each_signature_listed(
        qtbot: QtBot, world: Any, signed_pdf: bytes, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "good.pdf"
    path.write_bytes(signed_pdf)
    # Any logged-in user may check a file: the auditor here.
    dialog = make_dialog(qtbot, world.auditor)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *_a, **_k: (str(path), "")))
    assert dialog.choose_button.shortcut().toString() == "Ctrl+O"
    dialog.choose_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20_000)
    assert dialog.report is not None and dialog.report.ok
    assert dialog.view.verdict.text().startswith("✔ OK")
    assert dialog.view.verdict.property("kind") == "ok"
    assert dialog.view.table.rowCount() == 2
    rows = [dialog.view.row_texts(r) for r in range(2)]
    assert rows[0][0].startswith("CompanySignature (certification)")
    assert rows[1][0].startswith("CustomerSignature")
    assert all(r[3:6] == ["yes", "yes", "yes"] and r[-1] == "OK" for r in rows)
    assert all(len(r[7]) == 64 for r in rows)  # the audit head is shown


def test_one_flipped_byte_is_not_ok(qtbot: QtBot, world: Any, signed_pdf: bytes,
                                    tmp_path: Path) -> None:
    data = bytearray(signed_pdf)
    # A byte inside the signed content (the first revision), not in the signature itself.
    at = data.index(b"stream") + 40
    data[at] ^= 0x01
    path = tmp_path / "flipped.pdf"
    path.write_bytes(bytes(data))
    dialog = make_dialog(qtbot, world.rep)
    check(qtbot, dialog, path)
    assert dialog.report is not None and not dialog.report.ok
    assert dialog.view.verdict.text().startswith("✘ NOT OK")
    assert dialog.view.verdict.property("kind") == "error"
    assert dialog.view.problems.text()


@pytest.mark.parametrize("content", [b"", b"not a pdf at all", b"%PDF-1.7\n%%EOF\n"])
def test_a_broken_or_unsigned_file_is_not_ok(qtbot: QtBot, world: Any, tmp_path: Path,
                                             content: bytes) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    dialog = make_dialog(qtbot, world.rep)
    check(qtbot, dialog, path)
    assert dialog.report is not None and not dialog.report.ok
    assert "NOT OK" in dialog.view.verdict.text()


def test_a_truncated_copy_is_not_ok(qtbot: QtBot, world: Any, signed_pdf: bytes,
                                    tmp_path: Path) -> None:
    path = tmp_path / "cut.pdf"
    path.write_bytes(signed_pdf[: len(signed_pdf) // 2])
    dialog = make_dialog(qtbot, world.rep)
    check(qtbot, dialog, path)
    assert dialog.report is not None and not dialog.report.ok


def test_a_missing_file_is_an_error_message(qtbot: QtBot, world: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, world.rep)
    check(qtbot, dialog, tmp_path / "nowhere.pdf")
    assert dialog.report is None
    assert "Could not read" in dialog.message.text()
    assert "Traceback" not in dialog.message.text()


def test_a_dropped_file_is_checked(qtbot: QtBot, world: Any, signed_pdf: bytes,
                                   tmp_path: Path) -> None:
    path = tmp_path / "dropped.pdf"
    path.write_bytes(signed_pdf)
    dialog = make_dialog(qtbot, world.rep)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    dialog.dropEvent(event)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20_000)
    assert dialog.report.ok and str(path) in dialog.file_label.text()
