"""The clause library: the standard wording of each clause by language and category, which
drafts compare their clauses against (an edited clause is flagged non-standard). Saving a clause
adds a version; contracts keep the text they were drafted with."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.contracts.model import ClauseCategory, StandardClause
from core.contracts.templates import VARIABLES
from core.roles import Permission
from core.session import Session
from ui.widgets import MessageLabel, button_row
from ui.worker import error_text

CLAUSE_ROLE = Qt.ItemDataRole.UserRole


def category_label(category: ClauseCategory | str) -> str:
    labels = {
        ClauseCategory.PAYMENT: QCoreApplication.translate("Clauses", "Payment"),
        ClauseCategory.DELIVERY: QCoreApplication.translate("Clauses", "Delivery"),
        ClauseCategory.ACCEPTANCE: QCoreApplication.translate("Clauses", "Acceptance"),
        ClauseCategory.WARRANTY: QCoreApplication.translate("Clauses", "Warranty"),
        ClauseCategory.LIABILITY: QCoreApplication.translate("Clauses", "Liability"),
        ClauseCategory.CONFIDENTIALITY: QCoreApplication.translate("Clauses",
                                                                   "Confidentiality"),
        ClauseCategory.DATA_PROTECTION: QCoreApplication.translate("Clauses",
                                                                   "Data protection"),
        ClauseCategory.DISPUTE_RESOLUTION: QCoreApplication.translate("Clauses",
                                                                      "Dispute resolution"),
        ClauseCategory.OTHER: QCoreApplication.translate("Clauses", "Other"),
    }
    return labels.get(ClauseCategory(category), str(category))


def language_label(language: str) -> str:
    return {"zh": QCoreApplication.translate("Clauses", "Chinese"),
            "en": QCoreApplication.translate("Clauses", "English")}.get(language, language)


def variables_hint() -> str:
    names = ", ".join("{" + name + "}" for name in sorted(VARIABLES))
    return QCoreApplication.translate(
        "Clauses", "Variables filled in from the contract: {names}. Write {{ and }} for "
        "literal braces.").format(names=names)


def fill_categories(combo: QComboBox) -> None:
    for category in ClauseCategory:
        combo.addItem(category_label(category), category.value)


class StandardClauseDialog(QDialog):
    """A new library clause, or a new version of one (the key and language then stay)."""

    def __init__(self, session: Session, clause: StandardClause | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.saved: StandardClause | None = None
        self.setWindowTitle(self.tr("Library clause") if clause is None
                            else self.tr("New version of “{title}”").format(title=clause.title))
        self.key = QLineEdit(self)
        self.key.setPlaceholderText(self.tr("A short stable name, e.g. payment-30-days"))
        self.language = QComboBox(self)
        for code in ("zh", "en"):
            self.language.addItem(language_label(code), code)
        self.category = QComboBox(self)
        fill_categories(self.category)
        self.title_edit = QLineEdit(self)
        self.text = QPlainTextEdit(self)
        hint = QLabel(variables_hint(), self)
        hint.setWordWrap(True)
        hint.setObjectName("pageIntro")
        if clause is not None:
            self.key.setText(clause.key)
            self.key.setReadOnly(True)
            self.language.setCurrentIndex(self.language.findData(clause.language))
            self.language.setEnabled(False)
            self.category.setCurrentIndex(self.category.findData(clause.category.value))
            self.title_edit.setText(clause.title)
            self.text.setPlainText(clause.text)
        form = QFormLayout()
        form.addRow(self.tr("&Key:"), self.key)
        form.addRow(self.tr("&Language:"), self.language)
        form.addRow(self.tr("&Category:"), self.category)
        form.addRow(self.tr("&Title:"), self.title_edit)
        form.addRow(self.tr("Te&xt:"), self.text)
        self.message = MessageLabel(self)
        self.save_button = QPushButton(self.tr("&Save"), self)
        self.save_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        self.save_button.setToolTip(self.tr("Save as a new version (Ctrl+S)"))
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        self.resize(640, 480)

    def save(self) -> None:
        try:
            self.saved = self._session.contracts.save_standard_clause(
                self._session.user, self.key.text(), self.language.currentData(),
                ClauseCategory(self.category.currentData()), self.title_edit.text(),
                self.text.toPlainText())
        except Exception as exc:  # shown in the dialog, never raised into Qt
            self.message.show_message(error_text(exc))
            return
        self.accept()


class ClauseLibraryPanel(QWidget):
    """Library clauses filtered by language and category, with their text."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.clauses: list[StandardClause] = []
        self.dialog: StandardClauseDialog | None = None
        self.language = QComboBox(self)
        self.language.addItem(self.tr("All languages"), None)
        for code in ("zh", "en"):
            self.language.addItem(language_label(code), code)
        self.category = QComboBox(self)
        self.category.addItem(self.tr("All categories"), None)
        fill_categories(self.category)
        self.list = QListWidget(self)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.new_button = QPushButton(self.tr("New &clause…"), self)
        self.new_button.setToolTip(self.tr("Add a clause to the library"))
        self.edit_button = QPushButton(self.tr("New &version of clause…"), self)
        self.edit_button.setToolTip(self.tr("Change the selected clause's standard wording"))
        can_manage = session.can(Permission.TEMPLATE_MANAGE)
        self.new_button.setVisible(can_manage)
        self.edit_button.setVisible(can_manage)
        self.message = MessageLabel(self)

        filters = QFormLayout()
        filters.addRow(self.tr("La&nguage:"), self.language)
        filters.addRow(self.tr("Ca&tegory:"), self.category)
        splitter = QSplitter(self)
        splitter.addWidget(self.list)
        splitter.addWidget(self.text)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addLayout(button_row(self.new_button, self.edit_button))
        layout.addWidget(self.message)

        self.language.currentIndexChanged.connect(self.refresh)
        self.category.currentIndexChanged.connect(self._fill)
        self.list.currentRowChanged.connect(self._show_current)
        self.new_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(lambda: self.open_editor(self.current()))

    def refresh(self) -> None:
        try:
            self.clauses = self._session.contracts.clause_library(
                self._session.user, self.language.currentData())
        except Exception as exc:  # shown on the page, never raised into Qt
            self.clauses = []
            self.message.show_message(error_text(exc))
        self._fill()

    def _fill(self) -> None:
        category = self.category.currentData()
        self.list.clear()
        for clause in self.clauses:
            if category is not None and clause.category.value != category:
                continue
            item = QListWidgetItem(self.tr("{category} · {title} ({language}, v{version})").format(
                category=category_label(clause.category), title=clause.title,
                language=clause.language, version=clause.version))
            item.setData(CLAUSE_ROLE, clause.id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self._show_current()

    def current(self) -> StandardClause | None:
        item = self.list.currentItem()
        if item is None:
            return None
        return next((c for c in self.clauses if c.id == item.data(CLAUSE_ROLE)), None)

    def _show_current(self) -> None:
        clause = self.current()
        self.text.setPlainText(clause.text if clause else "")
        self.edit_button.setEnabled(clause is not None)

    def open_editor(self, clause: StandardClause | None) -> StandardClauseDialog:
        self.dialog = StandardClauseDialog(self._session, clause, self)
        self.dialog.accepted.connect(self._saved)
        self.dialog.open()
        return self.dialog

    def _saved(self) -> None:
        saved = self.dialog.saved if self.dialog else None
        self.refresh()
        if saved is not None:
            self.message.show_message(self.tr("Saved “{title}” as version {version}.").format(
                title=saved.title, version=saved.version), "ok")

    def wipe(self) -> None:
        self.clauses = []
        self.list.clear()
        self.text.clear()
