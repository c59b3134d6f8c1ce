"""The Receivables page as people use it: a rep sees only their customers' instalments and
cannot record receipts, a rival rep sees none of them; the customer filter and "overdue only"
narrow the list; the ageing view's buckets sum to the open balance and to the total shown; the
exports write CSV files (core audits them); locking wipes what was shown."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from core.audit import AuditFilter
from core.auth import Authenticator
from core.customers.model import CustomerDraft, CustomerKind
from core.roles import Permission, Role
from core.session import Session
from tests.core.contract_support import World, approve_all, make_world, small_terms
from tests.core.money_support import draft, signed
from tests.ui.money_ui_support import (
    CUSTOMER_NAME,
    choose_customer,
    number,
    payments_tab,
    receivables_page,
)
from ui.money.ageing_view import BY_REP, FIRST_BUCKET
from ui.money.labels import to_qdate
from ui.money.receivables_model import CUSTOMER

RIVAL = ("Rex Rival", "rival rep pass phrase 9")
AS_OF = date(2030, 3, 1)  # first instalment 50 days overdue, second 19


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


@pytest.fixture
def rival(w: World, auth: Authenticator, vault_path: Path) -> Iterator[Session]:
    """A second rep (in the manager's team, so the approvals can be given) with a customer and a
    signed contract of their own."""
    w.admin.accounts.add_user(w.admin.user, RIVAL[0], Role.SALES_REP, RIVAL[1],
                              must_change=False)
    session = auth.login(vault_path, *RIVAL)
    w.admin.accounts.set_manager(w.admin.user, session.user.id, w.manager.user.id)
    theirs = session.customers.create(session.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="Rival Customer"))
    contract = session.contracts.draft(session.user, theirs.id, small_terms())
    session.contracts.submit(session.user, contract.id)
    approve_all(w, contract.id)
    session.contract_pdfs.sign(session.user, contract.id, "韩梅梅", None)
    yield session
    session.close()


def _customers(page: object) -> set[str]:
    return {cells[CUSTOMER] for cells in page.model.cells()}  # type: ignore[attr-defined]


def test_a_rep_sees_only_their_customers_and_records_nothing(qtbot: QtBot, w: World,
                                                             rival: Session) -> None:
    signed(w)
    finance = receivables_page(qtbot, w.finance)
    assert _customers(finance) == {CUSTOMER_NAME, "Rival Customer"}
    rep = receivables_page(qtbot, w.rep)
    assert _customers(rep) == {CUSTOMER_NAME} and len(rep.model.cells()) == 2
    assert rep.record_button is None and rep.record_receipt() is None
    assert not w.rep.can(Permission.PAYMENT_RECORD)
    theirs = receivables_page(qtbot, rival)
    assert _customers(theirs) == {"Rival Customer"}
    # The ageing view is scoped the same way.
    theirs.ageing.as_of.setDate(to_qdate(AS_OF))
    qtbot.waitUntil(lambda: not theirs.ageing.loading)
    assert [c[0] for c in theirs.ageing.rows.cells()] == ["Rival Customer"]
    # Searching for the other rep's customer finds nothing to filter on.
    theirs.customer.search.setText("明珠贸易")
    theirs.customer.search_now()
    qtbot.waitUntil(lambda: not theirs.customer.searching)
    assert theirs.customer.customer_id() is None
    # In the customer's Payments tab the rep sees the money but cannot record or reverse.
    tab = payments_tab(qtbot, w.rep, w.customer_id)
    assert tab.balances.cells()[0][1] == "2,260.00"
    assert tab.record_button.isHidden() and tab.reverse_button.isHidden()
    assert tab.record_receipt() is None


def test_filters_by_customer_and_overdue(qtbot: QtBot, w: World, rival: Session) -> None:
    signed(w)
    page = receivables_page(qtbot, w.finance)
    assert len(page.model.cells()) == 4
    choose_customer(qtbot, page.customer, "明珠贸易", w.customer_id)
    qtbot.waitUntil(lambda: _customers(page) == {CUSTOMER_NAME} and not page.model.loading)
    assert len(page.model.cells()) == 2
    page.customer.search.clear()
    page.customer.search_now()
    qtbot.waitUntil(lambda: len(page.model.cells()) == 4 and not page.model.loading)
    # Nothing is due before 2030: overdue only shows nothing today.
    page.overdue_only.setChecked(True)
    qtbot.waitUntil(lambda: page.model.cells() == [] and not page.model.loading)
    assert "Open instalments: 0" in page.count_label.text()


def test_the_ageing_buckets_sum_to_the_total_shown(qtbot: QtBot, w: World,
                                                   rival: Session) -> None:
    signed(w)
    fin = w.finance
    fin.money.record_receipt(fin.user, w.customer_id, draft("500.00"))
    page = receivables_page(qtbot, fin)
    view = page.ageing
    view.as_of.setDate(to_qdate(AS_OF))
    qtbot.waitUntil(lambda: not view.loading and view.report is not None
                    and view.report.as_of == AS_OF)
    rows = {c[0]: c for c in view.rows.cells()}
    assert set(rows) == {CUSTOMER_NAME, "Rival Customer"}
    # 630.00 of the first instalment (50 days) and 1,130.00 of the second (19 days).
    assert rows[CUSTOMER_NAME][FIRST_BUCKET:] == ("0.00", "1,130.00", "630.00", "0.00", "0.00",
                                                  "1,760.00")
    [total] = view.totals.cells()
    assert total[0] == "Total" and total[1] == "CNY"
    for cells in [*rows.values(), total]:
        buckets = [number(c) for c in cells[FIRST_BUCKET:-1]]
        assert sum(buckets) == number(cells[-1])
    assert sum(number(c[-1]) for c in rows.values()) == number(total[-1]) == Decimal("4020.00")
    for column in range(FIRST_BUCKET, len(total)):
        assert sum(number(c[column]) for c in rows.values()) == number(total[column])
    view.group.setCurrentIndex(view.group.findData(BY_REP))
    by_rep = {c[0]: c for c in view.rows.cells()}
    assert set(by_rep) == {"王芳", RIVAL[0]}
    assert sum(number(c[-1]) for c in by_rep.values()) == number(total[-1])
    # Far in the future everything is over 90 days; the total is unchanged.
    view.as_of.setDate(to_qdate(date(2031, 6, 1)))
    qtbot.waitUntil(lambda: not view.loading and view.report is not None
                    and view.report.as_of == date(2031, 6, 1))
    [late] = view.totals.cells()
    assert late[FIRST_BUCKET:] == ("0.00", "0.00", "0.00", "0.00", "4,020.00", "4,020.00")


def test_exports_write_csv_files_and_are_audited(qtbot: QtBot, w: World, tmp_path: Path) -> None:
    signed(w)
    page = receivables_page(qtbot, w.finance)
    target = tmp_path / "receivables.csv"
    page.export_receivables(str(target))
    qtbot.waitUntil(lambda: "rows written" in page.message.text(), timeout=5000)
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["customer"], r["open_balance"]) for r in rows] == [
        (CUSTOMER_NAME, "1130.00"), (CUSTOMER_NAME, "1130.00")]
    ageing = tmp_path / "ageing.csv"
    page.ageing.as_of.setDate(to_qdate(AS_OF))
    page.ageing.export(str(ageing))
    qtbot.waitUntil(lambda: "rows written" in page.ageing.message.text(), timeout=5000)
    with ageing.open(encoding="utf-8-sig", newline="") as handle:
        levels = [r["level"] for r in csv.DictReader(handle)]
    assert levels == ["customer", "rep", "total"]
    actions = [e.action for e in w.admin.audit.page(w.admin.user, AuditFilter(action="")) if
               e.action in ("receivables.exported", "ageing.exported")]
    assert sorted(actions) == ["ageing.exported", "receivables.exported"]


def test_locking_wipes_the_page(qtbot: QtBot, w: World) -> None:
    signed(w)
    page = receivables_page(qtbot, w.finance)
    assert page.model.cells() and page.ageing.rows.cells()
    page.wipe()
    assert page.model.cells() == [] and page.ageing.rows.cells() == []
    assert page.customer.search.text() == ""
