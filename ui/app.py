"""Starting the desktop application.

Kept light on purpose: a benchmark measures cold start (STRONGROOM_QUIT_WHEN_SHOWN=1), so the
windows are imported only once the QApplication exists, and pages only when first built."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

_IMPORTED_AT = time.time()

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication, QTranslator

    from core.auth import Authenticator

RESOURCES = Path(__file__).parent.parent / "resources"
STYLE = Path(__file__).parent / "style.qss"


def process_start_epoch() -> float:
    """When this process started (epoch seconds): STRONGROOM_T0 if given, else Linux's
    /proc/self/stat, else the time this module was imported."""
    given = os.environ.get("STRONGROOM_T0")
    if given:
        try:
            return float(given)
        except ValueError:
            pass
    try:
        stat = Path("/proc/self/stat").read_text()
        # Field 22 (starttime, in clock ticks since boot) counts from after the command name,
        # which may itself contain spaces: split after its closing parenthesis.
        fields = stat[stat.rindex(")") + 2:].split()
        started_after_boot = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return time.time() - (uptime - started_after_boot)
    except (OSError, ValueError, IndexError):
        return _IMPORTED_AT


def install_translators(app: QCoreApplication) -> list[QTranslator]:
    """Strongroom's catalogue for the system locale (strongroom_<locale>.qm), and Qt's own for
    its standard dialogs when ours exists."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    installed = []
    locale = QLocale.system()
    ours = QTranslator(app)
    if ours.load(locale, "strongroom", "_", str(RESOURCES / "translations")):
        app.installTranslator(ours)
        installed.append(ours)
        qt = QTranslator(app)
        if qt.load(locale, "qtbase", "_",
                   QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            installed.append(qt)
    return installed


def _report_when_shown(app: QCoreApplication) -> None:
    """For the start-up benchmark: print the time to a shown window once the event loop runs,
    then quit."""
    from PySide6.QtCore import QTimer

    start = process_start_epoch()

    def report() -> None:
        print(f"shown {time.time() - start:.3f}", flush=True)
        app.quit()

    # A zero timer fires from inside the running event loop, after the show events queued by
    # window.show() were processed.
    QTimer.singleShot(0, report)


def run_gui(auth: Authenticator, argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Strongroom")
    app.setOrganizationName("Strongroom")
    app.setApplicationDisplayName("Strongroom")
    translators = install_translators(app)
    if STYLE.is_file():
        app.setStyleSheet(STYLE.read_text(encoding="utf-8"))

    from ui.controller import AppController

    controller = AppController(auth)
    controller.start()
    app.aboutToQuit.connect(controller.shutdown)
    if os.environ.get("STRONGROOM_QUIT_WHEN_SHOWN") == "1":
        _report_when_shown(app)
    code = app.exec()
    from ui.worker import wait_for_workers

    wait_for_workers(30_000)
    del translators
    return int(code)


if __name__ == "__main__":  # pragma: no cover - use main.py
    sys.exit("Start Strongroom with main.py.")
