"""Anonymising one customer: says what is erased and what stays under a pseudonym, asks why, and
asks the customer's name (or ANONYMISE) typed out, since it cannot be undone."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from core.customers.subject_rights import pseudonym
from core.session import Session
from ui.customers.masked import MIN_REASON
from ui.task_dialog import TaskDialog

CONFIRM_WORD = "ANONYMISE"


class AnonymiseDialog(TaskDialog):
    def __init__(self, session: Session, customer_id: int, customer_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._customer_id, self._name = session, customer_id, customer_name
        self.anonymised = False
        self.setWindowTitle(self.tr("Anonymise {name}").format(name=customer_name))
        self.setMinimumWidth(540)
        self.explain = explain = QLabel(self.tr(
            "<p><b>This cannot be undone.</b></p>"
            "<p><b>Erased:</b> the name (replaced by the pseudonym “{pseudonym}”), phones, "
            "e-mail, address, notes, contacts, custom fields, the protected data (ID number, "
            "personal mobile, bank account) and the texts of interactions and tasks.</p>"
            "<p><b>Kept under the pseudonym:</b> the record and its number, owner, kind, "
            "status, city, region, industry, source, tags, credit code, the consent records, "
            "the dates of interactions and tasks, and every financial record pointing to this "
            "customer. The audit trail records who anonymised it and why.</p>").format(
                pseudonym=pseudonym(customer_id)), self)
        explain.setWordWrap(True)
        self.reason = QLineEdit(self)
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText(self.tr("e.g. Erasure requested by the customer on "
                                               "2026-11-20"))
        self.confirm = QLineEdit(self)
        self.confirm.setPlaceholderText(CONFIRM_WORD)
        form = QFormLayout()
        form.addRow(self.tr("&Reason:"), self.reason)
        form.addRow(self.tr("&Type “{name}” or {word} to confirm:").format(
            name=customer_name, word=CONFIRM_WORD), self.confirm)
        self.add_footer(self.tr("Anonymise"), self._submit, explain, form)
        # Enter must never anonymise by accident: Cancel is the default button.
        self.ok_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        for edit in (self.reason, self.confirm):
            edit.textChanged.connect(self._update)
        self._update()
        self.reason.setFocus()

    def confirmed(self) -> bool:
        typed = self.confirm.text().strip()
        return typed == CONFIRM_WORD or (bool(typed) and typed == self._name.strip())

    def _update(self) -> None:
        ready = len(self.reason.text().strip()) >= MIN_REASON and self.confirmed()
        self.ok_button.setEnabled(ready and not self.busy.active)

    def _submit(self) -> None:
        if not self.ok_button.isEnabled() or not self.confirmed():
            return
        session, actor, customer_id = self._session, self._session.user, self._customer_id
        reason = self.reason.text()

        def done(_result: object) -> None:
            self.anonymised = True
            self.accept()

        self.run(self.tr("Anonymising…"), [self.reason, self.confirm],
                 lambda _t: session.subject_rights.anonymise(actor, customer_id, reason), done)
