"""The Approvals tab: the steps the rules require, who approved each and when, the step now
pending, and Approve…/Reject… for a user core lists as able to take that step."""

from __future__ import annotations

from html import escape

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from core.contracts.model import ApprovalProgress, Contract, ContractEvent
from core.contracts.workflow import ContractState
from core.session import Session
from ui.contracts.approve_dialog import ApproveDialog
from ui.contracts.labels import plain, state_label, step_label
from ui.customers.labels import local_time
from ui.widgets import button_row


class ApprovalsTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.contract: Contract | None = None
        self.dialog: ApproveDialog | None = None
        self.view = QTextBrowser(self)
        self.view.setObjectName("approvalSteps")
        self.hint = QLabel(self)
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.approve_button = QPushButton(self.tr("&Approve…"), self)
        self.approve_button.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Return))
        self.reject_button = QPushButton(self.tr("Re&ject…"), self)
        for button in (self.approve_button, self.reject_button):
            button.setAutoDefault(False)
        self.approve_button.clicked.connect(lambda: self.decide(False))
        self.reject_button.clicked.connect(lambda: self.decide(True))
        plain(self.hint)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        layout.addLayout(button_row(self.approve_button, self.reject_button))
        self.show_progress(None, None, (), False, False)

    def show_progress(self, contract: Contract | None, progress: ApprovalProgress | None,
                      events: tuple[ContractEvent, ...], offered: bool, can_decide: bool) -> None:
        self.contract = contract
        self.last_step = progress is not None and progress.next_step is not None and len(
            progress.steps) - len(progress.approved) == 1
        for button in (self.approve_button, self.reject_button):
            button.setVisible(offered)
            button.setEnabled(offered and can_decide)
        if contract is None or progress is None:
            self.view.clear()
            self.hint.clear()
            return
        by_step = {e.step_role: e for e in progress.approved}
        rows = []
        for step in progress.steps:
            done = by_step.get(step)
            if done is not None:
                status = self.tr("approved by {name} on {at}").format(
                    name=done.actor_name, at=local_time(done.at))
                if done.comment:
                    status += " — " + done.comment
            elif step == progress.next_step:
                status = self.tr("pending (next)")
            else:
                status = self.tr("waiting")
            rows.append(f"<tr><td><b>{escape(step_label(step))}</b></td>"
                        f"<td>{escape(status)}</td></tr>")
        parts = []
        if rows:
            parts.append("<table cellpadding='4'>" + "".join(rows) + "</table>")
        else:
            parts.append("<p>" + escape(self.tr(
                "The approval steps are decided when the contract is submitted for review."))
                + "</p>")
        for event in events:
            if event.action != "rejected" or event.round != contract.review_round:
                continue
            parts.append("<p>" + escape(self.tr(
                "Rejected by {name} on {at}: {comment}").format(
                name=event.actor_name, at=local_time(event.at), comment=event.comment))
                + "</p>")
        self.view.setHtml("".join(parts))
        if contract.state != ContractState.IN_REVIEW.value:
            self.hint.setText(self.tr("The contract is {state}.").format(
                state=state_label(contract.state).lower()))
        elif can_decide:
            self.hint.setText(self.tr("The {step} step is yours to decide.").format(
                step=step_label(progress.next_step)))
        elif contract.author_id == self._session.user.id:
            self.hint.setText(self.tr(
                "You wrote this contract: a colleague must approve it."))
        else:
            self.hint.setText(self.tr("Waiting for the {step} step.").format(
                step=step_label(progress.next_step)))

    def decide(self, reject: bool) -> ApproveDialog | None:
        """Open the dialog (also when forced while disabled: core then refuses)."""
        if self.contract is None:
            return None
        self.dialog = ApproveDialog(self._session, self.contract.id, self.contract.number,
                                    reject, self, last_step=self.last_step)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.open()
        return self.dialog

    def wipe(self) -> None:
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.wipe()
        self.show_progress(None, None, (), False, False)
