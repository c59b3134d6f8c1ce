"""A customer's Privacy tab: consent recorded and withdrawn (kept, shown withdrawn) by whoever may
edit the customer and nobody else, the access request written off the GUI thread, anonymisation
that asks why and a typed confirmation, and no privacy actions for roles without them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.errors import PermissionDenied
from core.roles import Role
from tests.conftest import ADMIN, USERS
from tests.ui.conftest import Make, yes_button
from tests.ui.customers_support import (
    MOBILE,
    NATIONAL_ID,
    OTHER_REP,
    REP,
    customers_page,
    log_in_as,
    seed,
    visible_texts,
)
from ui.customers.detail import PRIVACY, CustomerDialog
from ui.customers.privacy_tab import PrivacyTab
from ui.main_window import MainWindow


def open_privacy(qtbot: QtBot, main: MainWindow, customer_id: int) -> CustomerDialog:
    page = customers_page(qtbot, main)
    dialog = page.windows.open(customer_id)
    qtbot.waitUntil(lambda: dialog.view is not None)
    dialog.tabs.setCurrentIndex(PRIVACY)
    return dialog


def consent_rows(tab: PrivacyTab) -> list[list[str]]:
    model = tab.consents
    return [[str(model.index(r, c).data()) for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def closed(widget: object) -> bool:
    return not shiboken6.isValid(widget) or not widget.isVisible()  # type: ignore[attr-defined]


def record(qtbot: QtBot, tab: PrivacyTab, purpose: str, scope: str = "") -> None:
    qtbot.mouseClick(tab.record_button, Qt.MouseButton.LeftButton)
    dialog = tab.consent_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.ok_button.isEnabled()  # the purpose is required
    qtbot.keyClicks(dialog.purpose, purpose)
    dialog.scope.setText(scope)
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(dialog))


def test_the_owner_records_consent_and_a_withdrawal_keeps_it_on_record(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    customer_id = seeded.ids["王芳"]
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    tab = open_privacy(qtbot, main, customer_id).privacy
    assert tab.record_button.isEnabled() and not tab.withdraw_button.isEnabled()
    assert not tab.access_button.isVisible() and not tab.anonymise_button.isVisible()

    record(qtbot, tab, "Marketing e-mails", "E-mail only")
    qtbot.waitUntil(lambda: tab.consents.rowCount() == 1)
    record(qtbot, tab, "Phone calls about orders")
    qtbot.waitUntil(lambda: tab.consents.rowCount() == 2)
    marketing = next(r for r in range(2) if tab.consents.consent(r).purpose == "Marketing e-mails")
    tab.consents_view.selectRow(marketing)
    assert tab.withdraw_button.isEnabled()
    qtbot.mouseClick(tab.withdraw_button, Qt.MouseButton.LeftButton)
    assert tab.question is not None and "Marketing e-mails" in tab.question.text()
    yes_button(tab.question).click()
    qtbot.waitUntil(lambda: any(row[3].startswith("Withdrawn") for row in consent_rows(tab)))

    rows = {row[0]: row for row in consent_rows(tab)}
    assert set(rows) == {"Marketing e-mails", "Phone calls about orders"}  # both still there
    assert rows["Marketing e-mails"][1] == "E-mail only"
    assert rows["Marketing e-mails"][3].startswith("Withdrawn ")
    assert rows["Phone calls about orders"][3] == "Active"
    withdrawn = next(r for r in range(2) if not tab.consents.consent(r).active)
    tab.consents_view.selectRow(withdrawn)
    assert not tab.withdraw_button.isEnabled()  # already withdrawn

    session = auth.login(vault_path, *REP)
    try:
        stored = {c.purpose: c for c in session.privacy.consents(session.user, customer_id)}
    finally:
        session.close()
    assert stored["Marketing e-mails"].withdrawn_at is not None
    assert stored["Phone calls about orders"].active

    main.lock_action.trigger()  # the open detail forgets its consents
    assert tab.consents.rowCount() == 0
    assert not any("Marketing e-mails" in t for t in visible_texts())


def test_a_rep_it_is_only_shared_with_cannot_record_consent(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    customer_id = seeded.ids["Acme Trading Co"]
    probe = auth.login(vault_path, *OTHER_REP)
    other_id = probe.user.id
    probe.close()
    owner = auth.login(vault_path, *REP)
    try:
        owner.customers.set_shared(owner.user, customer_id, other_id, True)
        owner.privacy.record_consent(owner.user, customer_id, "Quotes by e-mail")
    finally:
        owner.close()

    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), OTHER_REP)
    dialog = open_privacy(qtbot, main, customer_id)
    tab = dialog.privacy
    qtbot.waitUntil(lambda: tab.consents.rowCount() == 1)  # reading is allowed
    assert tab.record_button.isVisible() and not tab.record_button.isEnabled()
    tab.consents_view.selectRow(0)
    assert not tab.withdraw_button.isEnabled()
    assert tab.note.isVisible() and "owner" in tab.note.text()
    tab.record_consent()  # a click that slipped through opens nothing
    assert tab.consent_dialog is None

    session = main.session  # and core refuses what the UI does not offer
    with pytest.raises(PermissionDenied):
        session.privacy.record_consent(session.user, customer_id, "Sneaky purpose")
    consent_id = tab.consents.consent(0).id
    with pytest.raises(PermissionDenied):
        session.privacy.withdraw_consent(session.user, customer_id, consent_id)


def test_the_access_request_writes_everything_held_about_the_customer(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded = seed(auth, vault_path)
    customer_id = seeded.ids["王芳"]
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), ADMIN)
    tab = open_privacy(qtbot, main, customer_id).privacy
    assert tab.access_button.isEnabled()
    target = tmp_path / "王芳-request.json"
    monkeypatch.setattr(tab, "choose_access_path", lambda: str(target))
    qtbot.mouseClick(tab.access_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: target.exists() and not tab.busy.active, timeout=10_000)
    assert "Saved to" in tab.message.text() and "audit entries" in tab.message.text()
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["customer"]["name"] == "王芳"
    assert document["customer"]["email"] == "wangfang@example.cn"
    assert document["customer"]["sensitive"]["national_id"] == NATIONAL_ID  # the subject's own
    assert document["customer"]["sensitive"]["personal_mobile"] == MOBILE
    # The clear values went to the file, not to the screen.
    assert not any(NATIONAL_ID in t or MOBILE in t for t in visible_texts())


def test_anonymise_needs_a_reason_and_the_typed_name_then_shows_the_pseudonym(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    customer_id = seeded.ids["王芳"]
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), ADMIN)
    dialog = open_privacy(qtbot, main, customer_id)
    tab = dialog.privacy
    qtbot.mouseClick(tab.anonymise_button, Qt.MouseButton.LeftButton)
    confirm = tab.anonymise_dialog
    assert confirm is not None and confirm.isVisible()
    assert not confirm.ok_button.isEnabled()
    confirm.confirm.setText("王芳")
    assert not confirm.ok_button.isEnabled()  # no reason yet
    qtbot.keyClicks(confirm.reason, "Erasure requested by the customer")
    confirm.confirm.setText("王")
    assert not confirm.ok_button.isEnabled()  # not the name
    confirm.confirm.setText("anonymise")
    assert not confirm.ok_button.isEnabled()  # the word is typed in capitals
    confirm.confirm.setText("王芳")
    assert confirm.ok_button.isEnabled()
    qtbot.keyClick(confirm.confirm, Qt.Key.Key_Return)  # Enter cancels, never anonymises
    assert not confirm.busy.active
    assert main.session.customers.get(main.session.user, customer_id).name == "王芳"
    assert closed(confirm)
    qtbot.mouseClick(tab.anonymise_button, Qt.MouseButton.LeftButton)  # a fresh dialog
    confirm = tab.anonymise_dialog
    assert confirm is not None and confirm.reason.text() == ""
    confirm.reason.setText("Erasure requested by the customer")
    confirm.confirm.setText("ANONYMISE")
    qtbot.mouseClick(confirm.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(confirm), timeout=10_000)

    pseudonym = f"Customer #{customer_id}"
    qtbot.waitUntil(lambda: dialog.title.text() == pseudonym, timeout=10_000)
    for key in ("phones", "email", "address", "notes", "contacts", "custom"):
        assert dialog.values[key].text() == "—", key
    assert dialog.values["city"].text() == "上海"  # kept
    assert "anonymised" in dialog.subtitle.text()
    assert not tab.anonymise_button.isEnabled() and not tab.record_button.isEnabled()
    assert dialog.windowTitle() == pseudonym
    shown = [label.text() for label in dialog.findChildren(QLabel)]
    assert not any("wangfang@example.cn" in t or "13900001111" in t for t in shown)
    stored = main.session.customers.get(main.session.user, customer_id)
    assert stored.name == pseudonym and stored.anonymised
    assert stored.email == "" and stored.phones == () and not any(stored.sensitive.values())


def test_an_auditor_gets_no_privacy_actions(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), USERS[Role.AUDITOR])
    assert "privacy" not in main.pages
    tab = open_privacy(qtbot, main, seeded.ids["王芳"]).privacy
    qtbot.waitUntil(lambda: tab.view is not None)
    for button in (tab.anonymise_button, tab.access_button, tab.record_button,
                   tab.withdraw_button):
        assert not button.isVisible()
    tab.anonymise()
    assert tab.anonymise_dialog is None
