"""The background-call helper and the bus bridge: results come back on the GUI thread, and
never to a widget that is gone."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from core.changes import ChangeBus, Changes
from core.errors import AuthenticationFailed
from ui.bus import BusBridge
from ui.worker import BusyIndicator, Task, error_text, run_op, wait_for_workers


def test_result_and_progress_arrive_on_the_gui_thread(qtbot: QtBot) -> None:
    owner = QObject()
    seen: list[tuple[str, object, bool]] = []
    main = threading.current_thread()

    def work(task: Task) -> int:
        assert threading.current_thread() is not main
        task.progress("half")
        return 42

    def record(kind: str) -> object:
        return lambda value=None: seen.append((kind, value, threading.current_thread() is main))

    run_op(owner, work, on_done=record("done"), on_progress=record("progress"),
           on_finished=record("finished"))
    qtbot.waitUntil(lambda: len(seen) == 3)
    assert seen == [("progress", "half", True), ("done", 42, True), ("finished", None, True)]


def test_errors_become_messages_never_tracebacks(qtbot: QtBot) -> None:
    owner = QObject()
    errors: list[BaseException] = []

    def work(_task: Task) -> None:
        raise AuthenticationFailed()

    run_op(owner, work, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert error_text(errors[0]) == "Unknown user or wrong password."
    text = error_text(ZeroDivisionError("secret detail"))
    assert "ZeroDivisionError" in text and "secret detail" not in text


def test_nothing_is_delivered_to_a_destroyed_owner(qtbot: QtBot) -> None:
    owner = QObject()
    gate = threading.Event()
    delivered: list[object] = []
    orphaned: list[object] = []

    def work(task: Task) -> str:
        gate.wait(5)
        return "session" if not task.cancelled() else "cancelled"

    run_op(owner, work, on_done=delivered.append, on_orphaned=orphaned.append)
    shiboken6.delete(owner)
    gate.set()
    assert wait_for_workers()
    qtbot.waitUntil(lambda: bool(orphaned))
    assert delivered == [] and orphaned == ["cancelled"]  # the task saw the cancel too


def test_busy_indicator_disables_and_restores(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    on, off = QPushButton(parent), QPushButton(parent)
    off.setEnabled(False)
    busy = BusyIndicator(parent)
    busy.start("Working…", [on, off])
    assert busy.active and not on.isEnabled() and not off.isEnabled()
    busy.stop()
    assert not busy.active and on.isEnabled() and not off.isEnabled()


def test_bus_changes_from_a_worker_thread_reach_the_gui_thread(qtbot: QtBot) -> None:
    bus = ChangeBus()
    bridge = BusBridge(bus)
    received: list[tuple[Changes, bool]] = []
    main = threading.current_thread()
    bridge.changed.connect(lambda c: received.append((c, threading.current_thread() is main)))
    thread = threading.Thread(target=bus.publish, args=(Changes(users=True),))
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(received))
    assert received == [(Changes(users=True), True)]
    bridge.detach()
    bus.publish(Changes())
    qtbot.wait(20)
    assert len(received) == 1
