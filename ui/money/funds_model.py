"""What the Fund approvals page lists: the requests core lets the user see (pending, awaiting
their decision, decided), each with the names and the target it needs to be judged (the
customer, the instalment or receipt, who asked). Everything is read on a worker in one go; the
model holds ready-made cells and is wiped when the vault locks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication

from core.errors import StrongroomError
from core.money.funds_model import FundKind, FundRequest, FundState
from core.money.signals import HIGH, Signal
from core.roles import Permission
from core.session import Session
from ui.money.labels import amount, day_text
from ui.money.receivables_model import Cells, CellsModel

ID, KIND, CUSTOMER, AMOUNT, REASON, REQUESTER, APPROVALS, STATE, REQUESTED, WARNINGS = range(10)
AWAITING, PENDING, DECIDED = "awaiting", "pending", "decided"
LIMIT = 200


def _tr(text: str) -> str:
    return QCoreApplication.translate("Funds", text)


def kind_label(kind: FundKind | str) -> str:
    labels = {FundKind.REFUND: _tr("Refund"), FundKind.DISCOUNT: _tr("Discount after signing"),
              FundKind.REBATE: _tr("Rebate"), FundKind.PROVISION: _tr("Bad-debt provision"),
              FundKind.WRITE_OFF: _tr("Write-off")}
    return labels.get(FundKind(kind), str(kind))


def state_label(state: FundState | str) -> str:
    labels = {FundState.PENDING: _tr("Pending"), FundState.APPROVED: _tr("Approved"),
              FundState.REJECTED: _tr("Rejected"), FundState.CANCELLED: _tr("Cancelled")}
    return labels.get(FundState(state), str(state))


def decision_label(decision: str) -> str:
    labels = {"approved": _tr("approved"), "rejected": _tr("rejected"),
              "cancelled": _tr("cancelled")}
    return labels.get(decision, decision)


def when_text(moment: datetime) -> str:
    """Stored in UTC, shown in local time."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class FundRow:
    """A request with what the list shows beside it."""

    request: FundRequest
    customer: str
    requester: str
    target: str  # the instalment or receipt, in words
    warnings: tuple[Signal, ...] = ()  # core's fraud signals about it

    @property
    def approvals(self) -> int:
        return len(self.request.approvers)


@dataclass
class FundLists:
    awaiting: list[FundRow] = field(default_factory=list)
    pending: list[FundRow] = field(default_factory=list)
    decided: list[FundRow] = field(default_factory=list)


def fund_cells(row: FundRow) -> Cells:
    r = row.request
    return (str(r.id), kind_label(r.kind), row.customer, f"{amount(r.amount, r.currency)} "
            f"{r.currency}", " ".join(r.reason.split()), row.requester,
            _tr("{done} of {needed}").format(done=row.approvals, needed=r.approvals_needed),
            state_label(r.state), when_text(r.requested_at),
            _tr("{count} warning(s)").format(count=len(row.warnings)) if row.warnings else "")


def warning_lines(warnings: tuple[Signal, ...] | list[Signal]) -> list[str]:
    """Fraud signals for the approver: warnings to look into, never a block."""
    return [(_tr("⚠ High: {message}") if s.severity == HIGH else _tr("⚠ {message}")).format(
        message=s.message) for s in warnings]


class _Names:
    """Rows for a batch of requests: the target instalment or receipt is looked up through
    the services (each checks the user may see it)."""

    def __init__(self, session: Session) -> None:
        self._session, self._actor = session, session.user
        self._rows: dict[int, FundRow] = {}

    def row(self, request: FundRequest) -> FundRow:
        known = self._rows.get(request.id)
        if known is not None and known.request == request:
            return known  # pending requests are in two lists
        target = self._target(request)
        customer = request.customer_name or _tr("customer #{id}").format(
            id=request.customer_id)
        requester = request.requested_by_name or _tr("user #{id}").format(
            id=request.requested_by)
        # Only refunds raise signals: no read for the other kinds.
        warnings = tuple(self._session.funds.warnings(self._actor, request.id)) \
            if request.kind == FundKind.REFUND else ()
        self._rows[request.id] = FundRow(request, customer, requester, target, warnings)
        return self._rows[request.id]

    def _target(self, request: FundRequest) -> str:
        money, actor = self._session.money, self._actor
        try:
            if request.receivable_id is not None:
                found = money.receivable(actor, request.receivable_id)
                return _tr("{contract} due {due}, open {open}").format(
                    contract=found.contract_number, due=day_text(found.due),
                    open=f"{amount(found.open, found.currency)} {found.currency}")
            if request.receipt_id is not None:
                receipt = money.receipt(actor, request.receipt_id)
                return _tr("receipt #{id} of {day}, {amount} ({reference})").format(
                    id=receipt.id, day=day_text(receipt.received_on),
                    amount=f"{amount(receipt.amount, receipt.currency)} {receipt.currency}",
                    reference=receipt.reference or "-")
        except StrongroomError:
            pass
        return ""


