"""Bridge from core's plain-Python ChangeBus to a Qt signal on the GUI thread."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QObject, Qt, Signal, Slot

from core.changes import ChangeBus, Changes


class BusBridge(QObject):
    """Re-emits every published Changes as `changed`, always on the GUI thread.

    The bus calls listeners on whichever thread made the change (often a worker), so the
    listener only emits an internal signal that is delivered queued to this object's thread."""

    changed = Signal(object)
    _posted = Signal(object)

    def __init__(self, bus: ChangeBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bus: ChangeBus | None = bus
        self._posted.connect(self._relay, Qt.ConnectionType.QueuedConnection)
        bus.subscribe(self._listener)

    def _listener(self, changes: Changes) -> None:
        # The bridge may have been deleted while a worker published.
        with contextlib.suppress(RuntimeError):
            self._posted.emit(changes)

    @Slot(object)
    def _relay(self, changes: Changes) -> None:
        self.changed.emit(changes)

    def detach(self, *_args: object) -> None:
        """Stop listening (before the session behind the bus goes away)."""
        if self._bus is not None:
            self._bus.unsubscribe(self._listener)
            self._bus = None
