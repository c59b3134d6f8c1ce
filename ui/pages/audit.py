"""The audit trail viewer: filters, a lazily fetched table, chain verification and CSV export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QTableView,
    QWidget,
)

from core.audit import AuditFilter, VerifyResult
from core.audit_service import ExportCancelled
from core.roles import Permission
from core.session import Session
from core.users import User
from ui.audit_model import AuditModel
from ui.bus import BusBridge
from ui.widgets import MessageLabel, page_layout
from ui.worker import Op, Task, error_text, run_op

NO_LIMIT = QDate(2000, 1, 1)


def _date_edit(parent: QWidget, no_limit_text: str) -> QDateEdit:
    # The minimum date stands for "no limit" and shows as that text (Qt's special value).
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setMinimumDate(NO_LIMIT)
    edit.setSpecialValueText(no_limit_text)
    edit.setDate(NO_LIMIT)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _local_midnight(date: QDate) -> datetime:
    return datetime(date.year(), date.month(), date.day()).astimezone()


class AuditPage(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._export_op: Op | None = None
        self.progress: QProgressDialog | None = None
        layout = page_layout(self, self.tr("Audit trail"))

        self.from_date = _date_edit(self, self.tr("No limit"))
        self.to_date = _date_edit(self, self.tr("No limit"))
        self.action = QComboBox(self)
        self.action.addItem(self.tr("All actions"), "")
        self.action.setMinimumContentsLength(16)
        self.object_text = QLineEdit(self)
        self.object_text.setPlaceholderText(self.tr("e.g. user:3"))
        self.object_text.setClearButtonEnabled(True)
        self.user_combo: QComboBox | None = None
        self.user_text: QLineEdit | None = None
        if session.can(Permission.USER_LIST):
            self.user_combo = QComboBox(self)
            self.user_combo.setMinimumContentsLength(12)
            self.user_combo.addItem(self.tr("Anyone"), "")
            self.user_combo.currentIndexChanged.connect(self._filter_changed)
            user_widget: QWidget = self.user_combo
        else:
            self.user_text = QLineEdit(self)
            self.user_text.setPlaceholderText(self.tr("Exact user name"))
            self.user_text.textChanged.connect(self._debounce)
            user_widget = self.user_text
        self.clear_button = QPushButton(self.tr("C&lear filters"), self)
        self.clear_button.clicked.connect(self.clear_filters)
        filters = QGridLayout()
        for column, (label, widget) in enumerate([
                (self.tr("&From:"), self.from_date), (self.tr("&To:"), self.to_date),
                (self.tr("&User:"), user_widget), (self.tr("&Action:"), self.action),
                (self.tr("&Object:"), self.object_text)]):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            filters.addWidget(caption, 0, column)
            filters.addWidget(widget, 1, column)
        filters.addWidget(self.clear_button, 1, 5)
        layout.addLayout(filters)

        self.model = AuditModel(session, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((60, 150, 120, 150, 110, 70)):
            self.view.setColumnWidth(column, width)
        layout.addWidget(self.view, 1)

        self.count_label = QLabel(self)
        self.verify_button = QPushButton(self.tr("&Verify chain"), self)
        self.verify_button.setVisible(session.can(Permission.AUDIT_VERIFY))
        self.verify_button.clicked.connect(self.verify)
        self.export_button = QPushButton(self.tr("&Export CSV…"), self)
        self.export_button.setVisible(session.can(Permission.AUDIT_EXPORT))
        self.export_button.clicked.connect(self.export)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.verify_button)
        bottom.addWidget(self.export_button)
        layout.addLayout(bottom)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)

        self._debounce_timer = QTimer(self)
        self._debounce_timer.setSingleShot(True)
        self._debounce_timer.setInterval(300)
        self._debounce_timer.timeout.connect(self._filter_changed)
        self.from_date.dateChanged.connect(self._filter_changed)
        self.to_date.dateChanged.connect(self._filter_changed)
        self.action.currentIndexChanged.connect(self._filter_changed)
        self.object_text.textChanged.connect(self._debounce)
        self.model.failed.connect(self.message.show_message)
        bridge.changed.connect(self._changed)

        self._load_choices()
        self.model.set_filter(self.current_filter())
        self._load_count()

    # -- filters -----------------------------------------------------------------------------
    def current_filter(self) -> AuditFilter:
        since = until = None
        if self.from_date.date() != NO_LIMIT:
            since = _local_midnight(self.from_date.date())
        if self.to_date.date() != NO_LIMIT:
            until = _local_midnight(self.to_date.date().addDays(1))
        if self.user_combo is not None:
            actor = self.user_combo.currentData() or ""
        else:
            actor = self.user_text.text().strip() if self.user_text else ""
        return AuditFilter(since=since, until=until, actor=actor,
                           action=self.action.currentData() or "",
                           object_text=self.object_text.text().strip())

    def clear_filters(self) -> None:
        for widget in (self.from_date, self.to_date, self.action, self.object_text,
                       self.user_combo, self.user_text):
            if widget is not None:
                widget.blockSignals(True)
        self.from_date.setDate(NO_LIMIT)
        self.to_date.setDate(NO_LIMIT)
        self.action.setCurrentIndex(0)
        self.object_text.clear()
        if self.user_combo is not None:
            self.user_combo.setCurrentIndex(0)
        if self.user_text is not None:
            self.user_text.clear()
        for widget in (self.from_date, self.to_date, self.action, self.object_text,
                       self.user_combo, self.user_text):
            if widget is not None:
                widget.blockSignals(False)
        self._filter_changed()

    def _debounce(self) -> None:
        self._debounce_timer.start()

    def _filter_changed(self) -> None:
        self._debounce_timer.stop()
        flt = self.current_filter()
        if flt != self.model.filter:
            self.message.clear_message()
            self.model.set_filter(flt)
            self._load_count()

    def _changed(self, _changes: object) -> None:
        self.model.refresh_newer()
        self._load_count()
        self._load_choices()

    def _load_choices(self) -> None:
        session, actor = self._session, self._session.user
        with_users = self.user_combo is not None

        def work(_task: Task) -> tuple[list[str], list[User]]:
            users = session.accounts.list_users(actor) if with_users else []
            return session.audit.actions(actor), users

        run_op(self, work, on_done=self._fill_choices,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    def _fill_choices(self, choices: tuple[list[str], list[User]]) -> None:
        actions, users = choices
        # A prefix stands for a family ("user." matches every user action): core filters by prefix.
        families = sorted({a.split(".")[0] + "." for a in actions if "." in a})
        self._refill(self.action, [(self.tr("{family}* (all)").format(family=f), f)
                                   for f in families] + [(a, a) for a in actions])
        if self.user_combo is not None:
            names = sorted({u.name for u in users}, key=str.casefold)
            self._refill(self.user_combo, [(n, n) for n in names])

    @staticmethod
    def _refill(combo: QComboBox, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for text, data in items:
            combo.addItem(text, data)
        index = combo.findData(current)
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    def _load_count(self) -> None:
        session, actor, flt = self._session, self._session.user, self.model.filter

        def done(count: int) -> None:
            if flt == self.model.filter:
                self.count_label.setText(self.tr("%n entries match", "", count))

        run_op(self, lambda _t: session.audit.count(actor, flt), on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    # -- verify and export -------------------------------------------------------------------
    def verify(self) -> None:
        session, actor = self._session, self._session.user
        self.verify_button.setEnabled(False)
        self.message.show_message(self.tr("Verifying the chain…"), "info")

        def done(result: VerifyResult) -> None:
            self.message.show_message(
                self.tr("Verified: {summary}.").format(summary=result.summary()) if result.ok
                else self.tr("The audit trail was tampered with: {summary}.").format(
                    summary=result.summary()), "ok" if result.ok else "error")

        run_op(self, lambda _t: session.audit.verify(actor), on_done=done,
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=lambda: self.verify_button.setEnabled(True))

    def choose_export_path(self) -> str:
        path, _kind = QFileDialog.getSaveFileName(
            self, self.tr("Export the audit trail"), str(Path.home() / "audit-trail.csv"),
            self.tr("CSV files (*.csv)"))
        return path

    def export(self) -> None:
        path = self.choose_export_path()
        if not path:
            return
        session, actor, flt = self._session, self._session.user, self.model.filter
        self.progress = QProgressDialog(self.tr("Exporting the audit trail…"),
                                        self.tr("Cancel"), 0, 0, self)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.setMinimumDuration(0)
        self.export_button.setEnabled(False)

        def work(task: Task) -> int:
            return session.audit.export_csv(
                actor, flt, Path(path), progress=lambda done, total: task.progress((done, total)),
                cancelled=task.cancelled)

        def progressed(value: tuple[int, int]) -> None:
            if self.progress is not None:
                self.progress.setMaximum(max(1, value[1]))
                self.progress.setValue(value[0])

        def failed(exc: BaseException) -> None:
            self.message.show_message(error_text(exc),
                                      "info" if isinstance(exc, ExportCancelled) else "error")

        self._export_op = run_op(
            self, work, on_progress=progressed, on_error=failed,
            on_done=lambda count: self.message.show_message(self.tr(
                "Exported {count} entries to {path}.").format(count=count, path=path), "ok"),
            on_finished=self._export_finished)
        self.progress.canceled.connect(self._export_op.cancel)
        self.progress.show()

    def _export_finished(self) -> None:
        self._export_op = None
        self.export_button.setEnabled(True)
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def wipe(self) -> None:
        """Drop the rows before the page is destroyed at lock time."""
        self.model.wipe()
