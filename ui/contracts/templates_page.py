"""Contract templates and the clause library, for those who maintain them (TEMPLATE_MANAGE):
each template's versions, a version's preamble and clauses, a new version, and the standard
clauses by language and category."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.changes import Changes
from core.contracts.model import Template, TemplateVersion
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.clause_library import ClauseLibraryPanel, category_label, language_label
from ui.contracts.template_editor import TemplateVersionDialog
from ui.widgets import MessageLabel, button_row, page_layout
from ui.worker import error_text

ID_ROLE = Qt.ItemDataRole.UserRole


class TemplatesPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.templates: list[Template] = []
        self.versions: list[TemplateVersion] = []
        self.dialog: TemplateVersionDialog | None = None
        layout = page_layout(self, self.tr("Contract templates"), self.tr(
            "New contracts are drafted from the latest version of a template. A new version "
            "leaves the earlier ones as they were: contracts keep the wording they were drafted "
            "with. Variables such as {customer_name} are filled in from each contract."))

        self.tabs = QTabWidget(self)
        templates_tab = QWidget(self.tabs)
        self.template_list = QListWidget(templates_tab)
        self.template_list.setAccessibleName(self.tr("Templates"))
        self.version_list = QListWidget(templates_tab)
        self.version_list.setAccessibleName(self.tr("Versions"))
        self.view = QTextBrowser(templates_tab)
        left = QWidget(templates_tab)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel(self.tr("Templates"), left))
        left_layout.addWidget(self.template_list, 2)
        left_layout.addWidget(QLabel(self.tr("Versions"), left))
        left_layout.addWidget(self.version_list, 1)
        splitter = QSplitter(templates_tab)
        splitter.addWidget(left)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(1, 3)
        self.new_version_button = QPushButton(self.tr("&New version…"), templates_tab)
        self.new_version_button.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.new_version_button.setToolTip(self.tr(
            "Write the next version, starting from the one shown (Ctrl+N)"))
        tab_layout = QVBoxLayout(templates_tab)
        tab_layout.addWidget(splitter, 1)
        tab_layout.addLayout(button_row(self.new_version_button))
        self.tabs.addTab(templates_tab, self.tr("&Templates"))
        self.library = ClauseLibraryPanel(session, self.tabs)
        self.tabs.addTab(self.library, self.tr("Clause &library"))
        layout.addWidget(self.tabs, 1)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)

        self.template_list.currentRowChanged.connect(self._load_versions)
        self.version_list.currentRowChanged.connect(self._show_version)
        self.new_version_button.clicked.connect(self.new_version)
        if bridge is not None:
            bridge.changed.connect(self._changed)
        self.refresh()

    # -- loading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        keep = self.current_template()
        try:
            self.templates = self._session.contracts.templates(self._session.user)
        except Exception as exc:  # shown on the page, never raised into Qt
            self.templates = []
            self.message.show_message(error_text(exc))
        self.template_list.blockSignals(True)
        self.template_list.clear()
        row = 0
        for index, template in enumerate(self.templates):
            item = QListWidgetItem(self.tr("{name} ({code}, {language}) · v{version}").format(
                name=template.name, code=template.code,
                language=language_label(template.language), version=template.latest_version))
            item.setData(ID_ROLE, template.id)
            self.template_list.addItem(item)
            if keep is not None and template.id == keep.id:
                row = index
        self.template_list.blockSignals(False)
        self.template_list.setCurrentRow(row if self.templates else -1)
        self._load_versions()
        self.library.refresh()

    def _changed(self, changes: Changes) -> None:
        if changes.contracts and self.dialog is None:
            self.refresh()

    def current_template(self) -> Template | None:
        row = self.template_list.currentRow()
        return self.templates[row] if 0 <= row < len(self.templates) else None

    def current_version(self) -> TemplateVersion | None:
        row = self.version_list.currentRow()
        return self.versions[row] if 0 <= row < len(self.versions) else None

    def _load_versions(self) -> None:
        template = self.current_template()
        self.versions = []
        if template is not None:
            try:
                self.versions = self._session.contracts.template_versions(self._session.user,
                                                                          template.id)
            except Exception as exc:  # shown on the page, never raised into Qt
                self.message.show_message(error_text(exc))
        self.version_list.blockSignals(True)
        self.version_list.clear()
        for version in self.versions:
            self.version_list.addItem(self.tr("Version {n} · {date}").format(
                n=version.version, date=version.created_at.astimezone().strftime("%Y-%m-%d")))
        self.version_list.blockSignals(False)
        self.version_list.setCurrentRow(len(self.versions) - 1)
        self._show_version()
        self.new_version_button.setEnabled(template is not None)

    def _show_version(self) -> None:
        version = self.current_version()
        if version is None:
            self.view.clear()
            return
        parts = [f"<h2>{escape(version.title)}</h2>"]
        if version.preamble:
            parts.append(f"<p><i>{escape(version.preamble)}</i></p>")
        for n, clause in enumerate(version.clauses, start=1):
            parts.append(f"<h3>{n}. {escape(clause.title)} "
                         f"<small>({escape(category_label(clause.category))})</small></h3>"
                         f"<p>{escape(clause.text)}</p>")
        self.view.setHtml("".join(parts))

    # -- a new version -------------------------------------------------------------------------
    def new_version(self) -> TemplateVersionDialog | None:
        template = self.current_template()
        if template is None:
            return None
        base = self.current_version() or (self.versions[-1] if self.versions else None)
        self.dialog = TemplateVersionDialog(self._session, template, base, self)
        self.dialog.finished.connect(self._dialog_finished)
        self.dialog.open()
        return self.dialog

    def _dialog_finished(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        saved = dialog.saved if dialog else None
        if dialog is not None:
            dialog.deleteLater()
        if saved is not None:
            self.refresh()
            self.message.show_message(self.tr("Version {n} of the template was saved; new "
                                               "contracts are drafted from it.").format(
                n=saved.version), "ok")

    def wipe(self) -> None:
        if self.dialog is not None:
            self.dialog.reject()
        self.templates, self.versions = [], []
        self.template_list.clear()
        self.version_list.clear()
        self.view.clear()
        self.library.wipe()
