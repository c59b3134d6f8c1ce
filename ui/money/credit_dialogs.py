"""The credit dialogs: proposing a limit (an exact amount, zero meaning no credit, a reason
required, prefilled with the scorecard's recommendation), approving or rejecting a proposal
(a different person types their password again; core checks it with Argon2, so on a worker,
and refuses the proposer) and editing the credit profile (founding date, registered capital).
Also the words shared by the credit tab and page: limit states and who proposed or decided."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from core.contracts.money import MINOR_UNITS
from core.money.credit_model import CreditLimit, CreditProfile
from core.money.credit_service import MAX_LIMIT
from core.roles import Permission
from core.session import Session
from ui.contracts.labels import plain
from ui.decision_dialog import Decide, DecisionDialog
from ui.money.labels import amount, day_text, from_qdate, money, parse_amount, to_qdate
from ui.task_dialog import TaskDialog
from ui.widgets import bullets

MAX_TEXT = 500


def _tr(text: str) -> str:
    return QCoreApplication.translate("Credit", text)


def state_label(state: str) -> str:
    labels = {"pending": _tr("Awaiting approval"), "approved": _tr("Approved"),
              "rejected": _tr("Rejected")}
    return labels.get(state, state)


def people(session: Session) -> dict[int, str]:
    """User names by id as far as this user may list them (on a worker): without USER_LIST
    only their own name is known, and others show as a number."""
    names = {session.user.id: session.user.name}
    if session.can(Permission.USER_LIST):
        names.update({u.id: u.name for u in session.accounts.list_users(session.user)})
    return names


def who(names: dict[int, str], user_id: int | None, given: str | None = None) -> str:
    if user_id is None:
        return ""
    return given or names.get(user_id) or _tr("user #{id}").format(id=user_id)


def limit_problems(text: str, currency: str) -> tuple[Decimal | None, list[str]]:
    """The limit typed as an exact Decimal (zero allowed: no credit), or why it is refused."""
    if not text.strip():
        return None, [_tr("Type the credit limit (0 for no credit).")]
    value = parse_amount(text)
    if value is None:
        return None, [_tr("The limit must be a plain number such as 200,000.00.")]
    places = MINOR_UNITS.get(currency, 2)
    if value.scaleb(places) != value.scaleb(places).to_integral_value():
        return None, [_tr("The limit has more decimals than {currency} allows.").format(
            currency=currency)]
    if value >= MAX_LIMIT:
        return None, [_tr("The limit is too large.")]
    return value, []


def _clear_hint(dialog: TaskDialog) -> None:
    """Drop a hint about the input once fixed, but keep core's refusal of the last try."""
    if dialog.message.property("kind") == "info":
        dialog.message.clear_message()


