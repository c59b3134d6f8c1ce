"""Creating and editing a customer: every field of a CustomerDraft, core's validation messages
beside the fields they are about, and a reload when someone else saved first.

Protected fields are never filled with their values (the form only has the masked view): an
empty input keeps the stored value, "Erase" removes it, anything typed replaces it."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.customers.collected import OPTIONAL_FIELDS
from core.customers.duplicates import DuplicateMatch
from core.customers.model import (
    SENSITIVE_FIELDS,
    CustomerDraft,
    CustomerKind,
    CustomerStatus,
    CustomerView,
    EditConflict,
)
from core.customers.validate import CustomerInvalid
from core.session import Session
from ui.customers.field_errors import FieldErrors
from ui.customers.form_parts import ContactsEditor, PhonesEditor
from ui.customers.labels import kind_label, protected_label, status_label
from ui.task_dialog import TaskDialog
from ui.worker import error_text

GENERAL, CONTACTS, NOTES, PROTECTED = range(4)
TEXT_FIELDS = ("email", "address", "city", "region", "industry", "source")


def split_tags(text: str) -> tuple[str, ...]:
    for separator in ("，", ";", "；", "、"):
        text = text.replace(separator, ",")
    return tuple(t.strip() for t in text.split(",") if t.strip())


class CustomerFormDialog(TaskDialog):
    """`view` None: a new customer. After OK, `saved` holds the stored customer (masked)."""

    def __init__(self, session: Session, view: CustomerView | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._view = view
        self.saved: CustomerView | None = None
        # The duplicates the user has seen and accepted ("Create anyway"), by the draft checked.
        self._accepted_duplicates: CustomerDraft | None = None
        self.duplicates: list[DuplicateMatch] = []
        self.setMinimumSize(600, 560)
        self.errors = FieldErrors(self)
        self.tabs = QTabWidget(self)
        self._field_tab: dict[str, int] = {}
        self._rows: dict[str, tuple[QFormLayout, QWidget]] = {}
        self.tabs.addTab(self._general_tab(), self.tr("&General"))
        self.contacts = ContactsEditor(self)
        self.tabs.addTab(self._tab(self.contacts, "contacts", CONTACTS), self.tr("C&ontacts"))
        self.notes = QPlainTextEdit(self)
        self.notes.setTabChangesFocus(True)
        self.tabs.addTab(self._tab(self.notes, "notes", NOTES), self.tr("N&otes"))
        self.tabs.addTab(self._protected_tab(), self.tr("P&rotected data"))
        self.add_footer(self.tr("Save") if view else self.tr("Create"), self._submit, self.tabs)
        self.ok_button.setShortcut(QKeySequence.StandardKey.Save)
        self.reload_button = self.buttons.addButton(self.tr("Re&load"),
                                                    QDialogButtonBox.ButtonRole.ActionRole)
        self.reload_button.hide()
        self.reload_button.clicked.connect(self.reload)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.name.textChanged.connect(self._update)
        self.fill(view)
        self._hide_uncollected()
        self.name.setFocus()

    # -- layout ------------------------------------------------------------------------------
    def _tab(self, widget: QWidget, field: str, tab: int) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addWidget(widget, 1)
        layout.addWidget(self.errors.label(field))
        self._field_tab[field] = tab
        return page

    def _row(self, form: QFormLayout, label: str, widget: QWidget, field: str,
             tab: int) -> None:
        form.addRow(label, widget)
        form.addRow("", self.errors.label(field))
        self._field_tab[field] = tab
        self._rows.setdefault(field, (form, widget))

    def _hide_uncollected(self) -> None:
        """Minimisation: a field the administrator stopped collecting is not offered. A value
        the record already holds stays visible, so it can be seen and erased (core refuses
        new values for such a field, not the ones kept)."""
        collected = self._session.privacy.fields().collected
        view = self._view
        for field, (form, widget) in self._rows.items():
            if field in OPTIONAL_FIELDS and field not in collected and not (
                    view and (getattr(view, field, None) or view.sensitive.get(field))):
                form.setRowVisible(widget, False)
                form.setRowVisible(self.errors.label(field), False)
        for field, tab in (("contacts", CONTACTS), ("notes", NOTES)):
            if field not in collected and not (view and getattr(view, field)):
                self.tabs.setTabVisible(tab, False)
        if not any(form.isRowVisible(widget) for f, (form, widget) in self._rows.items()
                   if f in self.protected):
            self.tabs.setTabVisible(PROTECTED, False)

    def _general_tab(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.kind = QComboBox(page)
        for kind in CustomerKind:
            self.kind.addItem(kind_label(kind), kind)
        self.name = QLineEdit(page)
        self.name.setMaxLength(200)
        self.status = QComboBox(page)
        for status in CustomerStatus:
            self.status.addItem(status_label(status), status)
        self.phones = PhonesEditor(page)
        self.text_edits = {field: QLineEdit(page) for field in TEXT_FIELDS}
        self.tags = QLineEdit(page)
        self.tags.setPlaceholderText(self.tr("Separated by commas"))
        self.credit_code = QLineEdit(page)
        self.credit_code.setMaxLength(18)
        self.credit_code.setPlaceholderText(self.tr("18 characters (GB 32100-2015)"))
        labels = {"email": self.tr("&E-mail:"), "address": self.tr("A&ddress:"),
                  "city": self.tr("&City:"), "region": self.tr("Re&gion:"),
                  "industry": self.tr("&Industry:"), "source": self.tr("So&urce:")}
        self._row(form, self.tr("&Kind:"), self.kind, "kind", GENERAL)
        self._row(form, self.tr("&Name:"), self.name, "name", GENERAL)
        self._row(form, self.tr("&Status:"), self.status, "status", GENERAL)
        self._row(form, self.tr("&Phones:"), self.phones, "phones", GENERAL)
        for field in TEXT_FIELDS:
            self._row(form, labels[field], self.text_edits[field], field, GENERAL)
        self._row(form, self.tr("&Tags:"), self.tags, "tags", GENERAL)
        self._row(form, self.tr("Credit co&de:"), self.credit_code, "credit_code", GENERAL)
        return page

    def _protected_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        intro = QLabel(self.tr(
            "Protected values are never shown here. Leave a field empty to keep what is stored, "
            "type a new value to replace it, or tick Erase to remove it."), page)
        intro.setObjectName("hint")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.protected: dict[str, QLineEdit] = {}
        self.protected_state: dict[str, QLabel] = {}
        self.erase: dict[str, QCheckBox] = {}
        fields = list(SENSITIVE_FIELDS) + sorted(
            set(self._view.sensitive) - set(SENSITIVE_FIELDS) if self._view else ())
        for field in fields:
            edit, state, erase = QLineEdit(page), QLabel(page), QCheckBox(self.tr("Erase"), page)
            state.setObjectName("hint")
            state.setMinimumWidth(190)
            erase.toggled.connect(edit.setDisabled)
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(state)
            row.addWidget(erase)
            caption = QLabel(protected_label(field) + ":", page)
            caption.setBuddy(edit)
            form.addRow(caption, row)
            form.addRow("", self.errors.label(field))
            self._field_tab[field] = PROTECTED
            self._rows[field] = (form, caption)
            self.protected[field], self.protected_state[field], self.erase[field] = \
                edit, state, erase
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    # -- values ------------------------------------------------------------------------------
    def fill(self, view: CustomerView | None) -> None:
        self._view = view
        self.setWindowTitle(self.tr("Edit {name}").format(name=view.name) if view
                            else self.tr("New customer"))
        kind = view.kind if view else CustomerKind.COMPANY
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.name.setText(view.name if view else "")
        self.status.setCurrentIndex(self.status.findData(
            view.status if view else CustomerStatus.LEAD))
        self.phones.set_values(view.phones if view else ())
        for field, edit in self.text_edits.items():
            edit.setText(str(getattr(view, field)) if view else "")
        self.tags.setText(", ".join(view.tags) if view else "")
        self.credit_code.setText(view.credit_code if view else "")
        self.contacts.set_contacts(view.contacts if view else ())
        self.notes.setPlainText(view.notes if view else "")
        for field, edit in self.protected.items():
            masked = view.sensitive.get(field, "") if view else ""
            edit.clear()
            edit.setPlaceholderText(self.tr("Type to replace; empty keeps it") if masked
                                    else self.tr("Not set"))
            self.protected_state[field].setText(
                self.tr("set: {mask}").format(mask=masked) if masked else "")
            self.erase[field].setChecked(False)
            self.erase[field].setVisible(bool(masked))
        self.errors.clear()
        self._kind_changed()

    def draft(self) -> CustomerDraft:
        kind = CustomerKind(self.kind.currentData())
        protected = {}
        for field, edit in self.protected.items():
            if self.erase[field].isChecked():
                protected[field] = ""
            elif edit.text().strip():
                protected[field] = edit.text()
        return CustomerDraft(
            kind=kind, name=self.name.text(), status=CustomerStatus(self.status.currentData()),
            phones=self.phones.values(), email=self.text_edits["email"].text(),
            address=self.text_edits["address"].text(), city=self.text_edits["city"].text(),
            region=self.text_edits["region"].text(),
            industry=self.text_edits["industry"].text(),
            source=self.text_edits["source"].text(), tags=split_tags(self.tags.text()),
            notes=self.notes.toPlainText(),
            credit_code=self.credit_code.text() if kind == CustomerKind.COMPANY else "",
            contacts=self.contacts.contacts(),
            custom=dict(self._view.custom) if self._view else {}, sensitive=protected)

    def _kind_changed(self) -> None:
        self.credit_code.setEnabled(self.kind.currentData() == CustomerKind.COMPANY)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.name.text().strip()) and not self.busy.active)
        self.ok_button.setDefault(True)  # Cancel took it while OK was disabled

    # -- saving ------------------------------------------------------------------------------
    def _inputs(self) -> list[QWidget]:
        return [self.tabs, self.reload_button]

    def _submit(self) -> None:
        session, actor, view, draft = self._session, self._session.user, self._view, self.draft()
        self.errors.clear()

        accepted = self._accepted_duplicates == draft

        def work(_task: object) -> CustomerView | list[DuplicateMatch]:
            if view is None:
                if not accepted:
                    found = session.customers.find_duplicates(actor, draft)
                    if found:
                        return found
                return session.customers.create(actor, draft)
            return session.customers.update(actor, view.id, draft, view.version)

        def done(saved: CustomerView | list[DuplicateMatch]) -> None:
            if isinstance(saved, list):
                self._ask_about(draft, saved)
                return
            self.saved = saved
            for edit in self.protected.values():
                edit.clear()
            self.accept()

        self.run(self.tr("Saving…"), self._inputs(), work, done, on_error=self._failed)

    def _ask_about(self, draft: CustomerDraft, found: list[DuplicateMatch]) -> None:
        """Show the customers this one may duplicate; a second click creates it anyway."""
        self.duplicates = found
        self._accepted_duplicates = draft
        lines = [self.tr("This customer may already exist:")]
        lines += ["• " + self._describe(match) for match in found]
        lines.append(self.tr("Create anyway?"))
        self.message.show_message("\n".join(lines), "info")
        self.ok_button.setText(self.tr("Create &anyway"))

    def _describe(self, match: DuplicateMatch) -> str:
        reasons = {"credit_code": self.tr("same credit code"), "mobile": self.tr("same mobile"),
                   "email": self.tr("same e-mail")}
        reason = reasons.get(match.reason, self.tr("similar name in the same city"))
        who = (self.tr("{name} (#{id})").format(name=match.name, id=match.customer_id)
               if match.customer_id is not None
               else self.tr("an existing customer you cannot see"))
        return self.tr("{reason} as {who}").format(reason=reason, who=who)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, EditConflict):
            self.message.show_message(error_text(exc))
            self.reload_button.show()
            return
        if isinstance(exc, CustomerInvalid):
            rest = self.errors.show(exc.errors)
            first = next((f for f in self._field_tab if not self.errors.labels[f].isHidden()),
                         None)
            if first is not None:
                self.tabs.setCurrentIndex(self._field_tab[first])
            self.message.show_message("\n".join(rest) if rest
                                      else self.tr("Correct the marked fields."))
            return
        self.message.show_message(error_text(exc))

    def reload(self) -> None:
        """Show the version someone else saved (the edits made here are dropped)."""
        view = self._view
        if view is None:
            return
        session, actor = self._session, self._session.user

        def done(fresh: CustomerView) -> None:
            self.fill(fresh)
            self.reload_button.hide()
            self.message.show_message(self.tr(
                "This is the latest version. Make your changes again and save."), "info")

        self.run(self.tr("Reloading…"), self._inputs(),
                 lambda _t: session.customers.get(actor, view.id), done)


__all__ = ["CustomerFormDialog", "split_tags"]
