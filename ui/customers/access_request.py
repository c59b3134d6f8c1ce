"""The access request (everything held about one customer, as one JSON file) as the customer
detail and the Privacy page start it: a save dialog, then the export on a worker thread, then
the counts of what was written."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from core.session import Session
from ui.widgets import MessageLabel
from ui.worker import BusyIndicator, Op, Task, error_text, run_op


def _tr(text: str) -> str:
    return QCoreApplication.translate("AccessRequest", text)


def choose_access_path(parent: QWidget, customer_id: int) -> str:
    """Ask where to save; '' when cancelled. The name carries the id, not the person's name,
    so a folder listing says nothing about whom the file is about."""
    suggested = Path.home() / f"customer-{customer_id}-access-request.json"
    path, _kind = QFileDialog.getSaveFileName(
        parent, _tr("Save the access request"), str(suggested), _tr("JSON files (*.json)"))
    if path and not path.lower().endswith(".json"):
        path += ".json"
    return path


def counts_text(counts: dict[str, int]) -> str:
    names = {"contacts": _tr("contacts"), "consents": _tr("consent records"),
             "interactions": _tr("interactions"), "tasks": _tr("tasks"),
             "audit_entries": _tr("audit entries"), "contracts": _tr("contracts"),
             "qualifications": _tr("qualification documents")}
    return ", ".join(_tr("{what}: {count}").format(count=n, what=names.get(k, k))
                     for k, n in counts.items())


def start_access_request(owner: QWidget, session: Session, customer_id: int, path: str,
                         message: MessageLabel, busy: BusyIndicator,
                         disable: Iterable[QWidget] = (),
                         on_done: Callable[[dict[str, int]], None] | None = None) -> Op:
    """Write the file off the GUI thread; the outcome is shown in `message`."""
    actor, target = session.user, Path(path)
    message.clear_message()
    busy.start(_tr("Writing everything held about customer #{id}…").format(id=customer_id),
               disable)

    def work(_task: Task) -> dict[str, int]:
        return session.subject_rights.access_request(actor, customer_id, target)

    def done(counts: dict[str, int]) -> None:
        message.show_message(_tr(
            "Saved to {path}: {counts}. Protected values are in clear in this file; keep it "
            "safe and delete it once handed over.").format(path=target, counts=counts_text(
                counts)), "ok")
        if on_done is not None:
            on_done(counts)

    return run_op(owner, work, on_done=done,
                  on_error=lambda exc: message.show_message(error_text(exc)),
                  on_finished=busy.stop)
