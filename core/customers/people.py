"""The colleagues a customer screen may offer: those a customer can be shared with, those it is
shared with now, and the sales users whose customers an actor may transfer.

Only ids and names leave here; the lists follow the same rules the services enforce when the
choice is acted on (set_shared, transfer_all), so the UI never offers what would be refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from core.customers.access import Scope
from core.customers.ports import CustomerFilter, CustomerRepositories
from core.customers.service import CustomerService
from core.ports import Store
from core.roles import Permission, Role
from core.trail import Guard
from core.users import User

SALES_ROLES = (Role.SALES_REP, Role.SALES_MANAGER, Role.ADMINISTRATOR)


@dataclass(frozen=True)
class Colleague:
    id: int
    name: str
    role: Role


class PeopleService:
    def __init__(self, store: Store, guard: Guard, customers: CustomerService) -> None:
        self._store, self._guard, self._customers = store, guard, customers

    def share_candidates(self, actor: User) -> list[Colleague]:
        """Active sales colleagues a customer can be shared with (not the actor)."""
        self._guard.require(actor, Permission.CUSTOMER_SHARE, "customer", "")
        with self._store.reader() as repos:
            users = repos.users.all()
        return sorted((Colleague(u.id, u.name, u.role) for u in users
                       if u.active and u.id != actor.id and u.role in SALES_ROLES),
                      key=lambda c: c.name.casefold())

    def shares(self, actor: User, customer_id: int) -> list[Colleague]:
        """Who the customer is shared with (NotFound unless the actor may see it)."""
        self._customers.visible(actor, customer_id)
        with self._store.reader() as repos:
            ids = cast(CustomerRepositories, repos).customers.shared_with(customer_id)
            users = [repos.users.get(i) for i in ids]
        return sorted((Colleague(u.id, u.name, u.role) for u in users if u is not None),
                      key=lambda c: c.name.casefold())

    def transfer_candidates(self, actor: User) -> list[Colleague]:
        """Users whose customers the actor may transfer, active or not (a leaver's customers
        are the usual reason); transfer_all accepts only active sales users as the target."""
        self._guard.require(actor, Permission.CUSTOMER_TRANSFER, "user", "")
        scope = self._customers.scope(actor)
        with self._store.reader() as repos:
            users = repos.users.all()
        return sorted((Colleague(u.id, u.name, u.role) for u in users
                       if u.role in SALES_ROLES and (scope.everyone or u.id in scope.owners)),
                      key=lambda c: c.name.casefold())

    def owned_count(self, actor: User, user_id: int) -> int:
        """How many customers `user_id` owns (for the transfer's confirmation)."""
        self._guard.require(actor, Permission.CUSTOMER_TRANSFER, "user", str(user_id))
        scope = self._customers.scope(actor)
        if not scope.everyone and user_id not in scope.owners:
            return 0
        with self._store.reader() as repos:
            customers = cast(CustomerRepositories, repos).customers
            return customers.count(Scope(owners=frozenset({user_id})), CustomerFilter())
