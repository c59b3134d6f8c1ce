"""Running slow service calls off the GUI thread (the pattern of Anki's QueryOp).

The callable runs on a QThreadPool; its result, error and progress come back to the GUI thread
through one long-lived dispatcher with a queued signal. Callbacks are dropped when the owner
widget is gone, so a page destroyed at lock time never receives data after the fact."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from core.errors import StrongroomError

log = logging.getLogger(__name__)


class Task:
    """What the background callable may use: report progress, ask whether it was cancelled."""

    def __init__(self, op: Op) -> None:
        self._op = op
        self._cancel = threading.Event()

    def progress(self, value: object) -> None:
        _dispatcher().post.emit((self._op, "progress", value))

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


class _Dispatcher(QObject):
    # A single receiver that never dies while the application lives: emitting on it from a worker
    # thread is safe, unlike emitting on an object the GUI thread may delete meanwhile.
    post = Signal(object)

    def __init__(self) -> None:
        super().__init__(QCoreApplication.instance())
        self.post.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver(self, message: tuple[Op, str, object]) -> None:
        op, kind, payload = message
        op._deliver(kind, payload)


_instance: _Dispatcher | None = None
_running: set[Op] = set()


def _dispatcher() -> _Dispatcher:
    global _instance
    if _instance is None or not shiboken6.isValid(_instance):
        _instance = _Dispatcher()
    return _instance


class _Runnable(QRunnable):
    def __init__(self, op: Op) -> None:
        super().__init__()
        self._op = op

    def run(self) -> None:
        op = self._op
        try:
            result = op._fn(op.task)
        except BaseException as exc:  # every failure must reach the GUI thread
            _dispatcher().post.emit((op, "error", exc))
        else:
            _dispatcher().post.emit((op, "done", result))


class Op:
    """One background call. `fn(task)` runs on a pool thread; the callbacks run on the GUI
    thread, and only while `owner` exists (`on_orphaned` gets the result otherwise)."""

    def __init__(self, owner: QObject, fn: Callable[[Task], Any],
                 on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 on_progress: Callable[[Any], None] | None = None,
                 on_finished: Callable[[], None] | None = None,
                 on_orphaned: Callable[[Any], None] | None = None) -> None:
        self._owner = owner
        self._fn = fn
        self._on_done, self._on_error = on_done, on_error
        self._on_progress, self._on_finished = on_progress, on_finished
        self._on_orphaned = on_orphaned
        self.task = Task(self)
        self.running = False
        owner.destroyed.connect(self._owner_gone)

    def start(self) -> Op:
        self.running = True
        _dispatcher()  # created on the GUI thread before any worker posts to it
        _running.add(self)
        # Kept here, not owned by the pool: a Python runnable collected early would crash.
        self._runnable = _Runnable(self)
        self._runnable.setAutoDelete(False)
        QThreadPool.globalInstance().start(self._runnable)
        return self

    def cancel(self) -> None:
        self.task.cancel()

    def _owner_gone(self, *_args: object) -> None:
        self.task.cancel()
        self._owner = None  # type: ignore[assignment]

    def _alive(self) -> bool:
        return self._owner is not None and shiboken6.isValid(self._owner)

    def _deliver(self, kind: str, payload: object) -> None:
        if kind != "progress":
            self.running = False
            _running.discard(self)
            if self._alive():
                # Long-lived owners (a model fetching page after page) must not collect one
                # connection per finished call.
                with contextlib.suppress(RuntimeError, TypeError):
                    self._owner.destroyed.disconnect(self._owner_gone)
        if not self._alive():
            # Nobody is left to take the result: e.g. a session opened for a closed window must
            # still be closed rather than left unlocked in memory.
            if kind == "done" and self._on_orphaned:
                self._on_orphaned(payload)
            return
        if kind == "progress":
            if self._on_progress:
                self._on_progress(payload)
            return
        try:
            if kind == "done":
                if self._on_done:
                    self._on_done(payload)
            else:
                assert isinstance(payload, BaseException)
                if self._on_error:
                    self._on_error(payload)
                else:
                    log.error("background operation failed", exc_info=payload)
        finally:
            if self._on_finished and self._alive():
                self._on_finished()


def run_op(owner: QObject, fn: Callable[[Task], Any], **callbacks: Any) -> Op:
    """Start `fn` on the pool; see Op for the callbacks."""
    return Op(owner, fn, **callbacks).start()


def wait_for_workers(msecs: int = 10000) -> bool:
    """Wait for every background call and deliver what they posted (tests, shutdown)."""
    done = QThreadPool.globalInstance().waitForDone(msecs)
    QCoreApplication.processEvents()
    return done and not _running


def error_text(exc: BaseException) -> str:
    """The message shown for a failure: core's own words, never a traceback."""
    if isinstance(exc, StrongroomError):
        # Core messages are fixed English sentences; a catalogue may translate the common ones.
        return QCoreApplication.translate("core", str(exc))
    log.error("unexpected error", exc_info=exc)
    return QCoreApplication.translate(
        "Strongroom", "An unexpected error occurred ({name}). Nothing more can be shown here; "
        "the details were written to the log.").format(name=type(exc).__name__)


class BusyIndicator(QWidget):
    """An indeterminate bar with a line of text; while it shows, the given widgets are
    disabled and their previous state is restored afterwards."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("busy")
        self._bar = QProgressBar(self)
        self._bar.setRange(0, 0)
        self._bar.setMaximumWidth(120)
        self._bar.setTextVisible(False)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._bar)
        layout.addWidget(self.label, 1)
        self._disabled: list[tuple[QWidget, bool]] = []
        self.hide()

    @property
    def active(self) -> bool:
        return not self.isHidden()

    def start(self, text: str, disable: Iterable[QWidget] = ()) -> None:
        self.stop()
        self.label.setText(text)
        self._disabled = [(w, w.isEnabled()) for w in disable]
        for widget, _was in self._disabled:
            widget.setEnabled(False)
        self.show()

    def set_text(self, text: str) -> None:
        self.label.setText(text)

    def stop(self) -> None:
        for widget, was in self._disabled:
            if shiboken6.isValid(widget):
                widget.setEnabled(was)
        self._disabled = []
        self.hide()


class LatestRead:
    """A view's read whose answer counts only if no newer read (nor a wipe) came after it:
    a slow answer for an earlier filter, or one arriving after the vault locked, is dropped.
    `loading` is true while the newest read runs."""

    def __init__(self, owner: QObject) -> None:
        self._owner = owner
        self._number = 0
        self.loading = False

    def start(self, work: Callable[[Task], Any], on_done: Callable[[Any], None],
              on_error: Callable[[BaseException], None]) -> None:
        self._number += 1
        number = self._number
        self.loading = True

        def done(value: Any) -> None:
            if number == self._number:
                self.loading = False
                on_done(value)

        def failed(exc: BaseException) -> None:
            if number == self._number:
                self.loading = False
                on_error(exc)

        run_op(self._owner, work, on_done=done, on_error=failed)

    def forget(self) -> None:
        """Whatever is still running is not shown."""
        self._number += 1
        self.loading = False
