"""The ageing view: open balances by days overdue (current, 1–30, 31–60, 61–90, over 90) as of
a chosen day, per customer or per sales rep, with the total per currency underneath; computed
by core (one aggregate per group) on a worker, exported to CSV by core (audited)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.money.model import AgeingReport, AgeingRow
from core.session import Session
from ui.contracts.pdf_files import choose_save_path
from ui.money.labels import amount, bucket_labels, from_qdate, to_qdate
from ui.money.receivables_model import Cells, CellsModel
from ui.widgets import add_status, configure_list_view
from ui.worker import LatestRead, error_text, run_op

BY_CUSTOMER, BY_REP = "customer", "rep"
NAME, CURRENCY = 0, 1
FIRST_BUCKET = 2


def ageing_cells(row: AgeingRow, name: str) -> Cells:
    return (name, row.currency, *(amount(b, row.currency) for b in row.buckets),
            amount(row.open, row.currency))


def table_view(parent: QWidget, model: object) -> QTableView:
    view = QTableView(parent)
    configure_list_view(view, model)
    return view


class AgeingView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.reader = LatestRead(self)
        self.report: AgeingReport | None = None
        self._cells: dict[str, list[Cells]] = {}
        self.as_of = QDateEdit(self)
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setDate(to_qdate(session.money.today()))
        as_of_label = QLabel(self.tr("As o&f:"), self)
        as_of_label.setBuddy(self.as_of)
        self.group = QComboBox(self)
        self.group.addItem(self.tr("Per customer"), BY_CUSTOMER)
        self.group.addItem(self.tr("Per sales rep"), BY_REP)
        group_label = QLabel(self.tr("&Group:"), self)
        group_label.setBuddy(self.group)
        self.export_button = QPushButton(self.tr("E&xport ageing…"), self)
        self.export_button.clicked.connect(lambda: self.export())
        top = QHBoxLayout()
        for widget in (as_of_label, self.as_of, group_label, self.group):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.export_button)
        headers = [self.tr("Name"), self.tr("Currency"), *bucket_labels(),
                   self.tr("Open balance")]
        numeric = range(FIRST_BUCKET, len(headers))
        self.rows = CellsModel(headers, numeric, self)
        self.totals = CellsModel([self.tr("Total"), *headers[1:]], numeric, self)
        self.view = table_view(self, self.rows)
        self.view.setColumnWidth(NAME, 220)
        self.total_view = table_view(self, self.totals)
        self.total_view.setColumnWidth(NAME, 220)
        self.total_view.setMaximumHeight(110)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.total_view)
        self.message, self.busy = add_status(layout, self)
        self.as_of.dateChanged.connect(lambda _d: self.load())
        self.group.currentIndexChanged.connect(lambda _i: self._show())

    def day(self) -> date:
        return from_qdate(self.as_of.date())

    @property
    def loading(self) -> bool:
        return self.reader.loading

    def load(self) -> None:
        session, actor, day = self._session, self._session.user, self.day()
        nobody, total = self.tr("(no sales rep)"), self.tr("Total")

        def work(_t: object) -> tuple[AgeingReport, dict[str, list[Cells]], list[Cells]]:
            # The cells too, off the GUI thread: a whole book is 100,000 customers.
            report = session.money.ageing(actor, day)
            cells = {BY_CUSTOMER: [ageing_cells(r, r.name or nobody)
                                   for r in report.by_customer],
                     BY_REP: [ageing_cells(r, r.name or nobody) for r in report.by_rep]}
            return report, cells, [ageing_cells(r, total) for r in report.total]

        def done(loaded: tuple[AgeingReport, dict[str, list[Cells]], list[Cells]]) -> None:
            self.report, self._cells, totals = loaded
            self.totals.set_rows(totals)
            self.message.clear_message()
            self._show()

        self.reader.start(work, done, lambda exc: self.message.show_message(error_text(exc)))

    def _show(self) -> None:
        report = self.report
        if report is None:
            return
        by_customer = self.group.currentData() == BY_CUSTOMER
        grouped = report.by_customer if by_customer else report.by_rep
        self.rows.set_rows(self._cells[BY_CUSTOMER if by_customer else BY_REP],
                           [r.key for r in grouped])

    def export(self, path: str | None = None) -> None:
        """Ask where (unless given), then let core write and audit the CSV."""
        day = self.day()
        if path is None:
            path = choose_save_path(self, self.tr("Export ageing"),
                                    f"ageing-{day.isoformat()}.csv",
                                    self.tr("CSV files (*.csv);;All files (*)"), ".csv")
        if not path:
            return
        session, actor, target = self._session, self._session.user, path
        self.busy.start(self.tr("Exporting…"), [self.export_button])
        run_op(self, lambda _t: session.money.export_ageing(actor, target, day),
               on_done=lambda count: self.message.show_message(
                   self.tr("{count} rows written to {path}.").format(count=count, path=target),
                   "ok"),
               on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=self.busy.stop)

    def wipe(self) -> None:
        self.reader.forget()
        self.report = None
        self._cells = {}
        self.rows.wipe()
        self.totals.wipe()
        self.message.clear_message()
