"""session.collection on a real vault: due-soon and overdue lists follow the customers each
user may see; a collection note is an interaction in the customer's history, linked to the
instalments chased, with its promise to pay; an instalment overdue past the setting is
escalated once, to the manager of the customer's owner, audited as the rule; the Today
reminders count what is due, overdue, escalated and promised."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core.audit import AuditFilter
from core.customers.interactions import InteractionKind
from core.customers.model import CustomerDraft, CustomerKind
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.roles import Role
from core.session import Session
from tests.conftest import MovableClock
from tests.core.contract_support import World, make_world
from tests.core.money_support import draft, receivables_of, signed

FIRST_DUE, SECOND_DUE = date(2030, 1, 10), date(2030, 2, 10)  # small_terms' instalments


@pytest.fixture
def w(login: Callable[[Role], Session]) -> World:
    return make_world(login)


def _ids(rows: list) -> list[date]:
    return [r.due for r in rows]


def test_due_soon_and_overdue_lists_by_date_and_visibility(w: World) -> None:
    signed(w)
    rep, fin = w.rep, w.finance
    on = FIRST_DUE - timedelta(days=3)
    assert _ids(rep.collection.due_soon(rep.user, 7, as_of=on)) == [FIRST_DUE]
    assert _ids(rep.collection.due_soon(rep.user, 60, as_of=on)) == [FIRST_DUE, SECOND_DUE]
    assert rep.collection.overdue(rep.user, as_of=on) == []
    later = SECOND_DUE + timedelta(days=1)
    assert _ids(fin.collection.overdue(fin.user, as_of=later)) == [FIRST_DUE, SECOND_DUE]
    # Paid instalments drop out of both lists.
    fin.money.record_receipt(fin.user, w.customer_id, draft("1130.00"))
    assert _ids(fin.collection.overdue(fin.user, as_of=later)) == [SECOND_DUE]
    # Another rep's customer is not in this rep's lists (finance sees everyone).
    other = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="北京另一家公司"))
    assert all(r.customer_id != other.id for r in rep.collection.overdue(rep.user, later))
    assert w.auditor.collection.overdue(w.auditor.user, as_of=later)  # reading is allowed


def test_a_collection_note_is_an_interaction_linked_to_the_instalments(w: World) -> None:
    cid = signed(w)
    rep = w.rep
    first, second = receivables_of(rep, cid)
    promise = date.today() + timedelta(days=10)
    note = rep.collection.add_note(rep.user, w.customer_id, [first.id, second.id],
                                   InteractionKind.CALL, "电话催款：财务说下周五付首付款",
                                   promised_on=promise, promised_amount=Decimal("1130.00"))
    assert note.receivable_ids == (first.id, second.id)
    assert (note.promised_on, note.promised_amount, note.kind) == (
        promise, Decimal("1130.00"), "call")
    timeline = rep.interactions.timeline(rep.user, w.customer_id)
    assert [i.summary for i in timeline] == ["电话催款：财务说下周五付首付款"]
    assert rep.collection.notes(rep.user, w.customer_id) == [note]
    states = rep.collection.chase_states(rep.user, [first, second])
    assert states[first.id].promised_on == promise
    assert states[first.id].last_note_at is not None
    logged = w.admin.audit.page(w.admin.user, AuditFilter(action="collection.noted"))[0]
    assert logged.details["receivables"] == [first.id, second.id]
    # Finance chases money too, without the interaction permission.
    w.finance.collection.add_note(w.finance.user, w.customer_id, [first.id],
                                  InteractionKind.EMAIL, "已发催款函")


def test_bad_notes_are_refused_and_nothing_is_stored(w: World) -> None:
    cid = signed(w)
    rep = w.rep
    (first, _second) = receivables_of(rep, cid)
    other = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="别的公司"), owner_id=w.rep.user.id)
    cases = [
        dict(receivable_ids=[first.id], kind="fax", summary="x"),
        dict(receivable_ids=[first.id], kind="call", summary="   "),
        dict(receivable_ids=[], kind="call", summary="催款"),
        dict(receivable_ids=[first.id], kind="call", summary="催款",
             promised_on=date(2020, 1, 1)),
        dict(receivable_ids=[first.id], kind="call", summary="催款",
             promised_amount=Decimal("-5")),
        dict(receivable_ids=[first.id], kind="call", summary="催款",
             promised_amount=Decimal("1.001")),
        dict(receivable_ids=[first.id], kind="call", summary="催款",
             at=datetime.now(UTC) + timedelta(days=5)),
    ]
    for case in cases:
        with pytest.raises(InvalidInput):
            rep.collection.add_note(rep.user, w.customer_id, **case)
    with pytest.raises(InvalidInput, match="not all this customer"):
        rep.collection.add_note(rep.user, other.id, [first.id], "call", "催款")
    assert rep.interactions.timeline(rep.user, w.customer_id) == []
    with pytest.raises(PermissionDenied):
        w.auditor.collection.add_note(w.auditor.user, w.customer_id, [first.id], "call", "x")


def test_a_rep_cannot_note_or_read_another_reps_customer(w: World, login: Callable) -> None:
    signed(w)
    outsider = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="管理员的客户"))
    with pytest.raises(NotFound):
        w.rep.collection.notes(w.rep.user, outsider.id)
    with pytest.raises(NotFound):
        w.rep.collection.add_note(w.rep.user, outsider.id, [1], "call", "催款")


def test_escalation_after_the_setting_once_to_the_owners_manager(
        w: World, clock: MovableClock) -> None:
    cid = signed(w)
    fin, manager, rep = w.finance, w.manager, w.rep
    first = receivables_of(fin, cid)[0]
    assert fin.collection.escalate_after() == 30
    at_30 = FIRST_DUE + timedelta(days=30)
    clock.set_day(at_30)
    assert fin.collection.escalate(fin.user, at_30) == 0  # 30 days overdue: not yet
    at_31 = FIRST_DUE + timedelta(days=31)
    # A day typed ahead of today escalates nothing: escalations are permanent.
    assert fin.collection.escalate(fin.user, at_31) == 0
    clock.set_day(at_31)
    assert manager.collection.escalated(manager.user, at_31) == [first]
    assert fin.collection.escalate(fin.user, at_31) == 0  # once only
    state = fin.collection.chase_states(fin.user, [first])[first.id]
    assert state.manager_id == manager.user.id and state.escalated_at is not None
    (entry,) = w.admin.audit.page(w.admin.user, AuditFilter(action="collection.escalated"))
    assert entry.details["receivables"] == [first.id]
    assert entry.details["managers"] == [manager.user.id]
    assert entry.details["rule"] == "overdue more than 30 days"
    # The rep sees their own escalated instalment; paying it takes it off the list.
    assert rep.collection.escalated(rep.user, at_31) == [first]
    fin.money.record_receipt(fin.user, w.customer_id, draft("1130.00"))
    assert manager.collection.escalated(manager.user, at_31) == []


def test_the_escalation_setting_is_an_administrators(w: World, clock: MovableClock) -> None:
    with pytest.raises(PermissionDenied):
        w.finance.collection.set_escalate_after(w.finance.user, 10)
    for bad in (0, 366, True):
        with pytest.raises(InvalidInput):
            w.admin.collection.set_escalate_after(w.admin.user, bad)
    w.admin.collection.set_escalate_after(w.admin.user, 10)
    cid = signed(w)
    first = receivables_of(w.finance, cid)[0]
    at_11 = FIRST_DUE + timedelta(days=11)
    clock.set_day(at_11)
    assert w.manager.collection.escalated(w.manager.user, at_11) == [first]


def test_reminders_count_due_overdue_escalated_and_promises(w: World,
                                                           clock: MovableClock) -> None:
    cid = signed(w)
    rep = w.rep
    _first, second = receivables_of(rep, cid)
    soon = rep.collection.reminders(rep.user, FIRST_DUE - timedelta(days=2))
    assert (soon.due_soon, soon.overdue, soon.escalated, soon.promises_due) == (1, 0, 0, 0)
    late_day = SECOND_DUE + timedelta(days=40)
    clock.set_day(late_day)
    rep.collection.add_note(rep.user, w.customer_id, [second.id], "visit", "拜访，承诺付款",
                            promised_on=late_day)
    late = rep.collection.reminders(rep.user)
    assert (late.due_soon, late.overdue, late.escalated, late.promises_due) == (0, 2, 2, 1)
