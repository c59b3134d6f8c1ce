"""Credit, the session's `session.credit`: the scorecard of a customer (whoever may see the
customer and its receivables), the approved limit a manager or finance proposes and another
approves with their password (CREDIT_MANAGE both; design.md §3; audited, with an annual review
date), the customers over their limit and the reviews due.

The limit in force reaches the contracts through their CreditSource (storage SqlCredit):
available credit = limit − (open receivables + approved contracts not yet signed), so a
contract that would exceed it is assessed high risk when it is submitted. The rating recorded
with the limit is the customer rating the contract risk assessment uses."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.contracts.library import REQUIRED_QUALIFICATIONS
from core.contracts.model import QualificationKind
from core.contracts.money import check_currency, decimal, from_minor, to_minor
from core.contracts.ports import contract_repos
from core.contracts.risk import threshold_in
from core.customers.service import CustomerService
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.money.credit import CreditInputs, Scorecard, payment_history, score
from core.money.credit_model import CreditLimit, CreditProfile, LimitStatus, credit_repos
from core.money.receipts import MAX_REASON, text_field
from core.ports import KeyVault, Store
from core.reauth import Reauthentication
from core.roles import PERMISSION_ACTIONS, Permission
from core.trail import Clock, Guard, append
from core.users import User

REVIEW_DAYS = 365
MAX_LIMIT = Decimal("1000000000000")


class CreditService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 customers: CustomerService, keys: KeyVault,
                 reauth: Reauthentication | None = None) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._customers = customers
        self._reauth = reauth or Reauthentication(store, keys, clock)

    def today(self) -> date:
        return self._clock().astimezone().date()

    def _readable(self, actor: User, customer_id: int) -> None:
        self._guard.require(actor, Permission.RECEIVABLE_READ, "customer", str(customer_id))
        self._customers.visible(actor, int(customer_id))  # NotFound (audited) if not theirs

    def _writable(self, actor: User, customer_id: int) -> None:
        self._guard.require(actor, Permission.CREDIT_MANAGE, "customer", str(customer_id))
        self._customers.visible(actor, int(customer_id))

    # -- scorecard ---------------------------------------------------------------------------
    def scorecard(self, actor: User, customer_id: int, currency: str = "CNY",
                  as_of: date | None = None) -> Scorecard:
        """The customer's rating A–D with its reasons and a recommended limit (in `currency`),
        beside the limit in force and the exposure now."""
        self._readable(actor, customer_id)
        return self._score(int(customer_id), check_currency(currency), as_of or self.today())

    def _score(self, customer_id: int, currency: str, day: date) -> Scorecard:
        with self._store.reader() as plain:
            repos = credit_repos(plain)
            profile = repos.credit.profile(customer_id) or CreditProfile(customer_id)
            records = repos.credit.payment_records(customer_id, currency)
            exposure = repos.credit.exposure(customer_id, currency)
            limit = repos.credit.limit(customer_id, currency)
            documents = contract_repos(plain).qualifications.for_customer(customer_id)
            customer = plain.customers.get(customer_id)  # type: ignore[attr-defined]
        needed = REQUIRED_QUALIFICATIONS.get(customer.kind, ()) if customer else ()
        licence = any(q.kind == QualificationKind.BUSINESS_LICENCE and not q.expired(day)
                      for q in documents)
        if not needed and customer is not None and not licence:
            # An individual has no licence to verify: an identity document stands in.
            licence = any(q.kind == QualificationKind.ID_DOCUMENT and not q.expired(day)
                          for q in documents)
        years = None
        if profile.established_on is not None:
            years = Decimal((day - profile.established_on).days) / Decimal("365.25")
        card = score(customer_id, currency, CreditInputs(
            licence_verified=licence, years_in_business=years,
            registered_capital=profile.registered_capital,
            history=payment_history(records, day), exposure=self._in_cny(exposure.total,
                                                                         currency)))
        recommended = card.recommended_limit
        if currency != "CNY":
            recommended = threshold_in(currency, recommended) or Decimal(0)
        return Scorecard(card.customer_id, currency, card.score, card.rating, card.reasons,
                         recommended, exposure.total,
                         limit.limit if limit else None, limit.review_on if limit else None)

    @staticmethod
    def _in_cny(amount: Decimal, currency: str) -> Decimal:
        if currency == "CNY" or amount == 0:
            return amount
        rate = threshold_in(currency, Decimal(1))  # CNY 1 in the currency, rough
        return amount / rate if rate else amount

    def profile(self, actor: User, customer_id: int) -> CreditProfile:
        self._readable(actor, customer_id)
        with self._store.reader() as plain:
            return (credit_repos(plain).credit.profile(int(customer_id))
                    or CreditProfile(int(customer_id)))

    def set_profile(self, actor: User, customer_id: int, established_on: date | None,
                    registered_capital: Decimal | None) -> CreditProfile:
        """Years in business (from the founding date) and registered capital (CNY)."""
        self._writable(actor, customer_id)
        if established_on is not None and established_on > self.today():
            raise InvalidInput("A company cannot be founded in the future.")
        capital = None
        if registered_capital is not None:
            value = decimal(registered_capital, "registered capital")
            if value < 0 or value >= MAX_LIMIT:
                raise InvalidInput("The registered capital must be zero or more.")
            capital = to_minor(value, "CNY")
        now = self._clock()
        with self._store.transaction() as plain:
            repos = credit_repos(plain)
            before = repos.credit.profile(int(customer_id)) or CreditProfile(int(customer_id))
            repos.credit.set_profile(int(customer_id), established_on, capital, actor.id, now)
            append(plain, actor, AuditEvent("credit.profile_changed", "customer",
                                            str(customer_id), {
                "established_on": {"before": str(before.established_on),
                                   "after": str(established_on)},
                "registered_capital": {"before": str(before.registered_capital),
                                       "after": str(from_minor(capital, "CNY")
                                                    if capital is not None else None)}}), now)
        self._bus.publish(Changes(money=True))
        return self.profile(actor, customer_id)

    # -- limits ------------------------------------------------------------------------------
    def set_limit(self, actor: User, customer_id: int, amount: Decimal, reason: str,
                  currency: str = "CNY", review_on: date | None = None) -> CreditLimit:
        """Propose a credit limit (0 = no credit); it is in force once someone else with
        CREDIT_MANAGE approves it (`approve_limit`). Reviewed again a year later unless another
        date is given. The scorecard's rating at this moment is recorded with it."""
        self._writable(actor, customer_id)
        code = check_currency(currency)
        value = decimal(amount, "credit limit")
        if value < 0 or value >= MAX_LIMIT:
            raise InvalidInput("A credit limit must be zero or more.")
        minor = to_minor(value, code)
        if from_minor(minor, code) != value:
            raise InvalidInput(f"The credit limit {value} has more decimals than {code} "
                               "allows.")
        why = text_field(reason, MAX_REASON, "The reason")
        if not why:
            raise InvalidInput("Say why this limit is set (a reason is required).")
        today = self.today()
        review = review_on or today + timedelta(days=REVIEW_DAYS)
        if review <= today:
            raise InvalidInput("The review date must be in the future.")
        card = self._score(int(customer_id), code, today)
        now = self._clock()
        with self._store.transaction() as plain:
            repos = credit_repos(plain)
            before = repos.credit.limit(int(customer_id), code)
            stored = repos.credit.add_limit(int(customer_id), code, minor, why, card.rating,
                                            review, actor.id, now)
            append(plain, actor, AuditEvent("credit.limit_proposed", "credit_limit",
                                            str(stored.id), {
                "customer_id": int(customer_id), "currency": code,
                "in_force": str(before.limit) if before else None,
                "proposed": str(stored.limit), "rating": card.rating, "score": card.score,
                "recommended": str(card.recommended_limit),
                "review_on": review.isoformat()},
                personal={"reason": why}, subject=f"customer:{customer_id}"), now)
        self._bus.publish(Changes(money=True))
        return stored

    def pending_limits(self, actor: User) -> list[CreditLimit]:
        """Limits proposed and not decided yet, of customers the actor may see, oldest
        first."""
        self._guard.require(actor, Permission.CREDIT_MANAGE)
        scope = self._customers.read_scope(actor)
        with self._store.reader() as plain:
            return credit_repos(plain).credit.pending(scope)

    def approve_limit(self, actor: User, limit_id: int, password: str,
                      comment: str = "") -> CreditLimit:
        """Put a proposed limit in force: someone other than who proposed it, with
        CREDIT_MANAGE, typing their password again."""
        return self._decide(actor, limit_id, password, "approved",
                            text_field(comment, MAX_REASON, "The comment"))

    def reject_limit(self, actor: User, limit_id: int, password: str,
                     comment: str) -> CreditLimit:
        text = text_field(comment, MAX_REASON, "The comment")
        if not text:
            raise InvalidInput("Say why the limit is rejected (a comment is required).")
        return self._decide(actor, limit_id, password, "rejected", text)

    def _decide(self, actor: User, limit_id: int, password: str, decision: str,
                comment: str) -> CreditLimit:
        self._guard.require(actor, Permission.CREDIT_MANAGE, "credit_limit", str(limit_id))
        with self._store.reader() as plain:
            seen = credit_repos(plain).credit.proposal(int(limit_id))
        if seen is None:
            raise NotFound("No such credit limit.")
        try:
            self._customers.visible(actor, seen.customer_id)
        except NotFound:
            raise NotFound("No such credit limit.") from None
        verb = "approve" if decision == "approved" else "reject"
        with self._store.reader() as plain:
            current = plain.users.get(actor.id) or actor
        if seen.set_by == current.id:
            self._deny(actor, seen.id, f"{verb} a credit limit you proposed yourself")
        if seen.state != "pending":
            raise InvalidInput(f"This credit limit is {seen.state} already.")
        self._reauth.check(current, password, AuditEvent(
            f"credit.limit_{verb}_failed", "credit_limit", str(seen.id), {"reason": "password"},
            outcome="failed"))
        now = self._clock()
        with self._store.transaction() as plain:
            repos = credit_repos(plain)
            fresh = repos.credit.proposal(seen.id)
            if fresh is None or fresh.state != "pending":
                raise InvalidInput("This credit limit was decided meanwhile.")
            newest = repos.credit.newest(fresh.customer_id, fresh.currency)
            if decision == "approved" and newest is not None and newest.id != fresh.id:
                raise InvalidInput("A newer limit has been proposed for this customer since: "
                                   "decide that one.")
            before = repos.credit.limit(fresh.customer_id, fresh.currency)
            repos.credit.decide(fresh.id, decision, actor.id, comment, now)
            append(plain, actor, AuditEvent(f"credit.limit_{decision}", "credit_limit",
                                            str(fresh.id), {
                "customer_id": fresh.customer_id, "currency": fresh.currency,
                "before": str(before.limit) if before else None, "limit": str(fresh.limit),
                "proposed_by": fresh.set_by},
                personal={"comment": comment} if comment else {},
                subject=f"customer:{fresh.customer_id}"), now)
            stored = repos.credit.proposal(fresh.id)
        self._bus.publish(Changes(money=True, contracts=True))
        assert stored is not None
        return stored

    def _deny(self, actor: User, limit_id: int, action: str) -> None:
        with self._store.transaction() as plain:
            append(plain, actor, AuditEvent(
                "permission.denied", "credit_limit", str(limit_id),
                {"permission": Permission.CREDIT_MANAGE.value, "reason": "proposer"},
                outcome="denied"), self._clock())
        raise PermissionDenied(action or PERMISSION_ACTIONS[Permission.CREDIT_MANAGE])

    def limits(self, actor: User, customer_id: int) -> list[CreditLimit]:
        """Every limit proposed for the customer, newest first, with its decision (the newest
        approved one per currency is in force)."""
        self._readable(actor, customer_id)
        with self._store.reader() as plain:
            return credit_repos(plain).credit.limits(int(customer_id))

    def _in_force(self, actor: User) -> list[LimitStatus]:
        self._guard.require(actor, Permission.RECEIVABLE_READ)
        scope = self._customers.read_scope(actor)
        with self._store.reader() as plain:
            return credit_repos(plain).credit.in_force(scope)

    def over_limit(self, actor: User) -> list[LimitStatus]:
        """Customers (the actor may see) whose exposure is above the limit in force."""
        return [s for s in self._in_force(actor) if s.over]

    def reviews_due(self, actor: User, within_days: int = 30) -> list[LimitStatus]:
        """Limits whose review date falls within `within_days` from today (or is past)."""
        last = self.today() + timedelta(days=max(0, int(within_days)))
        due = [s for s in self._in_force(actor) if s.limit.review_on <= last]
        return sorted(due, key=lambda s: (s.limit.review_on, s.customer_name))
