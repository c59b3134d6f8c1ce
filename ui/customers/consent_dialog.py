"""Recording a customer's consent: what it is for (required), its scope and the day it was
given. Core decides who may record it and refuses a date in the future."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QFormLayout, QLabel, QLineEdit, QWidget

from core.customers.privacy import MAX_PURPOSE, Consent
from core.session import Session
from ui.task_dialog import TaskDialog


def given_at(day: QDate) -> datetime | None:
    """Today means now (core's clock); an earlier day is the start of that local day."""
    if day >= QDate.currentDate():
        return None
    return datetime(day.year(), day.month(), day.day()).astimezone()


class ConsentDialog(TaskDialog):
    def __init__(self, session: Session, customer_id: int, customer_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._customer_id = session, customer_id
        self.recorded: Consent | None = None
        self.setWindowTitle(self.tr("Record consent of {name}").format(name=customer_name))
        self.setMinimumWidth(480)
        self.purpose = QLineEdit(self)
        self.purpose.setMaxLength(MAX_PURPOSE)
        self.purpose.setPlaceholderText(self.tr("e.g. Marketing e-mails about new products"))
        self.scope = QLineEdit(self)
        self.scope.setMaxLength(MAX_PURPOSE)
        self.scope.setPlaceholderText(self.tr("e.g. E-mail and phone; this company only"))
        self.given = QDateEdit(QDate.currentDate(), self)
        self.given.setCalendarPopup(True)
        self.given.setDisplayFormat("yyyy-MM-dd")
        self.given.setMaximumDate(QDate.currentDate())
        form = QFormLayout()
        form.addRow(self.tr("&Purpose:"), self.purpose)
        form.addRow(self.tr("S&cope:"), self.scope)
        form.addRow(self.tr("&Given on:"), self.given)
        hint = QLabel(self.tr("A consent is never deleted: when the customer withdraws it, it "
                              "stays on record as withdrawn."), self)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.add_footer(self.tr("Record"), self._submit, form, hint)
        self.purpose.textChanged.connect(self._update)
        self._update()
        self.purpose.setFocus()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.purpose.text().strip()) and not self.busy.active)
        self.ok_button.setDefault(True)

    def _submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        session, actor, customer_id = self._session, self._session.user, self._customer_id
        purpose, scope, when = self.purpose.text(), self.scope.text(), given_at(self.given.date())

        def done(consent: Consent) -> None:
            self.recorded = consent
            self.accept()

        self.run(self.tr("Recording…"), [self.purpose, self.scope, self.given],
                 lambda _t: session.privacy.record_consent(actor, customer_id, purpose, scope,
                                                           when), done)
