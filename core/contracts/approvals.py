"""Submitting for review (risk assessed, approval steps decided) and approving or rejecting step
by step: the approver holds CONTRACT_APPROVE and the step's role, had no hand in writing the
contract, approves no other step of the same round, and types their password again."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

from core.audit import AuditEvent
from core.contracts.base import ContractChanged
from core.contracts.credit_hold import (
    MAX_OVERRIDE_REASON,
    CreditHold,
    OverrideReasonNeeded,
    hold_for,
)
from core.contracts.drafting import clean_block
from core.contracts.library import QUALIFICATION_LABELS, REQUIRED_QUALIFICATIONS
from core.contracts.model import Contract, ContractFilter, ContractSummary, RiskRecord
from core.contracts.ports import ContractRepositories, contract_repos
from core.contracts.reading import MAX_PAGE, ReadingOps, current_approvals
from core.contracts.risk import RiskAssessment, RiskInputs, RiskPolicy, assess
from core.contracts.schedule import check_schedule, payment_days
from core.contracts.workflow import (
    Action,
    ApprovalFacts,
    ApproverRole,
    ContractState,
    next_approval,
    next_state,
    required_approvals,
    role_can_approve,
)
from core.customers.model import Customer
from core.errors import InvalidInput
from core.roles import Permission
from core.users import User

MAX_COMMENT = 2000
SIGNED = (ContractState.SIGNED.value, ContractState.ACTIVE.value,
          ContractState.COMPLETED.value, ContractState.TERMINATED.value)
# Whoever wrote or changed a contract cannot also approve it.
AUTHORING = frozenset({"drafted", "edited", "submitted"})
# The parties are read live from the customer record and the company settings, so the printed
# content can change without an edit of the contract; approvals record the fingerprint they saw.
CHANGED_AFTER_APPROVAL = ("The customer or company details changed after approval: submit it "
                          "again.")
ANONYMISED = ("This customer has been anonymised: its contracts can no longer be submitted, "
              "approved or signed.")


class ApprovalOps(ReadingOps):
    risk_policy = RiskPolicy()

    # -- risk --------------------------------------------------------------------------------
    def _risk_inputs(self, contract: Contract, customer: Customer) -> RiskInputs:
        with self._store.reader() as plain:
            repos = contract_repos(plain)
            credit = repos.credit.available_credit(customer.id, contract.currency)
            rating = repos.credit.rating(customer.id)
            held = repos.qualifications.for_customer(customer.id)
            earlier = repos.contracts.has_signed(customer.id, contract.id, SIGNED)
        on = contract.contract_date
        missing, expired = [], []
        for kind in REQUIRED_QUALIFICATIONS.get(customer.kind, ()):
            documents = [q for q in held if q.kind == kind]
            if not documents:
                missing.append(QUALIFICATION_LABELS[kind])
            elif all(q.expired(on) for q in documents):
                expired.append(QUALIFICATION_LABELS[kind])
        return RiskInputs(
            total=contract.gross, currency=contract.currency, available_credit=credit,
            max_discount=max((i.discount for i in contract.items), default=Decimal(0)),
            payment_days=payment_days(contract.instalments, contract.contract_date),
            nonstandard_clauses=tuple(c.title for c in contract.nonstandard_clauses),
            customer_rating=rating, missing_qualifications=tuple(missing),
            expired_qualifications=tuple(expired), new_customer=not earlier)

    def credit_hold(self, actor: User, contract_id: int) -> CreditHold | None:
        """Whether the contract is held for exceeding the customer's available credit now."""
        contract, customer, _scope = self._readable(actor, contract_id)
        return self._hold(contract, customer)

    def _hold(self, contract: Contract, customer: Customer) -> CreditHold | None:
        inputs = self._risk_inputs(contract, customer)
        return hold_for(inputs.total, inputs.currency, inputs.available_credit)

    def risk_preview(self, actor: User, contract_id: int) -> RiskAssessment:
        """The assessment submitting now would store (nothing is written)."""
        contract, customer, _scope = self._readable(actor, contract_id)
        return assess(self._risk_inputs(contract, customer), self.risk_policy)

    # -- submit ------------------------------------------------------------------------------
    def submit(self, actor: User, contract_id: int, comment: str = "") -> Contract:
        """Draft → in review: checks the contract is complete, assesses its risk and decides
        the approval steps; a new review round begins."""
        contract, customer, _scope = self._writable(actor, contract_id)
        next_state(ContractState(contract.state), Action.SUBMIT)
        if customer.anonymised:
            raise InvalidInput(ANONYMISED)
        self._check_complete(contract)
        assessment = assess(self._risk_inputs(contract, customer), self.risk_policy)
        steps = required_approvals(ApprovalFacts(
            total=contract.gross, currency=contract.currency,
            max_discount=max((i.discount for i in contract.items), default=Decimal(0)),
            risk_level=assessment.level, nonstandard=bool(contract.nonstandard_clauses)))
        risk = RiskRecord(assessment.score, assessment.level.value,
                          tuple((r.code, r.message, r.points) for r in assessment.reasons))
        return self._move(actor, contract, Action.SUBMIT, "submitted", {
            "risk_level": risk.level, "risk_score": risk.score,
            "risk_reasons": [r.code for r in assessment.reasons],
            "steps": [s.value for s in steps], "gross": str(contract.gross),
            "currency": contract.currency}, comment=clean_comment(comment),
            review_round=contract.review_round + 1, approval_steps=tuple(s.value for s in steps),
            risk=risk)

    def _check_complete(self, contract: Contract) -> None:
        if not contract.items:
            raise InvalidInput("Add at least one line item before submitting.")
        if contract.gross <= 0:
            raise InvalidInput("A contract submitted for review needs a total above zero.")
        check_schedule(contract.instalments, contract.gross, contract.currency)
        document = self._document(contract, self._customers_get(contract))
        if document.unknown_variables:
            raise InvalidInput("The text still has unfilled placeholders: " + ", ".join(
                "{" + v + "}" for v in document.unknown_variables) + ".")

    def _customers_get(self, contract: Contract) -> Customer:
        with self._store.reader() as repos:
            customer = repos.customers.get(contract.customer_id)  # type: ignore[attr-defined]
        assert customer is not None
        return customer

    def awaiting_approval(self, actor: User) -> list[ContractSummary]:
        """Contracts in review whose pending step the actor may take now (their role, not
        written or changed by them, no step of the round already theirs), newest first."""
        self._guard.require(actor, Permission.CONTRACT_APPROVE)
        scope = self._customers.read_scope(actor)
        current = self._stored(actor)
        out = []
        with self._store.reader() as plain:
            repos = contract_repos(plain)
            for summary in repos.contracts.page(scope, ContractFilter(
                    state=ContractState.IN_REVIEW.value), None, MAX_PAGE):
                contract = repos.contracts.get(summary.id)
                if contract is None or contract.author_id == current.id:
                    continue
                events = repos.contracts.events(contract.id)
                approved = current_approvals(contract, events)
                step = next_approval(contract.approval_steps, [e.step_role for e in approved])
                if step is None or not role_can_approve(current.role, ApproverRole(step)):
                    continue
                if any(e.actor_id == current.id and (e.action in AUTHORING or e in approved)
                       for e in events):
                    continue
                out.append(summary)
        return out

    # -- decide ------------------------------------------------------------------------------
    def approve(self, actor: User, contract_id: int, password: str,
                comment: str = "", override_reason: str = "") -> Contract:
        """Approve the current step. The last step makes the contract approved; when the
        contract is on credit hold, only with `override_reason`, from someone who may manage
        credit."""
        contract, step, final = self._decision(actor, contract_id, password, Action.APPROVE)
        customer = self._customers_get(contract)
        # What this approver approves: the content as printed now (parties included).
        fingerprint = self._document(contract, customer).fingerprint
        if not final:
            return self._step(actor, contract, step, clean_comment(comment), fingerprint)
        details: dict[str, object] = {"final": True, "round": contract.review_round,
                                      "fingerprint": fingerprint}
        personal: dict[str, str] = {}
        hold = self._hold(contract, customer)
        if hold is not None:
            reason = clean_block(override_reason or "", MAX_OVERRIDE_REASON)
            if not reason:
                raise OverrideReasonNeeded(hold)
            if not self._guard.allowed(self._stored(actor), Permission.CREDIT_MANAGE):
                self._deny(actor, Permission.CREDIT_MANAGE, contract.id, "credit_override",
                           "override a credit hold")
            details["credit_override"] = hold.audit_details()
            personal["credit_override_reason"] = reason
        return self._move(actor, contract, Action.APPROVE, "approved", details,
                          comment=clean_comment(comment), step=step,
                          check=_still_covered(step, fingerprint, overridden=hold is not None),
                          fingerprint=fingerprint, personal=personal)

    def reject(self, actor: User, contract_id: int, password: str, comment: str) -> Contract:
        """Reject at the current step; a comment saying why is required."""
        text = clean_comment(comment)
        if not text:
            raise InvalidInput("Say why the contract is rejected (a comment is required).")
        contract, step, _final = self._decision(actor, contract_id, password, Action.REJECT)
        return self._move(actor, contract, Action.REJECT, "rejected", {
            "round": contract.review_round}, comment=text, step=step,
            check=_still_pending(step))

    def _decision(self, actor: User, contract_id: int, password: str,
                  action: Action) -> tuple[Contract, str, bool]:
        self._guard.require(actor, Permission.CONTRACT_APPROVE, "contract", str(contract_id))
        contract, customer, _scope = self._readable(actor, contract_id)
        next_state(ContractState(contract.state), action)
        if action == Action.APPROVE and customer.anonymised:
            raise InvalidInput(ANONYMISED)
        current = self._stored(actor)
        with self._store.reader() as plain:
            events = contract_repos(plain).contracts.events(contract.id)
        approved = current_approvals(contract, events)
        step = next_approval(contract.approval_steps, [e.step_role for e in approved])
        if step is None:  # in review with every step done cannot happen; refuse, never approve
            raise InvalidInput("This contract has no approval step pending.")
        verb = "approve" if action == Action.APPROVE else "reject"
        if contract.author_id == current.id or any(
                e.actor_id == current.id and e.action in AUTHORING for e in events):
            self._deny(actor, Permission.CONTRACT_APPROVE, contract.id, "author",
                       f"{verb} a contract you wrote or changed")
        if any(e.actor_id == current.id for e in approved):
            self._deny(actor, Permission.CONTRACT_APPROVE, contract.id, "second_step",
                       f"{verb} a second step of the same review")
        if not role_can_approve(current.role, ApproverRole(step)):
            self._deny(actor, Permission.CONTRACT_APPROVE, contract.id, f"step:{step}",
                       f"{verb} the {step} step of this contract")
        self._check_password(current, contract, password, verb)
        return contract, str(step), len(approved) + 1 == len(contract.approval_steps)

    def _check_password(self, user: User, contract: Contract, password: str, verb: str) -> None:
        """The approver proves again who they are: the same key-slot unwrap as a login."""
        self._reauth.check(user, password, AuditEvent(
            f"contract.{verb}_failed", "contract", str(contract.id), {"reason": "password"},
            outcome="failed"))

    def _step(self, actor: User, contract: Contract, step: str, comment: str,
              fingerprint: str) -> Contract:
        """An intermediate approval: recorded, the contract stays in review."""
        now = self._clock()
        with self._store.transaction() as plain:
            repos = contract_repos(plain)
            current = self._fresh(repos, contract)
            _still_pending(step, fingerprint)(repos, current)
            stored = repos.contracts.update_workflow(dataclasses.replace(current,
                                                                         updated_at=now))
            self._record(repos, actor, current, "approved", current.state, now,
                         {"final": False, "round": current.review_round,
                          "fingerprint": fingerprint}, step=step, comment=comment,
                         fingerprint=fingerprint)
        self._publish()
        return stored


