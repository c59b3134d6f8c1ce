"""What every part of the contract service shares: row-level access through the customer, the
audited refusals, and recording a transition (state, history row, audit entry) in one
transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.contracts.comments import seal_comment
from core.contracts.model import Contract, ContractEvent
from core.contracts.ports import ContractRepositories, contract_repos
from core.contracts.workflow import Action, ContractState, next_state
from core.customers.access import Scope, can_edit
from core.customers.model import Customer
from core.customers.service import CustomerService
from core.errors import NotFound, PermissionDenied, StrongroomError
from core.ports import KeyVault, Store
from core.reauth import Reauthentication
from core.roles import PERMISSION_ACTIONS, Permission
from core.trail import Clock, Guard, append
from core.users import User


class ContractChanged(StrongroomError):
    def __init__(self) -> None:
        super().__init__("Someone else changed this contract in the meantime. Reload it and "
                         "try again.")


class ContractBase:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 customers: CustomerService, keys: KeyVault,
                 reauth: Reauthentication | None = None) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._customers, self._keys = customers, keys
        # The password typed again, throttled across every service sharing `reauth` (the
        # session's): guessing a colleague's password gets the same delays wherever it is
        # tried.
        self._reauth = reauth or Reauthentication(store, keys, clock)

    # -- access ------------------------------------------------------------------------------
    def _stored(self, actor: User) -> User:
        with self._store.reader() as repos:
            return repos.users.get(actor.id) or dataclasses.replace(actor, active=False)

    def _readable(self, actor: User, contract_id: int) -> tuple[Contract, Customer, Scope]:
        """The contract if the actor may see its customer. Another's contract and a missing one
        give the same NotFound (ids cannot be probed); the attempt is audited."""
        self._customers.read_scope(actor)  # refuses (audited) a role that reads no customer
        with self._store.reader() as plain:
            contract = contract_repos(plain).contracts.get(int(contract_id))
        if contract is None:
            raise NotFound("No such contract.")
        try:
            customer, scope = self._customers.visible(actor, contract.customer_id)
        except NotFound:
            self._audit(actor, AuditEvent("contract.denied", "contract", str(contract_id),
                                          outcome="denied"))
            raise NotFound("No such contract.") from None
        return contract, customer, scope

    def _writable(self, actor: User, contract_id: int,
                  permission: Permission = Permission.CONTRACT_WRITE,
                  ) -> tuple[Contract, Customer, Scope]:
        """Permission, then row access, then the right to edit the customer: drafting and
        changing a contract is governed like editing the customer it binds."""
        self._guard.require(actor, permission, "contract", str(contract_id))
        contract, customer, scope = self._readable(actor, contract_id)
        if not can_edit(self._stored(actor), scope, customer):
            self._deny(actor, permission, contract.id)
        return contract, customer, scope

    def _deny(self, actor: User, permission: Permission, contract_id: int | None,
              reason: str = "", action: str | None = None) -> None:
        details: dict[str, Any] = {"permission": permission.value}
        if reason:
            details["reason"] = reason
        self._audit(actor, AuditEvent("permission.denied", "contract",
                                      "" if contract_id is None else str(contract_id),
                                      details, outcome="denied"))
        raise PermissionDenied(action or PERMISSION_ACTIONS[permission])

    def _audit(self, actor: User, event: AuditEvent) -> None:
        with self._store.transaction() as repos:
            append(repos, actor, event, self._clock())

    def _publish(self) -> None:
        self._bus.publish(Changes(customers=False, contracts=True))

    # -- transitions -------------------------------------------------------------------------
    @staticmethod
    def _fresh(repos: ContractRepositories, seen: Contract) -> Contract:
        """The contract as stored inside the writing transaction; refuses if it moved since the
        checks were made on `seen`."""
        current = repos.contracts.get(seen.id)
        if current is None or (current.state, current.revision, current.review_round) != (
                seen.state, seen.revision, seen.review_round):
            raise ContractChanged()
        return current

    def _record(self, repos: ContractRepositories, actor: User, contract: Contract,
                verb: str, to_state: str, at: datetime, details: Mapping[str, Any] | None = None,
                step: str = "", comment: str = "", fingerprint: str = "",
                personal: Mapping[str, Any] | None = None) -> None:
        """The history row and the audit entry of one step (comments stay out of the trail:
        free text may hold personal data, and the trail can never be erased; `personal` text
        goes into it sealed under the customer's key)."""
        repos.contracts.add_event(ContractEvent(
            id=0, contract_id=contract.id, round=contract.review_round, at=at,
            actor_id=actor.id, actor_name=actor.name, action=verb, from_state=contract.state,
            to_state=to_state, step_role=step,
            comment=seal_comment(repos, contract.customer_id, comment), fingerprint=fingerprint))
        body = {"number": contract.number, "from": contract.state, "to": to_state,
                "revision": contract.revision}
        if step:
            body["step"] = step
        body.update(details or {})
        append(repos, actor, AuditEvent(
            f"contract.{verb}", "contract", str(contract.id), body, personal=dict(personal or {}),
            subject=f"customer:{contract.customer_id}" if personal else ""), at)

    def _move(self, actor: User, seen: Contract, action: Action, verb: str,
              details: Mapping[str, Any] | None = None, comment: str = "", step: str = "",
              check: Callable[[ContractRepositories, Contract], None] | None = None,
              fingerprint: str = "", personal: Mapping[str, Any] | None = None,
              **changes: Any) -> Contract:
        """Apply a life-cycle transition (state checked by the workflow table), with its
        history row and audit entry, in one transaction."""
        to_state = next_state(ContractState(seen.state), action)
        now = self._clock()
        with self._store.transaction() as plain:
            repos = contract_repos(plain)
            current = self._fresh(repos, seen)
            if check is not None:
                check(repos, current)
            stored = repos.contracts.update_workflow(dataclasses.replace(
                current, state=to_state.value, updated_at=now, **changes))
            self._record(repos, actor, current, verb, to_state.value, now, details,
                         step=step, comment=comment, fingerprint=fingerprint,
                         personal=personal)
        self._publish()
        return stored
