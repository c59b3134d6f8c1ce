"""Logging interactions with follow-ups, the customer's timeline and tasks, and the Today page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QDateTime, Qt
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.customers.interactions import InteractionKind
from tests.ui.conftest import Make
from tests.ui.customers_support import REP, customers_page, log_in_as, seed
from ui.customers.history import TimelineModel
from ui.customers.log_dialog import LogInteractionDialog
from ui.customers.today import TodayPage


def test_an_interaction_with_a_follow_up_shows_in_the_timeline_the_tasks_and_today(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    dialog = page.windows.open(seeded.ids["陈静"])
    qtbot.waitUntil(lambda: dialog.view is not None)
    qtbot.mouseClick(dialog.log_button, Qt.MouseButton.LeftButton)
    log = dialog.log_dialog
    assert isinstance(log, LogInteractionDialog) and log.isVisible()
    assert not log.ok_button.isEnabled()  # a summary first
    log.kind.setCurrentIndex(log.kind.findData(InteractionKind.VISIT))
    log.summary.setPlainText("Visited the shop; wants a quote for 40 units")
    log.outcome.setText("interested")
    log.next_step.setText("send the quote")
    log.follow_up.setChecked(True)
    assert not log.ok_button.isEnabled()  # the task needs a title
    qtbot.keyClicks(log.task_title, "Send the quote")
    log.due.setDateTime(QDateTime.currentDateTime().addYears(11))
    qtbot.mouseClick(log.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not log.errors.labels["due"].isHidden())
    assert "ten years" in log.errors.labels["due"].text() and log.isVisible()

    log.due.setDateTime(QDateTime.currentDateTime())  # due today
    qtbot.mouseClick(log.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not shiboken6.isValid(log) or not log.isVisible())
    qtbot.waitUntil(lambda: dialog.timeline.rowCount() == 1 and dialog.tasks.rowCount() == 1)
    assert dialog.tabs.currentIndex() == 1  # the timeline, where the new entry is
    entry = dialog.timeline.interaction(0)
    assert entry.kind == InteractionKind.VISIT and entry.author_name == REP[0]
    assert dialog.timeline.index(0, 1).data() == "Visit"
    assert dialog.tasks.titles() == ["Send the quote"]
    assert dialog.tasks.index(0, 2).data() == "Open"

    main.show_page("today")
    today = main.pages["today"]
    assert isinstance(today, TodayPage)
    qtbot.waitUntil(lambda: today.model.rowCount() == 1)
    assert [today.model.index(0, c).data() for c in (0, 1)] == ["陈静", "Send the quote"]
    dialog.close()
    qtbot.waitUntil(lambda: not page.windows.dialogs)
    today.view.selectRow(0)
    today.view.setFocus()
    qtbot.keyClick(today.view, Qt.Key.Key_Return)  # opens the customer
    opened = today.windows.dialogs[seeded.ids["陈静"]]
    qtbot.waitUntil(lambda: opened.view is not None and opened.view.name == "陈静")
    opened.close()

    qtbot.mouseClick(today.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: today.model.rowCount() == 0 and today.empty_label.isVisible())
    assert "is done" in today.message.text()


def test_tasks_reopen_and_overdue_ones_lead_today(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    rep = auth.login(vault_path, *REP)
    now = datetime.now(UTC)
    for name, due in (("王芳", now - timedelta(days=3)), ("Acme Trading Co", now)):
        rep.interactions.log(rep.user, seeded.ids[name], InteractionKind.CALL, now,
                             f"called {name}", follow_up=(f"follow up {name}", due))
    rep.close()
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    main.show_page("today")
    today = main.pages["today"]
    assert isinstance(today, TodayPage)
    qtbot.waitUntil(lambda: today.model.rowCount() == 2)
    assert today.model.titles() == ["follow up 王芳", "follow up Acme Trading Co"]
    assert today.model.index(0, 3).data() == "Overdue"
    assert today.model.index(1, 3).data() == "Open"

    dialog = today.windows.open(seeded.ids["王芳"])
    qtbot.waitUntil(lambda: dialog.tasks.rowCount() == 1)
    dialog.tasks_view.selectRow(0)
    assert dialog.done_button.isEnabled() and not dialog.reopen_button.isEnabled()
    qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: today.model.rowCount() == 1)
    qtbot.waitUntil(lambda: dialog.tasks.rowCount() == 1 and dialog.tasks.task(0).done)
    assert dialog.tasks.index(0, 2).data().startswith("Done ")
    dialog.tasks_view.selectRow(0)
    qtbot.mouseClick(dialog.reopen_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: today.model.rowCount() == 2)


def test_the_timeline_loads_older_interactions_a_page_at_a_time(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TimelineModel, "PAGE", 2)
    seeded = seed(auth, vault_path)
    rep = auth.login(vault_path, *REP)
    start = datetime.now(UTC) - timedelta(hours=5)
    for hour in range(5):
        rep.interactions.log(rep.user, seeded.ids["Blue Harbour Logistics"],
                             InteractionKind.NOTE, start + timedelta(hours=hour), f"note {hour}")
    rep.close()
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    dialog = page.windows.open(seeded.ids["Blue Harbour Logistics"])
    qtbot.waitUntil(lambda: dialog.timeline.rowCount() == 2)
    summaries = lambda: [dialog.timeline.interaction(r).summary  # noqa: E731
                         for r in range(dialog.timeline.rowCount())]
    assert summaries() == ["note 4", "note 3"]  # newest first
    for expected in (4, 5):
        qtbot.mouseClick(dialog.more_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda n=expected: dialog.timeline.rowCount() == n)
    assert summaries() == [f"note {h}" for h in range(4, -1, -1)]
    assert not dialog.more_button.isEnabled()