def clean_comment(text: str) -> str:
    return clean_block(text or "", MAX_COMMENT)


def _still_covered(step: str, fingerprint: str, overridden: bool,
                   ) -> Callable[[ContractRepositories, Contract], None]:
    """`_still_pending`, and the credit judged again inside the writing transaction: another
    contract of the customer approved between the judgement and the write (a second window)
    may have used the credit this one counted on."""
    pending = _still_pending(step, fingerprint)

    def check(repos: ContractRepositories, current: Contract) -> None:
        pending(repos, current)
        if overridden:
            return  # the approver already gave the reason for going over
        hold = hold_for(current.gross, current.currency,
                        repos.credit.available_credit(current.customer_id, current.currency))
        if hold is not None:
            raise OverrideReasonNeeded(hold)
    return check


def _still_pending(step: str, fingerprint: str | None = None,
                   ) -> Callable[[ContractRepositories, Contract], None]:
    """Inside the writing transaction: the step decided is still the one pending (two
    approvers clicking at once must not both take it), and, for an approval, the earlier
    steps of the round approved the same content (`fingerprint`)."""
    def check(repos: ContractRepositories, current: Contract) -> None:
        approvals = current_approvals(current, repos.contracts.events(current.id))
        if next_approval(current.approval_steps, [e.step_role for e in approvals]) != step:
            raise ContractChanged()
        if fingerprint is not None and any(e.fingerprint != fingerprint for e in approvals):
            raise InvalidInput(CHANGED_AFTER_APPROVAL)
    return check
