"""Editing one clause's wording, or adding a clause of the parties' own."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QPlainTextEdit, QWidget

from core.contracts.clauses import CATEGORY_ORDER
from core.contracts.model import ClauseCategory, Contract
from core.session import Session
from ui.contracts.labels import category_label, plain
from ui.task_dialog import TaskDialog


class ClauseDialog(TaskDialog):
    """`position` None: add a clause. After OK, `saved` is the stored contract."""

    def __init__(self, session: Session, contract: Contract, position: int | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self.contract, self.position = session, contract, position
        self.saved: Contract | None = None
        self.setMinimumSize(560, 420)
        form = QFormLayout()
        self.category = QComboBox(self)
        for category in CATEGORY_ORDER:
            self.category.addItem(category_label(category), category.value)
        self.title = QLineEdit(self)
        self.title.setMaxLength(200)
        self.text = QPlainTextEdit(self)
        self.text.setTabChangesFocus(True)
        clause = next((c for c in contract.clauses if c.position == position), None)
        if clause is None:
            self.setWindowTitle(self.tr("Add a clause"))
            self.category.setCurrentIndex(self.category.findData(ClauseCategory.OTHER.value))
            form.addRow(self.tr("&Category:"), self.category)
            form.addRow(self.tr("&Title:"), self.title)
        else:
            self.setWindowTitle(self.tr("Edit clause {n}: {title}").format(
                n=clause.position, title=clause.title))
            self.category.hide()
            self.title.hide()
            self.text.setPlainText(clause.text)
        form.addRow(self.tr("&Wording:"), self.text)
        self.add_footer(self.tr("Save"), self._submit, form)
        self.ok_button.setShortcut(QKeySequence.StandardKey.Save)
        plain(self.message)
        self.text.setFocus()

    def _submit(self) -> None:
        if self.busy.active:
            return
        service, actor, cid = self._session.contracts, self._session.user, self.contract.id
        revision, position = self.contract.revision, self.position
        text, title = self.text.toPlainText(), self.title.text()
        category = ClauseCategory(self.category.currentData())

        def work(_task: object) -> Contract:
            if position is None:
                return service.add_clause(actor, cid, category, title, text, revision)
            return service.edit_clause(actor, cid, position, text, revision)

        def done(saved: Contract) -> None:
            self.saved = saved
            self.accept()

        self.run(self.tr("Saving…"), [self.category, self.title, self.text], work, done)

    def wipe(self) -> None:
        self.text.clear()
        self.title.clear()
        self.hide()
