"""Import, export and transfer from the Customers page: the preview and report, a cancel that
leaves nothing behind, masked exports, and the actions a rep must not be offered."""

from __future__ import annotations

import csv
import os
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox, QMessageBox
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from tests.conftest import ADMIN
from tests.ui.conftest import Make
from tests.ui.customers_support import (
    MASKED_MOBILE,
    MOBILE,
    OTHER_REP,
    REP,
    customers_page,
    log_in_as,
    names,
    seed,
)
from ui.customers.import_dialog import ImportDialog
from ui.customers.page import CustomersPage

HEADER = "名称,手机,城市,邮箱\n"
GOOD = ["上海远航贸易有限公司,13911112222,上海,a@example.cn",
        "Delta Foods,13911113333,杭州,b@example.cn"]
BAD = "Broken Row,12345,上海,not-an-email"


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def admin_page(qtbot: QtBot, auth: Authenticator, vault: Path, make: Make) -> CustomersPage:
    seed(auth, vault)
    main = log_in_as(qtbot, make(auth, vault=vault), ADMIN)
    return customers_page(qtbot, main, rows=7)


def open_import(qtbot: QtBot, page: CustomersPage, path: Path) -> ImportDialog:
    dialog = page.import_file(str(path))
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.preview is not None and dialog.import_button.isEnabled(),
                    timeout=5000)
    return dialog


def test_import_previews_then_reports_the_bad_row_and_the_list_grows(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make,
        tmp_path: Path) -> None:
    page = admin_page(qtbot, auth, vault_path, make_controller)
    dialog = open_import(qtbot, page, write_csv(tmp_path / "new.csv", [GOOD[0], BAD, GOOD[1]]))
    assert "UTF-8" in dialog.format_label.text().upper().replace("_", "-")
    assert dialog.mapping_choice() == {"名称": "name", "手机": "phone", "城市": "city",
                                       "邮箱": "email"}
    assert dialog.rows.rowCount() == 3
    problems = dialog.rows.item(1, dialog.rows.columnCount() - 1).text()
    assert problems != dialog.tr("OK")
    qtbot.wait(50)  # let the layout settle before the picture
    grab = dialog.grab()
    grab.save(str(tmp_path / "preview.png"))
    if os.environ.get("STRONGROOM_SHOTS"):
        grab.save(os.environ["STRONGROOM_SHOTS"])

    # Ignoring a column is reflected in a fresh preview.
    combo = dialog.mapping.cellWidget(3, 1)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData("ignore"))
    qtbot.waitUntil(lambda: dialog.preview is not None
                    and "邮箱" not in dialog.preview.columns, timeout=5000)
    combo.setCurrentIndex(combo.findData("email"))
    qtbot.waitUntil(lambda: dialog.preview is not None
                    and dialog.preview.columns.get("邮箱") == "email"
                    and dialog.import_button.isEnabled(), timeout=5000)

    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=5000)
    assert dialog.report is not None and dialog.report.dry_run
    assert dialog.report.imported == 2 and not dialog.imported

    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.report.dry_run,
                    timeout=5000)
    report = dialog.report
    assert report is not None and report.imported == 2 and report.rejected_rows == 1
    rows = {dialog.report_table.item(r, 0).text() for r in range(dialog.report_table.rowCount())}
    assert "3" in rows  # the bad row's number as the spreadsheet shows it
    reasons = " ".join(dialog.report_table.item(r, 2).text()
                       for r in range(dialog.report_table.rowCount()))
    assert reasons.strip()
    if os.environ.get("STRONGROOM_SHOTS"):
        dialog.grab().save(os.environ["STRONGROOM_SHOTS"].replace(".png", "-report.png"))
    saved = tmp_path / "report.txt"
    dialog.save_report(str(saved))
    assert "Row 3" in saved.read_text(encoding="utf-8-sig")

    dialog.cancel_button.click()  # now "Close"
    qtbot.waitUntil(lambda: page.model.rowCount() == 9 and not page.model.loading,
                    timeout=5000)
    assert "Delta Foods" in names(page)


def test_cancel_during_import_leaves_nothing_imported(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make,
        tmp_path: Path, monkeypatch: Any) -> None:
    page = admin_page(qtbot, auth, vault_path, make_controller)
    session = page._session
    lines = [f"Firma {i},139{i:08d},上海,f{i}@example.cn" for i in range(1200)]
    dialog = open_import(qtbot, page, write_csv(tmp_path / "big.csv", lines))
    reported = threading.Event()
    original = session.customer_import.run

    def slow_run(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        def slow(done: int, total: int) -> None:
            progress(done, total)
            reported.set()
            time.sleep(0.4)  # the batch boundary the cancel will be noticed at
        return original(*args, progress=slow, **kwargs)

    monkeypatch.setattr(session.customer_import, "run", slow_run)
    dialog.import_button.click()
    qtbot.waitUntil(reported.is_set, timeout=5000)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: "nothing was imported" in dialog.message.text(), timeout=5000)
    assert dialog.report is None and not dialog.imported
    assert session.customers.count(session.user) == 7
    dialog.reject()


def test_export_masks_protected_columns_unless_asked(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make,
        tmp_path: Path) -> None:
    page = admin_page(qtbot, auth, vault_path, make_controller)
    dialog = page.export_file()
    assert dialog is not None and dialog.reveal is not None  # the admin may reveal
    assert not dialog.reveal.isChecked()
    target = tmp_path / "out.csv"
    dialog.path.setText(str(target))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=5000)
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 7
    wang = next(r for r in rows if r["name"] == "王芳")
    assert wang["personal_mobile"] == MASKED_MOBILE
    assert MOBILE not in target.read_text(encoding="utf-8-sig")


def test_transfer_moves_every_customer_after_confirming_the_count(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    page = admin_page(qtbot, auth, vault_path, make_controller)
    dialog = page.transfer()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.from_user.count() > 1, timeout=5000)
    dialog.from_user.setCurrentIndex(dialog.from_user.findText(OTHER_REP[0]))
    dialog.to_user.setCurrentIndex(dialog.to_user.findText(REP[0]))
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: getattr(dialog, "confirm_box", None) is not None, timeout=5000)
    box: QMessageBox = dialog.confirm_box
    assert "2" in box.text()
    yes = next(b for b in box.buttons() if b.objectName() == "yes")
    yes.click()
    qtbot.waitUntil(lambda: dialog.moved is not None, timeout=5000)
    assert dialog.moved == 2
    rep = auth.login(vault_path, *REP)
    try:
        assert rep.customers.count(rep.user) == 7
    finally:
        rep.close()


def test_a_rep_is_offered_no_import_export_or_transfer(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    assert page.import_button is None and page.export_button is None
    assert page.transfer_button is None
    assert page.import_file("whatever.csv") is None and page.export_file() is None
    assert page.transfer() is None


def test_locking_forgets_the_rows_of_an_open_import(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make,
        tmp_path: Path) -> None:
    page = admin_page(qtbot, auth, vault_path, make_controller)
    dialog = open_import(qtbot, page, write_csv(tmp_path / "new.csv", GOOD))
    assert dialog.rows.rowCount() == 2
    page.wipe()
    assert dialog.rows.rowCount() == 0 and dialog.mapping.rowCount() == 0
    assert dialog.preview is None and not dialog.isVisible()
