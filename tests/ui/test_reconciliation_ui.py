"""The Reconciliation page as finance uses it: a GBK statement as a Chinese bank exports it is
previewed with its columns guessed, imported on a worker and its counts, lines and the open
other side shown (and the bank's mapping offered next time); a malformed file shows its
problems and imports nothing, also when it turns bad between preview and import; a line is
split by hand (amounts must add up), unmatched with a reason and a period closed (refused, then
forced with a reason); a cancelled import leaves nothing; a sales rep gets no page and core
refuses one forced on them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from core.demo_money import BANK, StatementRow, write_statement
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world
from tests.core.money_support import receivables_of, signed
from tests.ui.conftest import yes_button
from ui.bus import BusBridge
from ui.money.reconciliation_page import ReconciliationPage
from ui.money.statement_import_dialog import StatementImportDialog
from ui.money.statement_lines_model import STATE, WARNINGS
from ui.pages import allowed_pages

PAYER = "上海明珠贸易有限公司"
D = Decimal


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def row(day: int, credit: str = "", debit: str = "", payer: str = PAYER, summary: str = "",
        serial: str = "") -> StatementRow:
    return StatementRow(date(2026, 1, day), "10:00:00", D(credit.replace(",", "") or "0"),
                        D(debit.replace(",", "") or "0"),
                        payer, "6222000011112222", summary, serial or f"K202601{day:02d}")


def gbk_statement(tmp: Path, rows: list[StatementRow], name: str = "statement.csv") -> Path:
    """As 招商银行 exports it (core/demo_money.py): GBK, a preamble, a totals row."""
    path = tmp / name
    write_statement(path, rows)
    return path


def open_page(qtbot: QtBot, session: Session) -> ReconciliationPage:
    bridge = BusBridge(session.bus)
    page = ReconciliationPage(session, bridge)
    bridge.setParent(page)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    qtbot.waitUntil(lambda: not page.loading and not page.loading_lines)
    return page


def previewed(qtbot: QtBot, page: ReconciliationPage, path: Path) -> StatementImportDialog:
    dialog = page.import_statement(str(path))
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.preview is not None and not dialog._running())
    return dialog


def with_bank(qtbot: QtBot, dialog: StatementImportDialog, bank: str = BANK) -> None:
    dialog.bank.setEditText(bank)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=5000)


def states(page: ReconciliationPage) -> list[str]:
    return [cells[STATE] for cells in page.lines.cells()]


def test_finance_imports_a_gbk_statement_and_sees_counts_lines_and_the_other_side(
        qtbot: QtBot, w: World, tmp_path: Path) -> None:
    cid = signed(w)
    fin = w.finance
    number = fin.contracts.get(fin.user, cid).number
    path = gbk_statement(tmp_path, [row(6, "1,130.00", payer="张三", summary=f"货款 {number}"),
                                    row(7, "500.00", payer="某某个人", summary="转账"),
                                    row(8, debit="200.00", payer="房东", summary="房租")])
    page = open_page(qtbot, fin)
    assert page.statements.rowCount() == 0 and "No statement" in page.summary.text()
    dialog = previewed(qtbot, page, path)
    assert "GBK" in dialog.file_label.text() and "row 5" in dialog.file_label.text()
    mapping = dialog.editor.mapping()
    assert (mapping.date, mapping.credit, mapping.debit, mapping.payer_name,
            mapping.reference) == ("交易日期", "收入金额", "支出金额", "对方户名", "交易流水号")
    assert "guessed" in dialog.mapping_note.text()
    assert dialog.lines.rowCount() == 3 and dialog.problems.isHidden()
    assert "money out" in dialog.counts.text() and "skipped (totals, notes): 1" in \
        dialog.counts.text()
    assert not dialog.import_button.isEnabled()  # which bank is not said yet
    with_bank(qtbot, dialog)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=10_000)
    text = dialog.summary.text()
    assert "3 lines" in text and "Matched: 1 · Unmatched: 1" in text and "Money out: 1" in text
    assert "recorded for instalments the bank shows paid: 1" in text
    assert "unlike the customer" in dialog.signals.text()  # a fraud signal, as a warning
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)  # now "Close"
    qtbot.waitUntil(lambda: page.data is not None and page.lines.rowCount() == 3,
                    timeout=5000)
    assert states(page) == ["Matched", "Unmatched", "Money out"]
    assert [c[WARNINGS] for c in page.lines.cells()] == ["⚠ 1", "", ""]
    assert page.warnings.isVisible() and "张三" in page.warnings.text()
    assert "Matched: 1" in page.message.text()
    assert "matched 1 · unmatched 1" in page.summary.text()
    first, second = receivables_of(fin, cid)
    assert first.open == 0
    assert [c[0] for c in page.instalments.cells()] == [str(second.id)]
    assert page.receipts.rowCount() == 0
    # The matched line says what it was matched to; only unmatched lines can be matched.
    page.select_line(page.data.lines[0].line.id)
    assert page.unmatch_button.isEnabled() and not page.match_button.isEnabled()
    qtbot.waitUntil(lambda: f"instalment #{first.id}" in page.detail.text())
    page.show_filter.setCurrentIndex(page.show_filter.findData("unmatched"))
    assert states(page) == ["Unmatched"]
    page.show_filter.setCurrentIndex(page.show_filter.findData("warned"))
    assert states(page) == ["Matched"]
    # The next statement from this bank is offered its remembered mapping.
    other = gbk_statement(tmp_path, [row(9, "80.00", payer="某某个人")], "next.csv")
    again = previewed(qtbot, page, other)
    assert again.bank.currentText() == BANK
    assert "remembered" in again.mapping_note.text() and again.import_button.isEnabled()
    # Locking forgets everything shown, the open dialog's lines included.
    page.wipe()
    assert again.lines.rowCount() == 0 and not again.isVisible()
    assert [m.rowCount() for m in (page.statements, page.lines, page.instalments)] == [0, 0, 0]
    assert page.signals == {} and page.summary.text() == ""


def test_a_malformed_file_shows_its_problems_and_imports_nothing(
        qtbot: QtBot, w: World, tmp_path: Path) -> None:
    fin = w.finance
    bad = ("交易日期,收入金额,对方户名\n2026-01-02,8.00,甲\n2026-01-03,1,234.00,某公司\n"
           .encode("gbk"))
    path = tmp_path / "bad.csv"
    path.write_bytes(bad)
    page = open_page(qtbot, fin)
    dialog = previewed(qtbot, page, path)
    dialog.bank.setEditText(BANK)
    qtbot.waitUntil(lambda: not dialog._bank_timer.isActive() and not dialog._running())
    assert not dialog.import_button.isEnabled()
    assert "cannot be imported" in dialog.message.text()
    [(line, _column, reason)] = dialog.problem_rows()
    assert line == "3" and "thousands comma" in reason
    dialog.reject()
    # A file that turns bad after its preview: core refuses it whole and says why.
    good = gbk_statement(tmp_path, [row(2, "8.00"), row(3, "9.00")], "turns-bad.csv")
    dialog = previewed(qtbot, page, good)
    with_bank(qtbot, dialog)
    good.write_bytes(good.read_bytes().replace(b"10:00:00,9.00,", b"10:00:00,9.0.0,"))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "nothing was imported" in dialog.message.text(), timeout=5000)
    assert dialog.outcome is None
    [(line, column, reason)] = dialog.problem_rows()
    assert (line, column) == ("7", "收入金额") and "9.0.0" in reason
    assert fin.reconciliation.statements(fin.user) == []
    assert fin.reconciliation.bank_mapping(fin.user, BANK) is None


def test_a_line_is_split_by_hand_unmatched_with_a_reason_and_the_period_closed(
        qtbot: QtBot, w: World, tmp_path: Path) -> None:
    cid = signed(w)
    fin = w.finance
    first, second = receivables_of(fin, cid)
    path = gbk_statement(tmp_path, [row(6, "1,500.00", payer="某某个人", serial="X-1")])
    out = fin.reconciliation.import_statement(fin.user, path, BANK)
    assert out.unmatched_lines == 1
    page = open_page(qtbot, fin)
    qtbot.waitUntil(lambda: states(page) == ["Unmatched"])
    [line] = [x.line for x in page.data.lines]
    assert page.select_line(line.id) and page.match_button.isEnabled()
    dialog = page.match_selected()
    assert dialog is not None and not dialog.ok_button.isEnabled()
    assert {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())} == {
        f"Instalment #{first.id}", f"Instalment #{second.id}"}
    dialog.split.setChecked(True)
    dialog.choose("instalment", first.id, "1,130.00")
    dialog.choose("instalment", second.id, "300.00")
    assert not dialog.ok_button.isEnabled() and "add up to 1,430.00 CNY" in dialog.total.text()
    dialog.choose("instalment", second.id, "370.00")
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: states(page) == ["Matched"], timeout=5000)
    assert [r.open for r in receivables_of(fin, cid)] == [D("0.00"), D("760.00")]
    assert [c[3] for c in page.instalments.cells()] == ["760.00 CNY"]

    page.select_line(line.id)
    undo = page.unmatch_selected()
    assert undo is not None and not undo.ok_button.isEnabled()  # a reason is required
    undo.reason.setText("付款人不是该客户")
    qtbot.mouseClick(undo.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: states(page) == ["Unmatched"], timeout=5000)
    assert [r.open for r in receivables_of(fin, cid)] == [D("1130.00"), D("1130.00")]

    close = page.close_period()
    close.until.setDate(QDate(2026, 1, 31))
    qtbot.mouseClick(yes_button(close.confirm()), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not reconciled" in close.message.text(), timeout=5000)
    assert fin.reconciliation.closed_until(fin.user) is None
    close.force.setChecked(True)
    assert not close.ok_button.isEnabled()  # forcing needs a reason
    close.reason.setText("个人转账，待查")
    qtbot.mouseClick(yes_button(close.confirm()), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Closed up to 2026-01-31" in page.closed_label.text(),
                    timeout=5000)
    assert fin.reconciliation.closed_until(fin.user) == date(2026, 1, 31)


def test_cancelling_during_the_import_leaves_no_statement(
        qtbot: QtBot, w: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fin = w.finance
    real = fin.reconciliation.import_statement
    gate = threading.Event()

    def held(*args: Any, **kwargs: Any) -> Any:  # the import is under way when Cancel comes
        gate.wait(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(fin.reconciliation, "import_statement", held)
    path = gbk_statement(tmp_path, [row(2, "8.00"), row(3, "9.00")])
    page = open_page(qtbot, fin)
    dialog = previewed(qtbot, page, path)
    with_bank(qtbot, dialog)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.progress.isVisible() and not dialog.import_button.isEnabled()
    dialog.reject()  # Escape while importing cancels rather than closes
    assert dialog.isVisible() and "Cancelling" in dialog.message.text()
    gate.set()
    qtbot.waitUntil(lambda: "cancelled; nothing was imported" in dialog.message.text(),
                    timeout=5000)
    assert dialog.outcome is None and dialog.isVisible()
    assert fin.reconciliation.statements(fin.user) == []
    assert fin.reconciliation.bank_mapping(fin.user, BANK) is None


def test_a_sales_rep_gets_no_reconciliation_page_and_core_refuses_one_forced_on_them(
        qtbot: QtBot, w: World, tmp_path: Path) -> None:
    assert "reconciliation" not in [p.key for p in allowed_pages(w.rep)]
    assert "reconciliation" not in [p.key for p in allowed_pages(w.manager)]
    for session in (w.finance, w.admin):
        assert "reconciliation" in [p.key for p in allowed_pages(session)]
    fin = w.finance
    fin.reconciliation.import_statement(fin.user, gbk_statement(tmp_path, [row(2, "8.00")]),
                                        BANK)
    page = open_page(qtbot, w.rep)
    qtbot.waitUntil(lambda: bool(page.message.text()))
    assert "bank statements" in page.message.text()
    assert page.statements.rowCount() == 0 and page.lines.rowCount() == 0
