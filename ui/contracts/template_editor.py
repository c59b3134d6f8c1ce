"""Writing a new version of a contract template: its title, preamble and clauses (added, taken
from the library, removed, reordered, edited). Earlier versions stay as they were: contracts
name the version they were drafted from."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.contracts.model import (
    ClauseCategory,
    StandardClause,
    Template,
    TemplateClause,
    TemplateVersion,
)
from core.session import Session
from ui.contracts.clause_library import category_label, fill_categories, variables_hint
from ui.widgets import MessageLabel
from ui.worker import error_text


@dataclass
class _Clause:  # mutable while edited
    category: str
    title: str
    text: str


class TemplateVersionDialog(QDialog):
    """Starts from `base` (normally the latest version); Save adds the next version."""

    def __init__(self, session: Session, template: Template, base: TemplateVersion | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._template = session, template
        self.saved: TemplateVersion | None = None
        self.clauses: list[_Clause] = [
            _Clause(c.category.value, c.title, c.text) for c in (base.clauses if base else ())]
        self._loading = False
        self.setWindowTitle(self.tr("New version of {name}").format(name=template.name))

        self.title_edit = QLineEdit(base.title if base else "", self)
        self.preamble = QPlainTextEdit(base.preamble if base else "", self)
        self.preamble.setMaximumHeight(110)
        head = QFormLayout()
        head.addRow(self.tr("&Title:"), self.title_edit)
        head.addRow(self.tr("&Preamble:"), self.preamble)

        self.list = QListWidget(self)
        self.add_button = QPushButton(self.tr("&Add clause"), self)
        self.add_button.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.add_button.setToolTip(self.tr("Add an empty clause at the end (Ctrl+Shift+N)"))
        self.library = QComboBox(self)
        self.library.setToolTip(self.tr("Standard clauses of the template's language"))
        self.insert_button = QPushButton(self.tr("&Insert from library"), self)
        self.remove_button = QPushButton(self.tr("&Remove"), self)
        self.remove_button.setShortcut(QKeySequence("Ctrl+Del"))
        self.remove_button.setToolTip(self.tr("Remove the selected clause (Ctrl+Del)"))
        self.up_button = QPushButton(self.tr("Move &up"), self)
        self.up_button.setShortcut(QKeySequence("Alt+Up"))
        self.up_button.setToolTip(self.tr("Move the selected clause up (Alt+Up)"))
        self.down_button = QPushButton(self.tr("Move do&wn"), self)
        self.down_button.setShortcut(QKeySequence("Alt+Down"))
        self.down_button.setToolTip(self.tr("Move the selected clause down (Alt+Down)"))
        list_buttons = QVBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            list_buttons.addWidget(button)
        list_buttons.addStretch(1)
        list_buttons.addWidget(self.library)
        list_buttons.addWidget(self.insert_button)
        clause_row = QHBoxLayout()
        clause_row.addWidget(self.list, 1)
        clause_row.addLayout(list_buttons)

        self.editor = QGroupBox(self.tr("Selected clause"), self)
        self.category = QComboBox(self.editor)
        fill_categories(self.category)
        self.clause_title = QLineEdit(self.editor)
        self.clause_text = QPlainTextEdit(self.editor)
        editor_form = QFormLayout(self.editor)
        editor_form.addRow(self.tr("&Category:"), self.category)
        editor_form.addRow(self.tr("Clause t&itle:"), self.clause_title)
        editor_form.addRow(self.tr("Te&xt:"), self.clause_text)
        hint = QLabel(variables_hint(), self)
        hint.setObjectName("pageIntro")
        hint.setWordWrap(True)

        self.message = MessageLabel(self)
        self.save_button = QPushButton(self.tr("&Save new version"), self)
        self.save_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        self.save_button.setToolTip(self.tr("Save as version {n} (Ctrl+S)").format(
            n=template.latest_version + 1))
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setToolTip(self.tr("Close without saving (Esc)"))
        for button in (self.save_button, self.cancel_button, self.add_button,
                       self.insert_button, self.remove_button, self.up_button,
                       self.down_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(clause_row, 1)
        layout.addWidget(self.editor, 2)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.add_button.clicked.connect(self.add_clause)
        self.insert_button.clicked.connect(self.insert_from_library)
        self.remove_button.clicked.connect(self.remove_clause)
        self.up_button.clicked.connect(lambda: self.move_clause(-1))
        self.down_button.clicked.connect(lambda: self.move_clause(1))
        self.list.currentRowChanged.connect(self._load_current)
        self.category.currentIndexChanged.connect(self._store_current)
        self.clause_title.textChanged.connect(self._store_current)
        self.clause_text.textChanged.connect(self._store_current)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        self._library: list[StandardClause] = []
        self._fill_library()
        self._fill_list(0 if self.clauses else -1)
        self.resize(820, 720)

    # -- the list ------------------------------------------------------------------------------
    def _label(self, clause: _Clause) -> str:
        return self.tr("{n}. {title} ({category})").format(
            n=self.clauses.index(clause) + 1, title=clause.title or self.tr("(untitled)"),
            category=category_label(clause.category))

    def _fill_list(self, current: int) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for clause in self.clauses:
            self.list.addItem(self._label(clause))
        self.list.blockSignals(False)
        self.list.setCurrentRow(current)
        self._load_current()

    def _fill_library(self) -> None:
        try:
            self._library = self._session.contracts.clause_library(
                self._session.user, self._template.language)
        except Exception as exc:  # shown in the dialog, never raised into Qt
            self.message.show_message(error_text(exc))
            self._library = []
        for clause in self._library:
            self.library.addItem(self.tr("{category} · {title}").format(
                category=category_label(clause.category), title=clause.title), clause.id)
        self.insert_button.setEnabled(bool(self._library))

    def _load_current(self) -> None:
        row = self.list.currentRow()
        has = 0 <= row < len(self.clauses)
        self.editor.setEnabled(has)
        self.remove_button.setEnabled(has)
        self.up_button.setEnabled(has and row > 0)
        self.down_button.setEnabled(has and row < len(self.clauses) - 1)
        self._loading = True
        clause = self.clauses[row] if has else _Clause(ClauseCategory.OTHER.value, "", "")
        self.category.setCurrentIndex(self.category.findData(clause.category))
        self.clause_title.setText(clause.title)
        self.clause_text.setPlainText(clause.text)
        self._loading = False

    def _store_current(self) -> None:
        row = self.list.currentRow()
        if self._loading or not 0 <= row < len(self.clauses):
            return
        clause = self.clauses[row]
        clause.category = self.category.currentData()
        clause.title = self.clause_title.text()
        clause.text = self.clause_text.toPlainText()
        self.list.item(row).setText(self._label(clause))

    def add_clause(self) -> None:
        self.clauses.append(_Clause(ClauseCategory.OTHER.value, "", ""))
        self._fill_list(len(self.clauses) - 1)
        self.clause_title.setFocus()

    def insert_from_library(self) -> None:
        chosen = next((c for c in self._library if c.id == self.library.currentData()), None)
        if chosen is None:
            return
        row = self.list.currentRow() + 1 if self.clauses else 0
        self.clauses.insert(row, _Clause(chosen.category.value, chosen.title, chosen.text))
        self._fill_list(row)

    def remove_clause(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.clauses):
            del self.clauses[row]
            self._fill_list(min(row, len(self.clauses) - 1))

    def move_clause(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if 0 <= row < len(self.clauses) and 0 <= target < len(self.clauses):
            self.clauses[row], self.clauses[target] = self.clauses[target], self.clauses[row]
            self._fill_list(target)

    # -- saving --------------------------------------------------------------------------------
    def template_clauses(self) -> list[TemplateClause]:
        return [TemplateClause(ClauseCategory(c.category), c.title, c.text)
                for c in self.clauses]

    def save(self) -> None:
        try:
            self.saved = self._session.contracts.add_template_version(
                self._session.user, self._template.id, self.title_edit.text(),
                self.preamble.toPlainText(), self.template_clauses())
        except Exception as exc:  # core's reason shown in the dialog, never raised into Qt
            self.message.show_message(error_text(exc))
            return
        self.accept()
