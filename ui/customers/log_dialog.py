"""Recording a call, visit, meeting, e-mail or note, optionally with a follow-up task."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from core.customers.interactions import (
    FollowUp,
    Interaction,
    InteractionInvalid,
    InteractionKind,
    Task,
)
from core.session import Session
from ui.customers.field_errors import FieldErrors
from ui.customers.labels import interaction_label
from ui.task_dialog import TaskDialog
from ui.worker import error_text


def date_time_edit(parent: QWidget, value: QDateTime) -> QDateTimeEdit:
    edit = QDateTimeEdit(value, parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    return edit


def aware(value: QDateTime) -> datetime:
    """A local date and time from a Qt edit, as an aware datetime (core wants a zone)."""
    return value.toPython().astimezone()


class LogInteractionDialog(TaskDialog):
    def __init__(self, session: Session, customer_id: int, customer_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._customer_id = session, customer_id
        self.logged: tuple[Interaction, Task | None] | None = None
        self.setWindowTitle(self.tr("Log an interaction with {name}").format(name=customer_name))
        self.setMinimumWidth(520)
        self.errors = FieldErrors(self)
        self.kind = QComboBox(self)
        for kind in InteractionKind:
            self.kind.addItem(interaction_label(kind), kind)
        self.at = date_time_edit(self, QDateTime.currentDateTime())
        self.summary = QPlainTextEdit(self)
        self.summary.setTabChangesFocus(True)
        self.summary.setMinimumHeight(90)
        self.summary.setPlaceholderText(self.tr("What was discussed"))
        self.outcome = QLineEdit(self)
        self.next_step = QLineEdit(self)
        form = QFormLayout()
        for label, widget, field in (
                (self.tr("&Kind:"), self.kind, "kind"), (self.tr("&When:"), self.at, "at"),
                (self.tr("&Summary:"), self.summary, "summary"),
                (self.tr("&Outcome:"), self.outcome, "outcome"),
                (self.tr("&Next step:"), self.next_step, "next_step")):
            form.addRow(label, widget)
            form.addRow("", self.errors.label(field))

        self.follow_up = QGroupBox(self.tr("&Follow-up task"), self)
        self.follow_up.setCheckable(True)
        self.follow_up.setChecked(False)
        self.task_title = QLineEdit(self.follow_up)
        tomorrow = QDateTime(QDateTime.currentDateTime().date().addDays(1), QTime(9, 0))
        self.due = date_time_edit(self.follow_up, tomorrow)
        task_form = QFormLayout(self.follow_up)
        task_form.addRow(self.tr("&Title:"), self.task_title)
        task_form.addRow("", self.errors.label("title"))
        task_form.addRow(self.tr("&Due:"), self.due)
        task_form.addRow("", self.errors.label("due"))

        self.add_footer(self.tr("Log"), self._submit, form, self.follow_up)
        for signal in (self.summary.textChanged, self.task_title.textChanged,
                       self.follow_up.toggled):
            signal.connect(self._update)
        self._update()
        self.summary.setFocus()

    def _update(self) -> None:
        ready = bool(self.summary.toPlainText().strip()) and (
            not self.follow_up.isChecked() or bool(self.task_title.text().strip()))
        self.ok_button.setEnabled(ready and not self.busy.active)
        self.ok_button.setDefault(True)  # Cancel took it while OK was disabled

    def _submit(self) -> None:
        session, actor, customer_id = self._session, self._session.user, self._customer_id
        kind = InteractionKind(self.kind.currentData())
        at, summary = aware(self.at.dateTime()), self.summary.toPlainText()
        outcome, next_step = self.outcome.text(), self.next_step.text()
        follow_up = (FollowUp(self.task_title.text(), aware(self.due.dateTime()))
                     if self.follow_up.isChecked() else None)
        self.errors.clear()

        def done(result: tuple[Interaction, Task | None]) -> None:
            self.logged = result
            self.accept()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, InteractionInvalid):
                rest = self.errors.show(exc.errors)
                self.message.show_message("\n".join(rest) if rest else self.tr(
                    "Correct the marked fields."))
            else:
                self.message.show_message(error_text(exc))

        self.run(self.tr("Saving…"),
                 [self.kind, self.at, self.summary, self.outcome, self.next_step,
                  self.follow_up],
                 lambda _t: session.interactions.log(actor, customer_id, kind, at, summary,
                                                     outcome, next_step, follow_up),
                 done, on_error=failed)
