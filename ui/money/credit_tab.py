"""A customer's credit, as a tab of the customer dialog: the scorecard (rating A–D with the
reasons behind it, the recommended limit), the exposure, the limit in force and what is left
of it, the credit profile the score uses, and every limit ever proposed with who proposed and
who decided it. Whoever sees the customer's receivables sees this; proposing a limit and
editing the profile are for CREDIT_MANAGE holders (core checks again). Read on a worker,
re-read when money, contracts or customers change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.changes import Changes
from core.contracts.money import DEFAULT_CURRENCY, MINOR_UNITS
from core.money.credit import Scorecard
from core.money.credit_model import CreditLimit, CreditProfile
from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge
from ui.contracts.labels import plain
from ui.money.ageing_view import table_view
from ui.money.credit_dialogs import (
    ProfileDialog,
    ProposeLimitDialog,
    people,
    review_text,
    state_label,
    who,
)
from ui.money.labels import amount, day_text, money
from ui.money.receivables_model import Cells, CellsModel
from ui.task_dialog import TaskDialog
from ui.widgets import add_status, button_row
from ui.worker import LatestRead, error_text

# Columns of the limits table.
SET_AT, CURRENCY, LIMIT, RATING, REASON, SET_BY, STATE, DECIDED_BY, DECIDED_AT, COMMENT = \
    range(10)


@dataclass(frozen=True)
class CreditView:
    card: Scorecard
    profile: CreditProfile
    limits: list[CreditLimit]
    names: dict[int, str]
    customer_name: str
    today: date


def when(at: datetime | None) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at is not None else ""


def in_force_ids(limits: list[CreditLimit]) -> set[int]:
    """The newest approved limit per currency (`limits` come newest first)."""
    seen: dict[str, int] = {}
    for limit in limits:
        if limit.state == "approved":
            seen.setdefault(limit.currency, limit.id)
    return set(seen.values())


def limit_cells(limits: list[CreditLimit], names: dict[int, str]) -> list[Cells]:
    force = in_force_ids(limits)
    rows = []
    for x in limits:
        state = (QCoreApplication.translate("Credit", "In force") if x.id in force
                 else state_label(x.state))
        rows.append((when(x.set_at), x.currency, amount(x.limit, x.currency), x.rating,
                     x.reason, who(names, x.set_by, x.set_by_name), state,
                     who(names, x.decided_by, x.decided_by_name),
                     when(x.decided_at), x.comment))
    return rows


class CreditTab(QWidget):
    def __init__(self, session: Session, bridge: BusBridge, customer_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.customer_id = customer_id
        self.reader = LatestRead(self)
        self.credit: CreditView | None = None
        self.dialog: TaskDialog | None = None
        self.can_manage = session.can(Permission.CREDIT_MANAGE)

        self.currency = QComboBox(self)
        for code in sorted(MINOR_UNITS):
            self.currency.addItem(code, code)
        self.currency.setCurrentIndex(self.currency.findData(DEFAULT_CURRENCY))
        currency_label = QLabel(self.tr("C&urrency:"), self)
        currency_label.setBuddy(self.currency)
        top = QHBoxLayout()
        top.addWidget(currency_label)
        top.addWidget(self.currency)
        top.addStretch(1)

        self.values: dict[str, QLabel] = {}
        summary = QFormLayout()
        for key, label in (("rating", self.tr("Rating:")),
                           ("recommended", self.tr("Recommended limit:")),
                           ("exposure", self.tr("Exposure:")),
                           ("limit", self.tr("Limit in force:")),
                           ("available", self.tr("Available credit:")),
                           ("review", self.tr("Next review:"))):
            summary.addRow(label, self._value(key))
        profile = QFormLayout()
        for key, label in (("established", self.tr("Established on:")),
                           ("capital", self.tr("Registered capital:"))):
            profile.addRow(label, self._value(key))
        self.profile_button = QPushButton(self.tr("Edit pro&file…"), self)
        self.profile_button.clicked.connect(self.edit_profile)
        profile.addRow("", button_row(self.profile_button))
        side = QHBoxLayout()
        side.addLayout(summary, 1)
        side.addLayout(profile, 1)

        self.reasons = CellsModel([self.tr("Why"), self.tr("Points")], (1,), self)
        self.reason_view = table_view(self, self.reasons)
        self.reason_view.setColumnWidth(0, 520)
        self.limits = CellsModel([self.tr("Proposed"), self.tr("Currency"), self.tr("Limit"),
                                  self.tr("Rating"), self.tr("Reason"), self.tr("Proposed by"),
                                  self.tr("Status"), self.tr("Decided by"),
                                  self.tr("Decided"), self.tr("Comment")], (LIMIT,), self)
        self.limit_view = table_view(self, self.limits)
        for column, width in ((SET_AT, 125), (CURRENCY, 60), (LIMIT, 120), (RATING, 50),
                              (REASON, 180), (SET_BY, 110), (STATE, 120), (DECIDED_BY, 110),
                              (DECIDED_AT, 125)):
            self.limit_view.setColumnWidth(column, width)
        self.propose_button = QPushButton(self.tr("Pr&opose limit…"), self)
        self.propose_button.clicked.connect(self.propose_limit)
        for button in (self.propose_button, self.profile_button):
            button.setVisible(self.can_manage)
            button.setAutoDefault(False)
            button.setEnabled(False)  # until the scorecard is read

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(side)
        for title, view in ((self.tr("Why this rating"), self.reason_view),
                            (self.tr("Credit limits"), self.limit_view)):
            heading = QLabel(title, self)
            heading.setObjectName("sectionTitle")
            layout.addWidget(heading)
            layout.addWidget(view, 1)
        layout.addLayout(button_row(self.propose_button))
        self.message, self.busy = add_status(layout, self)
        plain(self.message)
        self.currency.currentIndexChanged.connect(lambda _i: self.load())
        bridge.changed.connect(self._changed)
        self.load()

    def _value(self, key: str) -> QLabel:
        label = QLabel(self)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        plain(label)
        self.values[key] = label
        return label

    def shown(self) -> dict[str, str]:
        """What the summary and profile show, by key (for tests and screen readers alike)."""
        return {key: label.text() for key, label in self.values.items()}

    # -- loading -----------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self.reader.loading

    def load(self) -> None:
        session, actor, customer_id = self._session, self._session.user, self.customer_id
        code = str(self.currency.currentData())

        def work(_t: object) -> CreditView:
            credit = session.credit
            customer = session.customers.visible(actor, customer_id)[0]
            return CreditView(credit.scorecard(actor, customer_id, code),
                              credit.profile(actor, customer_id),
                              credit.limits(actor, customer_id), people(session),
                              customer.name, credit.today())

        self.reader.start(work, self.show_credit,
                          lambda exc: self.message.show_message(error_text(exc)))

    def show_credit(self, view: CreditView) -> None:
        self.credit = view
        card, code = view.card, view.card.currency
        none = self.tr("None")
        texts = {
            "rating": self.tr("{rating} (score {score})").format(rating=card.rating,
                                                                 score=card.score),
            "recommended": money(card.recommended_limit, code),
            "exposure": money(card.exposure, code),
            "limit": money(card.approved_limit, code) if card.approved_limit is not None
            else self.tr("No limit approved"),
            "available": money(card.available, code) if card.available is not None else none,
            "review": review_text(card.review_on, view.today) or "—",
            "established": day_text(view.profile.established_on)
            if view.profile.established_on else self.tr("Not known"),
            "capital": money(view.profile.registered_capital, "CNY")
            if view.profile.registered_capital is not None else self.tr("Not known"),
        }
        for key, text in texts.items():
            self.values[key].setText(text)
        if card.available is not None and card.available < 0:
            self.values["available"].setText(self.tr("{amount} (over the limit)").format(
                amount=texts["available"]))
        self.reasons.set_rows([(QCoreApplication.translate("core", r.message),
                                f"{r.points:+d}" if r.points else "0") for r in card.reasons])
        self.limits.set_rows(limit_cells(view.limits, view.names),
                             [x.id for x in view.limits])
        for button in (self.propose_button, self.profile_button):
            button.setEnabled(self.can_manage)

    def _changed(self, changes: Changes) -> None:
        if changes.money or changes.contracts or changes.customers:
            self.load()

    # -- actions -----------------------------------------------------------------------------
    def _open(self, dialog: TaskDialog, done_text: str) -> TaskDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.message.show_message(done_text, "ok"))
        self.dialog = dialog
        dialog.open()
        return dialog

    def propose_limit(self) -> ProposeLimitDialog | None:
        if not self.can_manage or self.credit is None:
            return None
        card = self.credit.card
        dialog = ProposeLimitDialog(self._session, self.customer_id, self.credit.customer_name,
                                    card.currency, card.recommended_limit, self)
        self._open(dialog, self.tr("The limit was proposed: it is in force once someone "
                                   "else approves it on the Credit page."))
        return dialog

    def edit_profile(self) -> ProfileDialog | None:
        if not self.can_manage or self.credit is None:
            return None
        dialog = ProfileDialog(self._session, self.credit.profile, self)
        self._open(dialog, self.tr("The credit profile was saved."))
        return dialog

    def wipe(self) -> None:
        self.reader.forget()
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            wipe = getattr(self.dialog, "wipe", None)
            if wipe is not None:
                wipe()
            self.dialog.hide()
        self.credit = None
        for label in self.values.values():
            label.clear()
        for model in (self.reasons, self.limits):
            model.wipe()
        self.message.clear_message()
