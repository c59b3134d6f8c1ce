"""Row-level access to money, tried through every method: a rep sees the receivables, receipts,
balances and ageing of the customers they may see and nothing of a rival rep's; the manager sees
the team's; nobody but finance (and administrators) records or allocates receipts; refusals are
audited and change nothing."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.audit import AuditFilter
from core.auth import Authenticator
from core.errors import NotFound, PermissionDenied
from core.money.model import ReceivableFilter
from core.roles import Role
from core.session import Session
from tests.core.contract_support import World, make_world
from tests.core.money_support import draft, receivables_of, signed

RIVAL = ("Rex Rival", "rival rep pass phrase 9")
AS_OF = date(2030, 3, 1)


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


@pytest.fixture
def rival(w: World, auth: Authenticator, vault_path: Path) -> Any:
    """A second rep, outside the manager's team, with a customer and a signed contract of
    their own... seen from the rival's session."""
    w.admin.accounts.add_user(w.admin.user, RIVAL[0], Role.SALES_REP, RIVAL[1],
                              must_change=False)
    session = auth.login(vault_path, *RIVAL)
    yield session
    session.close()


def _denials(w: World, action: str) -> int:
    return len(w.admin.audit.page(w.admin.user, AuditFilter(action=action)))


def test_a_rival_rep_sees_nothing_through_any_method(w: World, rival: Session,
                                                     tmp_path: Path) -> None:
    cid = signed(w)
    fin = w.finance
    receipt = fin.money.record_receipt(fin.user, w.customer_id, draft("100.00"))
    target = receivables_of(fin, cid)[0]
    m, u = rival.money, rival.user
    assert m.receivables(u) == []
    assert m.receivables(u, ReceivableFilter(open_only=False, overdue_on=AS_OF)) == []
    assert m.receivables(u, ReceivableFilter(contract_id=cid, open_only=False)) == []
    report = m.ageing(u, AS_OF)
    assert report.by_customer == report.by_rep == report.total == ()
    before = _denials(w, "customer.denied")
    for call in (lambda: m.receivables(u, ReceivableFilter(customer_id=w.customer_id)),
                 lambda: m.receivable(u, target.id),
                 lambda: m.receipt(u, receipt.id),
                 lambda: m.receipts(u, w.customer_id),
                 lambda: m.customer_balance(u, w.customer_id),
                 lambda: m.credits(u, w.customer_id)):
        with pytest.raises(NotFound) as info:
            call()
        # The same words as for an id that does not exist.
        assert "No such" in str(info.value)
    assert _denials(w, "customer.denied") == before + 6
    assert m.export_receivables(u, tmp_path / "r.csv", AS_OF) == 0
    assert m.export_ageing(u, tmp_path / "a.csv", AS_OF) == 0
    for name in ("r.csv", "a.csv"):
        with (tmp_path / name).open(encoding="utf-8-sig", newline="") as handle:
            assert len(list(csv.reader(handle))) == 1  # the header only


def test_the_owner_and_the_manager_see_the_customers_receivables(w: World,
                                                                  rival: Session) -> None:
    cid = signed(w)
    expected = [r.id for r in receivables_of(w.finance, cid)]
    for session in (w.rep, w.manager, w.auditor, w.admin, w.finance):
        assert [r.id for r in receivables_of(session, cid)] == expected, session.user.name
        assert session.money.ageing(session.user, AS_OF).total[0].open == Decimal("2260.00")
        assert session.money.customer_balance(session.user, w.customer_id)[0].open == Decimal(
            "2260.00")
    # Sharing the customer with the rival opens it to them too (the customer's own rule).
    w.rep.customers.set_shared(w.rep.user, w.customer_id, rival.user.id, True)
    assert [r.id for r in receivables_of(rival, cid)] == expected
    # Moving the customer away from the rep closes it to the rep at once.
    w.rep.customers.set_shared(w.rep.user, w.customer_id, rival.user.id, False)
    w.admin.customers.transfer_all(w.admin.user, w.rep.user.id, rival.user.id)
    assert receivables_of(w.rep, cid) == []
    assert [r.owner_id for r in receivables_of(rival, cid)] == [rival.user.id] * 2
    by_rep = w.finance.money.ageing(w.finance.user, AS_OF).by_rep
    assert [(row.key, row.name) for row in by_rep] == [(rival.user.id, RIVAL[0])]


