"""Interactions, their timeline and follow-up tasks: atomic logging, keyset paging, the "today"
view across a local day boundary, row-level access through every call, and an audit trail that
records what happened without copying what people wrote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import storage.interactions_repo
from core.audit import AuditEntry, AuditFilter
from core.auth import Authenticator
from core.customers.interactions import (
    MAX_SUMMARY,
    MAX_TITLE,
    FollowUp,
    InteractionInvalid,
    InteractionKind,
    Task,
)
from core.customers.model import CustomerDraft, CustomerKind
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.roles import Role
from core.session import Session
from core.users import User
from tests.conftest import USERS

SHANGHAI = ZoneInfo("Asia/Shanghai")
OTHER_REP = ("Li Lei", "another rep pass phrase 8")
# Free text that must never reach the append-only trail.
SUMMARY = "Met 张伟 at home, ID 110101199003071234, wife is ill"
OUTCOME = "Wants a quote, mobile 13812345678"
NEXT_STEP = "Send the private price list to zhang@example.com"
TITLE = "Call 张伟 back about his mortgage"


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _customer(session: Session, name: str = "远航贸易有限公司") -> int:
    return session.customers.create(session.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name=name, city="上海")).id


def _trail(admin: Session, action: str = "") -> list[AuditEntry]:
    return admin.audit.page(admin.user, AuditFilter(action=action), limit=500)


@pytest.fixture
def admin(login: Any) -> Session:
    return login(Role.ADMINISTRATOR)


@pytest.fixture
def rep(login: Any) -> Session:
    return login(Role.SALES_REP)


@pytest.fixture
def other_rep(admin: Session, auth: Authenticator, vault_path: Path) -> Iterator[Session]:
    admin.accounts.add_user(admin.user, OTHER_REP[0], Role.SALES_REP, OTHER_REP[1],
                            must_change=False)
    session = auth.login(vault_path, *OTHER_REP)
    yield session
    if not session.locked:
        session.close()


# -- logging and the timeline ------------------------------------------------------------------
def test_log_then_timeline_newest_first_with_keyset_paging(rep: Session) -> None:
    cid = _customer(rep)
    base = _now() - timedelta(days=3)
    # Two pairs share a time: the id breaks the tie, so no row is skipped or repeated.
    offsets = [0, 5, 5, 60, 120, 120, 300]
    logged = [rep.interactions.log(rep.user, cid, InteractionKind.CALL,
                                   base + timedelta(minutes=m), f"call {i}")[0]
              for i, m in enumerate(offsets)]
    expected = sorted(logged, key=lambda x: (x.at, x.id), reverse=True)
    first = rep.interactions.timeline(rep.user, cid, limit=3)
    assert first == expected[:3]
    # Something newer arriving between pages does not shift the next page.
    rep.interactions.log(rep.user, cid, "note", _now(), "newest")
    second = rep.interactions.timeline(rep.user, cid, before=first[-1], limit=3)
    third = rep.interactions.timeline(rep.user, cid, before=second[-1], limit=3)
    assert first + second + third == expected
    assert rep.interactions.timeline(rep.user, cid, before=third[-1]) == []
    assert rep.interactions.timeline(rep.user, cid)[0].summary == "newest"

    item = logged[0]
    assert item.customer_id == cid and item.author_id == rep.user.id
    assert item.author_name == USERS[Role.SALES_REP][0]
    assert item.at == base and item.at.tzinfo is not None


def test_log_keeps_text_and_converts_local_time(rep: Session) -> None:
    cid = _customer(rep)
    local = (_now() - timedelta(hours=2)).astimezone(SHANGHAI)
    item, task = rep.interactions.log(rep.user, cid, InteractionKind.VISIT, local,
                                      "  line one\nline two  ", "good", "send quote")
    assert task is None
    assert item.kind == InteractionKind.VISIT
    assert item.at == local  # same instant, stored and returned in UTC
    assert item.summary == "line one\nline two"  # prose keeps its line breaks
    assert (item.outcome, item.next_step) == ("good", "send quote")


def test_follow_up_task_is_created_with_the_interaction(rep: Session, admin: Session) -> None:
    cid = _customer(rep)
    due = (_now() + timedelta(days=2)).astimezone(SHANGHAI)
    item, task = rep.interactions.log(rep.user, cid, InteractionKind.MEETING, _now(), SUMMARY,
                                      follow_up=(TITLE, due))
    assert task is not None
    assert (task.customer_id, task.interaction_id, task.title) == (cid, item.id, TITLE)
    assert task.assignee_id == task.created_by == rep.user.id
    assert task.due == due and not task.done
    assert task.customer_name == "远航贸易有限公司"
    assert rep.interactions.tasks_for(rep.user, cid) == [task]
    logged = _trail(admin, "interaction.logged")[0]
    created = _trail(admin, "task.created")[0]
    assert logged.details["task_id"] == task.id and logged.details["kind"] == "meeting"
    assert created.object_id == str(task.id) and created.details["interaction_id"] == item.id
    assert logged.seq + 1 == created.seq  # one transaction, consecutive entries


def test_a_failure_in_the_middle_leaves_neither(rep: Session, admin: Session,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cid = _customer(rep)
    before = len(_trail(admin))

    def broken(*_args: Any, **_kwargs: Any) -> Task:
        raise RuntimeError("disk full")

    monkeypatch.setattr(storage.interactions_repo.SqlTasks, "add", broken)
    with pytest.raises(RuntimeError):
        rep.interactions.log(rep.user, cid, InteractionKind.CALL, _now(), SUMMARY,
                             follow_up=FollowUp(TITLE, _now() + timedelta(days=1)))
    monkeypatch.undo()
    assert rep.interactions.timeline(rep.user, cid) == []
    assert rep.interactions.tasks_for(rep.user, cid) == []
    assert len(_trail(admin)) == before
    assert admin.audit.verify(admin.user).ok


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"summary": "   "}, "summary", "is required"),
    ({"summary": "x" * (MAX_SUMMARY + 1)}, "summary", f"at most {MAX_SUMMARY}"),
    ({"outcome": "y" * 1001}, "outcome", "at most 1000"),
    ({"at": "FUTURE"}, "at", "more than a day in the future"),
    ({"at": "NAIVE"}, "at", "time zone"),
    ({"at": datetime(1999, 12, 31, tzinfo=UTC)}, "at", "before the year 2000"),
    ({"kind": "fax"}, "kind", "choose call, visit"),
    ({"follow_up": ("Call back", None)}, "due", "needs a due date"),
    ({"follow_up": ("", "SOON")}, "title", "needs a title"),
    ({"follow_up": ("t" * (MAX_TITLE + 1), "SOON")}, "title", f"at most {MAX_TITLE}"),
])
def test_validation_says_what_is_wrong(rep: Session, kwargs: dict[str, Any], field: str,
                                       words: str) -> None:
    cid = _customer(rep)
    now = _now()
    args: dict[str, Any] = {"kind": "call", "at": now, "summary": "Called about the order"}
    args.update(kwargs)
    if args["at"] == "FUTURE":
        args["at"] = now + timedelta(days=3)
    elif args["at"] == "NAIVE":
        args["at"] = datetime(2026, 1, 5, 10, 0)  # no zone: the point of the test
    if "follow_up" in args and args["follow_up"][1] == "SOON":
        args["follow_up"] = (args["follow_up"][0], now + timedelta(days=1))
    with pytest.raises(InteractionInvalid) as info:
        rep.interactions.log(rep.user, cid, **args)
    assert [e.field for e in info.value.errors] == [field]
    assert words in str(info.value)
    assert rep.interactions.timeline(rep.user, cid) == []


def test_add_task_needs_a_due_date_and_a_colleague_who_can_see_the_customer(
        rep: Session, other_rep: Session) -> None:
    cid = _customer(rep)
    with pytest.raises(InteractionInvalid, match="due: a task needs a due date"):
        rep.interactions.add_task(rep.user, cid, "Call back", None)
    with pytest.raises(InvalidInput, match="share it with them first"):
        rep.interactions.add_task(rep.user, cid, "Call back", _now() + timedelta(days=1),
                                  assignee_id=other_rep.user.id)
    rep.customers.set_shared(rep.user, cid, other_rep.user.id, True)
    task = rep.interactions.add_task(rep.user, cid, "Call back", _now() + timedelta(days=1),
                                     assignee_id=other_rep.user.id)
    assert task.assignee_id == other_rep.user.id and task.created_by == rep.user.id
    assert task.interaction_id is None


def test_complete_and_reopen(rep: Session, admin: Session) -> None:
    cid = _customer(rep)
    task = rep.interactions.add_task(rep.user, cid, TITLE, _now() + timedelta(days=1))
    done = rep.interactions.complete_task(rep.user, task.id)
    assert done.done and done.done_at is not None
    assert rep.interactions.complete_task(rep.user, task.id) == done  # idempotent
    assert len(_trail(admin, "task.completed")) == 1
    again = rep.interactions.reopen(rep.user, task.id)
    assert not again.done
    assert [e.details for e in _trail(admin, "task.reopened")] == [{"customer_id": cid}]
    with pytest.raises(NotFound, match="No such task"):
        rep.interactions.complete_task(rep.user, 999_999)


# -- the today view ----------------------------------------------------------------------------
def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def test_today_splits_overdue_due_today_future_and_done_by_local_day(rep: Session) -> None:
    cid = _customer(rep)
    today = (datetime.now(SHANGHAI) + timedelta(days=2)).date()
    # 00:30 in Shanghai is still the previous day in UTC: a UTC day would misfile every task.
    now = _at(today, 0, 30)
    yesterday = today - timedelta(days=1)
    add = rep.interactions.add_task
    overdue = add(rep.user, cid, "late", _at(yesterday, 23, 30))
    older = add(rep.user, cid, "much later", _at(yesterday - timedelta(days=5), 9))
    early = add(rep.user, cid, "this morning", _at(today, 0, 10))  # hour passed, still today
    tonight = add(rep.user, cid, "tonight", _at(today, 23, 59))
    add(rep.user, cid, "tomorrow", _at(today + timedelta(days=1), 0, 0))
    finished = add(rep.user, cid, "done already", _at(yesterday, 10))
    rep.interactions.complete_task(rep.user, finished.id)

    late, due = rep.interactions.today(rep.user, now=now)
    assert [t.id for t in late] == [older.id, overdue.id]
    assert [t.id for t in due] == [early.id, tonight.id]
    # The same instant seen from UTC is another day: `tz` decides which day "today" is.
    late_utc, due_utc = rep.interactions.today(rep.user, now=now, tz=UTC)
    assert [t.id for t in late_utc] == [older.id]
    assert [t.id for t in due_utc] == [overdue.id, early.id]
    # Without a zone the instant is read in the zone of `now`.
    assert rep.interactions.today(rep.user, now=now.astimezone(UTC)) == (late_utc, due_utc)
    with pytest.raises(InvalidInput):
        rep.interactions.today(rep.user, now=now.replace(tzinfo=None))


def test_today_shows_own_tasks_to_reps_the_team_to_managers_and_all_to_admins(
        login: Any, admin: Session, rep: Session, other_rep: Session) -> None:
    manager = login(Role.SALES_MANAGER)
    admin.accounts.set_manager(admin.user, rep.user.id, manager.user.id)
    due = _now() - timedelta(hours=1)
    mine = rep.interactions.add_task(rep.user, _customer(rep), "mine", due)
    theirs = other_rep.interactions.add_task(other_rep.user, _customer(other_rep, "Acme"),
                                             "theirs", due)
    own = manager.interactions.add_task(manager.user, _customer(manager, "Mgr Co"), "own", due)

    def ids(session: Session) -> set[int]:
        late, today = session.interactions.today(session.user, tz=UTC)
        return {t.id for t in late + today}

    assert ids(rep) == {mine.id}
    assert ids(other_rep) == {theirs.id}
    assert ids(manager) == {mine.id, own.id}
    assert ids(admin) == {mine.id, theirs.id, own.id}
    assert ids(login(Role.AUDITOR)) == set()  # a to-do list, not an oversight report

    # A customer transferred away takes its open task along: out of the old owner's view and
    # into the new owner's.
    admin.customers.transfer_all(admin.user, other_rep.user.id, rep.user.id)
    assert ids(other_rep) == set()
    assert ids(rep) == {mine.id, theirs.id}
    entry = admin.audit.page(admin.user, AuditFilter(action="customer.transferred"))[0]
    assert entry.details["open_tasks"] == 1


# -- who may do what ---------------------------------------------------------------------------
def test_a_rep_cannot_reach_another_reps_customer_until_it_is_shared(
        rep: Session, other_rep: Session, admin: Session) -> None:
    cid = _customer(other_rep, "Acme Ltd")
    item, task = other_rep.interactions.log(other_rep.user, cid, "call", _now(), SUMMARY,
                                            follow_up=(TITLE, _now() + timedelta(days=1)))
    assert task is not None
    calls = [
        lambda: rep.interactions.log(rep.user, cid, "visit", _now(), "probe"),
        lambda: rep.interactions.timeline(rep.user, cid),
        lambda: rep.interactions.tasks_for(rep.user, cid),
        lambda: rep.interactions.add_task(rep.user, cid, "probe", _now()),
    ]
    for call in calls:
        with pytest.raises(NotFound, match="No such customer"):
            call()
    for call in (lambda: rep.interactions.complete_task(rep.user, task.id),
                 lambda: rep.interactions.reopen(rep.user, task.id)):
        with pytest.raises(NotFound, match="No such task"):
            call()
    denied = _trail(admin, "customer.denied")
    assert len(denied) == len(calls) + 2
    assert all(e.actor_id == rep.user.id and e.object_id == str(cid) and e.outcome == "denied"
               for e in denied)
    assert other_rep.interactions.timeline(other_rep.user, cid) == [item]

    other_rep.customers.set_shared(other_rep.user, cid, rep.user.id, True)
    assert rep.interactions.timeline(rep.user, cid) == [item]
    mine, _ = rep.interactions.log(rep.user, cid, "visit", _now(), "Visited with the owner")
    assert other_rep.interactions.timeline(other_rep.user, cid)[0].id == mine.id
    # Sharing grants logging, not ticking off the owner's own work.
    with pytest.raises(PermissionDenied, match="record interactions and tasks"):
        rep.interactions.complete_task(rep.user, task.id)
    refusal = _trail(admin, "permission.denied")[0]
    assert (refusal.object_type, refusal.object_id) == ("task", str(task.id))
    assert not other_rep.interactions.tasks_for(other_rep.user, cid)[0].done


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.FINANCE])
def test_auditors_and_finance_read_timelines_but_cannot_write(role: Role, login: Any,
                                                              rep: Session,
                                                              admin: Session) -> None:
    cid = _customer(rep)
    item, task = rep.interactions.log(rep.user, cid, "email", _now(), SUMMARY,
                                      follow_up=(TITLE, _now() + timedelta(days=1)))
    assert task is not None
    reader: Session = login(role)
    assert reader.interactions.timeline(reader.user, cid) == [item]
    assert reader.interactions.tasks_for(reader.user, cid) == [task]
    writes = [
        lambda: reader.interactions.log(reader.user, cid, "note", _now(), "my note"),
        lambda: reader.interactions.add_task(reader.user, cid, "a task", _now()),
        lambda: reader.interactions.complete_task(reader.user, task.id),
        lambda: reader.interactions.reopen(reader.user, task.id),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied, match="record interactions and tasks"):
            write()
    denied = _trail(admin, "permission.denied")
    assert len(denied) == len(writes)
    assert all(e.actor_id == reader.user.id and e.details == {"permission": "interaction.write"}
               for e in denied)
    assert rep.interactions.timeline(rep.user, cid) == [item]
    assert not rep.interactions.tasks_for(rep.user, cid)[0].done


def test_the_audit_trail_never_holds_the_free_text(rep: Session, admin: Session) -> None:
    cid = _customer(rep)
    _item, task = rep.interactions.log(rep.user, cid, "visit", _now(), SUMMARY, OUTCOME,
                                       NEXT_STEP, follow_up=(TITLE, _now() + timedelta(days=1)))
    assert task is not None
    rep.interactions.add_task(rep.user, cid, TITLE + " again", _now() + timedelta(days=2))
    rep.interactions.complete_task(rep.user, task.id)
    rep.interactions.reopen(rep.user, task.id)
    entries = _trail(admin)
    actions = {e.action for e in entries}
    assert {"interaction.logged", "task.created", "task.completed", "task.reopened"} <= actions
    dumped = json.dumps([[e.action, e.object_type, e.object_id, e.details] for e in entries],
                        ensure_ascii=False)
    for fragment in ("张伟", "110101199003071234", "13812345678", "zhang@example.com", "wife",
                     "quote", "mortgage", "private price"):
        assert fragment not in dumped


def test_services_refuse_an_actor_without_a_stored_account(rep: Session) -> None:
    cid = _customer(rep)
    ghost = User(id=9999, name="ghost", role=Role.SALES_REP, active=True,
                 must_change_password=False, created_at=_now(), slot_id=None)
    with pytest.raises(PermissionDenied):
        rep.interactions.log(ghost, cid, "call", _now(), "probe")
    with pytest.raises(PermissionDenied):
        rep.interactions.timeline(ghost, cid)
