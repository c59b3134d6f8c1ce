"""The contract life cycle and approval rules (issue 4, point 4), table-driven: every state ×
every action, every rule boundary, and the graph property that nothing reaches `signed`
without passing through `approved` after its last edit."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.contracts.risk import RiskLevel
from core.contracts.workflow import (
    DEFAULT_RULES,
    TRANSITIONS,
    Action,
    ApprovalFacts,
    ApprovalRule,
    ApproverRole,
    ContractState,
    IllegalTransition,
    allowed_actions,
    applicable_rules,
    next_approval,
    next_state,
    required_approvals,
    role_can_approve,
    transitions_table,
)
from core.errors import StrongroomError
from core.roles import Role

S, A = ContractState, Action
M, F, ADM = ApproverRole.MANAGER, ApproverRole.FINANCE, ApproverRole.ADMINISTRATOR

# The whole life cycle as the issue states it; anything not here must be refused.
EXPECTED = {
    (S.DRAFT, A.SUBMIT): S.IN_REVIEW,
    (S.DRAFT, A.EDIT): S.DRAFT,
    (S.IN_REVIEW, A.APPROVE): S.APPROVED,
    (S.IN_REVIEW, A.REJECT): S.REJECTED,
    (S.IN_REVIEW, A.EDIT): S.DRAFT,
    (S.REJECTED, A.EDIT): S.DRAFT,
    (S.APPROVED, A.EDIT): S.DRAFT,
    (S.APPROVED, A.SIGN): S.SIGNED,
    (S.SIGNED, A.ACTIVATE): S.ACTIVE,
    (S.SIGNED, A.TERMINATE): S.TERMINATED,
    (S.ACTIVE, A.COMPLETE): S.COMPLETED,
    (S.ACTIVE, A.TERMINATE): S.TERMINATED,
}

ALL_PAIRS = list(itertools.product(ContractState, Action))


def test_the_table_is_exactly_the_expected_life_cycle() -> None:
    assert dict(TRANSITIONS) == EXPECTED


@pytest.mark.parametrize(("state", "action"), ALL_PAIRS, ids=lambda v: str(v))
def test_every_state_and_action(state: ContractState, action: Action) -> None:
    if (state, action) in EXPECTED:
        assert next_state(state, action) is EXPECTED[state, action]
        assert action in allowed_actions(state)
        return
    assert action not in allowed_actions(state)
    with pytest.raises(IllegalTransition) as caught:
        next_state(state, action)
    error = caught.value
    assert isinstance(error, StrongroomError)
    assert (error.state, error.action) == (state, action)
    message = str(error)
    # A sentence a person can act on: it names what was tried and ends properly.
    assert "cannot be" in message and message.endswith(".")
    assert "_" not in message and "  " not in message


def test_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[S.DRAFT, A.SIGN] = S.SIGNED  # type: ignore[index]


@pytest.mark.parametrize(("state", "action", "expected"), [
    (S.IN_REVIEW, A.SIGN, "A contract in review cannot be signed; it must be approved first."),
    (S.DRAFT, A.SIGN, "A draft contract cannot be signed; it must be submitted for review and "
                      "approved first."),
    (S.SIGNED, A.EDIT, "A signed contract cannot be edited; make an amendment (a new, linked "
                       "version) instead."),
    (S.APPROVED, A.APPROVE, "An approved contract cannot be approved; it is already approved."),
    (S.COMPLETED, A.TERMINATE, "A completed contract cannot be terminated; it is closed."),
    (S.DRAFT, A.ACTIVATE, "A draft contract cannot be activated; only a contract that is signed "
                          "can be activated."),
])
def test_refusals_explain_themselves(state: ContractState, action: Action, expected: str) -> None:
    with pytest.raises(IllegalTransition, match="^" + expected.replace("(", r"\(")
                       .replace(")", r"\)") + "$"):
        next_state(state, action)


def test_stored_strings_are_accepted() -> None:
    assert next_state("approved", "sign") is S.SIGNED  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        next_state("approved", "approve-twice")  # type: ignore[arg-type]


def test_transitions_table_lists_every_row_once_in_order() -> None:
    rows = transitions_table()
    assert {(s, a): to for s, a, to in rows} == EXPECTED
    assert len(rows) == len(EXPECTED)
    order = [(list(ContractState).index(s), list(Action).index(a)) for s, a, _ in rows]
    assert order == sorted(order)


def _reachable(start: ContractState, avoiding: set[ContractState]) -> set[ContractState]:
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for (source, _), target in TRANSITIONS.items():
            if source is state and target not in seen and target not in avoiding:
                seen.add(target)
                todo.append(target)
    return seen


def test_no_path_signs_without_approval() -> None:
    # Removing `approved` from the graph must cut every path from draft to signed.
    assert S.SIGNED not in _reachable(S.DRAFT, avoiding={S.APPROVED})
    assert {source for (source, action), _ in TRANSITIONS.items() if action is A.SIGN} \
        == {S.APPROVED}


@given(st.lists(st.sampled_from(list(Action)), max_size=30))
def test_any_sequence_of_actions_signs_only_right_after_approval(actions: list[Action]) -> None:
    # Whatever a user tries, in any order, `signed` is entered only from `approved`, and
    # `approved` only from review: an edit in between always sends it back to draft.
    state = S.DRAFT
    for action in actions:
        try:
            after = next_state(state, action)
        except IllegalTransition:
            continue
        if after is S.SIGNED:
            assert state is S.APPROVED
        if after is S.APPROVED:
            assert state is S.IN_REVIEW
        if action is A.EDIT:
            assert after is S.DRAFT
        state = after


@pytest.mark.parametrize("state", [S.SIGNED, S.ACTIVE, S.COMPLETED, S.TERMINATED])
def test_signed_contracts_cannot_be_edited_or_reapproved(state: ContractState) -> None:
    for action in (A.EDIT, A.SUBMIT, A.APPROVE, A.REJECT, A.SIGN):
        with pytest.raises(IllegalTransition):
            next_state(state, action)


@pytest.mark.parametrize("state", [S.COMPLETED, S.TERMINATED])
def test_closed_contracts_allow_nothing(state: ContractState) -> None:
    assert allowed_actions(state) == ()


# --- Approval rules ---------------------------------------------------------------------

def facts(total: str = "1000", discount: str = "0", risk: RiskLevel = RiskLevel.LOW,
          nonstandard: bool = False, currency: str = "CNY") -> ApprovalFacts:
    return ApprovalFacts(Decimal(total), Decimal(discount), risk, nonstandard, currency)


@pytest.mark.parametrize(("case", "expected"), [
    (facts(), (M,)),
    (facts(total="0"), (M,)),
    (facts(total="99999.99"), (M,)),
    (facts(total="100000"), (M, F)),
    (facts(total="100000.00"), (M, F)),
    (facts(total="999999.99"), (M, F)),
    (facts(total="1000000"), (M, F, ADM)),
    (facts(total="50000000"), (M, F, ADM)),
    (facts(discount="0.30"), (M,)),
    (facts(discount="0.3000001"), (M, ADM)),
    (facts(discount="1"), (M, ADM)),
    (facts(risk=RiskLevel.MEDIUM), (M, F)),
    (facts(risk=RiskLevel.HIGH), (M, F, ADM)),
    (facts(nonstandard=True), (M, ADM)),
    (facts(total="150000", nonstandard=True), (M, F, ADM)),
    (facts(total="150000", discount="0.35"), (M, F, ADM)),
    (facts(risk=RiskLevel.HIGH, nonstandard=True, total="2000000", discount="0.5"),
     (M, F, ADM)),
    # Thresholds are CNY, translated roughly (rounded down) into other currencies; an amount
    # in a currency with no rate counts as over them (fail closed).
    (facts(total="10", currency=" cny "), (M,)),
    (facts(total="13999.99", currency="USD"), (M,)),
    (facts(total="14000", currency="USD"), (M, F)),
    (facts(total="140000", currency="usd"), (M, F, ADM)),
    (facts(total="2099999", currency="JPY"), (M,)),
    (facts(total="2100000", currency="JPY"), (M, F)),
    (facts(total="10", currency="XAU"), (M, F, ADM)),
])
def test_required_approvals(case: ApprovalFacts, expected: tuple[ApproverRole, ...]) -> None:
    assert required_approvals(case) == expected


def test_applicable_rules_say_why() -> None:
    names = [rule.name for rule in applicable_rules(facts(total="150000", nonstandard=True))]
    assert names == [DEFAULT_RULES[0].name, DEFAULT_RULES[1].name, DEFAULT_RULES[3].name]
    assert "legal" in names[-1]


def test_manager_is_required_even_when_rules_forget_it() -> None:
    assert required_approvals(facts(), rules=()) == (M,)
    only_finance = (ApprovalRule("Finance sees everything", F, always=True),)
    assert required_approvals(facts(), rules=only_finance) == (M, F)


def test_custom_rules_are_data() -> None:
    rules = (ApprovalRule("Big", ADM, total_at_least=Decimal("10")),)
    assert required_approvals(facts(total="9.99"), rules) == (M,)
    assert required_approvals(facts(total="10"), rules) == (M, ADM)


@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2),
    discount=st.decimals(min_value=0, max_value=1, places=4),
    risk=st.sampled_from(list(RiskLevel)),
    nonstandard=st.booleans(),
    currency=st.sampled_from(["CNY", "USD", "JPY", "XAU"]),
    rules=st.lists(st.sampled_from(DEFAULT_RULES), max_size=6),
)
def test_required_approvals_are_ordered_unique_and_start_with_manager(
    total: Decimal, discount: Decimal, risk: RiskLevel, nonstandard: bool, currency: str,
    rules: list[ApprovalRule],
) -> None:
    case = ApprovalFacts(total, discount, risk, nonstandard, currency)
    for ruleset in (DEFAULT_RULES, tuple(rules), tuple(reversed(rules))):
        steps = required_approvals(case, ruleset)
        assert steps[0] is M
        assert len(set(steps)) == len(steps)
        assert list(steps) == sorted(steps, key=list(ApproverRole).index)
    # Rule order never changes the outcome.
    assert required_approvals(case, tuple(rules)) == required_approvals(case, rules[::-1])


@given(total=st.decimals(min_value=0, max_value=10**8, places=2),
       more=st.decimals(min_value=0, max_value=10**8, places=2),
       risk=st.sampled_from(list(RiskLevel)), nonstandard=st.booleans())
def test_a_larger_or_riskier_contract_never_needs_fewer_approvals(
    total: Decimal, more: Decimal, risk: RiskLevel, nonstandard: bool,
) -> None:
    base = set(required_approvals(ApprovalFacts(total, Decimal(0), risk, nonstandard)))
    assert base <= set(required_approvals(ApprovalFacts(total + more, Decimal(0), risk,
                                                        nonstandard)))
    assert base <= set(required_approvals(ApprovalFacts(total, Decimal(0), RiskLevel.HIGH,
                                                        nonstandard)))
    assert base <= set(required_approvals(ApprovalFacts(total, Decimal(0), risk, True)))


CAN_APPROVE = {
    (Role.SALES_MANAGER, M), (Role.ADMINISTRATOR, M),
    (Role.FINANCE, F), (Role.ADMINISTRATOR, F),
    (Role.ADMINISTRATOR, ADM),
}


@pytest.mark.parametrize(("role", "step"), list(itertools.product(Role, ApproverRole)),
                         ids=lambda v: str(v))
def test_role_can_approve_every_role_and_step(role: Role, step: ApproverRole) -> None:
    assert role_can_approve(role, step) is ((role, step) in CAN_APPROVE)


def test_reps_and_auditors_approve_nothing() -> None:
    for step in ApproverRole:
        assert not role_can_approve(Role.SALES_REP, step)
        assert not role_can_approve(Role.AUDITOR, step)


def test_next_approval_walks_the_steps_in_order() -> None:
    required = (M, F, ADM)
    assert next_approval(required, ()) is M
    assert next_approval(required, (M,)) is F
    assert next_approval(required, (M, F)) is ADM
    assert next_approval(required, (M, F, ADM)) is None
    assert next_approval((M,), (M,)) is None


@pytest.mark.parametrize("done", [(F,), (M, ADM), (M, M), (M, F, ADM, ADM)])
def test_next_approval_refuses_steps_out_of_order(done: tuple[ApproverRole, ...]) -> None:
    with pytest.raises(ValueError):
        next_approval((M, F, ADM), done)
