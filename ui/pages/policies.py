"""Policies: idle lock, password length and history; when overdue instalments are escalated
to the manager (collection)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QPushButton, QSpinBox, QWidget

from core.changes import Changes
from core.money.collection import MAX_ESCALATE_AFTER
from core.policy import MIN_PASSWORD_LENGTH_FLOOR, Policy
from core.session import Session
from ui.bus import BusBridge
from ui.widgets import add_status, button_row, page_layout
from ui.worker import Task, error_text, run_op


def _spin(parent: QWidget, low: int, high: int, suffix: str = "") -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    spin.setMinimumWidth(160)
    return spin


class PoliciesPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        layout = page_layout(self, self.tr("Policies"), self.tr(
            "These rules apply to every user of this vault. Changes are recorded in the audit "
            "trail."))
        self.idle_minutes = _spin(self, 1, 240, self.tr(" min"))
        self.min_length = _spin(self, MIN_PASSWORD_LENGTH_FLOOR, 128, self.tr(" characters"))
        self.history = _spin(self, 1, 24, self.tr(" passwords"))
        self.escalate_after = _spin(self, 1, MAX_ESCALATE_AFTER, self.tr(" days overdue"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self.tr("Lock after &idle time:"), self.idle_minutes)
        form.addRow(self.tr("&Minimum password length:"), self.min_length)
        form.addRow(self.tr("Refuse &reuse of the last:"), self.history)
        form.addRow(self.tr("&Escalate overdue instalments to the manager after:"),
                    self.escalate_after)
        layout.addLayout(form)
        self.save_button = QPushButton(self.tr("&Save"), self)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton(self.tr("Re&vert"), self)
        self.revert_button.clicked.connect(self.load)
        layout.addLayout(button_row(self.save_button, self.revert_button))
        self.message, self.busy = add_status(layout, self)
        layout.addStretch(1)
        bridge.changed.connect(self._changed)
        self.load()

    def _changed(self, changes: Changes) -> None:
        if changes.policy and not self.busy.active:
            self.load()

    def load(self) -> None:
        policy = self._session.policies.get()
        self.idle_minutes.setValue(policy.idle_minutes)
        self.min_length.setValue(policy.min_password_length)
        self.history.setValue(policy.password_history)
        self.escalate_after.setValue(self._session.collection.escalate_after())

    def policy(self) -> Policy:
        return Policy(idle_minutes=self.idle_minutes.value(),
                      min_password_length=self.min_length.value(),
                      password_history=self.history.value())

    def save(self) -> None:
        session, actor, policy = self._session, self._session.user, self.policy()
        escalate_after = self.escalate_after.value()
        self.message.clear_message()
        self.busy.start(self.tr("Saving…"), [self.save_button, self.revert_button])

        def work(_task: Task) -> Policy:
            saved = session.policies.update(actor, policy)
            if escalate_after != session.collection.escalate_after():
                session.collection.set_escalate_after(actor, escalate_after)
            return saved

        run_op(self, work,
               on_done=lambda _p: self.message.show_message(self.tr("Policies saved."), "ok"),
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=self.busy.stop)
