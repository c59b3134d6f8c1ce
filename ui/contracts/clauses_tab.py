"""The Clauses tab: every clause, the non-standard ones flagged; the selected one's wording with
its difference from the standard clause (insertions green, deletions red and struck through,
by character or as a unified diff); editing, resetting and adding clauses while editable."""

from __future__ import annotations

from html import escape

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.contracts.clauses import ClauseDiff
from core.contracts.model import Contract, ContractClause
from core.session import Session
from ui.contracts.clause_dialog import ClauseDialog
from ui.contracts.labels import category_label, plain
from ui.widgets import MessageLabel, button_row
from ui.worker import error_text, run_op

INSERT_STYLE = "background-color:#c8f0c8;color:#0a4a0a"
DELETE_STYLE = "background-color:#f6c6c6;color:#7a0a0a;text-decoration:line-through"
POSITION = Qt.ItemDataRole.UserRole


def runs_html(diff: ClauseDiff) -> str:
    """Character runs as HTML (every text escaped: a clause may hold anything)."""
    out = []
    for kind, text in diff.runs:
        body = escape(text).replace("\n", "<br>")
        if kind == "insert":
            out.append(f"<span style='{INSERT_STYLE}'>{body}</span>")
        elif kind == "delete":
            out.append(f"<span style='{DELETE_STYLE}'>{body}</span>")
        else:
            out.append(body)
    return "".join(out)


def unified_html(diff: ClauseDiff) -> str:
    lines = []
    for line in diff.unified.splitlines():
        body = escape(line) or "&nbsp;"
        if line.startswith("+") and not line.startswith("+++"):
            lines.append(f"<span style='{INSERT_STYLE}'>{body}</span>")
        elif line.startswith("-") and not line.startswith("---"):
            lines.append(f"<span style='{DELETE_STYLE.split(';text')[0]}'>{body}</span>")
        else:
            lines.append(body)
    return "<pre>" + "\n".join(lines) + "</pre>"


class ClausesTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.contract: Contract | None = None
        self.diffs: dict[int, ClauseDiff] = {}
        self.editable = False
        self.dialog: ClauseDialog | None = None
        self.list = QListWidget(self)
        self.list.setObjectName("clauseList")
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.diff_view = QTextBrowser(self)
        self.diff_view.setObjectName("clauseDiff")
        self.unified = QCheckBox(self.tr("Show as &unified diff"), self)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.diff_view, 1)
        right_layout.addWidget(self.unified)
        splitter = QSplitter(self)
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setSizes([240, 460])
        self.edit_button = QPushButton(self.tr("Edit c&lause…"), self)
        self.reset_button = QPushButton(self.tr("Reset to &standard"), self)
        self.add_button = QPushButton(self.tr("A&dd clause…"), self)
        for button in (self.edit_button, self.reset_button, self.add_button):
            button.setAutoDefault(False)
        self.edit_button.clicked.connect(self.edit_clause)
        self.reset_button.clicked.connect(self.reset_clause)
        self.add_button.clicked.connect(self.add_clause)
        self.message = MessageLabel(self)
        plain(self.heading, self.message)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addLayout(button_row(self.edit_button, self.reset_button, self.add_button))
        self.list.currentRowChanged.connect(lambda _r: self._show_selected())
        self.list.itemActivated.connect(lambda _i: self.edit_clause())
        self.unified.toggled.connect(lambda _on: self._show_selected())
        self._update()

    # -- showing -----------------------------------------------------------------------------
    def show_contract(self, contract: Contract, diffs: tuple[ClauseDiff, ...],
                      editable: bool) -> None:
        keep = self.selected_position()
        self.contract, self.editable = contract, editable
        self.diffs = {d.position: d for d in diffs}
        self.list.blockSignals(True)
        self.list.clear()
        for clause in contract.clauses:
            item = QListWidgetItem(self._item_text(clause), self.list)
            item.setData(POSITION, clause.position)
            if clause.nonstandard:
                item.setForeground(QBrush(QColor("#a05a00")))
                item.setToolTip(self.tr("Differs from the standard clause"))
        self.list.blockSignals(False)
        self.select(keep if keep is not None else
                    (contract.clauses[0].position if contract.clauses else None))
        self.add_button.setVisible(editable)
        self.edit_button.setVisible(editable)
        self.reset_button.setVisible(editable)
        self._update()

    def _item_text(self, clause: ContractClause) -> str:
        text = self.tr("{n}. {title} ({category})").format(
            n=clause.position, title=clause.title, category=category_label(clause.category))
        if clause.nonstandard:
            text = self.tr("⚑ {clause} — non-standard").format(clause=text)
        return text

    def select(self, position: int | None) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(POSITION) == position:
                self.list.setCurrentRow(row)
                break
        self._show_selected()

    def selected_position(self) -> int | None:
        item = self.list.currentItem()
        return item.data(POSITION) if item is not None else None

    def selected_clause(self) -> ContractClause | None:
        position = self.selected_position()
        if self.contract is None or position is None:
            return None
        return next((c for c in self.contract.clauses if c.position == position), None)

    def _show_selected(self) -> None:
        clause, diff = self.selected_clause(), self.diffs.get(self.selected_position() or -1)
        if clause is None or diff is None:
            self.heading.clear()
            self.diff_view.clear()
        else:
            if not diff.nonstandard:
                self.heading.setText(self.tr("{title}: the standard wording.").format(
                    title=clause.title))
            elif not clause.standard_text:
                self.heading.setText(self.tr(
                    "{title}: a clause of the parties' own (no standard wording).").format(
                    title=clause.title))
            else:
                self.heading.setText(self.tr(
                    "{title}: differs from the standard clause (added text green, removed "
                    "text red).").format(title=clause.title))
            show_unified = self.unified.isChecked() and diff.nonstandard
            self.diff_view.setHtml(unified_html(diff) if show_unified else runs_html(diff))
        self._update()

    def _update(self) -> None:
        clause = self.selected_clause()
        self.edit_button.setEnabled(self.editable and clause is not None)
        self.reset_button.setEnabled(self.editable and clause is not None
                                     and clause.nonstandard and bool(clause.standard_text))
        self.add_button.setEnabled(self.editable and self.contract is not None)
        self.unified.setEnabled(clause is not None and clause.nonstandard)

    # -- actions -----------------------------------------------------------------------------
    def _open(self, position: int | None) -> ClauseDialog | None:
        if not self.editable or self.contract is None:
            return None
        self.dialog = ClauseDialog(self._session, self.contract, position, self)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.open()
        return self.dialog

    def edit_clause(self) -> ClauseDialog | None:
        clause = self.selected_clause()
        return self._open(clause.position) if clause is not None else None

    def add_clause(self) -> ClauseDialog | None:
        return self._open(None)

    def reset_clause(self) -> None:
        clause = self.selected_clause()
        if not self.reset_button.isEnabled() or clause is None or self.contract is None:
            return
        service, actor = self._session.contracts, self._session.user
        cid, revision, position = self.contract.id, self.contract.revision, clause.position
        self.reset_button.setEnabled(False)
        self.message.clear_message()
        # The bus reloads the detail once the change is stored.
        run_op(self, lambda _t: service.reset_clause(actor, cid, position, revision),
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=self._update)

    def wipe(self) -> None:
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.wipe()
        self.contract, self.diffs = None, {}
        self.list.clear()
        self.diff_view.clear()
        self.heading.clear()
        self.message.clear_message()
