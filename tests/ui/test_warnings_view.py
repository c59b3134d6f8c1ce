"""The fraud warnings view: finance sees the signals of the period with their severity, kind
and core's message; changing the period reads again; a rep sees none of another customer's
warnings; wiping clears what was shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from core.money.model import PaymentMethod
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world
from tests.core.money_support import TODAY, draft, signed
from ui.money.labels import to_qdate
from ui.money.warnings_view import KIND, MESSAGE, SEVERITY, WarningsView


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def _view(qtbot: QtBot, session: Session) -> WarningsView:
    view = WarningsView(session)
    qtbot.addWidget(view)
    view.until.setDate(to_qdate(TODAY))
    view.since.setDate(to_qdate(TODAY - timedelta(days=30)))
    view.load()
    qtbot.waitUntil(lambda: not view.loading)
    return view


def test_finance_sees_the_warnings_of_the_period(qtbot: QtBot, w: World) -> None:
    signed(w)
    fin = w.finance
    fin.money.record_receipt(fin.user, w.customer_id, draft(
        "60000.00", "", method=PaymentMethod.CASH))
    fin.money.record_receipt(fin.user, w.customer_id, draft("30.00", "X-1", payer="张三"))
    view = _view(qtbot, fin)
    cells = view.rows.cells()
    assert [c[KIND] for c in cells] == ["Large cash receipt", "Payer unlike the customer"]
    assert [c[SEVERITY] for c in cells] == ["Medium", "Medium"]
    assert "60,000.00 CNY" in cells[0][MESSAGE]
    assert "2 warning(s)" in view.message.text()
    # A period before the receipts: nothing.
    view.until.setDate(to_qdate(TODAY - timedelta(days=1)))
    qtbot.waitUntil(lambda: not view.loading and view.rows.rowCount() == 0)
    assert "No warnings" in view.message.text()
    view.wipe()
    assert view.rows.rowCount() == 0 and view.signals == []


def test_a_rep_sees_no_warnings_about_customers_not_theirs(qtbot: QtBot, w: World) -> None:
    from core.customers.model import CustomerDraft, CustomerKind

    other = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="管理员的客户"))
    fin = w.finance
    fin.money.record_receipt(fin.user, other.id, draft(
        "60000.00", "", payer="管理员的客户", method=PaymentMethod.CASH))
    assert _view(qtbot, w.rep).rows.rowCount() == 0
    assert _view(qtbot, fin).rows.rowCount() == 1


def test_the_receivables_page_reads_warnings_when_its_tab_is_shown(qtbot: QtBot,
                                                                   w: World) -> None:
    from tests.ui.money_ui_support import receivables_page

    fin = w.finance
    fin.money.record_receipt(fin.user, w.customer_id, draft(
        "60000.00", "", method=PaymentMethod.CASH, received_on=fin.money.today()))
    page = receivables_page(qtbot, fin)
    assert page.warnings.signals == [] and not page.warnings.loading  # not read yet
    page.tabs.setCurrentWidget(page.warnings)
    qtbot.waitUntil(lambda: not page.warnings.loading and bool(page.warnings.signals))
    assert [s.code for s in page.warnings.signals] == ["cash_above_threshold"]
    page.wipe()
    assert page.warnings.rows.rowCount() == 0
