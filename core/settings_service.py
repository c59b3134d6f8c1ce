"""Reading and changing the vault's policies."""

from __future__ import annotations

from core.accounts import POLICY_KEY, current_policy
from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.policy import Policy
from core.ports import Store
from core.roles import Permission
from core.trail import Clock, Guard, append
from core.users import User


class PolicyService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus

    def get(self) -> Policy:
        with self._store.reader() as repos:
            return current_policy(repos)

    def update(self, actor: User, policy: Policy) -> Policy:
        self._guard.require(actor, Permission.POLICY_MANAGE, "policy", POLICY_KEY)
        policy = policy.validated()
        with self._store.transaction() as repos:
            before = current_policy(repos)
            if before == policy:
                return policy
            repos.settings.put(POLICY_KEY, policy.to_dict())
            changed = {k: {"before": v, "after": policy.to_dict()[k]}
                       for k, v in before.to_dict().items() if policy.to_dict()[k] != v}
            append(repos, actor, AuditEvent("config.changed", "policy", POLICY_KEY, changed),
                   self._clock())
        self._bus.publish(Changes(policy=True))
        return policy
