"""The colleague lists behind Share… and Transfer…: only what the services would accept."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.customers.model import CustomerDraft, CustomerKind
from core.errors import NotFound, PermissionDenied
from core.roles import Role
from core.session import Session
from tests.conftest import ADMIN, USERS

Login = Callable[[Role], Session]


def test_share_candidates_are_active_sales_colleagues_and_shares_list_them(
        login: Login) -> None:
    rep = login(Role.SALES_REP)
    try:
        names = {c.name for c in rep.customer_people.share_candidates(rep.user)}
        assert USERS[Role.SALES_MANAGER][0] in names and ADMIN[0] in names
        assert rep.user.name not in names
        assert not names & {USERS[Role.FINANCE][0], USERS[Role.AUDITOR][0]}
        customer = rep.customers.create(rep.user, CustomerDraft(
            kind=CustomerKind.COMPANY, name="Shared Things Ltd"))
        manager = next(c for c in rep.customer_people.share_candidates(rep.user)
                       if c.role == Role.SALES_MANAGER)
        rep.customers.set_shared(rep.user, customer.id, manager.id, True)
        assert rep.customer_people.shares(rep.user, customer.id) == [manager]
        with pytest.raises(PermissionDenied):
            rep.customer_people.transfer_candidates(rep.user)
    finally:
        rep.close()


def test_transfer_candidates_and_counts_follow_the_scope(login: Login) -> None:
    admin = login(Role.ADMINISTRATOR)
    try:
        people = admin.customer_people.transfer_candidates(admin.user)
        assert {p.role for p in people} <= {Role.SALES_REP, Role.SALES_MANAGER,
                                             Role.ADMINISTRATOR}
        rep = next(p for p in people if p.role == Role.SALES_REP)
        assert admin.customer_people.owned_count(admin.user, rep.id) == 0
        with pytest.raises(NotFound):
            admin.customer_people.shares(admin.user, 999_999)
    finally:
        admin.close()
