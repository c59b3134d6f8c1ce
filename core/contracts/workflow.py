"""The contract life cycle and who must approve a contract, both kept as data.

States move only along `TRANSITIONS`; anything else raises `IllegalTransition`. The only way
into `signed` is from `approved`, and every edit returns the contract to `draft`, so no path
signs a contract that was changed after its approval (tests/core/test_contract_workflow.py
walks the graph to prove it).

Approval is several steps (manager, then finance, then administrator, as the rules require),
but one transition: the service records an `Action.APPROVE` per step and calls
`next_state(IN_REVIEW, APPROVE)` only when the last required step is approved; until then the
contract stays in review. Who wrote the contract, and the re-entered password, are the
service's checks, not this module's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from core.contracts.risk import HOME_CURRENCY, ROUGH_CNY_RATES, RiskLevel, threshold_in
from core.errors import StrongroomError
from core.roles import Role


class ContractState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    SIGNED = "signed"
    ACTIVE = "active"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class Action(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    EDIT = "edit"
    SIGN = "sign"
    ACTIVATE = "activate"
    COMPLETE = "complete"
    TERMINATE = "terminate"


S, A = ContractState, Action

TRANSITIONS: Mapping[tuple[ContractState, Action], ContractState] = MappingProxyType({
    (S.DRAFT, A.SUBMIT): S.IN_REVIEW,
    (S.DRAFT, A.EDIT): S.DRAFT,
    (S.IN_REVIEW, A.APPROVE): S.APPROVED,  # at the last required step only (see above)
    (S.IN_REVIEW, A.REJECT): S.REJECTED,
    (S.IN_REVIEW, A.EDIT): S.DRAFT,  # withdraws it from review
    (S.REJECTED, A.EDIT): S.DRAFT,
    (S.APPROVED, A.EDIT): S.DRAFT,  # the approval is void: it must be submitted again
    (S.APPROVED, A.SIGN): S.SIGNED,
    (S.SIGNED, A.ACTIVATE): S.ACTIVE,
    (S.SIGNED, A.TERMINATE): S.TERMINATED,
    (S.ACTIVE, A.COMPLETE): S.COMPLETED,
    (S.ACTIVE, A.TERMINATE): S.TERMINATED,
})

TERMINAL_STATES = frozenset({S.COMPLETED, S.TERMINATED})
# After signing the document is immutable; changes are amendments (new, linked versions).
SIGNED_STATES = frozenset({S.SIGNED, S.ACTIVE, S.COMPLETED, S.TERMINATED})

STATE_PHRASES: Mapping[ContractState, str] = MappingProxyType({
    S.DRAFT: "A draft contract",
    S.IN_REVIEW: "A contract in review",
    S.APPROVED: "An approved contract",
    S.REJECTED: "A rejected contract",
    S.SIGNED: "A signed contract",
    S.ACTIVE: "An active contract",
    S.COMPLETED: "A completed contract",
    S.TERMINATED: "A terminated contract",
})

ACTION_PARTICIPLES: Mapping[Action, str] = MappingProxyType({
    A.SUBMIT: "submitted for review",
    A.APPROVE: "approved",
    A.REJECT: "rejected",
    A.EDIT: "edited",
    A.SIGN: "signed",
    A.ACTIVATE: "activated",
    A.COMPLETE: "completed",
    A.TERMINATE: "terminated",
})

# Hints for the refusals people will actually meet; the rest get one derived from the table.
_HINTS: Mapping[tuple[ContractState, Action], str] = MappingProxyType({
    (S.DRAFT, A.SIGN): "it must be submitted for review and approved first",
    (S.DRAFT, A.APPROVE): "it must be submitted for review first",
    (S.DRAFT, A.REJECT): "it has not been submitted for review",
    (S.IN_REVIEW, A.SIGN): "it must be approved first",
    (S.APPROVED, A.SUBMIT): "it is already approved",
    (S.REJECTED, A.SUBMIT): "edit it first, which returns it to draft",
    (S.REJECTED, A.APPROVE): "edit it and submit it again first",
    (S.REJECTED, A.SIGN): "edit it, submit it again and have it approved first",
})


class IllegalTransition(StrongroomError):
    def __init__(self, state: ContractState, action: Action) -> None:
        self.state, self.action = state, action
        super().__init__(
            f"{STATE_PHRASES[state]} cannot be {ACTION_PARTICIPLES[action]}; "
            f"{_hint(state, action)}."
        )


def _hint(state: ContractState, action: Action) -> str:
    if (state, action) in _HINTS:
        return _HINTS[state, action]
    if state in TERMINAL_STATES:
        return "it is closed"
    if state in {to for (_, a), to in TRANSITIONS.items() if a is action}:
        return f"it is already {_STATE_PREDICATES[state]}"
    if action is A.EDIT and state in SIGNED_STATES:
        return "make an amendment (a new, linked version) instead"
    sources = [_STATE_PREDICATES[s] for s in ContractState if (s, action) in TRANSITIONS]
    if not sources:  # every action has a source today; keep the message sane if one loses it
        return "no contract can be"
    listed = sources[0] if len(sources) == 1 else f"{', '.join(sources[:-1])} or {sources[-1]}"
    return f"only a contract that is {listed} can be {ACTION_PARTICIPLES[action]}"


_STATE_PREDICATES: Mapping[ContractState, str] = MappingProxyType({
    S.DRAFT: "a draft",
    S.IN_REVIEW: "in review",
    S.APPROVED: "approved",
    S.REJECTED: "rejected",
    S.SIGNED: "signed",
    S.ACTIVE: "active",
    S.COMPLETED: "completed",
    S.TERMINATED: "terminated",
})


def next_state(state: ContractState, action: Action) -> ContractState:
    """The state after `action`, or IllegalTransition. Both arguments are coerced from their
    string values, so stored text can be passed as it is."""
    state, action = ContractState(state), Action(action)
    try:
        return TRANSITIONS[state, action]
    except KeyError:
        raise IllegalTransition(state, action) from None


def allowed_actions(state: ContractState) -> tuple[Action, ...]:
    """The actions the table allows from `state`, in `Action` order (for enabling buttons)."""
    return tuple(a for a in Action if (ContractState(state), a) in TRANSITIONS)


def transitions_table() -> list[tuple[ContractState, Action, ContractState]]:
    """(from, action, to) rows in state and action order, for documentation and the UI."""
    return [(s, a, TRANSITIONS[s, a]) for s in ContractState for a in Action
            if (s, a) in TRANSITIONS]


# --- Approval ---------------------------------------------------------------------------


class ApproverRole(StrEnum):
    MANAGER = "manager"
    FINANCE = "finance"
    ADMINISTRATOR = "administrator"


APPROVAL_ORDER: tuple[ApproverRole, ...] = tuple(ApproverRole)

# Who may approve each step. Administrators may stand in for any step; nobody else may take a
# step above their role.
STEP_ROLES: Mapping[ApproverRole, frozenset[Role]] = MappingProxyType({
    ApproverRole.MANAGER: frozenset({Role.SALES_MANAGER, Role.ADMINISTRATOR}),
    ApproverRole.FINANCE: frozenset({Role.FINANCE, Role.ADMINISTRATOR}),
    ApproverRole.ADMINISTRATOR: frozenset({Role.ADMINISTRATOR}),
})

_RISK_RANK = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


@dataclass(frozen=True)
class ApprovalFacts:
    total: Decimal
    max_discount: Decimal  # largest line discount, a fraction 0..1
    risk_level: RiskLevel
    nonstandard: bool
    currency: str = HOME_CURRENCY


@dataclass(frozen=True)
class ApprovalRule:
    """Adds `role` when any of its conditions holds (or always). `total_at_least` is in the
    rule's currency; for a contract in another it is translated by rough rates (rounded down,
    so stricter), and for a currency with no rate the amount condition counts as met: an
    amount nobody can judge is not waved through."""

    name: str
    role: ApproverRole
    always: bool = False
    total_at_least: Decimal | None = None
    discount_above: Decimal | None = None
    risk_at_least: RiskLevel | None = None
    if_nonstandard: bool = False
    currency: str = HOME_CURRENCY
    rates: tuple[tuple[str, Decimal], ...] = ROUGH_CNY_RATES

    def total_threshold(self, currency: str) -> Decimal | None:
        if self.total_at_least is None:
            return None
        return threshold_in(currency, self.total_at_least, self.rates, self.currency)

    def applies(self, facts: ApprovalFacts) -> bool:
        if self.always:
            return True
        if self.total_at_least is not None:
            threshold = self.total_threshold(facts.currency)
            if threshold is None or facts.total >= threshold:
                return True
        if self.discount_above is not None and facts.max_discount > self.discount_above:
            return True
        if self.risk_at_least is not None and (
            _RISK_RANK[RiskLevel(facts.risk_level)] >= _RISK_RANK[self.risk_at_least]
        ):
            return True
        return self.if_nonstandard and facts.nonstandard


DEFAULT_RULES: tuple[ApprovalRule, ...] = (
    ApprovalRule("Every contract is approved by a sales manager", ApproverRole.MANAGER,
                 always=True),
    # A discount above the risk policy's 15% already makes the risk medium, so deep-ish
    # discounts reach finance through the risk level without a rule of their own.
    ApprovalRule("Amount of 100,000 CNY or more, or medium or high risk", ApproverRole.FINANCE,
                 total_at_least=Decimal("100000"), risk_at_least=RiskLevel.MEDIUM),
    ApprovalRule("Amount of 1,000,000 CNY or more, a discount above 30%, or high risk",
                 ApproverRole.ADMINISTRATOR, total_at_least=Decimal("1000000"),
                 discount_above=Decimal("0.30"), risk_at_least=RiskLevel.HIGH),
    ApprovalRule("Non-standard clauses need a legal check", ApproverRole.ADMINISTRATOR,
                 if_nonstandard=True),
)


def applicable_rules(facts: ApprovalFacts,
                     rules: Sequence[ApprovalRule] = DEFAULT_RULES) -> tuple[ApprovalRule, ...]:
    """The rules that apply, in the order given: the 'why' behind `required_approvals`."""
    return tuple(rule for rule in rules if rule.applies(facts))


def required_approvals(facts: ApprovalFacts,
                       rules: Sequence[ApprovalRule] = DEFAULT_RULES) -> tuple[ApproverRole, ...]:
    """The approval steps, in order manager → finance → administrator, each once. The manager
    step is always included, whatever the rules, so no contract is approved by nobody."""
    roles = {ApproverRole.MANAGER} | {rule.role for rule in applicable_rules(facts, rules)}
    return tuple(step for step in APPROVAL_ORDER if step in roles)


def role_can_approve(role: Role, step: ApproverRole) -> bool:
    return Role(role) in STEP_ROLES[ApproverRole(step)]


def next_approval(required: Sequence[ApproverRole],
                  done: Sequence[ApproverRole]) -> ApproverRole | None:
    """The next step to approve, or None when every step is done (then, and only then, apply
    `next_state(IN_REVIEW, APPROVE)`). `done` must be a prefix of `required`."""
    required, done = tuple(required), tuple(done)
    if done != required[:len(done)]:
        raise ValueError(f"Approvals {done} are not a prefix of the required steps {required}.")
    return required[len(done)] if len(done) < len(required) else None
