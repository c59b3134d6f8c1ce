"""The main window: navigation, the pages the user's role allows, the status bar, auto-lock."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from core.auth import Authenticator
from core.changes import Changes
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.verify_dialog import VerifyDialog
from ui.lock import IdleWatcher, LockScreen
from ui.pages import allowed_pages
from ui.widgets import role_label

log = logging.getLogger(__name__)
KEY_ROLE = Qt.ItemDataRole.UserRole


class MainWindow(QMainWindow):
    """`idle_ms` overrides the policy's idle time (tests use a short one)."""

    logout_requested = Signal(str, str)  # vault path, user name
    switch_user_requested = Signal(str)  # vault path

    def __init__(self, auth: Authenticator, session: Session, idle_ms: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.auth, self.session = auth, session
        self.idle_ms_override = idle_ms
        self._vault_path = session.vault_path
        self._user_name = session.user.name
        self.pages: dict[str, QWidget] = {}
        self._nav_actions: list[QAction] = []
        self.bridge: BusBridge | None = None
        self.verify_dialog: VerifyDialog | None = None
        self.lock_screen: LockScreen | None = None
        self._resume_page = ""  # the first page the role has
        self._closed = False
        self.setWindowTitle(self.tr("Strongroom — {vault}").format(
            vault=Path(self._vault_path).name))
        self.resize(1100, 700)

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(200)
        self.page_stack = QStackedWidget()
        content = QWidget()
        row = QHBoxLayout(content)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.page_stack, 1)
        self.screens = QStackedWidget(self)
        self.screens.addWidget(content)
        self.setCentralWidget(self.screens)
        self.nav.currentRowChanged.connect(self.page_stack.setCurrentIndex)

        self.user_status = QLabel()
        self.role_status = QLabel()
        self.lock_status = QLabel()
        self.lock_status.setObjectName("lockStatus")
        for label in (self.user_status, self.role_status):
            self.statusBar().addWidget(label)
        self.statusBar().addPermanentWidget(self.lock_status)

        self._make_menus()
        self.idle = IdleWatcher(self._idle_ms(), self)
        self.idle.idle.connect(lambda: self.lock("idle"))
        self.idle.tick.connect(self._show_countdown)
        self._build_pages()
        self.idle.start()

    # -- construction ------------------------------------------------------------------------
    def _make_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.lock_action = QAction(self.tr("&Lock"), self)
        self.lock_action.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_L))
        self.lock_action.triggered.connect(lambda: self.lock("manual"))
        self.logout_action = QAction(self.tr("Log &out"), self)
        self.logout_action.triggered.connect(self.log_out)
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Q))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.quit)
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.logout_action)
        # Checking a signed PDF needs no permission (only the vault's trust roots).
        self.verify_action = QAction(self.tr("&Verify a signed PDF…"), self)
        self.verify_action.setShortcut(QKeySequence(
            Qt.Modifier.CTRL | Qt.Modifier.SHIFT | Qt.Key.Key_V))
        self.verify_action.triggered.connect(self.open_verify_dialog)
        file_menu.addAction(self.verify_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        about = QAction(self.tr("&About Strongroom"), self)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self.about)
        help_menu.addAction(about)

    def _idle_ms(self) -> int:
        if self.idle_ms_override is not None:
            return self.idle_ms_override
        return self.session.policies.get().idle_minutes * 60_000

    def _build_pages(self) -> None:
        self.bridge = BusBridge(self.session.bus, self)
        self.bridge.changed.connect(self._changed)
        for number, spec in enumerate(allowed_pages(self.session), start=1):
            page = spec.factory(self.session, self.bridge)
            self.pages[spec.key] = page
            self.page_stack.addWidget(page)
            item = QListWidgetItem(spec.title)
            item.setData(KEY_ROLE, spec.key)
            if number <= 9:
                item.setToolTip(QKeySequence(Qt.Modifier.CTRL | Qt.Key(Qt.Key.Key_0 + number))
                                .toString(QKeySequence.SequenceFormat.NativeText))
                action = QAction(self)
                action.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key(Qt.Key.Key_0 + number)))
                action.triggered.connect(
                    lambda _c=False, row=number - 1: self.nav.setCurrentRow(row))
                self.addAction(action)
                self._nav_actions.append(action)
            self.nav.addItem(item)
        self.user_status.setText(self.session.user.name)
        self.role_status.setText(role_label(self.session.user.role))
        self.show_page(self._resume_page)

    def _destroy_pages(self) -> None:
        """Nothing read from the vault may stay in widgets or models while locked."""
        if self.bridge is not None:
            self.bridge.detach()
            self.bridge.deleteLater()
            self.bridge = None
        for action in self._nav_actions:
            self.removeAction(action)
            action.deleteLater()
        self._nav_actions = []
        self.nav.clear()
        for page in self.pages.values():
            wipe = getattr(page, "wipe", None)
            if wipe is not None:
                wipe()
            self.page_stack.removeWidget(page)
            page.hide()
            page.deleteLater()
        self.pages = {}
        if self.verify_dialog is not None:  # it shows what a file revealed: gone when locked
            self.verify_dialog.wipe()
            self.verify_dialog.close()
            self.verify_dialog.deleteLater()
            self.verify_dialog = None

    # -- navigation --------------------------------------------------------------------------
    def current_page_key(self) -> str | None:
        item = self.nav.currentItem()
        return item.data(KEY_ROLE) if item is not None else None

    def show_page(self, key: str) -> None:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(KEY_ROLE) == key:
                self.nav.setCurrentRow(row)
                return
        if self.nav.count():
            self.nav.setCurrentRow(0)

    def open_verify_dialog(self) -> VerifyDialog | None:
        if self.locked or self._closed:
            return None
        if self.verify_dialog is None:
            self.verify_dialog = VerifyDialog(self.session, self)
        self.verify_dialog.show()
        self.verify_dialog.raise_()
        return self.verify_dialog

    # -- locking -----------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.lock_screen is not None

    def lock(self, reason: str = "manual") -> None:
        if self.locked or self._closed:
            return
        self._resume_page = self.current_page_key() or ""
        self.idle.stop()
        self._destroy_pages()
        try:
            self.session.lock(reason)
        except Exception:  # the key is dropped even when the audit write fails; lock anyway
            log.exception("recording the lock failed")
        self.lock_screen = LockScreen(self.auth, self._vault_path, self._user_name, self)
        self.lock_screen.unlocked.connect(self._unlocked)
        self.lock_screen.switch_user.connect(
            lambda: self.switch_user_requested.emit(self._vault_path))
        self.screens.addWidget(self.lock_screen)
        self.screens.setCurrentWidget(self.lock_screen)
        self.lock_action.setEnabled(False)
        self.verify_action.setEnabled(False)
        self.lock_status.setText(self.tr("Locked"))
        self.lock_screen.password.setFocus()

    def _unlocked(self, session: Session) -> None:
        self.session = session
        if self.lock_screen is not None:
            self.screens.removeWidget(self.lock_screen)
            self.lock_screen.deleteLater()
            self.lock_screen = None
        self.screens.setCurrentIndex(0)
        self.lock_action.setEnabled(True)
        self.verify_action.setEnabled(True)
        self._build_pages()
        self.idle.set_idle_ms(self._idle_ms())
        self.idle.start()

    def _show_countdown(self, left_ms: int) -> None:
        seconds = (left_ms + 999) // 1000
        self.lock_status.setText(self.tr("Locks in {m}:{s:02d}").format(
            m=seconds // 60, s=seconds % 60))

    def _changed(self, changes: Changes) -> None:
        if changes.policy and self.idle_ms_override is None and not self.locked:
            self.idle.set_idle_ms(self._idle_ms())

    # -- leaving -----------------------------------------------------------------------------
    def log_out(self) -> None:
        self.logout_requested.emit(self._vault_path, self._user_name)

    def quit(self) -> None:
        QApplication.closeAllWindows()
        QCoreApplication.quit()

    def about(self) -> None:
        QMessageBox.about(self, self.tr("About Strongroom"), self.tr(
            "<b>Strongroom</b><p>An offline CRM whose data lives in an encrypted vault on this "
            "computer. It makes no network connections.</p>"))

    def shutdown(self) -> None:
        """Close the session (which checkpoints the database) and drop every page."""
        if self._closed:
            return
        self._closed = True
        self.idle.stop()
        self._destroy_pages()
        try:
            self.session.close()
        except Exception:  # closing the window must not fail; the key is dropped regardless
            log.exception("closing the session failed")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
