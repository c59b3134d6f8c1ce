"""A collection note: a call, visit, meeting, e-mail or note about some of one customer's open
instalments (those chosen in the collection list, any of which may be left out here), what was
said or agreed, and the promise to pay if the customer made one (a day, and an amount typed as
text that must be an exact amount of the instalments' currency — never a float or a guess).
Core stores it as an interaction, so it appears in the customer's history too; core checks
everything again and its refusals are shown here. The call runs on a worker."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from core.customers.interactions import InteractionKind
from core.errors import InvalidInput
from core.money.amounts import exact_minor
from core.money.collection_model import CollectionNote
from core.money.model import Receivable
from core.session import Session
from ui.contracts.labels import plain
from ui.customers.labels import interaction_label
from ui.customers.log_dialog import aware, date_time_edit
from ui.money.labels import day_text, from_qdate, money, parse_amount, to_qdate
from ui.task_dialog import TaskDialog
from ui.widgets import bullets
from ui.worker import Task, error_text

PROMISE_DAYS = 7  # the promise date offered first: a week from today


class CollectionNoteDialog(TaskDialog):
    """After acceptance `saved` is the stored CollectionNote."""

    def __init__(self, session: Session, customer_id: int, customer_name: str,
                 instalments: list[Receivable], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._customer_id = session, customer_id
        self._instalments = sorted(instalments, key=lambda r: r.id)
        self.saved: CollectionNote | None = None
        self.setWindowTitle(self.tr("Collection note for {name}").format(name=customer_name))
        self.setMinimumWidth(560)

        self.instalment_list = QListWidget(self)
        for row in self._instalments:
            item = QListWidgetItem(self.tr("{contract} · due {due} · open {open}").format(
                contract=row.contract_number, due=day_text(row.due),
                open=money(row.open, row.currency)), self.instalment_list)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
        self.instalment_list.setMaximumHeight(110)
        self.kind = QComboBox(self)
        for kind in InteractionKind:
            self.kind.addItem(interaction_label(kind), kind.value)
        now = QDateTime.currentDateTime()
        self.at = date_time_edit(self, now)
        self.at.setMaximumDateTime(now)  # what happened, not what is planned
        self.summary = QPlainTextEdit(self)
        self.summary.setTabChangesFocus(True)
        self.summary.setMinimumHeight(90)
        self.summary.setPlaceholderText(self.tr("What was said or agreed"))
        form = QFormLayout()
        form.addRow(self.tr("&Instalments:"), self.instalment_list)
        form.addRow(self.tr("&Kind:"), self.kind)
        form.addRow(self.tr("&When:"), self.at)
        form.addRow(self.tr("&Summary:"), self.summary)

        self.promise = QGroupBox(self.tr("&Promise to pay"), self)
        self.promise.setCheckable(True)
        self.promise.setChecked(False)
        today = session.collection.today()
        self.promised_on = QDateEdit(self.promise)
        self.promised_on.setCalendarPopup(True)
        self.promised_on.setDisplayFormat("yyyy-MM-dd")
        self.promised_on.setMinimumDate(to_qdate(today))  # core refuses a day gone by
        self.promised_on.setDate(to_qdate(today).addDays(PROMISE_DAYS))
        self.promised_amount = QLineEdit(self.promise)
        self.promised_amount.setPlaceholderText(self.tr("optional, e.g. 1,500.00"))
        self.currency_label = QLabel(self.currency(), self.promise)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.promised_amount, 1)
        amount_row.addWidget(self.currency_label)
        promise_form = QFormLayout(self.promise)
        promise_form.addRow(self.tr("Pay &by:"), self.promised_on)
        amount_label = QLabel(self.tr("&Amount:"), self.promise)
        amount_label.setBuddy(self.promised_amount)
        promise_form.addRow(amount_label, amount_row)

        self.add_footer(self.tr("Save note"), self._submit, form, self.promise)
        plain(self.message)
        self.summary.textChanged.connect(self._update)
        self.instalment_list.itemChanged.connect(lambda _i: self._update())
        self._update()
        self.summary.setFocus()

    # -- what was entered --------------------------------------------------------------------
    def chosen_ids(self) -> list[int]:
        items = (self.instalment_list.item(i) for i in range(self.instalment_list.count()))
        return [int(item.data(Qt.ItemDataRole.UserRole)) for item in items
                if item.checkState() == Qt.CheckState.Checked]

    def currency(self) -> str:
        """The currency a promised amount is in: that of the first instalment chosen (core's
        rule too)."""
        chosen = set(self.chosen_ids())
        rows = [r for r in self._instalments if r.id in chosen] or self._instalments
        return rows[0].currency if rows else ""

    def promised_amount_value(self) -> Decimal | None:
        text = self.promised_amount.text()
        return parse_amount(text) if text.strip() else None

    def problems(self) -> list[str]:
        found = []
        if not self.chosen_ids():
            found.append(self.tr("Choose at least one instalment."))
        if not self.summary.toPlainText().strip():
            found.append(self.tr("Say what was said or agreed."))
        text = self.promised_amount.text().strip()
        if self.promise.isChecked() and text:
            value = parse_amount(text)
            if value is None:
                found.append(self.tr("The promised amount must be a plain number such as "
                                     "1,500.00."))
            else:
                try:
                    exact_minor(value, self.currency(), "promised amount")
                except InvalidInput as exc:
                    found.append(error_text(exc))
        return found

    # -- saving ------------------------------------------------------------------------------
    def _update(self) -> None:
        self.currency_label.setText(self.currency())
        ready = bool(self.chosen_ids()) and bool(self.summary.toPlainText().strip())
        self.ok_button.setEnabled(ready and not self.busy.active)
        self.ok_button.setDefault(True)

    def _submit(self) -> None:
        problems = self.problems()
        if problems:
            self.message.show_message(bullets(problems))
            return
        session, actor, customer_id = self._session, self._session.user, self._customer_id
        ids, kind = self.chosen_ids(), InteractionKind(self.kind.currentData())
        at, summary = aware(self.at.dateTime()), self.summary.toPlainText()
        promised_on = from_qdate(self.promised_on.date()) if self.promise.isChecked() else None
        promised_amount = self.promised_amount_value() if self.promise.isChecked() else None

        def work(_task: Task) -> CollectionNote:
            return session.collection.add_note(actor, customer_id, ids, kind, summary, at,
                                               promised_on, promised_amount)

        def done(note: CollectionNote) -> None:
            self.saved = note
            self.accept()

        self.run(self.tr("Saving…"),
                 [self.instalment_list, self.kind, self.at, self.summary, self.promise], work,
                 done)

    def wipe(self) -> None:
        """Forget what was typed (at lock time)."""
        self.summary.clear()
        self.promised_amount.clear()
        self.instalment_list.clear()
        self._instalments = []
        self.message.clear_message()
        self.close()
