"""The reminder on the Today page: signed or active contracts the user may see whose term ends
within 30 days, and those ending in 31 to 60 days, each with its number, customer and end date,
and a way to the Contracts page's matching "expiring" view. Hidden when nothing ends soon.

Read on a worker: the two small queries are cheap, but they wait for the vault's database, which
a long write on another thread may hold. Re-read when contracts or customers change (a transfer
changes what the user sees) and whenever the Today page is shown (the date moves)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.changes import Changes
from core.contracts.model import ContractSummary
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.list_model import EXPIRING_30, EXPIRING_60
from ui.widgets import MessageLabel
from ui.worker import error_text, run_op

SOON, LATER = 30, 60
MAX_LINES = 5  # per section; the Contracts page lists them all


def show_in_contracts(widget: QWidget, mode: str) -> bool:
    """Switch the main window holding `widget` to the Contracts page showing `mode`. The main
    window is found by what it offers (show_page, pages) so this module does not import it."""
    window = widget.window()
    pages = getattr(window, "pages", None)
    show_page = getattr(window, "show_page", None)
    page = pages.get("contracts") if isinstance(pages, dict) else None
    if show_page is None or page is None:
        return False
    show_page("contracts")
    page.show_view(mode)
    return True


class _Section(QWidget):
    """One bucket: a heading with the count, up to MAX_LINES contracts, and its button."""

    def __init__(self, button_text: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.heading = QLabel(self)
        self.heading.setObjectName("reminderHeading")
        self.lines = QLabel(self)
        self.lines.setTextFormat(Qt.TextFormat.PlainText)  # customer names are not markup
        self.lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton(button_text, self)
        self.button.setAutoDefault(False)
        row = QHBoxLayout()
        row.addWidget(self.heading, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.lines)

    def wipe(self) -> None:
        self.heading.clear()
        self.lines.clear()
        self.hide()


class ExpiryReminder(QFrame):
    show_requested = Signal(str)  # EXPIRING_30 or EXPIRING_60

    def __init__(self, session: Session, bridge: BusBridge, parent: QWidget | None = None,
                 ) -> None:
        super().__init__(parent)
        self.setObjectName("expiryReminder")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._session = session
        self._request = 0
        self.reads = 0  # reads shown so far (tests wait on it)
        self.soon: list[ContractSummary] = []  # ending within 30 days
        self.later: list[ContractSummary] = []  # ending in 31 to 60 days
        self.title = QLabel(self.tr("Contracts ending soon"), self)
        self.title.setObjectName("sectionTitle")
        self.soon_section = _Section(self.tr("Open in Contracts (&30 days)"), self)
        self.later_section = _Section(self.tr("Open in Contracts (&60 days)"), self)
        self.soon_section.button.setToolTip(self.tr(
            "Open the Contracts page at the contracts expiring within 30 days"))
        self.later_section.button.setToolTip(self.tr(
            "Open the Contracts page at the contracts expiring within 60 days"))
        self.soon_section.button.clicked.connect(lambda: self.show_requested.emit(EXPIRING_30))
        self.later_section.button.clicked.connect(
            lambda: self.show_requested.emit(EXPIRING_60))
        self.show_requested.connect(lambda mode: show_in_contracts(self, mode))
        self.message = MessageLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.soon_section)
        layout.addWidget(self.later_section)
        layout.addWidget(self.message)
        bridge.changed.connect(self._changed)
        self.hide()  # until a read finds something

    # -- reading -----------------------------------------------------------------------------
    def reload(self) -> None:
        self._request += 1
        request = self._request
        session, actor = self._session, self._session.user

        def read(_task: object) -> tuple[list[ContractSummary], list[ContractSummary]]:
            return (session.contracts.expiring(actor, SOON),
                    session.contracts.expiring(actor, LATER))

        def done(result: tuple[list[ContractSummary], list[ContractSummary]]) -> None:
            if request == self._request:
                self.reads += 1
                self.show_rows(*result)

        def failed(exc: BaseException) -> None:
            if request == self._request:
                self.message.show_message(error_text(exc))
                self.show()

        run_op(self, read, on_done=done, on_error=failed)

    def _changed(self, changes: Changes) -> None:
        if changes.contracts or changes.customers:
            self.reload()

    def show_rows(self, within_soon: list[ContractSummary],
                  within_later: list[ContractSummary]) -> None:
        soon_ids = {c.id for c in within_soon}
        self.soon = list(within_soon)
        self.later = [c for c in within_later if c.id not in soon_ids]
        self.message.clear_message()
        self._fill(self.soon_section, self.soon, self.tr("Ending within 30 days ({count})"))
        self._fill(self.later_section, self.later, self.tr("Ending in 31 to 60 days ({count})"))
        self.setVisible(bool(self.soon or self.later))

    def _fill(self, section: _Section, rows: list[ContractSummary], heading: str) -> None:
        section.setVisible(bool(rows))
        section.heading.setText(heading.format(count=len(rows)))
        today = date.today()
        lines = []
        for row in rows[:MAX_LINES]:
            ends = row.end_date or today
            days = (ends - today).days
            line = (self.tr("{number} · {customer} · ends {date} (in {days} days)") if days > 0
                    else self.tr("{number} · {customer} · ends {date} (today)"))
            lines.append(line.format(number=row.number, customer=row.customer_name,
                                     date=ends.isoformat(), days=days))
        if len(rows) > MAX_LINES:
            lines.append(self.tr("… and {count} more").format(count=len(rows) - MAX_LINES))
        section.lines.setText("\n".join(lines))

    def wipe(self) -> None:
        self._request += 1
        self.soon, self.later = [], []
        self.soon_section.wipe()
        self.later_section.wipe()
        self.message.clear_message()
        self.hide()
