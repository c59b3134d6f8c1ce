"""The History tab (every transition and decision with its comment) and the Risk tab (score,
level and the reasons behind them)."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.contracts.model import ContractEvent
from ui.contracts.detail_data import RiskView
from ui.contracts.labels import event_label, risk_label, state_label, step_label
from ui.customers.labels import core_text, local_time
from ui.table_model import Index, ListTableModel

RISK_COLOURS = {"low": "#2e7d32", "medium": "#b26a00", "high": "#c62828"}


class HistoryModel(ListTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ContractEvent] = []
        self._headers = [self.tr("When"), self.tr("Who"), self.tr("What"), self.tr("State"),
                         self.tr("Comment")]

    def set_rows(self, rows: tuple[ContractEvent, ...]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        e = self._rows[index.row()]
        what = event_label(e.action)
        if e.step_role:
            what = self.tr("{what} ({step})").format(what=what, step=step_label(e.step_role))
        state = (state_label(e.to_state) if e.from_state == e.to_state else
                 self.tr("{before} → {after}").format(before=state_label(e.from_state),
                                                      after=state_label(e.to_state)))
        cells = (local_time(e.at), e.actor_name, what, state, e.comment.replace("\n", " "))
        if role == Qt.ItemDataRole.ToolTipRole:
            return e.comment if index.column() == 4 and e.comment else None
        return cells[index.column()]

    def texts(self) -> list[str]:
        return [str(self.data(self.index(r, 2))) for r in range(self.rowCount())]

    def wipe(self) -> None:
        self.set_rows(())


class HistoryTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = HistoryModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((125, 100, 170, 150)):
            self.view.setColumnWidth(column, width)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)

    def show_events(self, events: tuple[ContractEvent, ...]) -> None:
        self.model.set_rows(events)
        if events:
            self.view.scrollTo(self.model.index(len(events) - 1, 0, QModelIndex()))

    def wipe(self) -> None:
        self.model.wipe()


class RiskTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QTextBrowser(self)
        self.view.setObjectName("riskView")
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)

    def show_risk(self, risk: RiskView | None) -> None:
        if risk is None:
            self.view.clear()
            return
        colour = RISK_COLOURS.get(risk.level, "#555")
        parts = [f"<h3 style='color:{colour}'>{escape(risk_label(risk.level))} · "
                 + escape(self.tr("score {score}").format(score=risk.score)) + "</h3>",
                 "<p>" + escape(self.tr("Assessed when the contract was submitted.") if risk.stored
                                else self.tr("A preview: the assessment is stored when the "
                                             "contract is submitted.")) + "</p>"]
        if risk.reasons:
            parts.append("<ul>" + "".join(
                "<li>" + escape(self.tr("{reason} (+{points})").format(
                    reason=core_text(message), points=points)) + "</li>"
                for message, points in risk.reasons) + "</ul>")
        else:
            parts.append("<p>" + escape(self.tr("No risk factor found.")) + "</p>")
        self.view.setHtml("".join(parts))

    def text(self) -> str:
        return self.view.toPlainText()

    def wipe(self) -> None:
        self.view.clear()
