"""The reminder on the Today page: signed or active contracts ending within 30 days and in 31 to
60 days, each with number, customer and end date; the way to the Contracts page's matching view;
hidden when nothing ends soon; a rep never sees a colleague's contract in it; locking wipes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.contracts.model import ContractTerms, Instalment
from core.contracts.workflow import ContractState
from core.customers.model import CustomerDraft, CustomerKind
from core.roles import Role
from core.session import Session
from tests.conftest import USERS
from tests.core.contract_support import World, drive, make_world, small_terms
from tests.ui.conftest import Make
from tests.ui.customers_support import REP, log_in_as, visible_texts
from ui.bus import BusBridge
from ui.contracts.expiry_reminder import ExpiryReminder
from ui.contracts.list_model import EXPIRING_30, EXPIRING_60
from ui.contracts.page import ContractsPage
from ui.customers.today import TodayPage

COLLEAGUE = ("Li Lei", "another rep pass phrase 7")


@pytest.fixture
def world(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def ending_in(days: int) -> ContractTerms:
    """Terms that started today and end `days` from now, paid within the term."""
    today = date.today()
    return small_terms(contract_date=today, start_date=today,
                       end_date=today + timedelta(days=days),
                       instalments=(Instalment(today + timedelta(days=1), Decimal("1130.00")),
                                    Instalment(today + timedelta(days=2), Decimal("1130.00"))))


def numbers(session: Session, *ids: int) -> list[str]:
    return [session.contracts.get(session.user, i).number for i in ids]


def colleague_world(w: World, auth: Authenticator, vault_path: Path) -> World:
    """The same colleagues around a second rep (in the manager's team) and their customer."""
    admin = w.admin
    other = admin.accounts.add_user(admin.user, COLLEAGUE[0], Role.SALES_REP, COLLEAGUE[1],
                                    must_change=False)
    manager_id = next(u.id for u in admin.accounts.list_users(admin.user)
                      if u.name == USERS[Role.SALES_MANAGER][0])
    admin.accounts.set_manager(admin.user, other.id, manager_id)
    rep = auth.login(vault_path, *COLLEAGUE)
    customer = rep.customers.create(rep.user, CustomerDraft(kind=CustomerKind.COMPANY,
                                                            name="Rival Secret Holdings"))
    return World(admin=w.admin, rep=rep, manager=w.manager, finance=w.finance,
                 auditor=w.auditor, customer_id=customer.id)


def reminder_page(qtbot: QtBot, session: Session) -> TodayPage:
    bridge = BusBridge(session.bus)
    page = TodayPage(session, bridge)
    bridge.setParent(page)
    qtbot.addWidget(page)
    page.show()  # showing reads
    qtbot.waitUntil(lambda: page.reminder.reads >= 1)
    return page


def shown(reminder: ExpiryReminder) -> tuple[list[str], list[str]]:
    return [c.number for c in reminder.soon], [c.number for c in reminder.later]


def test_contracts_ending_soon_are_listed_and_lead_to_the_contracts_page(
        qtbot: QtBot, world: World, auth: Authenticator, vault_path: Path,
        make_controller: Make) -> None:
    soon = drive(world, ContractState.ACTIVE, ending_in(20))
    later = drive(world, ContractState.SIGNED, ending_in(50))
    drive(world, ContractState.ACTIVE, ending_in(90))  # too far off
    drive(world, ContractState.APPROVED, ending_in(10))  # not signed: nothing to remind
    other = colleague_world(world, auth, vault_path)
    hidden = drive(other, ContractState.ACTIVE, ending_in(5))
    [soon_no, later_no, hidden_no] = numbers(world.admin, soon, later, hidden)
    other.rep.close()

    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    main.show_page("today")
    today = main.pages["today"]
    assert isinstance(today, TodayPage)
    reminder = today.reminder
    qtbot.waitUntil(lambda: reminder.reads >= 1 and reminder.isVisible())
    assert shown(reminder) == ([soon_no], [later_no])
    ends = (date.today() + timedelta(days=20)).isoformat()
    assert reminder.soon_section.lines.text() == (
        f"{soon_no} · 上海明珠贸易有限公司 · ends {ends} (in 20 days)")
    assert reminder.soon_section.heading.text() == "Ending within 30 days (1)"
    assert reminder.later_section.heading.text() == "Ending in 31 to 60 days (1)"
    assert later_no in reminder.later_section.lines.text()
    texts = "\n".join(visible_texts())
    assert hidden_no not in texts and "Rival Secret Holdings" not in texts

    qtbot.mouseClick(reminder.later_section.button, Qt.MouseButton.LeftButton)
    assert main.current_page_key() == "contracts"
    contracts = main.pages["contracts"]
    assert isinstance(contracts, ContractsPage)
    assert contracts.show_combo.currentData() == EXPIRING_60
    qtbot.waitUntil(lambda: not contracts.model.loading and contracts.model.rowCount() == 2)

    main.show_page("today")
    qtbot.mouseClick(reminder.soon_section.button, Qt.MouseButton.LeftButton)
    assert main.current_page_key() == "contracts"
    assert contracts.show_combo.currentData() == EXPIRING_30
    qtbot.waitUntil(lambda: not contracts.model.loading and contracts.model.rowCount() == 1)

    main.lock("manual")  # nothing of the reminder stays on screen
    texts = "\n".join(visible_texts())
    assert soon_no not in texts and later_no not in texts


def test_the_reminder_is_hidden_until_a_contract_ends_soon(
        qtbot: QtBot, world: World) -> None:
    drive(world, ContractState.ACTIVE, ending_in(90))
    approved = drive(world, ContractState.APPROVED, ending_in(20))
    page = reminder_page(qtbot, world.rep)
    reminder = page.reminder
    assert reminder.isHidden() and shown(reminder) == ([], [])

    # Signing it (on the rep's own session) publishes a change: the reminder re-reads itself.
    rep = world.rep
    rep.contract_pdfs.sign(rep.user, approved, "李雷", None)
    qtbot.waitUntil(lambda: reminder.isVisible())
    assert shown(reminder) == (numbers(rep, approved), [])
    assert reminder.later_section.isHidden()

    page.wipe()
    assert reminder.isHidden() and shown(reminder) == ([], [])
    assert reminder.soon_section.lines.text() == ""