def test_ageing_is_split_by_rep_and_scoped_per_viewer(w: World, rival: Session) -> None:
    from core.customers.model import CustomerDraft, CustomerKind
    from tests.core.contract_support import small_terms

    signed(w)
    # In the manager's team too, so the manager can take the approval step.
    w.admin.accounts.set_manager(w.admin.user, rival.user.id, w.manager.user.id)
    theirs = rival.customers.create(rival.user, CustomerDraft(kind=CustomerKind.COMPANY,
                                                              name="Rival Customer"))
    # The rival's contract, approved by the same colleagues and signed by the rival.
    contract = rival.contracts.draft(rival.user, theirs.id, small_terms())
    rival.contracts.submit(rival.user, contract.id)
    from tests.core.contract_support import approve_all

    approve_all(w, contract.id)
    rival.contract_pdfs.sign(rival.user, contract.id, "韩梅梅", None)
    everyone = w.finance.money.ageing(w.finance.user, AS_OF)
    assert {r.name for r in everyone.by_customer} == {"上海明珠贸易有限公司", "Rival Customer"}
    assert {r.key for r in everyone.by_rep} == {w.rep.user.id, rival.user.id}
    assert everyone.total[0].open == Decimal("4520.00")
    assert sum(r.open for r in everyone.by_rep) == sum(r.open for r in everyone.by_customer)
    mine = w.rep.money.ageing(w.rep.user, AS_OF)
    assert [r.name for r in mine.by_customer] == ["上海明珠贸易有限公司"]
    assert mine.total[0].open == Decimal("2260.00")
    theirs_view = rival.money.ageing(rival.user, AS_OF)
    assert [r.name for r in theirs_view.by_customer] == ["Rival Customer"]
    team = w.manager.money.ageing(w.manager.user, AS_OF)
    assert team.total == everyone.total
    # Out of the team again: the manager's view shrinks with it.
    w.admin.accounts.set_manager(w.admin.user, rival.user.id, None)
    team = w.manager.money.ageing(w.manager.user, AS_OF)
    assert [r.name for r in team.by_customer] == ["上海明珠贸易有限公司"]


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_MANAGER, Role.AUDITOR])
def test_only_finance_records_and_allocates(w: World, role: Role) -> None:
    cid = signed(w)
    fin = w.finance
    credit = fin.money.record_receipt(fin.user, w.customer_id, draft("50.00"), allocation={})
    target = receivables_of(fin, cid)[0].id
    session = {Role.SALES_REP: w.rep, Role.SALES_MANAGER: w.manager,
               Role.AUDITOR: w.auditor}[role]
    m, u = session.money, session.user
    before = _denials(w, "permission.denied")
    for call in (lambda: m.record_receipt(u, w.customer_id, draft("10.00", reference="R-9")),
                 lambda: m.allocate(u, credit.id),
                 lambda: m.allocate(u, credit.id, {target: Decimal("1.00")}),
                 lambda: m.set_invoice_number(u, target, "123"),
                 lambda: m.reverse_receipt(u, credit.id, "not mine to undo")):
        with pytest.raises(PermissionDenied, match="record and allocate receipts"):
            call()
    denied = w.admin.audit.page(w.admin.user, AuditFilter(action="permission.denied"))
    assert len(denied) == before + 5
    assert all(e.details == {"permission": "money.record"} and e.actor_id == u.id
               for e in denied[:5])
    # Nothing changed.
    assert [r.id for r in fin.money.receipts(fin.user, w.customer_id)] == [credit.id]
    assert fin.money.receipt(fin.user, credit.id).allocations == ()
    assert not fin.money.receipt(fin.user, credit.id).reversed
    assert all(r.open == r.amount and r.invoice_number == "" for r in receivables_of(fin, cid))


def test_finance_records_for_any_customer_but_not_for_one_that_does_not_exist(
        w: World) -> None:
    from core.customers.model import CustomerDraft, CustomerKind

    other = w.admin.customers.create(w.admin.user, CustomerDraft(kind=CustomerKind.COMPANY,
                                                                 name="Admin's own"))
    receipt = w.finance.money.record_receipt(w.finance.user, other.id, draft("5.00"))
    assert receipt.customer_id == other.id
    with pytest.raises(NotFound):
        w.finance.money.record_receipt(w.finance.user, 987654, draft("5.00", reference="Z"))
