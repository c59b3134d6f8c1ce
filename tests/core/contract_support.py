"""Shared set-up for the contract tests: sessions of every role, a company customer of the sales
rep (whose manager is the sales manager), terms whose schedule sums, and a driver that takes a
contract to any state through the real service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from core.contracts.model import ContractTerms, Instalment, LineItem
from core.contracts.workflow import ContractState
from core.customers.model import CustomerDraft, CustomerKind
from core.roles import Role
from core.session import Session
from tests.conftest import ADMIN, USERS

# Not signed: mark_signed refuses it (tests of refusals that come before the PDF check use it).
PDF = b"%PDF-1.7\n% a signed contract stands in here\n%%EOF\n"
PASSWORDS = {Role.ADMINISTRATOR: ADMIN[1], **{r: p for r, (_n, p) in USERS.items()}}


@dataclass
class World:
    admin: Session
    rep: Session
    manager: Session
    finance: Session
    auditor: Session
    customer_id: int

    def password(self, session: Session) -> str:
        return PASSWORDS[session.user.role]


def make_world(login: Callable[[Role], Session]) -> World:
    admin = login(Role.ADMINISTRATOR)
    ids = {u.name: u.id for u in admin.accounts.list_users(admin.user)}
    rep_id = ids[USERS[Role.SALES_REP][0]]
    admin.accounts.set_manager(admin.user, rep_id, ids[USERS[Role.SALES_MANAGER][0]])
    customer = admin.customers.create(admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="上海明珠贸易有限公司", city="上海",
        address="浦东新区世纪大道100号"), owner_id=rep_id)
    return World(admin=admin, rep=login(Role.SALES_REP), manager=login(Role.SALES_MANAGER),
                 finance=login(Role.FINANCE), auditor=login(Role.AUDITOR),
                 customer_id=customer.id)


def small_terms(**overrides: Any) -> ContractTerms:
    """2 × 1,000.00 at 13 % VAT: net 2,000.00, tax 260.00, gross 2,260.00 in two instalments."""
    values: dict[str, Any] = dict(
        title="年度维护合同", currency="CNY",
        items=(LineItem("服务器维护服务", Decimal("2"), Decimal("1000.00"), Decimal("0"),
                        Decimal("0.13")),),
        instalments=(Instalment(date(2030, 1, 10), Decimal("1130.00"), "首付款"),
                     Instalment(date(2030, 2, 10), Decimal("1130.00"), "尾款")),
        delivery_terms="卖方负责送货至买方仓库", contract_date=date(2030, 1, 1),
        start_date=date(2030, 1, 1), end_date=date(2030, 12, 31))
    values.update(overrides)
    return ContractTerms(**values)


def approve_all(w: World, contract_id: int) -> None:
    """Each pending step by the colleague whose role it is."""
    by_step = {"manager": w.manager, "finance": w.finance, "administrator": w.admin}
    while True:
        progress = w.admin.contracts.approval_progress(w.admin.user, contract_id)
        if progress.next_step is None:
            return
        approver = by_step[progress.next_step]
        approver.contracts.approve(approver.user, contract_id, w.password(approver), "ok")


def drive(w: World, state: ContractState, terms: ContractTerms | None = None) -> int:
    """A new contract of the rep's customer, taken to `state` through the service."""
    rep = w.rep
    contract = rep.contracts.draft(rep.user, w.customer_id, terms or small_terms())
    cid = contract.id
    if state == ContractState.DRAFT:
        return cid
    rep.contracts.submit(rep.user, cid)
    if state == ContractState.IN_REVIEW:
        return cid
    if state == ContractState.REJECTED:
        w.manager.contracts.reject(w.manager.user, cid, w.password(w.manager), "价格太低")
        return cid
    approve_all(w, cid)
    if state == ContractState.APPROVED:
        return cid
    rep.contract_pdfs.sign(rep.user, cid, "李雷", None)  # a real signature: nothing else archives
    if state == ContractState.SIGNED:
        return cid
    if state == ContractState.TERMINATED:
        rep.contracts.terminate(rep.user, cid, "客户破产")
        return cid
    rep.contracts.activate(rep.user, cid)
    if state == ContractState.ACTIVE:
        return cid
    rep.contracts.complete(rep.user, cid)
    return cid


# -- for the permission matrix (tests/core/test_permissions.py) --------------------------------
# Accounts some permission tests create, with the password they end up with.
EXTRA_PASSWORDS = {"Second Admin": "my own chosen words 5", "Bob Second": "second admin words 3"}


def password_of(session: Session) -> str:
    name = session.user.name
    if name in EXTRA_PASSWORDS:
        return EXTRA_PASSWORDS[name]
    if name == ADMIN[0]:
        return ADMIN[1]
    return next(p for n, p in USERS.values() if n == name)


def _colleague(session: Session, role: Role) -> Session:
    """Another user's session on the same vault (a cheap-KDF authenticator of its own)."""
    from pathlib import Path

    from core.passwords import HistoryHasher, PasswordRules, load_common_passwords
    from tests.conftest import ROOT, make_authenticator

    rules = PasswordRules(load_common_passwords(ROOT / "resources" / "common-passwords.txt"),
                          HistoryHasher(memory_kib=1024, time_cost=1, parallelism=1))
    name, password = ADMIN if role == Role.ADMINISTRATOR else USERS[role]
    return make_authenticator(rules).login(Path(session.vault_path), name, password)


def contract_for(actor: Session, state: ContractState) -> int:
    """A contract of the sales rep's customer (the rep in the manager's team) in `state`,
    written by the rep and approved by colleagues other than `actor`, so that `actor` may take
    the next step: approve the pending step (state in_review: the manager's step is already
    taken when `actor` is finance) or sign/export."""
    admin, rep, finance = (_colleague(actor, r) for r in (Role.ADMINISTRATOR, Role.SALES_REP,
                                                         Role.FINANCE))
    manager = _colleague(actor, Role.SALES_MANAGER)
    try:
        ids = {u.name: u.id for u in admin.accounts.list_users(admin.user)}
        admin.accounts.set_manager(admin.user, ids[USERS[Role.SALES_REP][0]],
                                   ids[USERS[Role.SALES_MANAGER][0]])
        customer = rep.customers.create(rep.user, CustomerDraft(
            kind=CustomerKind.COMPANY, name="Matrix Contract Customer"))
        cid = rep.contracts.draft(rep.user, customer.id, small_terms()).id
        rep.contracts.submit(rep.user, cid)
        if state == ContractState.IN_REVIEW:
            if actor.user.role == Role.FINANCE:
                manager.contracts.approve(manager.user, cid, USERS[Role.SALES_MANAGER][1])
            return cid
        manager.contracts.approve(manager.user, cid, USERS[Role.SALES_MANAGER][1])
        finance.contracts.approve(finance.user, cid, USERS[Role.FINANCE][1])
        if state == ContractState.SIGNED:
            rep.contract_pdfs.sign(rep.user, cid, "李雷", None)
        return cid
    finally:
        for session in (admin, rep, finance, manager):
            session.close()
