"""One contract: a header (number, customer, state, totals, risk badge), tabs for its terms,
clauses (with their difference from the standard wording), risk, approvals, history and
documents, and the life-cycle actions its state and the user's role allow. Everything is read on
a worker; the dialog refreshes when contracts change and is wiped when the vault locks."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.changes import Changes
from core.contracts.workflow import ContractState
from core.session import Session
from ui.bus import BusBridge
from ui.contracts import detail_data as d
from ui.contracts.approvals_tab import ApprovalsTab
from ui.contracts.clauses_tab import ClausesTab
from ui.contracts.documents_tab import DocumentsTab
from ui.contracts.draft_dialog import DraftDialog
from ui.contracts.history_tab import RISK_COLOURS, HistoryTab, RiskTab
from ui.contracts.labels import money, plain, risk_label, state_label
from ui.contracts.terms_tab import TermsTab
from ui.contracts.workflow_actions import WorkflowButtons
from ui.widgets import add_status, ask, button_row
from ui.worker import error_text, run_op

TERMS, CLAUSES, RISK, APPROVALS, HISTORY, DOCUMENTS = range(6)


class ContractDialog(QDialog):
    def __init__(self, session: Session, bridge: BusBridge, contract_id: int,
                 parent: QWidget | None = None,
                 open_contract: Callable[[int], object] | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._session = session
        self.contract_id = contract_id
        self.snapshot: d.Snapshot | None = None
        self.offered: dict[str, bool] = {}
        self.draft_dialog: DraftDialog | None = None
        self._load_number = 0
        self._open_contract = open_contract
        self.setWindowTitle(self.tr("Contract"))
        self.resize(860, 660)

        self.title = QLabel(self)
        self.title.setObjectName("pageTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.risk_badge = QLabel(self)
        self.risk_badge.setObjectName("riskBadge")
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("pageIntro")
        self.subtitle.setWordWrap(True)
        plain(self.title, self.subtitle, self.risk_badge)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.risk_badge)

        self.tabs = QTabWidget(self)
        self.terms = TermsTab(self)
        self.clauses = ClausesTab(session, self)
        self.risk = RiskTab(self)
        self.approvals = ApprovalsTab(session, self)
        self.history = HistoryTab(self)
        self.documents = DocumentsTab(session, contract_id, self)
        self.tabs.addTab(self.terms, self.tr("&Terms"))
        self.tabs.addTab(self.clauses, self.tr("&Clauses"))
        self.tabs.addTab(self.risk, self.tr("&Risk"))
        self.tabs.addTab(self.approvals, self.tr("A&pprovals"))
        self.tabs.addTab(self.history, self.tr("&History"))
        self.tabs.addTab(self.documents, self.tr("D&ocuments"))

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.tabs, 1)
        self.message, self.busy = add_status(layout, self)
        plain(self.message)
        self.edit_button = QPushButton(self.tr("&Edit…"), self)
        self.edit_button.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_E))
        self.edit_button.setAutoDefault(False)
        self.edit_button.clicked.connect(self.edit)
        self.edit_button.hide()
        self.workflow = WorkflowButtons(session, self, self.message, self.busy,
                                        self._open_new)
        bottom = button_row(self.edit_button, *self.workflow.buttons.values())
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_buttons.rejected.connect(self.reject)
        bottom.addWidget(self.close_buttons)
        layout.addLayout(bottom)
        bridge.changed.connect(self._changed)
        refresh = QAction(self)  # changes made in another window or by a colleague
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        refresh.triggered.connect(self.load)
        self.addAction(refresh)
        self.load()

    # -- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        self._load_number += 1
        number = self._load_number
        session, contract_id = self._session, self.contract_id

        def done(snapshot: d.Snapshot) -> None:
            if number == self._load_number:
                self.show_snapshot(snapshot)

        run_op(self, lambda _t: d.read_snapshot(session, contract_id), on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    def show_snapshot(self, snap: d.Snapshot) -> None:
        self.snapshot = snap
        c = snap.contract
        self.offered = d.offered(self._session, c)
        self.setWindowTitle(self.tr("Contract {number}").format(number=c.number))
        self.title.setText(self.tr("{number} · {title}").format(number=c.number, title=c.title))
        subtitle = self.tr("{customer} · {state} · net {net} · tax {tax} · total {gross}").format(
            customer=snap.customer_name or "—", state=state_label(c.state),
            net=money(c.net, c.currency), tax=money(c.tax, c.currency),
            gross=money(c.gross, c.currency))
        if c.relation:
            subtitle += " · " + (self.tr("amendment, version {n}") if c.relation == "amendment"
                                 else self.tr("renewal, version {n}")).format(n=c.version_no)
        self.subtitle.setText(subtitle)
        level = snap.risk.level if snap.risk else None
        self.risk_badge.setText(risk_label(level))
        self.risk_badge.setProperty("level", level or "")
        colour = RISK_COLOURS.get(level or "", "#666")
        self.risk_badge.setStyleSheet(
            f"QLabel {{ color: white; background: {colour}; border-radius: 8px; "
            "padding: 2px 10px; font-weight: bold; }")
        editable = self.offered.get(d.EDIT, False)
        self.terms.show_contract(c)
        self.clauses.show_contract(c, snap.diffs, editable)
        self.risk.show_risk(snap.risk)
        self.approvals.show_progress(c, snap.progress, snap.events,
                                     self.offered.get(d.DECIDE, False), snap.can_decide)
        self.history.show_events(snap.events)
        self.edit_button.setVisible(editable)
        self.workflow.show_for(c, self.offered)

    def _changed(self, changes: Changes) -> None:
        if changes.contracts:
            self.load()
            self.documents.refresh()

    # -- actions -----------------------------------------------------------------------------
    def edit(self) -> DraftDialog | None:
        if self.snapshot is None or self.edit_button.isHidden():
            return None
        contract = self.snapshot.contract
        if contract.state != ContractState.DRAFT.value:
            ask(self, self.tr("Edit contract"), self.tr(
                "Editing a contract that is {state} returns it to draft: its approvals are "
                "void and it must be submitted again. Edit it?").format(
                state=state_label(contract.state).lower()), self.tr("Edit"), self._open_draft)
            return None
        return self._open_draft()

    def _open_draft(self) -> DraftDialog | None:
        if self.snapshot is None:
            return None
        self.draft_dialog = DraftDialog(self._session, self.snapshot.contract.customer_id,
                                        self.snapshot.customer_name, self.snapshot.contract,
                                        self)
        self.draft_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.draft_dialog.open()
        return self.draft_dialog

    def _open_new(self, contract_id: int) -> None:
        if self._open_contract is not None:
            self._open_contract(contract_id)

    def wipe(self) -> None:
        """Forget everything shown (at lock time), then close."""
        self._load_number += 1
        if self.draft_dialog is not None and shiboken6.isValid(self.draft_dialog):
            self.draft_dialog.wipe()
        for part in (self.terms, self.clauses, self.risk, self.approvals, self.history,
                     self.documents, self.workflow):
            part.wipe()
        self.snapshot = None
        for label in (self.title, self.subtitle, self.risk_badge):
            label.clear()
        self.close()


class ContractWindows:
    """The contract dialogs a page opened: one per contract, raised when asked again, all wiped
    when the vault locks."""

    def __init__(self, owner: QWidget, session: Session, bridge: BusBridge) -> None:
        self._owner, self._session, self._bridge = owner, session, bridge
        self.dialogs: dict[int, ContractDialog] = {}

    def open(self, contract_id: int) -> ContractDialog:
        dialog = self.dialogs.get(contract_id)
        if dialog is None or not shiboken6.isValid(dialog):
            dialog = ContractDialog(self._session, self._bridge, contract_id, self._owner,
                                    open_contract=self.open)
            self.dialogs[contract_id] = dialog
            dialog.finished.connect(lambda _r, cid=contract_id: self.dialogs.pop(cid, None))
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def wipe(self) -> None:
        for dialog in list(self.dialogs.values()):
            if shiboken6.isValid(dialog):
                dialog.wipe()
        self.dialogs = {}
