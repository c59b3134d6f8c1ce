"""What the contract detail reads (on a worker, in one go) and which actions it offers: the
state's allowed actions (core's workflow table) crossed with the user's permissions. Core still
decides every action; a refusal comes back as a message."""

from __future__ import annotations

from dataclasses import dataclass

from core.contracts.archive import AMENDABLE, RENEWABLE
from core.contracts.clauses import ClauseDiff
from core.contracts.model import (
    ApprovalProgress,
    Contract,
    ContractEvent,
    ContractFilter,
)
from core.contracts.workflow import Action, ContractState, allowed_actions
from core.roles import Permission
from core.session import Session

EDIT, SUBMIT, ACTIVATE, COMPLETE, TERMINATE, AMEND, RENEW, DECIDE = (
    "edit", "submit", "activate", "complete", "terminate", "amend", "renew", "decide")
_BY_ACTION = {EDIT: Action.EDIT, SUBMIT: Action.SUBMIT, ACTIVATE: Action.ACTIVATE,
              COMPLETE: Action.COMPLETE, TERMINATE: Action.TERMINATE}


@dataclass(frozen=True)
class RiskView:
    score: int
    level: str
    reasons: tuple[tuple[str, int], ...]  # (message, points)
    stored: bool  # assessed at submission (else a preview of what submitting would store)


@dataclass(frozen=True)
class Snapshot:
    contract: Contract
    customer_name: str
    events: tuple[ContractEvent, ...]
    progress: ApprovalProgress
    diffs: tuple[ClauseDiff, ...]
    risk: RiskView | None
    can_decide: bool  # core lists it among the contracts awaiting the user's approval


def read_snapshot(session: Session, contract_id: int) -> Snapshot:
    """Everything the detail shows (runs on a worker)."""
    service, actor = session.contracts, session.user
    contract = service.get(actor, contract_id)
    # The list row of this contract carries the customer's name; reading the customer itself
    # would record a "customer viewed" audit entry every time the detail refreshes.
    rows = service.page(actor, ContractFilter(customer_id=contract.customer_id),
                        before_id=contract.id + 1, limit=1)
    name = rows[0].customer_name if rows and rows[0].id == contract.id else ""
    if contract.risk is not None:
        risk: RiskView | None = RiskView(contract.risk.score, contract.risk.level, tuple(
            (message, points) for _code, message, points in contract.risk.reasons), True)
    else:
        assessed = service.risk_preview(actor, contract_id)
        risk = RiskView(assessed.score, str(assessed.level),
                        tuple((r.message, r.points) for r in assessed.reasons), False)
    can_decide = (contract.state == ContractState.IN_REVIEW.value
                  and session.can(Permission.CONTRACT_APPROVE)
                  and any(s.id == contract.id for s in service.awaiting_approval(actor)))
    return Snapshot(contract, name, tuple(service.history(actor, contract_id)),
                    service.approval_progress(actor, contract_id),
                    tuple(service.clause_diffs(actor, contract_id)), risk, can_decide)


def offered(session: Session, contract: Contract) -> dict[str, bool]:
    """Which action buttons to show for the contract's state and the user's role."""
    write = session.can(Permission.CONTRACT_WRITE)
    allowed = set(allowed_actions(ContractState(contract.state)))
    result = {key: write and action in allowed for key, action in _BY_ACTION.items()}
    result[AMEND] = write and contract.state in AMENDABLE
    result[RENEW] = write and contract.state in RENEWABLE
    result[DECIDE] = (session.can(Permission.CONTRACT_APPROVE)
                      and contract.state == ContractState.IN_REVIEW.value)
    return result
