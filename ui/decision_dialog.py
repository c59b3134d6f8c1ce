"""The shape every approval shares: the approver types their password again (core checks it
with Argon2, so on a worker) and a comment, required to reject; a wrong password clears the
field and changes nothing, repeated failures start a countdown, and core's refusals are shown.
Subclasses lay out what is decided and say which service call decides it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QFormLayout, QLayout, QPlainTextEdit, QWidget

from core.errors import AuthenticationFailed, UnlockThrottled
from ui.contracts.labels import plain
from ui.lock import Countdown
from ui.task_dialog import TaskDialog
from ui.widgets import password_edit
from ui.worker import error_text

Decide = Callable[[str, str], Any]  # (password, comment) -> what core stored; on a worker


class DecisionDialog(TaskDialog):
    """After OK, `saved` is what the service returned."""

    def __init__(self, reject: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rejecting = reject
        self.saved: Any = None
        self.password = password_edit(self)
        self.comment = QPlainTextEdit(self)
        self.comment.setTabChangesFocus(True)
        self.comment.setPlaceholderText(self.tr("Why it is rejected (required)") if reject
                                        else self.tr("Optional"))

    def build(self, *above: QWidget | QLayout, form: QFormLayout | None = None) -> None:
        """Lay out `above`, then `form` (or a new one) ending with the password and comment."""
        form = form if form is not None else QFormLayout()
        form.addRow(self.tr("&Password:"), self.password)
        form.addRow(self.tr("&Comment:"), self.comment)
        self.add_footer(self.tr("&Reject") if self.rejecting else self.tr("&Approve"),
                        self._submit, *above, form)
        plain(self.message)
        self.countdown = Countdown(self.message, [self.ok_button], self)
        self.countdown.finished.connect(self._update)
        self.password.textChanged.connect(self._update)
        self.comment.textChanged.connect(self._update)
        self._update()
        self.password.setFocus()

    # -- for subclasses ----------------------------------------------------------------------
    def decision(self) -> Decide:
        """The service call, bound on the GUI thread to everything but the typed values."""
        raise NotImplementedError

    def ready(self) -> bool:
        """Whatever else the subclass needs before OK (the password and a rejection's comment
        are checked here)."""
        return True

    def wrong_password_text(self) -> str:
        return (self.tr("Wrong password: nothing was rejected.") if self.rejecting
                else self.tr("Wrong password: nothing was approved."))

    def inputs(self) -> list[QWidget]:
        """Disabled while core decides."""
        return [self.password, self.comment]

    # -- the shared part ---------------------------------------------------------------------
    def _update(self) -> None:
        typed = bool(self.password.text()) and (
            not self.rejecting or bool(self.comment.toPlainText().strip()))
        self.ok_button.setEnabled(typed and self.ready() and not self.busy.active
                                  and not self.countdown.active)

    def _submit(self) -> None:
        # Not "OK enabled": a forced submit (Enter held, a test) still reaches core, which
        # refuses what the button would have.
        if self.busy.active or self.countdown.active:
            return
        decide = self.decision()
        password, comment = self.password.text(), self.comment.toPlainText()

        def done(saved: Any) -> None:
            self.saved = saved
            self.accept()

        self.run(self.tr("Rejecting…") if self.rejecting else self.tr("Approving…"),
                 self.inputs(), lambda _task: decide(password, comment), done,
                 on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.password.clear()
        if isinstance(exc, UnlockThrottled):
            self.countdown.start(exc.retry_after)
        elif isinstance(exc, AuthenticationFailed):
            self.message.show_message(self.wrong_password_text())
        else:
            self.message.show_message(error_text(exc))
        self.password.setFocus()

    def wipe(self) -> None:
        self.password.clear()
        self.comment.clear()
        self.hide()
