"""A customer's detail: masked protected fields, an audited reveal that asks a reason and masks
again, a clipboard that only ever gets the mask, and the edit and new-customer forms."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from core.audit import AuditFilter
from core.auth import Authenticator
from tests.conftest import ADMIN
from tests.ui.conftest import Make
from tests.ui.customers_support import (
    MASKED_ID,
    MASKED_MOBILE,
    MOBILE,
    REP,
    customers_page,
    log_in_as,
    names,
    seed,
    visible_texts,
)
from ui.customers.detail import CustomerDialog
from ui.customers.form import CustomerFormDialog
from ui.customers.page import CustomersPage

REASON = "checking identity for the contract"


def closed(dialog: QWidget) -> bool:
    """Closed, and perhaps already deleted (the forms delete themselves on close)."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def open_by_keyboard(qtbot: QtBot, page: CustomersPage, name: str) -> CustomerDialog:
    page.view.setFocus()
    page.view.selectRow(names(page).index(name))
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    dialog = next(d for d in page.windows.dialogs.values() if d.isVisible())
    qtbot.waitUntil(lambda: dialog.view is not None and dialog.view.name == name)
    return dialog


def test_protected_fields_are_masked_and_a_reveal_asks_why_is_audited_and_masks_again(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    page.windows.reveal_ms = 600
    dialog = open_by_keyboard(qtbot, page, "王芳")
    mobile, national_id = dialog.protected["personal_mobile"], dialog.protected["national_id"]
    assert mobile.value.text() == MASKED_MOBILE and national_id.value.text() == MASKED_ID
    assert not dialog.protected["bank_account"].value.isEnabled()  # not set: nothing to reveal
    assert dialog.protected["bank_account"].button.isHidden()

    qtbot.mouseClick(mobile.button, Qt.MouseButton.LeftButton)
    reveal = mobile.dialog
    assert reveal is not None and reveal.isVisible()
    assert not reveal.ok_button.isEnabled()  # no reason, no reveal
    qtbot.keyClicks(reveal.reason, "ok")
    assert not reveal.ok_button.isEnabled()
    qtbot.keyClicks(reveal.reason, " " + REASON)
    assert reveal.ok_button.isEnabled()
    qtbot.mouseClick(reveal.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: mobile.value.text() == MOBILE)
    assert mobile.button.text() == "Hide" and "masked again in" in mobile.left.text()
    assert national_id.value.text() == MASKED_ID  # one field at a time
    # The clear value is on screen only in the field itself: no tool tip, no model.
    holders = [t for t in visible_texts() if MOBILE in t]
    assert holders == [MOBILE]
    assert mobile.value.toolTip() == "" and mobile.toolTip() == ""

    qtbot.waitUntil(lambda: mobile.value.text() == MASKED_MOBILE, timeout=3000)
    assert mobile.button.text() == "Reveal…" and mobile.left.text() == ""
    assert not any(MOBILE in t for t in visible_texts())

    admin = auth.login(vault_path, *ADMIN)
    try:
        entries = admin.audit.page(admin.user, AuditFilter(action="customer.revealed"))
    finally:
        admin.close()
    assert len(entries) == 1 and entries[0].actor_name == REP[0]
    assert entries[0].details == {"field": "personal_mobile", "reason": "ok " + REASON}
    assert MOBILE not in repr(entries)


def test_copying_a_protected_field_copies_the_mask_even_while_revealed(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    dialog = page.windows.open(seeded.ids["王芳"])
    qtbot.waitUntil(lambda: dialog.view is not None)
    clipboard = QApplication.clipboard()
    clipboard.clear()
    field = dialog.protected["national_id"]
    field.value.setFocus()
    qtbot.keyClick(field.value, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == MASKED_ID
    clipboard.clear()
    field.value.copy()  # what the context menu's "Copy (masked)" does
    assert clipboard.text() == MASKED_ID

    qtbot.mouseClick(field.button, Qt.MouseButton.LeftButton)
    assert field.dialog is not None
    field.dialog.reason.setText(REASON)
    qtbot.mouseClick(field.dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: field.revealed)
    clipboard.clear()
    qtbot.keyClick(field.value, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == MASKED_ID
    qtbot.mouseClick(field.button, Qt.MouseButton.LeftButton)  # "Hide" masks at once
    assert field.value.text() == MASKED_ID
    clipboard.clear()


def test_edit_shows_errors_beside_the_fields_then_saves(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    dialog = page.windows.open(seeded.ids["Acme Trading Co"])
    qtbot.waitUntil(lambda: dialog.view is not None)
    assert dialog.values["contacts"].text() == "Zhou Min · Buyer · 13700002222"
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    form = dialog.form_dialog
    assert isinstance(form, CustomerFormDialog) and form.isVisible()
    assert form.name.text() == "Acme Trading Co"
    assert form.contacts.contacts()[0].name == "Zhou Min"
    assert all(e.text() == "" for e in form.protected.values())  # never filled in
    form.phones.edits[0].setText("1381234")
    form.protected["personal_mobile"].setText("12345")
    qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.errors.labels["phones"].isHidden())
    assert "1381234" in form.errors.labels["phones"].text()
    assert "mobile" in form.errors.labels["personal_mobile"].text()
    assert form.errors.labels["email"].isHidden()
    assert form.tabs.currentIndex() == 0  # the first tab with a problem
    assert form.isVisible()

    form.phones.edits[0].setText("13912345678")
    form.protected["personal_mobile"].clear()
    form.text_edits["city"].setText("杭州")
    qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(form))
    qtbot.waitUntil(lambda: dialog.values["city"].text() == "杭州")
    assert dialog.values["phones"].text() == "13912345678"
    assert dialog.protected["personal_mobile"].value.text() == "not set"
    row = names(page).index("Acme Trading Co")
    qtbot.waitUntil(lambda: page.model.summary(row).city == "杭州")


def test_an_edit_conflict_is_reported_and_reload_shows_the_other_version(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    acme = seeded.ids["Acme Trading Co"]
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    dialog = page.windows.open(acme)
    qtbot.waitUntil(lambda: dialog.view is not None)
    dialog.edit()
    form = dialog.form_dialog
    assert form is not None
    other = auth.login(vault_path, *REP)  # the same rep on another computer
    try:
        view = other.customers.get(other.user, acme)
        draft = form.draft()
        other.customers.update(other.user, acme, type(draft)(
            kind=view.kind, name=view.name, notes="changed elsewhere"), view.version)
    finally:
        other.close()
    form.notes.setPlainText("my note")
    qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.reload_button.isVisible())
    assert "changed this customer meanwhile" in form.message.text()
    qtbot.mouseClick(form.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.notes.toPlainText() == "changed elsewhere")
    form.notes.setPlainText("my note, after all")
    qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(form))


def test_ctrl_n_creates_a_customer_and_opens_it(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = page.form_dialog
    assert isinstance(form, CustomerFormDialog) and form.isVisible()
    assert not form.ok_button.isEnabled()  # a name first
    qtbot.keyClicks(form.name, "Orchid Dental Clinic")
    form.text_edits["email"].setText("not an address")
    qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.errors.labels["email"].isHidden())
    form.text_edits["email"].setText("front@orchid.example")
    form.protected["national_id"].setText("11010519491231002X")
    qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(form))
    qtbot.waitUntil(lambda: "Orchid Dental Clinic" in names(page))
    dialog = next(iter(page.windows.dialogs.values()))
    qtbot.waitUntil(lambda: dialog.view is not None)
    assert dialog.title.text() == "Orchid Dental Clinic"
    assert dialog.protected["national_id"].value.text() == MASKED_ID
