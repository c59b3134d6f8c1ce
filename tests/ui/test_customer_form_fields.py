"""Minimisation in the form: a field the administrator no longer collects is not offered, but a
value a record already holds stays visible so it can be seen and erased."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from core.customers.collected import OPTIONAL_FIELDS
from core.customers.model import NATIONAL_ID, SENSITIVE_FIELDS, CustomerDraft, CustomerKind
from core.roles import Role
from ui.customers.form import CONTACTS, NOTES, PROTECTED, CustomerFormDialog


def _shown(form: CustomerFormDialog, widget: Any) -> bool:
    layout = widget.parentWidget().layout()
    return layout.isRowVisible(widget)


def test_uncollected_fields_are_not_offered(qtbot: QtBot, login: Any) -> None:
    admin = login(Role.ADMINISTRATOR)
    dropped = {"email", "industry", "notes", "contacts", *SENSITIVE_FIELDS}
    admin.privacy.set_fields(admin.user, set(OPTIONAL_FIELDS) - dropped)
    form = CustomerFormDialog(admin, None)
    qtbot.addWidget(form)
    assert not _shown(form, form.text_edits["email"])
    assert not _shown(form, form.text_edits["industry"])
    assert _shown(form, form.text_edits["city"]) and _shown(form, form.name)
    assert not form.tabs.isTabVisible(NOTES) and not form.tabs.isTabVisible(CONTACTS)
    assert not form.tabs.isTabVisible(PROTECTED)


def test_a_value_already_held_stays_visible(qtbot: QtBot, login: Any) -> None:
    admin = login(Role.ADMINISTRATOR)
    made = admin.customers.create(admin.user, CustomerDraft(
        kind=CustomerKind.INDIVIDUAL, name="李娜", email="li.na@example.com", notes="keep me",
        sensitive={NATIONAL_ID: "11010519491231002X"}))
    admin.privacy.set_fields(admin.user, set(OPTIONAL_FIELDS) - {"email", "notes", NATIONAL_ID,
                                                                 "industry"})
    form = CustomerFormDialog(admin, admin.customers.get(admin.user, made.id))
    qtbot.addWidget(form)
    assert _shown(form, form.text_edits["email"]) and form.tabs.isTabVisible(NOTES)
    assert form.tabs.isTabVisible(PROTECTED)
    assert not _shown(form, form.text_edits["industry"])