def may_decide(session: Session, request: FundRequest) -> bool:
    """Approve or reject: core refuses the requester and a second approval by one person; the
    buttons follow the same rule so the requester never sees them on their own request."""
    return (session.can(Permission.FUND_APPROVE) and request.state == FundState.PENDING
            and request.requested_by != session.user.id
            and session.user.id not in request.approvers)


def may_cancel(session: Session, request: FundRequest) -> bool:
    return (session.can(Permission.FUND_REQUEST) and request.state == FundState.PENDING
            and request.requested_by == session.user.id)


def load_lists(session: Session) -> FundLists:
    """The three lists (on a worker): awaiting is empty for those who may not approve."""
    service, actor = session.funds, session.user
    names = _Names(session)
    lists = FundLists()
    if session.can(Permission.FUND_APPROVE):
        lists.awaiting = [names.row(r) for r in service.awaiting(actor)]
    lists.pending = [names.row(r) for r in service.requests(actor, FundState.PENDING,
                                                            limit=LIMIT)]
    lists.decided = [names.row(r) for r in service.requests(actor, None, limit=LIMIT)
                     if r.state != FundState.PENDING]
    return lists


def load_one(session: Session, request_id: int) -> FundRow:
    return _Names(session).row(session.funds.get(session.user, request_id))


class FundsModel(CellsModel):
    """One of the lists; `row_at(i)` is the FundRow shown in row i."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__([_tr("#"), _tr("Kind"), _tr("Customer"), _tr("Amount"), _tr("Reason"),
                          _tr("Requested by"), _tr("Approvals"), _tr("State"),
                          _tr("Requested"), _tr("Warnings")], numeric=(ID, AMOUNT),
                         parent=parent)

    def set_fund_rows(self, rows: list[FundRow]) -> None:
        self.set_rows([fund_cells(r) for r in rows], rows)

    def row_at(self, row: int) -> FundRow | None:
        found = self.key(row)
        return found if isinstance(found, FundRow) else None

    def find(self, request_id: int) -> int:
        for row in range(self.rowCount()):
            found = self.row_at(row)
            if found is not None and found.request.id == request_id:
                return row
        return -1


def detail_lines(row: FundRow, warnings: bool = True) -> list[str]:
    """The request in full, as the detail pane and the decision dialog show it (the dialog
    shows the warnings apart)."""
    r = row.request
    lines = [
        _tr("#{id} {kind} of {amount} for {customer}").format(
            id=r.id, kind=kind_label(r.kind), amount=f"{amount(r.amount, r.currency)} "
            f"{r.currency}", customer=row.customer),
        _tr("Requested by {name} on {when}").format(name=row.requester,
                                                     when=when_text(r.requested_at)),
    ]
    if row.target:
        lines.append(_tr("Applies to: {target}").format(target=row.target))
    if r.destination:
        lines.append(_tr("Paid to account: {account}").format(account=r.destination))
    lines.append(_tr("Reason: {reason}").format(reason=r.reason))
    lines.append(_tr("State: {state}; approvals {done} of {needed}").format(
        state=state_label(r.state), done=row.approvals, needed=r.approvals_needed))
    if warnings:
        lines.extend(warning_lines(row.warnings))
    for d in r.decisions:
        text = _tr("{when}: {name} {decision}").format(when=when_text(d.at), name=d.actor_name,
                                                        decision=decision_label(d.decision))
        lines.append(f"{text} — {d.comment}" if d.comment else text)
    return lines


def decided_text(saved: FundRequest) -> str:
    """What the page says after a decision."""
    if saved.state == FundState.APPROVED:
        return _tr("Fund request #{id} ({kind}) is approved and took effect.").format(
            id=saved.id, kind=kind_label(saved.kind))
    if saved.state == FundState.REJECTED:
        return _tr("Fund request #{id} was rejected.").format(id=saved.id)
    return _tr("Your approval of fund request #{id} is recorded; it needs {left} more.").format(
        id=saved.id, left=saved.approvals_needed - len(saved.approvers))
