"""The administrator's Privacy page: collected fields and custom fields saved through core (and
core's refusals shown), retention, the list of customers due for anonymisation with its access
request and anonymise actions; no page for roles without PRIVACY_MANAGE."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.errors import PermissionDenied
from core.roles import Role
from tests.conftest import ADMIN, USERS
from tests.ui.conftest import Make
from tests.ui.customers_support import REP, log_in_as, seed, visible_texts
from ui.main_window import MainWindow
from ui.pages.privacy import FIELDS, RETENTION, PrivacyPage
from ui.pages.privacy_fields import KEY, LABEL, PROTECTED


def privacy_page(qtbot: QtBot, main: MainWindow) -> PrivacyPage:
    page = main.pages["privacy"]
    assert isinstance(page, PrivacyPage)
    main.show_page("privacy")
    return page


def saved(qtbot: QtBot, page: PrivacyPage) -> str:
    qtbot.waitUntil(lambda: not page.busy.active and page.message.isVisible(), timeout=10_000)
    return page.message.text()


def test_unticking_a_field_stops_collecting_it_and_a_protected_custom_field_is_added(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), ADMIN)
    page = privacy_page(qtbot, main)
    assert page.tabs.currentIndex() == FIELDS
    email = page.fields.collected["email"]
    assert email.isChecked() and email.text() == "E-mail"
    assert page.fields.collected["national_id"].text() == "National ID"
    email.setChecked(False)
    qtbot.mouseClick(page.fields.add_button, Qt.MouseButton.LeftButton)
    row = page.fields.custom.rowCount() - 1
    page.fields.custom.item(row, KEY).setText("wechat_id")
    page.fields.custom.item(row, LABEL).setText("WeChat ID")
    page.fields.custom.item(row, PROTECTED).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(page.save_fields_button, Qt.MouseButton.LeftButton)
    assert saved(qtbot, page) == "Fields saved."

    settings = main.session.privacy.fields()
    assert "email" not in settings.collected and "phones" in settings.collected
    field = settings.custom["wechat_id"]
    assert field.label == "WeChat ID" and field.sensitive
    # The saved key can no longer be retyped (values are stored under it).
    key_item = page.fields.custom.item(0, KEY)
    assert not key_item.flags() & Qt.ItemFlag.ItemIsEditable

    # A key core refuses: its message is shown, nothing changes.
    qtbot.mouseClick(page.fields.add_button, Qt.MouseButton.LeftButton)
    row = page.fields.custom.rowCount() - 1
    page.fields.custom.item(row, KEY).setText("Bad Key!")
    page.fields.custom.item(row, LABEL).setText("Bad")
    qtbot.mouseClick(page.save_fields_button, Qt.MouseButton.LeftButton)
    assert "cannot be a custom field's key" in saved(qtbot, page)
    assert set(main.session.privacy.fields().custom) == {"wechat_id"}

    page.fields.custom.selectRow(row)
    qtbot.mouseClick(page.fields.remove_button, Qt.MouseButton.LeftButton)
    page.fields.collected["email"].setChecked(True)
    qtbot.mouseClick(page.save_fields_button, Qt.MouseButton.LeftButton)
    assert saved(qtbot, page) == "Fields saved."
    assert "email" in main.session.privacy.fields().collected


def test_a_rep_gets_no_privacy_page_and_core_refuses_them(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), USERS[Role.SALES_REP])
    assert "privacy" not in main.pages
    titles = [main.nav.item(r).text() for r in range(main.nav.count())]
    assert "Privacy" not in titles
    session = main.session
    with pytest.raises(PermissionDenied):
        session.privacy.set_fields(session.user, ())
    with pytest.raises(PermissionDenied):
        session.privacy.due_for_anonymisation(session.user)


def test_retention_and_the_due_list_with_its_access_request_and_anonymise(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded = seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), ADMIN)
    page = privacy_page(qtbot, main)
    page.tabs.setCurrentIndex(RETENTION)
    assert page.years.value() == 3
    qtbot.waitUntil(lambda: page.due_label.text().startswith("0 "))
    assert not page.anonymise_button.isEnabled() and not page.access_button.isEnabled()

    page.years.setValue(5)
    qtbot.mouseClick(page.save_years_button, Qt.MouseButton.LeftButton)
    assert "5 years" in saved(qtbot, page)
    assert main.session.privacy.retention_years() == 5

    # Six years on, every customer is due.
    later = datetime.now(UTC) + timedelta(days=6 * 366)
    monkeypatch.setattr(main.session.privacy, "_clock", lambda: later)
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.due.rowCount() == len(seeded.ids))
    row = page.due.names().index("Acme Trading Co")
    assert page.due.index(row, 1).data() == REP[0]  # the owner by name
    assert len(page.due.index(row, 2).data()) == len("2026-01-01 10:00")  # local time
    page.select("Acme Trading Co")
    assert page.anonymise_button.isEnabled() and page.access_button.isEnabled()

    target = tmp_path / "acme.json"
    asked: list[int] = []
    monkeypatch.setattr(page, "choose_access_path",
                        lambda customer_id: asked.append(customer_id) or str(target))
    qtbot.mouseClick(page.access_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: target.exists() and not page.busy.active, timeout=10_000)
    assert asked == [seeded.ids["Acme Trading Co"]]
    assert json.loads(target.read_text(encoding="utf-8"))["customer"]["name"] == \
        "Acme Trading Co"
    assert "contacts: 1" in page.message.text()

    qtbot.mouseClick(page.anonymise_button, Qt.MouseButton.LeftButton)
    dialog = page.anonymise_dialog
    assert dialog is not None and dialog.isVisible()
    assert "Erased:" in dialog.explain.text() and "Kept under the pseudonym" in \
        dialog.explain.text()
    dialog.reason.setText("retention end")
    assert not dialog.ok_button.isEnabled()
    dialog.confirm.setText("ANONYMISE")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(),
                    timeout=10_000)
    acme = seeded.ids["Acme Trading Co"]
    # Anonymising is activity now: it leaves the list, which refreshes by itself.
    qtbot.waitUntil(lambda: "Acme Trading Co" not in page.due.names(), timeout=10_000)
    assert f"Customer #{acme}" in page.message.text()
    stored = main.session.customers.get(main.session.user, acme)
    assert stored.name == f"Customer #{acme}" and stored.contacts == ()

    # Locking forgets the names listed (the page is wiped, then deleted).
    assert "Blue Harbour Logistics" in page.due.names()
    main.lock_action.trigger()
    assert main.locked and page.due.rowCount() == 0
    assert not any("Blue Harbour Logistics" in t for t in visible_texts())
