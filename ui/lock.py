"""Auto-lock: an idle watcher over every input event of the application, the lock screen shown in
place of the data, and the countdown shown while unlock attempts are throttled."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.auth import Authenticator
from core.errors import UnlockThrottled, VaultDamaged
from core.session import Session
from ui.widgets import MessageLabel, card, password_edit
from ui.worker import BusyIndicator, Task, error_text, run_op

_ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})


class IdleWatcher(QObject):
    """Emits `idle` once no keyboard or mouse input reached the application for `idle_ms`.

    Input only stamps the time (the filter sees every event, so it must be cheap); a coarse
    timer compares that stamp with the deadline and drives the status-bar countdown."""

    idle = Signal()
    tick = Signal(int)  # milliseconds left

    def __init__(self, idle_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._idle_ms = idle_ms
        self._last = time.monotonic()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check)
        self._installed = False
        self._set_interval()

    def _set_interval(self) -> None:
        self._timer.setInterval(max(20, min(1000, self._idle_ms // 10)))

    @property
    def idle_ms(self) -> int:
        return self._idle_ms

    def set_idle_ms(self, idle_ms: int) -> None:
        self._idle_ms = idle_ms
        self._set_interval()
        if self._timer.isActive():
            self.tick.emit(self.remaining_ms())

    def start(self) -> None:
        self._last = time.monotonic()
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._timer.start()
        self.tick.emit(self.remaining_ms())

    def stop(self) -> None:
        self._timer.stop()
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def remaining_ms(self) -> int:
        return max(0, self._idle_ms - int((time.monotonic() - self._last) * 1000))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self._last = time.monotonic()
        return False

    def _check(self) -> None:
        left = self.remaining_ms()
        self.tick.emit(left)
        if left <= 0:
            self.stop()
            self.idle.emit()


class Countdown(QObject):
    """While unlocks are throttled: the remaining seconds in a message, the buttons disabled."""

    finished = Signal()

    def __init__(self, label: MessageLabel, buttons: Sequence[QWidget],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._label, self._buttons = label, list(buttons)
        self._until = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._update)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def start(self, seconds: float) -> None:
        self._until = time.monotonic() + seconds
        self._timer.start()
        self._update()

    def report_failure(self, exc: BaseException) -> None:
        """A failed unlock: the countdown while throttled, otherwise why it failed."""
        if isinstance(exc, UnlockThrottled):
            self.start(exc.retry_after)
        else:
            self._label.show_message(login_error_text(exc))

    def _update(self) -> None:
        left = self._until - time.monotonic()
        if left <= 0:
            self._timer.stop()
            self._label.clear_message()
            for button in self._buttons:
                button.setEnabled(True)
            self.finished.emit()
            return
        for button in self._buttons:
            button.setEnabled(False)
        self._label.show_message(self.tr(
            "Too many failed attempts. Try again in %n second(s).", "", int(left + 0.999)))


def login_error_text(exc: BaseException) -> str:
    if isinstance(exc, VaultDamaged):
        detail = f" ({exc.detail})" if exc.detail else ""
        return QCoreApplication.translate("Login", (
            "The vault is damaged or has been tampered with{detail}, so it was not opened and "
            "nothing in it was changed. Restore the vault folder from a backup, or ask your "
            "administrator.")).format(detail=detail)
    return error_text(exc)


class LockScreen(QWidget):
    """Shown in the main window while locked: only the user's password brings the data back."""

    unlocked = Signal(object)  # the new Session
    switch_user = Signal()

    def __init__(self, auth: Authenticator, vault_path: str, user_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._auth, self._path, self._user_name = auth, vault_path, user_name
        self.setObjectName("lockScreen")
        panel, inner = card(self, self.tr("Strongroom is locked"))
        panel.setMinimumWidth(420)
        panel.setMaximumWidth(480)
        where = QLabel(self.tr("Vault: {path}").format(path=Path(vault_path).name), panel)
        where.setToolTip(vault_path)
        where.setObjectName("hint")
        self.user_label = QLabel(user_name, panel)
        self.password = password_edit(panel)
        self.password.returnPressed.connect(self.unlock)
        form = QFormLayout()
        form.addRow(self.tr("User:"), self.user_label)
        form.addRow(self.tr("&Password:"), self.password)
        self.message = MessageLabel(panel)
        self.busy = BusyIndicator(panel)
        self.unlock_button = QPushButton(self.tr("&Unlock"), panel)
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.unlock)
        self.switch_button = QPushButton(self.tr("&Switch user"), panel)
        self.switch_button.clicked.connect(self.switch_user)
        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        inner.addWidget(where)
        inner.addLayout(form)
        inner.addWidget(self.message)
        inner.addWidget(self.busy)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.countdown = Countdown(self.message, [self.unlock_button], self)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.password.setFocus()

    def unlock(self) -> None:
        password = self.password.text()
        if not password or self.busy.active or self.countdown.active:
            return
        auth, path, name = self._auth, self._path, self._user_name
        self.message.clear_message()
        self.busy.start(self.tr("Unlocking…"),
                        [self.unlock_button, self.switch_button, self.password])

        def work(_task: Task) -> Session:
            return auth.login(Path(path), name, password, resume=True)

        def failed(exc: BaseException) -> None:
            self.password.clear()
            self.countdown.report_failure(exc)

        def finished() -> None:
            self.busy.stop()
            self.password.setFocus()
            if self.countdown.active:
                self.unlock_button.setEnabled(False)

        run_op(self, work, on_done=self.unlocked.emit, on_error=failed, on_finished=finished,
               on_orphaned=lambda session: session.close())
