"""Drafting a contract for a customer, or editing a draft's terms: title, template, currency,
dates, delivery terms, line items with live totals and a payment schedule with a live check
that it sums to the total. Core validates and stores; its refusals are shown beside the part
of the form they are about."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.contracts.default_templates import DEFAULT_TEMPLATE_CODE
from core.contracts.drafting import terms_of
from core.contracts.model import Contract, ContractTerms, Template, TemplateVersion
from core.contracts.money import DEFAULT_CURRENCY, MINOR_UNITS, format_amount
from core.contracts.schedule import ScheduleInvalid, schedule_problems
from core.errors import StrongroomError
from core.session import Session
from ui.contracts.labels import plain
from ui.contracts.terms_tables import (
    ItemsEditor,
    ScheduleEditor,
    SplitDialog,
    default_first_due,
    line_totals,
)
from ui.customers.labels import core_text
from ui.task_dialog import TaskDialog
from ui.widgets import MessageLabel, bullets
from ui.worker import error_text, run_op

GENERAL, ITEMS, SCHEDULE = range(3)
NO_DATE = QDate(2000, 1, 1)


def _qdate(value: date | None) -> QDate:
    return NO_DATE if value is None else QDate(value.year, value.month, value.day)


def _date_edit(parent: QWidget, optional: bool) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    if optional:
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText(QCoreApplication.translate("Contracts", "none"))
        edit.setDate(NO_DATE)
    else:
        edit.setDate(QDate.currentDate())
    return edit


class DraftDialog(TaskDialog):
    """`contract` None: a new draft for the customer. After OK, `saved` is the stored contract."""

    def __init__(self, session: Session, customer_id: int, customer_name: str = "",
                 contract: Contract | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.customer_id = customer_id
        self.contract = contract
        self.saved: Contract | None = None
        self.split_dialog: SplitDialog | None = None
        self._versions: dict[int, list[TemplateVersion]] = {}
        self.gross: Decimal | None = None
        self.setMinimumSize(760, 600)
        self.setWindowTitle(
            self.tr("Edit contract {number}").format(number=contract.number) if contract
            else self.tr("New contract for {customer}").format(customer=customer_name))
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._general_tab(), self.tr("&General"))
        self.items = ItemsEditor(self)
        self.tabs.addTab(self._items_tab(), self.tr("Line &items"))
        self.schedule = ScheduleEditor(self)
        self.tabs.addTab(self._schedule_tab(), self.tr("Payment sc&hedule"))
        self.totals_label = QLabel(self)
        self.totals_label.setObjectName("contractTotals")
        self.add_footer(self.tr("Save") if contract else self.tr("Create draft"), self._submit,
                        self.tabs, self.totals_label)
        self.ok_button.setShortcut(QKeySequence.StandardKey.Save)
        plain(self.totals_label, self.message, self.items_problems, self.schedule_state)
        self.items.changed.connect(self._recompute)
        self.schedule.changed.connect(self._recompute)
        self.schedule.split_button.clicked.connect(self.split_evenly)
        self.currency.currentIndexChanged.connect(self._recompute)
        self.contract_date.dateChanged.connect(self._recompute)
        if contract is not None:
            self.fill(terms_of(contract))
        else:
            self.items.add_row()
            self._load_templates()
        self._recompute()
        self.title.setFocus()

    # -- layout ------------------------------------------------------------------------------
    def _general_tab(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.title = QLineEdit(page)
        self.title.setMaxLength(200)
        self.title.setPlaceholderText(self.tr("The template's title if left empty"))
        form.addRow(self.tr("&Title:"), self.title)
        self.template = QComboBox(page)
        self.version = QComboBox(page)
        self.template.currentIndexChanged.connect(self._template_chosen)
        if self.contract is None:
            form.addRow(self.tr("Tem&plate:"), self.template)
            form.addRow(self.tr("&Version:"), self.version)
        else:
            self.template.hide()
            self.version.hide()
        self.currency = QComboBox(page)
        for code in sorted(MINOR_UNITS):
            self.currency.addItem(code, code)
        self.currency.setCurrentIndex(self.currency.findData(DEFAULT_CURRENCY))
        form.addRow(self.tr("C&urrency:"), self.currency)
        self.contract_date = _date_edit(page, optional=False)
        self.start_date = _date_edit(page, optional=True)
        self.end_date = _date_edit(page, optional=True)
        form.addRow(self.tr("Contract &date:"), self.contract_date)
        form.addRow(self.tr("&Start date:"), self.start_date)
        form.addRow(self.tr("&End date:"), self.end_date)
        self.delivery = QPlainTextEdit(page)
        self.delivery.setTabChangesFocus(True)
        form.addRow(self.tr("De&livery terms:"), self.delivery)
        return page

    def _items_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addWidget(self.items, 1)
        self.items_problems = MessageLabel(page)
        self.items_problems.setObjectName("itemsProblems")
        layout.addWidget(self.items_problems)
        return page

    def _schedule_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addWidget(self.schedule, 1)
        self.schedule_state = MessageLabel(page)
        self.schedule_state.setObjectName("scheduleState")
        layout.addWidget(self.schedule_state)
        return page

    # -- templates ---------------------------------------------------------------------------
    def _load_templates(self) -> None:
        service, actor = self._session.contracts, self._session.user

        def work(_task: object) -> list[tuple[Template, list[TemplateVersion]]]:
            return [(t, service.template_versions(actor, t.id)) for t in service.templates(actor)]

        run_op(self, work, on_done=self._templates_loaded,
               on_error=lambda exc: self.message.show_message(error_text(exc)))

    def _templates_loaded(self, found: list[tuple[Template, list[TemplateVersion]]]) -> None:
        self.template.blockSignals(True)
        self.template.clear()
        for template, versions in found:
            self._versions[template.id] = versions
            self.template.addItem(self.tr("{name} ({language})").format(
                name=template.name, language=template.language), template.id)
        default = next((i for i, (t, _v) in enumerate(found)
                        if t.code == DEFAULT_TEMPLATE_CODE), 0)
        self.template.setCurrentIndex(default)
        self.template.blockSignals(False)
        self._template_chosen()

    def _template_chosen(self) -> None:
        self.version.clear()
        for version in reversed(self._versions.get(self.template.currentData(), [])):
            self.version.addItem(self.tr("Version {n}: {title}").format(
                n=version.version, title=version.title), version.id)

    # -- values ------------------------------------------------------------------------------
    def fill(self, terms: ContractTerms) -> None:
        self.title.setText(terms.title)
        index = self.currency.findData(terms.currency)
        if index >= 0:
            self.currency.setCurrentIndex(index)
        self.contract_date.setDate(_qdate(terms.contract_date or date.today()))
        self.start_date.setDate(_qdate(terms.start_date))
        self.end_date.setDate(_qdate(terms.end_date))
        self.delivery.setPlainText(terms.delivery_terms)
        self.items.set_items(terms.items)
        self.schedule.set_instalments(terms.instalments)

    @staticmethod
    def _date(edit: QDateEdit) -> date | None:
        value = edit.date()
        return None if value == NO_DATE else value.toPython()

    def currency_code(self) -> str:
        return str(self.currency.currentData())

    def terms(self) -> tuple[ContractTerms, list[str]]:
        """The terms typed, and what could not be read (nothing is sent while there is any)."""
        items, item_problems = self.items.read()
        instalments, schedule_problems_ = self.schedule.read()
        terms = ContractTerms(
            title=self.title.text(), currency=self.currency_code(), items=tuple(items),
            instalments=tuple(instalments), delivery_terms=self.delivery.toPlainText(),
            contract_date=self._date(self.contract_date), start_date=self._date(self.start_date),
            end_date=self._date(self.end_date))
        return terms, item_problems + schedule_problems_

    def _recompute(self) -> None:
        """Live totals and the schedule check, by core's rules."""
        currency = self.currency_code()
        self.items.currency = currency
        self.items._show_line_totals()
        items, item_problems = self.items.read()
        instalments, read_problems = self.schedule.read()
        if item_problems:
            self.items_problems.show_message(bullets(item_problems))
        else:
            self.items_problems.clear_message()
        try:
            net, tax, gross = line_totals(items, currency)
        except (StrongroomError, ArithmeticError) as exc:
            self.totals_label.setText(error_text(exc) if isinstance(exc, StrongroomError) else
                                      self.tr("An amount is too large."))
            self.gross = None
            return
        self.gross = gross
        self.totals_label.setText(self.tr(
            "Net {net} · Tax {tax} · Total {gross} {currency}").format(
            net=format_amount(net, currency), tax=format_amount(tax, currency),
            gross=format_amount(gross, currency), currency=currency))
        if read_problems:
            self.schedule_state.show_message(bullets(read_problems))
        elif not instalments:
            self.schedule_state.show_message(self.tr(
                "No payment schedule yet: one is needed before the contract is submitted."),
                "info")
        else:
            problems = schedule_problems(instalments, gross, currency,
                                         self._date(self.contract_date))
            if problems:
                self.schedule_state.show_message(bullets([core_text(p) for p in problems]))
            else:
                self.schedule_state.show_message(self.tr(
                    "✓ The instalments sum to the total ({gross} {currency}).").format(
                    gross=format_amount(gross, currency), currency=currency), "ok")

    @property
    def schedule_ok(self) -> bool:
        return self.schedule_state.property("kind") == "ok"

    def split_evenly(self) -> SplitDialog | None:
        if self.gross is None:
            return None
        self.split_dialog = SplitDialog(default_first_due(self._date(self.start_date)), self)
        dialog = self.split_dialog

        def split() -> None:
            if self.gross is None:
                return
            try:
                instalments = dialog.schedule(self.gross, self.currency_code())
            except StrongroomError as exc:
                self.message.show_message(error_text(exc))
                return
            self.schedule.set_instalments(instalments)
            self.tabs.setCurrentIndex(SCHEDULE)

        dialog.accepted.connect(split)
        dialog.open()
        return dialog

    # -- saving ------------------------------------------------------------------------------
    def _inputs(self) -> list[QWidget]:
        return [self.tabs]

    def _submit(self) -> None:
        if self.busy.active:
            return
        terms, problems = self.terms()
        if problems:
            self.message.show_message(bullets(problems))
            self.tabs.setCurrentIndex(ITEMS if self.items_problems.isVisible() else SCHEDULE)
            return
        service, actor = self._session.contracts, self._session.user
        contract, customer_id = self.contract, self.customer_id
        version = self.version.currentData() if contract is None else None

        def work(_task: object) -> Contract:
            if contract is None:
                return service.draft(actor, customer_id, terms, version)
            return service.update(actor, contract.id, terms, contract.revision)

        def done(saved: Contract) -> None:
            self.saved = saved
            self.accept()

        self.run(self.tr("Saving…"), self._inputs(), work, done, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ScheduleInvalid):
            self.schedule_state.show_message(bullets([core_text(p) for p in exc.problems]))
            self.tabs.setCurrentIndex(SCHEDULE)
            self.message.show_message(self.tr("The payment schedule cannot stand as it is."))
            return
        text = error_text(exc)
        if text.startswith(("Line ", "The quantity", "The unit price", "The discount",
                            "The tax rate", "A contract has at most")):
            self.items_problems.show_message(text)
            self.tabs.setCurrentIndex(ITEMS)
        self.message.show_message(text)

    def wipe(self) -> None:
        if self.split_dialog is not None:
            self.split_dialog.hide()
        self.items.table.setRowCount(0)
        self.schedule.table.setRowCount(0)
        self.title.clear()
        self.delivery.clear()
        self.setWindowTitle("")
        self.hide()
