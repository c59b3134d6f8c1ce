"""Credit as people use it: a manager proposes a limit in the customer's Credit tab (the amount
is an exact number, a reason is required) and is not offered to approve it on the Credit
page; finance approves it with their password (a wrong one is refused and nothing changes);
the tab then shows it in force with who proposed and who approved it. The over-limit and
reviews-due lists show a customer whose exposure is above the limit. A sales rep sees the tab
read-only and has no Credit page; the credit profile is edited by a credit manager."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.contracts.workflow import ContractState
from core.roles import Role
from core.session import Session
from tests.conftest import USERS
from tests.core.contract_support import World, drive, make_world
from tests.ui.money_ui_support import CUSTOMER_NAME
from ui.bus import BusBridge
from ui.customers.detail import CustomerDialog
from ui.money.credit_page import CreditPage
from ui.money.credit_tab import DECIDED_BY, LIMIT, SET_BY, STATE, CreditTab
from ui.money.labels import to_qdate
from ui.pages import allowed_pages


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def credit_tab(qtbot: QtBot, session: Session, customer_id: int) -> CreditTab:
    bridge = BusBridge(session.bus)
    dialog = CustomerDialog(session, bridge, customer_id)
    bridge.setParent(dialog)
    qtbot.addWidget(dialog)
    dialog.show()
    tab = dialog.credit
    assert tab is not None
    dialog.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.credit is not None and not tab.loading)
    return tab


def credit_page(qtbot: QtBot, session: Session) -> CreditPage:
    bridge = BusBridge(session.bus)
    page = CreditPage(session, bridge)
    bridge.setParent(page)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    qtbot.waitUntil(lambda: page.lists is not None and not page.loading)
    return page


def reload(qtbot: QtBot, widget: CreditTab | CreditPage) -> None:
    """Another session's change does not reach this session's bus: read again."""
    widget.load()
    qtbot.waitUntil(lambda: not widget.loading)


def test_manager_proposes_only_someone_else_approves_with_the_password(
        qtbot: QtBot, w: World) -> None:
    manager, finance = w.manager, w.finance
    tab = credit_tab(qtbot, manager, w.customer_id)
    card = tab.credit.card if tab.credit else None
    assert card is not None and tab.shown()["limit"] == "No limit approved"
    assert tab.propose_button.isVisible() and tab.profile_button.isVisible()
    dialog = tab.propose_limit()
    assert dialog is not None
    # Prefilled with the recommendation; a reason is still required.
    assert dialog.amount.text() == f"{card.recommended_limit:,.2f}"
    assert not dialog.ok_button.isEnabled()
    for typed, expected in (("abc", "plain number"), ("-5", "plain number"),
                            ("1.001", "more decimals"), ("1e6", "plain number")):
        dialog.amount.setText(typed)
        assert not dialog.ok_button.isEnabled()
        assert expected in dialog.message.text()
    dialog.amount.setText("５０,０００.００")  # full-width digits are folded
    assert not dialog.ok_button.isEnabled() and "why" in dialog.message.text()
    dialog.reason.setPlainText("   ")
    assert not dialog.ok_button.isEnabled()
    dialog.reason.setPlainText("年度授信")
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=5000)
    assert dialog.saved is not None
    limit_id = dialog.saved.id
    assert (dialog.saved.limit, dialog.saved.state) == (Decimal("50000.00"), "pending")
    # Proposed, not in force.
    qtbot.waitUntil(lambda: tab.limits.rowCount() == 1)
    row = tab.limits.cells()[0]
    assert (row[LIMIT], row[STATE], row[SET_BY]) == ("50,000.00", "Awaiting approval",
                                                     USERS[Role.SALES_MANAGER][0])
    assert tab.shown()["limit"] == "No limit approved"

    # The proposer is not offered to decide it.
    own = credit_page(qtbot, manager)
    assert own.select_limit(limit_id)
    assert not own.approve_button.isEnabled() and not own.reject_button.isEnabled()
    assert own.hint.isVisible() and "another person" in own.hint.text()
    assert own.decide_selected() is None and own.decide_selected(reject=True) is None

    # Finance: a wrong password is refused and nothing changes.
    page = credit_page(qtbot, finance)
    assert page.pending.cells()[0][:3] == (CUSTOMER_NAME, "CNY", "50,000.00")
    assert page.tabs.tabText(0) == "Limits to approve (1)"
    assert page.select_limit(limit_id) and page.approve_button.isEnabled()
    approve = page.decide_selected()
    assert approve is not None and not approve.ok_button.isEnabled()
    approve.password.setText("not the password")
    qtbot.mouseClick(approve.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrong password" in approve.message.text(), timeout=5000)
    assert approve.saved is None and approve.isVisible() and approve.password.text() == ""
    assert [x.id for x in finance.credit.pending_limits(finance.user)] == [limit_id]
    assert finance.credit.scorecard(finance.user, w.customer_id).approved_limit is None
    # The right one puts it in force; the page's list follows through the bus.
    approve.password.setText(USERS[Role.FINANCE][1])
    approve.comment.setPlainText("同意")
    qtbot.mouseClick(approve.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: approve.saved is not None, timeout=5000)
    assert "is in force" in page.message.text()
    qtbot.waitUntil(lambda: page.pending.rowCount() == 0, timeout=5000)
    assert page.tabs.tabText(0) == "Limits to approve (0)"

    reload(qtbot, tab)
    shown = tab.shown()
    assert shown["limit"] == "50,000.00 CNY"
    assert shown["available"] == "50,000.00 CNY" and shown["exposure"] == "0.00 CNY"
    assert "in 365 days" in shown["review"]
    row = tab.limits.cells()[0]
    assert (row[STATE], row[SET_BY], row[DECIDED_BY]) == (
        "In force", USERS[Role.SALES_MANAGER][0], USERS[Role.FINANCE][0])
    reload(qtbot, own)
    assert own.pending.rowCount() == 0


def test_rejecting_needs_a_comment_and_the_history_shows_it(qtbot: QtBot, w: World) -> None:
    manager, finance = w.manager, w.finance
    first = finance.credit.set_limit(finance.user, w.customer_id, Decimal("1000"), "试用")
    page = credit_page(qtbot, manager)  # finance proposed: the manager may decide
    assert page.select_limit(first.id) and page.reject_button.isEnabled()
    reject = page.decide_selected(reject=True)
    assert reject is not None
    reject.password.setText(USERS[Role.SALES_MANAGER][1])
    assert not reject.ok_button.isEnabled()  # no comment yet
    reject.comment.setPlainText("额度太高")
    qtbot.mouseClick(reject.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reject.saved is not None, timeout=5000)
    assert reject.saved is not None and reject.saved.state == "rejected"
    tab = credit_tab(qtbot, w.rep, w.customer_id)
    row = tab.limits.cells()[0]
    assert row[STATE] == "Rejected" and row[-1] == "额度太高"
    assert tab.shown()["limit"] == "No limit approved"


def test_over_limit_and_reviews_due_lists(qtbot: QtBot, w: World) -> None:
    drive(w, ContractState.APPROVED)  # approved, not signed: 2,260.00 of exposure
    fin, manager = w.finance, w.manager
    proposed = manager.credit.set_limit(manager.user, w.customer_id, Decimal("2000"), "试用额度",
                                        review_on=fin.credit.today() + timedelta(days=20))
    fin.credit.approve_limit(fin.user, proposed.id, USERS[Role.FINANCE][1])
    page = credit_page(qtbot, fin)
    [over] = page.over.cells()
    assert over[:5] == (CUSTOMER_NAME, "CNY", "2,000.00", "2,260.00", "260.00")
    assert page.tabs.tabText(1) == "Over limit (1)"
    [review] = page.reviews.cells()
    assert review[0] == CUSTOMER_NAME and "in 20 days" in review[5]
    assert review[4] == "-260.00"
    # A double click opens the customer, whose tab says it is over.
    page.over_view.doubleClicked.emit(page.over.index(0, 0))
    dialog = page.windows.dialogs[w.customer_id]
    tab = dialog.credit
    assert tab is not None
    qtbot.waitUntil(lambda: tab.credit is not None and not tab.loading)
    assert tab.shown()["available"] == "-260.00 CNY (over the limit)"
    page.wipe()
    assert page.over.rowCount() == 0 and not page.windows.dialogs


def test_a_rep_sees_the_tab_read_only_and_no_credit_page(qtbot: QtBot, w: World) -> None:
    rep = w.rep
    tab = credit_tab(qtbot, rep, w.customer_id)
    assert tab.shown()["rating"].startswith("D")  # nothing known about the customer yet
    assert not tab.propose_button.isVisible() and not tab.profile_button.isVisible()
    assert tab.propose_limit() is None and tab.edit_profile() is None
    assert tab.reasons.rowCount() >= 4
    assert "credit" not in [p.key for p in allowed_pages(rep)]
    assert "credit" not in [p.key for p in allowed_pages(w.auditor)]
    assert "credit" in [p.key for p in allowed_pages(w.manager)]
    assert "credit" in [p.key for p in allowed_pages(w.finance)]


def test_a_credit_manager_edits_the_profile_and_the_rating_follows(
        qtbot: QtBot, w: World) -> None:
    tab = credit_tab(qtbot, w.finance, w.customer_id)
    before = tab.credit.card.score if tab.credit else 0
    assert tab.shown()["capital"] == "Not known"
    dialog = tab.edit_profile()
    assert dialog is not None and not dialog.founded_known.isChecked()
    dialog.capital.setText("lots")
    assert not dialog.ok_button.isEnabled() and "plain number" in dialog.message.text()
    dialog.capital.setText("5,000,000")
    dialog.founded_known.setChecked(True)
    dialog.established.setDate(to_qdate(w.finance.credit.today() - timedelta(days=4000)))
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=5000)
    qtbot.waitUntil(lambda: tab.shown()["capital"] == "5,000,000.00 CNY", timeout=5000)
    assert tab.credit is not None and tab.credit.card.score == before + 15 + 12
    assert tab.shown()["established"] != "Not known"
