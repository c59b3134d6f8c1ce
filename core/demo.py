"""The demo vault: one user per role with published passwords (listed in README.md), and made-up
customers with their history."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core import demo_contracts, demo_customers, demo_money
from core.auth import Authenticator
from core.customers.model import CustomerDraft, CustomerKind, CustomerStatus
from core.roles import Role
from core.session import Session
from core.users import User


@dataclass(frozen=True)
class DemoUser:
    name: str
    role: Role
    password: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", Role.ADMINISTRATOR, "Granite-Harbour-41"),
    DemoUser("manager", Role.SALES_MANAGER, "Copper-Lantern-52"),
    DemoUser("rep", Role.SALES_REP, "Willow-Compass-63"),
    DemoUser("王芳", Role.SALES_REP, "Jade-River-Tea-74"),
    DemoUser("finance", Role.FINANCE, "Ledger-Orchid-85"),
    DemoUser("auditor", Role.AUDITOR, "Quiet-Meadow-96"),
)


DEMO_CUSTOMERS = 36  # per run of `demo`: a few screens of them, made in a second or two
REPS = ("rep", "王芳")  # in manager's team


def create_demo_vault(auth: Authenticator, path: Path,
                      progress: Callable[[str], None] | None = None,
                      extra_customers: int = 0,
                      statement: Path | None = None) -> list[DemoUser]:
    """Create a vault at `path` with the demo users (who need not change their passwords), the
    reps in manager's team, and customers with interactions and tasks owned by the reps and
    the manager, their contracts, receipts and credit limits; `extra_customers` more are added
    in bulk (for benchmarks). With `statement`, a bank statement CSV that reconciles partly
    with the vault's receipts and instalments is written there (core/demo_money.py)."""
    admin = DEMO_USERS[0]
    session, _recovery = auth.create(path, admin.name, admin.password, progress)
    try:
        users: dict[str, User] = {}
        for user in DEMO_USERS[1:]:
            if progress:
                progress(f"Adding demo user {user.name}…")
            users[user.name] = session.accounts.add_user(
                session.user, user.name, user.role, user.password, must_change=False)
        for name in REPS:
            session.accounts.set_manager(session.user, users[name].id, users["manager"].id)
        if progress:
            progress("Adding demo customers, interactions and tasks…")
        sellers = [users[name] for name in (*REPS, "manager")]
        _populate(session, sellers, random.Random(20260301), auth.ctx.clock())
        if progress:
            progress("Adding demo contracts (approved and signed by the demo users)…")
        passwords = {u.name: u.password for u in DEMO_USERS}
        contract_ids = demo_contracts.add_demo_contracts(
            session, {session.user.name: session.user, **users}, passwords, auth.ctx.clock(),
            progress)
        if progress:
            progress("Adding demo receipts, partial payments and credit limits…")
        money = demo_money.add_demo_money(session, users, passwords, contract_ids)
        if statement is not None:
            demo_money.write_statement(statement, money.statement)
        if extra_customers > 0:
            _bulk(session, sellers, extra_customers, progress)
    finally:
        session.close()
    return list(DEMO_USERS)


def _populate(session: Session, sellers: list[User], rng: random.Random,
              now: datetime) -> None:
    """Customers entered by the reps themselves, each with a short history; a pair of likely
    duplicates (same company, two spellings) to show duplicate detection and merging."""
    drafts = list(demo_customers.customers(DEMO_CUSTOMERS - 2, seed=7))
    twin = CustomerDraft(kind=CustomerKind.COMPANY, name="远航贸易有限公司", city="上海",
                         region="华东", industry="批发零售", source="展会",
                         phones=("13816680001",), status=CustomerStatus.PROSPECT)
    drafts += [twin, dataclasses.replace(twin, name="远航贸易（上海）有限公司",
                                         phones=("021-61234567",), source="官网")]
    tasks: dict[int, int] = {}
    for index, draft in enumerate(drafts):
        owner = sellers[index % len(sellers)]
        view = session.customers.create(owner, draft)
        if index % 7 == 3 and owner.name == REPS[0]:
            session.customers.set_shared(owner, view.id, sellers[1].id, True)
        times = demo_customers.interaction_times(rng, now, rng.randrange(1, 4))
        for at in times:
            item = rng.choice(demo_customers.INTERACTIONS)
            session.interactions.log(owner, view.id, item.kind, at, item.summary, item.outcome,
                                     item.next_step)
        if rng.random() < 0.6:
            nth = tasks.setdefault(owner.id, 0)
            tasks[owner.id] += 1
            session.interactions.add_task(owner, view.id,
                                          rng.choice(demo_customers.TASK_TITLES),
                                          demo_customers.task_due(rng, now, nth))


def _bulk(session: Session, sellers: list[User], count: int,
          progress: Callable[[str], None] | None) -> None:
    step = max(count // 20, 1000)

    def report(done: int, total: int) -> None:
        if progress and (done % step < 500 or done == total):
            progress(f"Generated {done:,} of {total:,} extra customers…")

    rows = ((draft, sellers[i % len(sellers)].id)
            for i, draft in enumerate(demo_customers.customers(count, seed=99)))
    session.customer_import.bulk_create(session.user, rows, progress=report, total=count,
                                        source="demo")
