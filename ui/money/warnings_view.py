"""The fraud warnings view: every fraud signal core's watch finds over a period (default the
last 90 days) for the customers the user may see — severity, what it is, and core's message
(accounts by their last four digits). Read on a worker; nothing here changes anything."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.money.signals import HIGH, Signal
from core.money.watch import DEFAULT_DAYS
from core.session import Session
from ui.money.ageing_view import table_view
from ui.money.labels import from_qdate, to_qdate
from ui.money.receivables_model import Cells, CellsModel
from ui.widgets import add_status
from ui.worker import LatestRead, error_text

SEVERITY, KIND, MESSAGE = range(3)


class WarningsView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.reader = LatestRead(self)
        self.signals: list[Signal] = []
        today = session.money.today()
        self.since, self.until = QDateEdit(self), QDateEdit(self)
        for edit, day in ((self.since, today - timedelta(days=DEFAULT_DAYS)),
                          (self.until, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(to_qdate(day))
            edit.dateChanged.connect(lambda _d: self.load())
        since_label = QLabel(self.tr("F&rom:"), self)
        since_label.setBuddy(self.since)
        until_label = QLabel(self.tr("&To:"), self)
        until_label.setBuddy(self.until)
        self.refresh_button = QPushButton(self.tr("Check &again"), self)
        self.refresh_button.clicked.connect(lambda: self.load())
        top = QHBoxLayout()
        for widget in (since_label, self.since, until_label, self.until):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        self.rows = CellsModel([self.tr("Severity"), self.tr("Warning"), self.tr("Details")],
                               (), self)
        self.view = table_view(self, self.rows)
        self.view.setColumnWidth(SEVERITY, 80)
        self.view.setColumnWidth(KIND, 220)
        self.view.setWordWrap(True)
        self.view.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.message, self.busy = add_status(layout, self)

    def period(self) -> tuple[date, date]:
        return from_qdate(self.since.date()), from_qdate(self.until.date())

    def kind_label(self, code: str) -> str:
        labels = {
            "duplicate_receipt_reference": self.tr("Reference on several receipts"),
            "cash_above_threshold": self.tr("Large cash receipt"),
            "cash_daily_total_above_threshold": self.tr("Large cash total in a day"),
            "payer_unlike_customer": self.tr("Payer unlike the customer"),
            "account_changed_before_refund": self.tr("Bank account changed before a refund"),
            "refund_to_other_account": self.tr("Refund to an account that never paid"),
        }
        return labels.get(code, code)

    @property
    def loading(self) -> bool:
        return self.reader.loading

    def load(self) -> None:
        session, actor = self._session, self._session.user
        since, until = self.period()

        def done(found: list[Signal]) -> None:
            self.signals = found
            self.rows.set_rows([self._cells(s) for s in found])
            if found:
                self.message.show_message(self.tr("{count} warning(s) to look into.").format(
                    count=len(found)))
            else:
                self.message.show_message(self.tr("No warnings in this period."), "ok")

        self.reader.start(lambda _t: session.fraud.signals(actor, since, until), done,
                          lambda exc: self.message.show_message(error_text(exc)))

    def _cells(self, signal: Signal) -> Cells:
        severity = self.tr("High") if signal.severity == HIGH else self.tr("Medium")
        return (severity, self.kind_label(signal.code), signal.message)

    def wipe(self) -> None:
        self.reader.forget()
        self.signals = []
        self.rows.wipe()
        self.message.clear_message()
