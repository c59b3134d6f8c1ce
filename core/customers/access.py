"""Row-level access: which customers a user may see and change.

A rep sees the customers they own and those shared with them; a sales manager also sees those of
the reps in their team; administrators, finance and auditors see all (finance and auditors only
read). Storage turns a Scope into a WHERE clause; core checks single records with `can_see`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.customers.model import Customer
from core.roles import Permission, has_permission
from core.users import User


@dataclass(frozen=True)
class Scope:
    everyone: bool = False
    owners: frozenset[int] = frozenset()
    shared_with: int | None = None

    @property
    def empty(self) -> bool:
        return not self.everyone and not self.owners and self.shared_with is None


NOTHING = Scope()


def scope_for(actor: User, team: Iterable[int] = ()) -> Scope:
    if not actor.active:
        return NOTHING
    if has_permission(actor.role, Permission.CUSTOMER_READ_ALL):
        return Scope(everyone=True)
    if has_permission(actor.role, Permission.CUSTOMER_READ_TEAM):
        return Scope(owners=frozenset({actor.id, *team}), shared_with=actor.id)
    if has_permission(actor.role, Permission.CUSTOMER_READ_OWN):
        return Scope(owners=frozenset({actor.id}), shared_with=actor.id)
    return NOTHING


def can_see(scope: Scope, customer: Customer, shared_with: Iterable[int] = ()) -> bool:
    if scope.everyone or customer.owner_id in scope.owners:
        return True
    return scope.shared_with is not None and scope.shared_with in set(shared_with)


def can_edit(actor: User, scope: Scope, customer: Customer) -> bool:
    """Owners, their managers and administrators edit; sharing grants reading and logging
    interactions, not editing."""
    if not has_permission(actor.role, Permission.CUSTOMER_WRITE):
        return False
    return scope.everyone or customer.owner_id in scope.owners
