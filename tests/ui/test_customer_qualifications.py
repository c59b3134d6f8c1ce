"""A customer's Qualifications tab: the owner records a business licence and the contract risk
assessment stops counting it missing; expiry is said in words; the required-documents line
follows the customer's kind; a colleague the customer is only shared with, and the auditor,
cannot add (button and core both refuse); locking wipes what the tab showed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from core.audit import AuditFilter
from core.auth import Authenticator
from core.contracts.model import QualificationKind
from core.contracts.risk import ReasonCode
from core.customers.model import CustomerDraft, CustomerKind
from core.errors import PermissionDenied
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world, small_terms
from ui.bus import BusBridge
from ui.customers.detail import QUALIFICATIONS, CustomerDialog
from ui.customers.qualifications_tab import QualificationsTab

LICENCE_NO = "91310000MA1FL1234Q"
QUALIFICATION_CODES = {ReasonCode.MISSING_QUALIFICATION, ReasonCode.EXPIRED_QUALIFICATION}
SHARED_REP = ("Li Lei", "another rep pass phrase 7")


@pytest.fixture
def world(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def open_tab(qtbot: QtBot, session: Session, customer_id: int) -> CustomerDialog:
    bridge = BusBridge(session.bus)
    dialog = CustomerDialog(session, bridge, customer_id)
    bridge.setParent(dialog)  # the dialog deletes itself on close (tests/ui/conftest.py closes it)
    dialog.show()
    dialog.tabs.setCurrentIndex(QUALIFICATIONS)
    qtbot.waitUntil(lambda: dialog.view is not None and dialog.qualifications.loaded)
    return dialog


def rows(tab: QualificationsTab) -> list[list[str]]:
    model = tab.documents
    return [[str(model.index(r, c).data()) for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def qualification_codes(session: Session, contract_id: int) -> set[str]:
    codes = session.contracts.risk_preview(session.user, contract_id).codes()
    return set(codes) & QUALIFICATION_CODES


def closed(widget: object) -> bool:
    return not shiboken6.isValid(widget) or not widget.isVisible()  # type: ignore[attr-defined]


def test_the_owner_adds_a_business_licence_and_the_risk_no_longer_counts_it_missing(
        qtbot: QtBot, world: World) -> None:
    rep, today = world.rep, date.today()
    contract = rep.contracts.draft(rep.user, world.customer_id, small_terms(contract_date=today))
    assert qualification_codes(rep, contract.id) == {ReasonCode.MISSING_QUALIFICATION}

    dialog = open_tab(qtbot, rep, world.customer_id)
    tab = dialog.qualifications
    assert dialog.tabs.tabText(QUALIFICATIONS) == "&Qualifications"
    assert rows(tab) == []
    assert "Missing: Business licence" in tab.required.text()
    assert tab.add_button.isEnabled() and tab.note.isHidden()

    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    add = tab.add_dialog
    assert add is not None and add.isVisible()
    assert [add.kind.itemText(i) for i in range(add.kind.count())] == [
        "Business licence", "Tax registration", "Bank account permit", "Industry permit",
        "Identity document", "Other document"]
    assert not add.expires.isEnabled()  # the expiry is optional
    add.kind.setCurrentIndex(add.kind.findData(QualificationKind.BUSINESS_LICENCE))
    qtbot.keyClicks(add.number, LICENCE_NO)
    add.has_expiry.setChecked(True)
    assert add.expires.isEnabled()
    expiry = today + timedelta(days=400)
    add.expires.setDate(QDate(expiry.year, expiry.month, expiry.day))
    qtbot.mouseClick(add.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(add))
    qtbot.waitUntil(lambda: tab.documents.rowCount() == 1)
    assert rows(tab) == [["Business licence", LICENCE_NO, expiry.isoformat(), "Valid"]]
    assert tab.required.text() == "Every required document is on file."
    assert tab.message.text() == "The document was added."

    stored = rep.contracts.qualifications(rep.user, world.customer_id)
    assert [(q.kind, q.number, q.expires_on) for q in stored] == [
        (QualificationKind.BUSINESS_LICENCE, LICENCE_NO, expiry)]
    assert qualification_codes(rep, contract.id) == set()
    # The trail says a document was added, never its number.
    admin = world.admin
    entries = admin.audit.page(admin.user, AuditFilter(action="customer.qualification_added"))
    assert len(entries) == 1 and entries[0].actor_name == rep.user.name
    assert LICENCE_NO not in str(entries[0].details)

    dialog.wipe()  # what locking does
    assert tab.documents.rowCount() == 0 and tab.required.text() == ""
    assert tab.view is None and not tab.held


def test_expiry_is_said_in_words_and_an_expired_licence_counts_as_expired(
        qtbot: QtBot, world: World) -> None:
    rep, today = world.rep, date.today()
    rep.contracts.add_qualification(rep.user, world.customer_id,
                                    QualificationKind.BUSINESS_LICENCE, "OLD-1",
                                    today - timedelta(days=1))
    rep.contracts.add_qualification(rep.user, world.customer_id,
                                    QualificationKind.TAX_REGISTRATION, "")
    contract = rep.contracts.draft(rep.user, world.customer_id, small_terms(contract_date=today))
    assert qualification_codes(rep, contract.id) == {ReasonCode.EXPIRED_QUALIFICATION}

    dialog = open_tab(qtbot, rep, world.customer_id)
    tab = dialog.qualifications
    assert rows(tab) == [
        ["Business licence", "OLD-1", (today - timedelta(days=1)).isoformat(), "Expired"],
        ["Tax registration", "—", "—", "—"]]
    assert "Expired: Business licence" in tab.required.text()
    assert "Missing" not in tab.required.text()

    # A renewed licence expiring soon: the customer is covered, the row says it ends soon.
    soon = today + timedelta(days=10)
    rep.contracts.add_qualification(rep.user, world.customer_id,
                                    QualificationKind.BUSINESS_LICENCE, "NEW-2", soon)
    qtbot.waitUntil(lambda: tab.documents.rowCount() == 3)  # the bus reloads the tab
    assert rows(tab)[:2] == [
        ["Business licence", "NEW-2", soon.isoformat(), "Expires within 30 days"],
        ["Business licence", "OLD-1", (today - timedelta(days=1)).isoformat(), "Expired"]]
    assert tab.required.text() == "Every required document is on file."
    assert qualification_codes(rep, contract.id) == set()


def test_an_individual_needs_no_document(qtbot: QtBot, world: World) -> None:
    rep = world.rep
    person = rep.customers.create(rep.user, CustomerDraft(kind=CustomerKind.INDIVIDUAL,
                                                          name="陈静", city="上海"))
    tab = open_tab(qtbot, rep, person.id).qualifications
    assert tab.required.text() == "No document is required for a customer of kind Individual."
    assert tab.add_button.isEnabled()


def test_a_colleague_the_customer_is_shared_with_cannot_add(
        qtbot: QtBot, world: World, auth: Authenticator, vault_path: Path) -> None:
    admin, rep = world.admin, world.rep
    colleague = admin.accounts.add_user(admin.user, SHARED_REP[0], Role.SALES_REP,
                                        SHARED_REP[1], must_change=False)
    rep.customers.set_shared(rep.user, world.customer_id, colleague.id, True)
    rep.contracts.add_qualification(rep.user, world.customer_id,
                                    QualificationKind.BUSINESS_LICENCE, LICENCE_NO)
    shared = auth.login(vault_path, *SHARED_REP)
    try:
        tab = open_tab(qtbot, shared, world.customer_id).qualifications
        assert [r[0] for r in rows(tab)] == ["Business licence"]  # sharing lets them read
        assert not tab.add_button.isHidden() and not tab.add_button.isEnabled()
        assert "Only the owner" in tab.note.text() and not tab.note.isHidden()
        assert tab.add_document() is None and tab.add_dialog is None
        with pytest.raises(PermissionDenied):
            shared.contracts.add_qualification(shared.user, world.customer_id,
                                               QualificationKind.OTHER, "forged")
    finally:
        shared.close()
    assert len(rep.contracts.qualifications(rep.user, world.customer_id)) == 1


def test_the_auditor_reads_documents_but_cannot_add(qtbot: QtBot, world: World) -> None:
    rep, auditor = world.rep, world.auditor
    rep.contracts.add_qualification(rep.user, world.customer_id,
                                    QualificationKind.BUSINESS_LICENCE, LICENCE_NO)
    tab = open_tab(qtbot, auditor, world.customer_id).qualifications
    assert [r[:2] for r in rows(tab)] == [["Business licence", LICENCE_NO]]
    assert tab.add_button.isHidden() and tab.note.isHidden()
    assert tab.add_document() is None
    with pytest.raises(PermissionDenied):
        auditor.contracts.add_qualification(auditor.user, world.customer_id,
                                            QualificationKind.OTHER, "x")
    assert len(rep.contracts.qualifications(rep.user, world.customer_id)) == 1


def test_a_refusal_by_core_is_shown_in_the_dialog(qtbot: QtBot, world: World) -> None:
    admin, rep = world.admin, world.rep
    tab = open_tab(qtbot, rep, world.customer_id).qualifications
    add = tab.add_document()
    assert add is not None
    qtbot.keyClicks(add.number, LICENCE_NO)
    # Meanwhile the customer moves to the manager: the rep may no longer add.
    ids = {u.name: u.id for u in admin.accounts.list_users(admin.user)}
    admin.customers.transfer_all(admin.user, rep.user.id, ids[world.manager.user.name])
    qtbot.mouseClick(add.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not add.message.isHidden())
    assert add.isVisible() and add.saved is None and add.message.property("kind") == "error"
    assert add.ok_button.isEnabled()  # may be tried again or cancelled
    assert admin.contracts.qualifications(admin.user, world.customer_id) == []
