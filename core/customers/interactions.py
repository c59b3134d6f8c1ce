"""Interactions with customers (calls, visits, meetings, e-mails, notes), the timeline they form,
and follow-up tasks with a "today" view of what is due and overdue.

Access follows the customer: whoever may see a customer may read its timeline; recording needs
INTERACTION_WRITE as well, and a colleague the customer is shared with may record too (sharing
grants logging, not editing). The audit trail records kinds, times and ids, never the free text
people type: summaries and titles routinely carry personal data that must not be copied into an
append-only log that can never be erased."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import NamedTuple, Protocol, cast

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.customers.access import Scope, can_edit, can_see, scope_for
from core.customers.model import Customer
from core.customers.ports import CustomerRepositories
from core.customers.service import CustomerService
from core.customers.validate import FieldError, clean_text
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.ports import Store
from core.roles import PERMISSION_ACTIONS, Permission, has_permission
from core.trail import Clock, Guard, append
from core.users import User

MAX_SUMMARY = 4000
MAX_FOLLOW_TEXT = 1000  # outcome and next step
MAX_TITLE = 200
MAX_PAGE = 500
# Logging a meeting set for later today is normal; a date next month is a typo.
MAX_AHEAD = timedelta(days=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_DUE_AHEAD = timedelta(days=3660)
_UNCUT = 1 << 30


class InteractionKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    MEETING = "meeting"
    EMAIL = "email"
    NOTE = "note"


@dataclass(frozen=True)
class Interaction:
    id: int
    customer_id: int
    kind: InteractionKind
    at: datetime
    author_id: int
    author_name: str
    summary: str
    outcome: str
    next_step: str


@dataclass(frozen=True)
class Task:
    id: int
    customer_id: int
    customer_name: str
    title: str
    due: datetime
    assignee_id: int
    done_at: datetime | None
    created_by: int
    interaction_id: int | None = None

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class FollowUp:
    """A task to create together with an interaction; a plain (title, due) tuple works too."""

    title: str
    due: datetime | None


class TodayView(NamedTuple):
    """`overdue, due_today = service.today(actor)`; each soonest first."""

    overdue: list[Task]
    due_today: list[Task]


class InteractionInvalid(InvalidInput):
    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(" ".join(f"{e.field}: {e.message}" for e in errors))


class InteractionRepository(Protocol):
    def add(self, customer_id: int, kind: InteractionKind, at: datetime, author_id: int,
            summary: str, outcome: str, next_step: str, created_at: datetime) -> Interaction: ...
    def get(self, interaction_id: int) -> Interaction | None: ...
    def timeline(self, customer_id: int, before: tuple[datetime, int] | None,
                 limit: int) -> list[Interaction]:
        """Newest first, strictly older than `before` (at, id) when given."""
        ...


class TaskRepository(Protocol):
    def add(self, customer_id: int, title: str, due: datetime, assignee_id: int,
            created_by: int, created_at: datetime,
            interaction_id: int | None = None) -> Task: ...
    def get(self, task_id: int) -> Task | None: ...
    def set_done(self, task_id: int, done_at: datetime | None) -> Task: ...
    def for_customer(self, customer_id: int, limit: int) -> list[Task]:
        """Open tasks by due date, then done ones (most recently done first)."""
        ...
    def reassign_open(self, customer_ids: list[int], from_user: int, to_user: int) -> int:
        """Hand the open tasks `from_user` holds on these customers to `to_user`."""
        ...
    def open_due_before(self, assignees: frozenset[int] | None, before: datetime,
                        limit: int) -> list[Task]:
        """Tasks not done, due before `before`, soonest first; None means every assignee."""
        ...


class InteractionRepositories(CustomerRepositories, Protocol):
    interactions: InteractionRepository
    tasks: TaskRepository


class InteractionService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 customers: CustomerService) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._customers = customers

    # -- interactions ------------------------------------------------------------------------
    def log(self, actor: User, customer_id: int, kind: InteractionKind | str, at: datetime,
            summary: str, outcome: str = "", next_step: str = "",
            follow_up: FollowUp | tuple[str, datetime | None] | None = None,
            ) -> tuple[Interaction, Task | None]:
        """Record an interaction, and optionally a follow-up task assigned to the actor, in one
        transaction with their audit entries: either all of it is stored or none."""
        # Permission before the lookup, so a role that may not write learns nothing about ids.
        self._guard.require(actor, Permission.INTERACTION_WRITE, "customer", str(customer_id))
        customer, _scope = self._customers.visible(actor, customer_id)
        _writable(customer)
        now = self._clock()
        errors: list[FieldError] = []
        kind = _kind(kind, errors)
        at = _when(at, now, errors)
        summary = _text("summary", summary, MAX_SUMMARY, errors, required=True)
        outcome = _text("outcome", outcome, MAX_FOLLOW_TEXT, errors)
        next_step = _text("next_step", next_step, MAX_FOLLOW_TEXT, errors)
        task_fields: tuple[str, datetime] | None = None
        if follow_up is not None:
            title, due = (follow_up.title, follow_up.due) if isinstance(follow_up, FollowUp) \
                else follow_up
            task_fields = _task_fields(title, due, now, errors)
        if errors:
            raise InteractionInvalid(errors)
        task: Task | None = None
        with self._store.transaction() as plain:
            repos = _repos(plain)
            item = repos.interactions.add(customer_id, kind, at, actor.id, summary, outcome,
                                          next_step, now)
            details: dict[str, object] = {"customer_id": customer_id, "kind": kind.value,
                                          "at": at.isoformat()}
            if task_fields is not None:
                task = repos.tasks.add(customer_id, task_fields[0], task_fields[1], actor.id,
                                       actor.id, now, interaction_id=item.id)
                details["task_id"] = task.id
            append(repos, actor, AuditEvent("interaction.logged", "interaction", str(item.id),
                                            details), now)
            if task is not None:
                append(repos, actor, _task_created(task), now)
        self._bus.publish(Changes(interactions=True))
        return item, task

    def timeline(self, actor: User, customer_id: int, before: Interaction | None = None,
                 limit: int = 50) -> list[Interaction]:
        """Newest first; for the next page pass the last interaction of this one as `before`
        (keyset paging: stable while others add interactions, and no OFFSET scans)."""
        self._customers.visible(actor, customer_id)
        cursor = (before.at, before.id) if before is not None else None
        with self._store.reader() as plain:
            return _repos(plain).interactions.timeline(customer_id, cursor,
                                                       max(1, min(limit, MAX_PAGE)))

    # -- tasks -------------------------------------------------------------------------------
    def add_task(self, actor: User, customer_id: int, title: str, due: datetime | None,
                 assignee_id: int | None = None) -> Task:
        self._guard.require(actor, Permission.INTERACTION_WRITE, "customer", str(customer_id))
        customer, _scope = self._customers.visible(actor, customer_id)
        _writable(customer)
        now = self._clock()
        errors: list[FieldError] = []
        fields = _task_fields(title, due, now, errors)
        if errors:
            raise InteractionInvalid(errors)
        assignee = actor.id if assignee_id is None else assignee_id
        if assignee != actor.id:
            self._check_assignee(customer, assignee)
        with self._store.transaction() as plain:
            repos = _repos(plain)
            task = repos.tasks.add(customer_id, fields[0], fields[1], assignee, actor.id, now)
            append(repos, actor, _task_created(task), now)
        self._bus.publish(Changes(interactions=True))
        return task

    def complete_task(self, actor: User, task_id: int) -> Task:
        return self._set_done(actor, task_id, done=True)

    def reopen(self, actor: User, task_id: int) -> Task:
        return self._set_done(actor, task_id, done=False)

    def tasks_for(self, actor: User, customer_id: int, limit: int = 200) -> list[Task]:
        self._customers.visible(actor, customer_id)
        with self._store.reader() as plain:
            return _repos(plain).tasks.for_customer(customer_id, max(1, min(limit, MAX_PAGE)))

    def today(self, actor: User, now: datetime | None = None, tz: tzinfo | None = None,
              limit: int = MAX_PAGE) -> TodayView:
        """Open tasks due before the end of the actor's local day: those due on an earlier day
        are overdue, the rest are due today (even if their hour has passed: a follow-up is a
        day's work). Days are counted in `tz`, else in the zone of `now`, else in this
        computer's zone. Reps see their own tasks, managers their team's, administrators all;
        a task whose customer the actor can no longer see (transferred away) is left out."""
        scope = self._customers.read_scope(actor)
        if now is not None and now.tzinfo is None:
            raise InvalidInput("The current time needs a time zone.")
        zone = tz or (now.tzinfo if now is not None else None)
        local = (now or self._clock()).astimezone(zone)  # astimezone(None): the computer's zone
        start, end = _day_bounds(local.date(), local.tzinfo)
        assignees = (None if scope.everyone and self._guard.allowed(
            actor, Permission.INTERACTION_WRITE) else frozenset({actor.id, *scope.owners}))
        with self._store.reader() as plain:
            repos = _repos(plain)
            tasks = repos.tasks.open_due_before(assignees, end, max(1, min(limit, MAX_PAGE)))
            tasks = self._seen(repos, scope, tasks)
        return TodayView(overdue=[t for t in tasks if t.due < start],
                         due_today=[t for t in tasks if t.due >= start])

    # -- helpers -----------------------------------------------------------------------------
    def _set_done(self, actor: User, task_id: int, done: bool) -> Task:
        self._guard.require(actor, Permission.INTERACTION_WRITE, "task", str(task_id))
        with self._store.reader() as plain:
            task = _repos(plain).tasks.get(task_id)
        if task is None:
            raise NotFound("No such task.")
        try:
            customer, scope = self._customers.visible(actor, task.customer_id)
        except NotFound:
            raise NotFound("No such task.") from None
        # The person it is assigned to, whoever set it, and those who may edit the customer
        # (owner, their manager, administrators) may close or reopen it; a colleague who was
        # merely shared the customer may not tick off someone else's work.
        if actor.id not in (task.assignee_id, task.created_by) and not can_edit(
                actor, scope, customer):
            self._deny(actor, task_id)
        if task.done == done:
            return task  # a second click changes nothing and records nothing
        now = self._clock()
        with self._store.transaction() as plain:
            repos = _repos(plain)
            task = repos.tasks.set_done(task_id, now if done else None)
            append(repos, actor, AuditEvent("task.completed" if done else "task.reopened",
                                            "task", str(task_id),
                                            {"customer_id": task.customer_id}), now)
        self._bus.publish(Changes(interactions=True))
        return task

    def _check_assignee(self, customer: Customer, assignee_id: int) -> None:
        """A task may go to a colleague only if they can work on the customer; otherwise it
        would sit in a today view showing a customer they may not open."""
        with self._store.reader() as plain:
            repos = _repos(plain)
            user = repos.users.get(assignee_id)
            if user is None or not user.active:
                raise InvalidInput("Tasks can only be assigned to an active user.")
            team = (repos.users.team_of(user.id)
                    if has_permission(user.role, Permission.CUSTOMER_READ_TEAM) else [])
            shared = repos.customers.shared_with(customer.id)
        if not has_permission(user.role, Permission.INTERACTION_WRITE) or not can_see(
                scope_for(user, team), customer, shared):
            raise InvalidInput(f"{user.name} cannot work on this customer; share it with them "
                               "first.")

    def _seen(self, repos: InteractionRepositories, scope: Scope,
              tasks: Iterable[Task]) -> list[Task]:
        tasks = list(tasks)
        if scope.everyone:
            return tasks
        visible: dict[int, bool] = {}
        for customer_id in {t.customer_id for t in tasks}:
            customer = repos.customers.get(customer_id)
            visible[customer_id] = customer is not None and can_see(
                scope, customer, repos.customers.shared_with(customer_id))
        return [t for t in tasks if visible[t.customer_id]]

    def _deny(self, actor: User, task_id: int) -> None:
        with self._store.transaction() as repos:
            append(repos, actor, AuditEvent(
                "permission.denied", "task", str(task_id),
                {"permission": Permission.INTERACTION_WRITE.value}, outcome="denied"),
                self._clock())
        self._bus.publish(Changes())
        raise PermissionDenied(PERMISSION_ACTIONS[Permission.INTERACTION_WRITE])


def _repos(repos: object) -> InteractionRepositories:
    # Store hands out the base Repositories protocol; the storage object carries them all.
    return cast(InteractionRepositories, repos)


def _writable(customer: Customer) -> None:
    if customer.anonymised:
        raise InvalidInput("This customer was anonymised; nothing new can be recorded about "
                           "them.")


def _task_created(task: Task) -> AuditEvent:
    return AuditEvent("task.created", "task", str(task.id), {
        "customer_id": task.customer_id, "due": task.due.isoformat(),
        "assignee_id": task.assignee_id, "interaction_id": task.interaction_id})


def _kind(kind: InteractionKind | str, errors: list[FieldError]) -> InteractionKind:
    try:
        return InteractionKind(kind)
    except ValueError:
        errors.append(FieldError("kind", "choose call, visit, meeting, email or note"))
        return InteractionKind.NOTE


def _when(at: datetime | None, now: datetime, errors: list[FieldError]) -> datetime:
    if not isinstance(at, datetime):
        errors.append(FieldError("at", "when it happened is required"))
        return now
    if at.tzinfo is None or at.utcoffset() is None:
        errors.append(FieldError("at", "the time needs a time zone"))
        return now
    if at > now + MAX_AHEAD:
        errors.append(FieldError("at", "cannot be more than a day in the future"))
    elif at < EARLIEST:
        errors.append(FieldError("at", "cannot be before the year 2000"))
    return at.astimezone(UTC)


def _text(field: str, value: str | None, limit: int, errors: list[FieldError],
          required: bool = False) -> str:
    # No truncation here (clean_text keeps line breaks above its one-line size): an over-long
    # text is refused with its length, never silently cut.
    text = clean_text(value or "", _UNCUT)
    if required and not text:
        errors.append(FieldError(field, "is required"))
    elif len(text) > limit:
        errors.append(FieldError(field, f"has {len(text)} characters; at most {limit} fit"))
    return text


def _task_fields(title: str, due: datetime | None, now: datetime,
                 errors: list[FieldError]) -> tuple[str, datetime]:
    text = " ".join(clean_text(title or "", _UNCUT).split())
    if not text:
        errors.append(FieldError("title", "a task needs a title"))
    elif len(text) > MAX_TITLE:
        errors.append(FieldError("title", f"has {len(text)} characters; at most {MAX_TITLE} fit"))
    if not isinstance(due, datetime):
        errors.append(FieldError("due", "a task needs a due date"))
        return text, now
    if due.tzinfo is None or due.utcoffset() is None:
        errors.append(FieldError("due", "the due time needs a time zone"))
        return text, now
    if due < EARLIEST or due > now + MAX_DUE_AHEAD:
        errors.append(FieldError("due", "must be within the next ten years"))
    return text, due.astimezone(UTC)


def _day_bounds(day: date, zone: tzinfo | None) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight, as UTC instants. With a ZoneInfo zone a day
    of a DST change is 23 or 25 hours long, as it should be."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


__all__ = ["FollowUp", "Interaction", "InteractionInvalid", "InteractionKind",
           "InteractionRepositories", "InteractionRepository", "InteractionService", "Task",
           "TaskRepository", "TodayView"]