class ProposeLimitDialog(TaskDialog):
    """After OK, `saved` is the stored proposal (pending until someone else approves it)."""

    def __init__(self, session: Session, customer_id: int, customer_name: str, currency: str,
                 recommended: Decimal | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self.customer_id, self.currency = session, customer_id, currency
        self.saved: CreditLimit | None = None
        self.setMinimumWidth(480)
        self.setWindowTitle(self.tr("Propose credit limit"))
        intro = QLabel(self.tr(
            "Propose a credit limit in {currency} for {customer}. It is in force once another "
            "person with the right to manage credit approves it. 0 means no credit.").format(
            currency=currency, customer=customer_name), self)
        intro.setWordWrap(True)
        plain(intro)
        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText(self.tr("e.g. 200,000.00"))
        if recommended is not None:
            self.amount.setText(amount(recommended, currency))
        self.recommended = QLabel(money(recommended, currency) if recommended is not None
                                  else "—", self)
        self.reason = QPlainTextEdit(self)
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(self.tr("Why this limit (required)"))
        self.reason.setMaximumHeight(90)
        today = session.credit.today()
        self.review_on = QDateEdit(self)
        self.review_on.setCalendarPopup(True)
        self.review_on.setDisplayFormat("yyyy-MM-dd")
        self.review_on.setMinimumDate(to_qdate(today + timedelta(days=1)))
        self.review_on.setDate(to_qdate(today + timedelta(days=365)))
        form = QFormLayout()
        form.addRow(self.tr("Recommended:"), self.recommended)
        form.addRow(self.tr("&Limit ({currency}):").format(currency=currency), self.amount)
        form.addRow(self.tr("&Reason:"), self.reason)
        form.addRow(self.tr("Re&view on:"), self.review_on)
        self.add_footer(self.tr("&Propose"), self._submit, intro, form)
        plain(self.message)
        self.amount.textChanged.connect(self._update)
        self.reason.textChanged.connect(self._update)
        self._update()
        self.amount.setFocus()
        self.amount.selectAll()

    def problems(self) -> list[str]:
        found = limit_problems(self.amount.text(), self.currency)[1]
        if not self.reason.toPlainText().strip():
            found.append(self.tr("Say why this limit is set."))
        elif len(self.reason.toPlainText().strip()) > MAX_TEXT:
            found.append(self.tr("The reason is too long."))
        return found

    def _update(self) -> None:
        found = self.problems()
        typed = bool(self.amount.text().strip()) or bool(self.reason.toPlainText().strip())
        if found and typed:
            self.message.show_message(bullets(found), "info")
        else:
            _clear_hint(self)
        self.ok_button.setEnabled(not found and not self.busy.active)

    def _submit(self) -> None:
        value, found = limit_problems(self.amount.text(), self.currency)
        if value is None or self.problems() or self.busy.active:
            self.message.show_message(bullets(self.problems() or found))
            return
        service, actor, cid, code = (self._session.credit, self._session.user,
                                     self.customer_id, self.currency)
        reason, review = self.reason.toPlainText().strip(), from_qdate(self.review_on.date())

        def done(saved: CreditLimit) -> None:
            self.saved = saved
            self.accept()

        self.run(self.tr("Proposing…"), [self.amount, self.reason, self.review_on],
                 lambda _t: service.set_limit(actor, cid, value, reason, code, review), done)

    def wipe(self) -> None:
        self.amount.clear()
        self.reason.clear()
        self.hide()


class DecideLimitDialog(DecisionDialog):
    """Approve or reject a proposed limit; after OK, `saved` is the limit as decided."""

    def __init__(self, session: Session, limit: CreditLimit, customer_name: str,
                 reject: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(reject, parent)
        self._session, self.limit = session, limit
        self.setMinimumWidth(460)
        shown = money(limit.limit, limit.currency)
        self.setWindowTitle(self.tr("Reject credit limit") if reject
                            else self.tr("Approve credit limit"))
        intro = QLabel((self.tr(
            "Reject the credit limit of {amount} proposed for {customer}? Say why, and type "
            "your password to confirm it is you.") if reject else self.tr(
            "Approve the credit limit of {amount} for {customer}? It is in force at once. Type "
            "your password to confirm it is you.")).format(amount=shown,
                                                          customer=customer_name), self)
        intro.setWordWrap(True)
        plain(intro)
        reason = QLabel(limit.reason, self)
        reason.setWordWrap(True)
        plain(reason)
        self.comment.setMaximumHeight(90)
        form = QFormLayout()
        form.addRow(self.tr("Proposed because:"), reason)
        form.addRow(self.tr("Rating then:"), QLabel(limit.rating, self))
        form.addRow(self.tr("Review on:"), QLabel(day_text(limit.review_on), self))
        self.build(intro, form=form)

    def decision(self) -> Decide:
        service, actor, limit_id = self._session.credit, self._session.user, self.limit.id
        if self.rejecting:
            return lambda password, comment: service.reject_limit(actor, limit_id, password,
                                                                  comment.strip())
        return lambda password, comment: service.approve_limit(actor, limit_id, password,
                                                               comment.strip())

    def wrong_password_text(self) -> str:
        return (self.tr("Wrong password: the limit was not rejected.") if self.rejecting
                else self.tr("Wrong password: the limit was not approved."))


class ProfileDialog(TaskDialog):
    """The founding date and registered capital (CNY) the scorecard uses; empty = not known.
    After OK, `saved` is the stored profile."""

    def __init__(self, session: Session, profile: CreditProfile,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self.customer_id = session, profile.customer_id
        self.saved: CreditProfile | None = None
        self.setMinimumWidth(420)
        self.setWindowTitle(self.tr("Credit profile"))
        today = session.credit.today()
        self.founded_known = QCheckBox(self.tr("Founding date &known"), self)
        self.established = QDateEdit(self)
        self.established.setCalendarPopup(True)
        self.established.setDisplayFormat("yyyy-MM-dd")
        self.established.setMaximumDate(to_qdate(today))
        self.established.setDate(to_qdate(profile.established_on or today))
        self.founded_known.setChecked(profile.established_on is not None)
        self.established.setEnabled(self.founded_known.isChecked())
        self.founded_known.toggled.connect(self.established.setEnabled)
        self.capital = QLineEdit(self)
        self.capital.setPlaceholderText(self.tr("Not known"))
        if profile.registered_capital is not None:
            self.capital.setText(amount(profile.registered_capital, "CNY"))
        form = QFormLayout()
        form.addRow("", self.founded_known)
        form.addRow(self.tr("&Established on:"), self.established)
        form.addRow(self.tr("Registered &capital (CNY):"), self.capital)
        self.add_footer(self.tr("&Save"), self._submit, form)
        plain(self.message)
        self.capital.textChanged.connect(self._update)
        self._update()

    def established_on(self) -> date | None:
        return from_qdate(self.established.date()) if self.founded_known.isChecked() else None

    def capital_value(self) -> tuple[Decimal | None, str]:
        text = self.capital.text()
        if not text.strip():
            return None, ""
        value, found = limit_problems(text, "CNY")
        return value, (self.tr("The registered capital must be a plain number such as "
                               "5,000,000.00.") if found else "")

    def _update(self) -> None:
        problem = self.capital_value()[1]
        if problem:
            self.message.show_message(problem, "info")
        else:
            _clear_hint(self)
        self.ok_button.setEnabled(not problem and not self.busy.active)

    def _submit(self) -> None:
        capital, problem = self.capital_value()
        if problem or self.busy.active:
            return
        service, actor, cid, founded = (self._session.credit, self._session.user,
                                        self.customer_id, self.established_on())

        def done(saved: CreditProfile) -> None:
            self.saved = saved
            self.accept()

        self.run(self.tr("Saving…"), [self.founded_known, self.established, self.capital],
                 lambda _t: service.set_profile(actor, cid, founded, capital), done)

    def wipe(self) -> None:
        self.capital.clear()
        self.hide()


def review_text(review_on: date | None, today: date) -> str:
    if review_on is None:
        return ""
    days = (review_on - today).days
    if days < 0:
        return _tr("{day} (overdue by {days} days)").format(day=day_text(review_on), days=-days)
    if days == 0:
        return _tr("{day} (today)").format(day=day_text(review_on))
    return _tr("{day} (in {days} days)").format(day=day_text(review_on), days=days)
