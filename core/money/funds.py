"""Fund approvals, the session's `session.funds`: refunds, discounts after signing, rebates,
bad-debt provisions and write-offs are requested by one person (FUND_REQUEST) and take effect
only when someone else with FUND_APPROVE approves them, typing their password again; above the
threshold (setting, default 50,000 CNY) two distinct approvers, neither the requester.

The effect is applied in the transaction of the final approval, after checking again that it
still fits: a write-off, discount or rebate never exceeds the instalment's open balance, a
refund never exceeds what is left unallocated of its receipt (the database refuses both too).
A refund pays back customer credit: the receipt's unallocated money, which can then no longer
be allocated. Every step, and every refusal, is audited."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.contracts.money import check_currency, decimal, from_minor
from core.contracts.risk import threshold_in
from core.customers.masking import mask
from core.customers.model import BANK_ACCOUNT, Customer
from core.customers.ports import CustomerRepositories
from core.customers.service import CustomerService
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.money.amounts import exact_minor
from core.money.fund_signals import refund_warnings
from core.money.funds_model import (
    ON_INSTALMENT,
    REDUCES_OPEN,
    FundDraft,
    FundKind,
    FundRequest,
    FundState,
    fund_repos,
)
from core.money.ports import money_repos
from core.money.receipts import MAX_REASON, MAX_REFERENCE, text_field
from core.money.signals import Signal
from core.ports import KeyVault, Repositories, Store
from core.reauth import Reauthentication
from core.roles import PERMISSION_ACTIONS, Permission
from core.trail import Clock, Guard, append
from core.users import User

THRESHOLD_KEY = "fund_two_approver_threshold_cny"
DEFAULT_THRESHOLD = Decimal("50000")
MAX_PAGE = 500
ERASED = "[anonymised]"
SPLIT_WINDOW_DAYS = 30  # a customer's requests of one kind this close count together
# One message for a missing request, receipt or customer and for someone else's.
NOT_FOUND = "No such fund request or customer."


class FundService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 customers: CustomerService, keys: KeyVault,
                 reauth: Reauthentication | None = None) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._customers, self._keys = customers, keys
        self._reauth = reauth or Reauthentication(store, keys, clock)

    # -- settings ----------------------------------------------------------------------------
    def threshold(self) -> Decimal:
        """Amounts above this (CNY; other currencies at the policy's rough rates) need two
        approvers."""
        with self._store.reader() as repos:
            value = repos.settings.get(THRESHOLD_KEY)
        return Decimal(str(value)) if value is not None else DEFAULT_THRESHOLD

    def set_threshold(self, actor: User, amount: Decimal) -> Decimal:
        self._guard.require(actor, Permission.POLICY_MANAGE, "setting", THRESHOLD_KEY)
        value = decimal(amount, "threshold")
        if value <= 0:
            raise InvalidInput("The two-approver threshold must be more than zero.")
        before = self.threshold()
        with self._store.transaction() as repos:
            repos.settings.put(THRESHOLD_KEY, str(value))
            append(repos, actor, AuditEvent("fund.threshold_changed", "setting", THRESHOLD_KEY,
                                            {"before": str(before), "after": str(value)}),
                   self._clock())
        return value

    def approvals_needed(self, amount: Decimal, currency: str) -> int:
        limit = threshold_in(currency, self.threshold())
        # No rate known for the currency: the stricter rule.
        return 2 if limit is None or amount > limit else 1

    # -- reading -----------------------------------------------------------------------------
    def get(self, actor: User, request_id: int) -> FundRequest:
        self._require_any(actor)
        with self._store.reader() as repos:
            found = fund_repos(repos).funds.get(int(request_id))
        if found is None:
            raise NotFound(NOT_FOUND)  # the message of someone else's: ids cannot be probed
        self._visible(actor, found.customer_id)
        return self._shown(actor, found)

    def requests(self, actor: User, state: FundState | None = FundState.PENDING,
                 customer_id: int | None = None, limit: int = 200) -> list[FundRequest]:
        """Requests of the customers the actor may see, newest first."""
        self._require_any(actor)
        scope = self._customers.read_scope(actor)
        if customer_id is not None:
            self._visible(actor, customer_id)
        with self._store.reader() as repos:
            rows = fund_repos(repos).funds.page(scope, FundState(state) if state else None,
                                                customer_id, max(1, min(int(limit), MAX_PAGE)))
        approver = self._guard.allowed(self._stored(actor), Permission.FUND_APPROVE)
        return [self._shown(actor, r, approver) for r in rows]

    def _shown(self, actor: User, request: FundRequest,
               approver: bool | None = None) -> FundRequest:
        """A refund's destination is a bank account: in clear for the requester and approvers,
        masked for everyone else who may read the request. Once the customer is anonymised,
        nobody sees the account or the reason: they stay stored, because accounting records
        must be kept for their legal period (会计档案管理办法) and PIPL art. 47 then asks to
        stop everything but storing them."""
        if request.customer_anonymised:
            return dataclasses.replace(request, destination=ERASED if request.destination
                                       else "", reason=ERASED)
        if not request.destination or request.requested_by == actor.id:
            return request
        if approver is None:
            approver = self._guard.allowed(self._stored(actor), Permission.FUND_APPROVE)
        if approver:
            return request
        return dataclasses.replace(request, destination=mask(BANK_ACCOUNT, request.destination))

    def refundable(self, actor: User, receipt_id: int) -> Decimal:
        """What of a receipt may still be refunded: not allocated, not refunded, not reversed
        (money.Receipt.unallocated does not subtract refunds)."""
        self._require_any(actor)
        with self._store.reader() as repos:
            receipt = money_repos(repos).money.receipt(int(receipt_id))
            if receipt is None:
                raise NotFound(NOT_FOUND)
            left = fund_repos(repos).funds.refundable_minor(receipt.id)
        self._visible(actor, receipt.customer_id)
        return from_minor(left, receipt.currency)

    def warnings(self, actor: User, request_id: int) -> list[Signal]:
        """Fraud signals of a refund request (core/money/fund_signals.py); [] for the other
        kinds. Messages show bank accounts by their last four digits only."""
        found = self.get(actor, request_id)
        with self._store.reader() as repos:
            return refund_warnings(cast(CustomerRepositories, repos), found, self._clock())

    def awaiting(self, actor: User) -> list[FundRequest]:
        """Pending requests the actor may decide now (not theirs, not approved by them)."""
        self._guard.require(actor, Permission.FUND_APPROVE)
        return [r for r in self.requests(actor, FundState.PENDING, limit=MAX_PAGE)
                if r.requested_by != actor.id and actor.id not in r.approvers]

    # -- request -----------------------------------------------------------------------------
    def request(self, actor: User, draft: FundDraft) -> FundRequest:
        """Ask for a refund, discount, rebate, provision or write-off; nothing moves until it
        is approved."""
        self._guard.require(actor, Permission.FUND_REQUEST, "customer",
                            str(getattr(draft, "customer_id", "")))
        if not isinstance(draft, FundDraft):
            raise InvalidInput("A fund request needs its kind, customer, amount and reason.")
        try:
            kind = FundKind(draft.kind)
        except ValueError:
            raise InvalidInput(f"Unknown kind of fund request {draft.kind!r}.") from None
        customer_id = int(draft.customer_id)
        if self._visible(actor, customer_id).anonymised and kind == FundKind.REFUND:
            # Its account history is blanked (the change warning would be blind) and the
            # destination would be new personal data about someone whose data was erased.
            raise InvalidInput("This customer was anonymised; no refund can be requested for "
                               "them.")
        currency = check_currency(draft.currency)
        minor = exact_minor(draft.amount, currency)
        reason = text_field(draft.reason, MAX_REASON, "The reason")
        if not reason:
            raise InvalidInput("Say why the money is needed (a reason is required).")
        destination = text_field(draft.destination, MAX_REFERENCE, "The destination account")
        receivable_id = receipt_id = None
        if kind == FundKind.REFUND:
            if draft.receipt_id is None or not destination:
                raise InvalidInput("A refund names the receipt it pays back and the account "
                                   "the money goes to.")
            receipt_id = int(draft.receipt_id)
        else:
            if draft.receivable_id is None:
                raise InvalidInput(f"A {kind.value.replace('_', '-')} names the instalment "
                                   "it applies to.")
            receivable_id, destination = int(draft.receivable_id), ""
        now = self._clock()
        with self._store.transaction() as plain:
            self._check_fits(plain, kind, customer_id, currency, minor, receivable_id,
                             receipt_id, None)
            # Requests are counted together over a while: one write-off split into parts
            # under the threshold still needs the two approvers the whole would.
            earlier = fund_repos(plain).funds.recent_minor(
                kind, customer_id, currency, now - timedelta(days=SPLIT_WINDOW_DAYS))
            needed = self.approvals_needed(from_minor(minor + earlier, currency), currency)
            request_id = fund_repos(plain).funds.add(
                kind, customer_id, currency, minor, reason, receivable_id, receipt_id,
                destination, needed, actor.id, now)
            stored = fund_repos(plain).funds.get(request_id)
            assert stored is not None
            warned = refund_warnings(cast(CustomerRepositories, plain), stored, now)
            append(plain, actor, AuditEvent("fund.requested", "fund_request", str(request_id), {
                "kind": kind.value, "customer_id": customer_id, "currency": currency,
                "amount": str(from_minor(minor, currency)), "receivable_id": receivable_id,
                "receipt_id": receipt_id, "approvals_needed": needed,
                "warnings": [w.code for w in warned]},
                personal={"reason": reason, "destination": destination},
                subject=f"customer:{customer_id}"), now)
        self._publish()
        assert stored is not None
        return stored

    def cancel(self, actor: User, request_id: int, reason: str = "") -> FundRequest:
        """The requester withdraws a pending request."""
        self._guard.require(actor, Permission.FUND_REQUEST, "fund_request", str(request_id))
        found = self.get(actor, request_id)
        if found.requested_by != actor.id:
            self._deny(actor, Permission.FUND_REQUEST, found.id, "not_requester",
                       "cancel a fund request someone else made")
        comment = text_field(reason, MAX_REASON, "The reason")
        return self._decide(actor, found, "cancelled", comment)

    # -- decide ------------------------------------------------------------------------------
    def approve(self, actor: User, request_id: int, password: str,
                comment: str = "") -> FundRequest:
        """Approve; the last approval needed applies the effect in the same transaction."""
        found = self._decision(actor, request_id, password, "approve")
        return self._decide(actor, found, "approved", text_field(comment, MAX_REASON,
                                                                 "The comment"))

    def reject(self, actor: User, request_id: int, password: str,
               comment: str) -> FundRequest:
        text = text_field(comment, MAX_REASON, "The comment")
        if not text:
            raise InvalidInput("Say why the request is rejected (a comment is required).")
        found = self._decision(actor, request_id, password, "reject")
        return self._decide(actor, found, "rejected", text)

    def _decision(self, actor: User, request_id: int, password: str,
                  verb: str) -> FundRequest:
        self._guard.require(actor, Permission.FUND_APPROVE, "fund_request", str(request_id))
        found = self.get(actor, request_id)
        if found.state != FundState.PENDING:
            raise InvalidInput(f"Fund request #{found.id} is {found.state.value} already.")
        current = self._stored(actor)
        if found.requested_by == current.id:
            self._deny(actor, Permission.FUND_APPROVE, found.id, "requester",
                       f"{verb} a fund request you made yourself")
        if current.id in found.approvers:
            self._deny(actor, Permission.FUND_APPROVE, found.id, "second_approval",
                       f"{verb} a fund request you have already approved")
        self._check_password(current, found, password, verb)
        return found

    def _decide(self, actor: User, seen: FundRequest, decision: str,
                comment: str) -> FundRequest:
        now = self._clock()
        with self._store.transaction() as plain:
            repos = fund_repos(plain)
            current = repos.funds.get(seen.id)
            assert current is not None
            # Inside the writing transaction: another window may have decided meanwhile.
            if current.state != FundState.PENDING:
                raise InvalidInput(f"Fund request #{current.id} is {current.state.value} "
                                   "already.")
            if actor.id in current.approvers:
                raise InvalidInput("You have already approved this fund request.")
            details: dict[str, Any] = {"kind": current.kind.value,
                                       "customer_id": current.customer_id,
                                       "amount": str(current.amount),
                                       "currency": current.currency}
            if current.kind == FundKind.REFUND:
                details["warnings"] = [w.code for w in refund_warnings(
                    cast(CustomerRepositories, plain), current, now)]
            state: FundState | None = None
            if decision == "approved":
                approvals = len(current.approvers) + 1
                final = approvals >= current.approvals_needed
                details.update(approvals=approvals, needed=current.approvals_needed,
                               final=final)
                if final:
                    self._apply(plain, current, now)
                    state = FundState.APPROVED
            else:
                state = FundState(decision)
            repos.funds.add_decision(current.id, actor.id, decision, comment, now)
            if state is not None:
                repos.funds.set_state(current.id, state, now)
            append(plain, actor, AuditEvent(f"fund.{decision}", "fund_request", str(current.id),
                                            details, personal={"comment": comment} if comment
                                            else {}, subject=f"customer:{current.customer_id}"),
                   now)
            stored = repos.funds.get(current.id)
        self._publish()
        assert stored is not None
        return stored

    def _apply(self, plain: Repositories, request: FundRequest, now: datetime) -> None:
        minor = exact_minor(request.amount, request.currency)
        self._check_fits(plain, request.kind, request.customer_id, request.currency, minor,
                         request.receivable_id, request.receipt_id, request.id)
        funds = fund_repos(plain).funds
        if request.kind in REDUCES_OPEN:
            assert request.receivable_id is not None
            funds.write_off(request.id, request.receivable_id, minor, now)
        elif request.kind == FundKind.PROVISION:
            assert request.receivable_id is not None
            funds.provide(request.id, request.receivable_id, minor, now)
        else:
            assert request.receipt_id is not None
            funds.refund(request.id, request.receipt_id, minor, request.destination, now)

    @staticmethod
    def _check_fits(plain: Repositories, kind: FundKind, customer_id: int, currency: str,
                    minor: int, receivable_id: int | None, receipt_id: int | None,
                    request_id: int | None) -> None:
        """The target belongs to the customer, is in the request's currency, and can take the
        amount now (checked at request and again inside the final approval)."""
        money = money_repos(plain).money
        which = f"Fund request #{request_id}" if request_id else "The request"
        if kind in ON_INSTALMENT:
            row = money.receivable(int(receivable_id or 0))
            if row is None or row.customer_id != customer_id:
                raise InvalidInput("That instalment is not one of this customer's.")
            if row.currency != currency:
                raise InvalidInput(f"The instalment is in {row.currency}, not {currency}.")
            open_minor = exact_minor(row.open, currency) if row.open > 0 else 0
            if minor > open_minor:
                raise InvalidInput(
                    f"{which} is for {from_minor(minor, currency)} {currency}, more than the "
                    f"instalment's open balance of {row.open} {currency}.")
            if kind == FundKind.PROVISION:
                # A provision leaves the balance open: those already made use up its room.
                provided = fund_repos(plain).funds.provided_minor(row.id)
                if minor > open_minor - provided:
                    raise InvalidInput(
                        f"{which} would provide {from_minor(minor, currency)} {currency} "
                        f"against the instalment's open balance of {row.open} {currency}, of "
                        f"which {from_minor(provided, currency)} {currency} is provided for "
                        "already.")
            return
        receipt = money.receipt(int(receipt_id or 0))
        if receipt is None or receipt.customer_id != customer_id:
            raise InvalidInput("That receipt is not one of this customer's.")
        if receipt.currency != currency:
            raise InvalidInput(f"The receipt is in {receipt.currency}, not {currency}.")
        left = fund_repos(plain).funds.refundable_minor(receipt.id)
        if minor > left:
            raise InvalidInput(
                f"{which} would refund {from_minor(minor, currency)} {currency}, more than the "
                f"{from_minor(left, currency)} {currency} of receipt #{receipt.id} not "
                "allocated to any instalment nor refunded already.")

    # -- helpers -----------------------------------------------------------------------------
    def _require_any(self, actor: User) -> None:
        """Reading requests: whoever may request, approve, or read receivables."""
        for permission in (Permission.FUND_APPROVE, Permission.FUND_REQUEST):
            if self._guard.allowed(self._stored(actor), permission):
                return
        self._guard.require(actor, Permission.RECEIVABLE_READ, "fund_request")

    def _visible(self, actor: User, customer_id: int) -> Customer:
        try:
            return self._customers.visible(actor, int(customer_id))[0]
        except NotFound:
            raise NotFound(NOT_FOUND) from None

    def _stored(self, actor: User) -> User:
        with self._store.reader() as repos:
            return repos.users.get(actor.id) or actor

    def _check_password(self, user: User, request: FundRequest, password: str,
                        verb: str) -> None:
        self._reauth.check(user, password, AuditEvent(
            f"fund.{verb}_failed", "fund_request", str(request.id), {"reason": "password"},
            outcome="failed"))

    def _deny(self, actor: User, permission: Permission, request_id: int, reason: str,
              action: str | None = None) -> None:
        self._audit(actor, AuditEvent("permission.denied", "fund_request", str(request_id),
                                      {"permission": permission.value, "reason": reason},
                                      outcome="denied"))
        raise PermissionDenied(action or PERMISSION_ACTIONS[permission])

    def _audit(self, actor: User, event: AuditEvent) -> None:
        with self._store.transaction() as repos:
            append(repos, actor, event, self._clock())

    def _publish(self) -> None:
        self._bus.publish(Changes(money=True))
