"""The audit viewer: lazy keyset paging, filters, verification, export and live refresh."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from core.audit import AuditFilter
from core.auth import Authenticator
from core.policy import Policy
from core.roles import Role
from core.session import Session
from tests.conftest import ADMIN, USERS
from tests.ui.conftest import Make, log_in
from ui.audit_model import AuditModel
from ui.main_window import MainWindow
from ui.pages.audit import AuditPage


def _audit_page(qtbot: QtBot, controller_main: MainWindow) -> AuditPage:
    controller_main.show_page("audit")
    page = controller_main.pages["audit"]
    assert isinstance(page, AuditPage)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not page.model.loading)
    return page


def _actions(model: AuditModel) -> list[str]:
    return [model.entry(r).action for r in range(model.rowCount())]


def test_lists_entries_newest_first_and_filtering_by_action_narrows_them(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    main = log_in(qtbot, make_controller(auth, vault=vault_path), *ADMIN)
    page = _audit_page(qtbot, main)
    model = page.model
    everything = model.rowCount()
    seqs = [model.entry(r).seq for r in range(everything)]
    assert seqs == sorted(seqs, reverse=True)
    assert model.data(model.index(0, 3)) == "login"  # our own login is the newest
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Time"
    qtbot.waitUntil(lambda: page.action.findData("user.added") > 0)
    qtbot.waitUntil(lambda: str(everything) in page.count_label.text())

    page.action.setCurrentIndex(page.action.findData("user.added"))
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() > 0
                    and set(_actions(model)) == {"user.added"})
    assert model.rowCount() == 1 + len(USERS) < everything
    qtbot.waitUntil(lambda: page.count_label.text().startswith(f"{1 + len(USERS)} "))

    page.object_text.setText("user:2")  # debounced text filter on top
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    page.clear_filters()
    qtbot.waitUntil(lambda: model.rowCount() == everything)

    user_combo = page.user_combo
    assert user_combo is not None
    qtbot.waitUntil(lambda: user_combo.findData(ADMIN[0]) > 0)
    user_combo.setCurrentIndex(user_combo.findData(USERS[Role.AUDITOR][0]))
    qtbot.waitUntil(lambda: not model.loading)
    assert model.rowCount() == 0  # the auditor never acted in this vault

    user_combo.setCurrentIndex(0)
    page.from_date.setDate(QDate.currentDate().addDays(1))
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() == 0)
    page.from_date.setDate(QDate.currentDate())
    page.to_date.setDate(QDate.currentDate())
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() == everything)


def test_pages_are_fetched_lazily_by_key(qtbot: QtBot, admin_session: Session,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a view asking for more, the model holds one page; each further page asks for
    the entries older than the last one it has."""
    monkeypatch.setattr(AuditModel, "PAGE", 3)
    seen: list[int | None] = []
    real_page = admin_session.audit.page

    def spy(actor, flt, before_seq=None, limit=500):  # type: ignore[no-untyped-def]
        seen.append(before_seq)
        return real_page(actor, flt, before_seq=before_seq, limit=limit)

    monkeypatch.setattr(admin_session.audit, "page", spy)
    total = admin_session.audit.count(admin_session.user, AuditFilter())
    assert total > 6
    model = AuditModel(admin_session)
    model.reload()
    qtbot.waitUntil(lambda: not model.loading)
    assert model.rowCount() == 3 and model.canFetchMore()
    first_page_last = model.entry(2).seq
    model.fetchMore()
    qtbot.waitUntil(lambda: not model.loading)
    assert model.rowCount() == 6
    assert seen == [None, first_page_last]
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.loading)
    assert model.rowCount() == total
    assert [model.entry(r).seq for r in range(total)] == list(range(total, 0, -1))
    model.deleteLater()


def test_verify_and_export_csv(qtbot: QtBot, auth: Authenticator, vault_path: Path,
                               make_controller: Make, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    main = log_in(qtbot, make_controller(auth, vault=vault_path), *USERS[Role.AUDITOR])
    page = _audit_page(qtbot, main)
    page.verify()
    qtbot.waitUntil(lambda: "chain intact" in page.message.text(), timeout=5000)

    target = tmp_path / "trail.csv"
    monkeypatch.setattr(page, "choose_export_path", lambda: str(target))
    page.action.setCurrentIndex(page.action.findData("login"))
    qtbot.waitUntil(lambda: not page.model.loading and page.model.filter.action == "login")
    shown = page.model.rowCount()
    page.export()
    assert page.progress is not None
    qtbot.waitUntil(lambda: "Exported" in page.message.text(), timeout=5000)
    assert page.progress is None
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 1 + shown
    assert all(row[3].startswith("login") for row in rows[1:])


def test_export_cancelled_leaves_no_file(qtbot: QtBot, auth: Authenticator, vault_path: Path,
                                         make_controller: Make, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    main = log_in(qtbot, make_controller(auth, vault=vault_path), *ADMIN)
    page = _audit_page(qtbot, main)
    target = tmp_path / "never.csv"
    monkeypatch.setattr(page, "choose_export_path", lambda: str(target))
    # Hold the export until Cancel was pressed: the tiny test trail would finish first.
    gate = threading.Event()
    real_export = main.session.audit.export_csv

    def held_export(*args, **kwargs):  # type: ignore[no-untyped-def]
        gate.wait(5)
        return real_export(*args, **kwargs)

    monkeypatch.setattr(main.session.audit, "export_csv", held_export)
    page.export()
    assert page.progress is not None and page.progress.isVisible()
    cancel = page.progress.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(lambda: "cancelled" in page.message.text(), timeout=5000)
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export-")]
    assert page.export_button.isEnabled()


def test_changes_made_elsewhere_appear_without_reloading(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    main = log_in(qtbot, make_controller(auth, vault=vault_path), *ADMIN)
    page = _audit_page(qtbot, main)
    before = page.model.rowCount()
    policies = main.pages["policies"]
    assert policies is not None
    main.session.policies.update(main.session.user, Policy(idle_minutes=7))
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 1)
    assert page.model.entry(0).action == "config.changed"
    qtbot.waitUntil(lambda: main.idle.idle_ms == 600_000)  # the override wins over the policy
