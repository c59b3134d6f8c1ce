"""The fraud signals of one refund request, read from the vault: the customer's bank account
changed shortly before it, or the money going to an account the customer never paid from.
They are warnings for the approvers (shown beside the request, recorded in the audit trail
with the request), never a block: a customer who really changed banks must still get their
money back."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.customers.ports import CustomerRepositories
from core.money.funds_model import FundKind, FundRequest
from core.money.signals import (
    AccountChange,
    ReceiptRecord,
    RefundRecord,
    Signal,
    SignalConfig,
    account_changed_before_refund,
    refund_to_other_account,
)


def refund_warnings(repos: CustomerRepositories, request: FundRequest, now: datetime,
                    config: SignalConfig | None = None) -> list[Signal]:
    """Signals of `request` as of its decision (or `now` while it is pending): account
    changes from `account_change_days` before the request up to then count."""
    if request.kind != FundKind.REFUND:
        return []
    c = config or SignalConfig()
    until = request.decided_at or now
    customer = repos.customers.get(request.customer_id)
    name = customer.name if customer is not None else f"customer #{request.customer_id}"
    who = str(request.customer_id)
    refund = RefundRecord(id=f"#{request.id}", customer_id=who, customer_name=name,
                          date=until.date(), amount=request.amount, currency=request.currency,
                          to_account=request.destination)
    since = request.requested_at - timedelta(days=c.account_change_days)
    changes = [AccountChange(who, ch.changed_at.date(), ch.old_account, ch.new_account)
               for ch in repos.bank_accounts.changes(request.customer_id, since)
               if ch.changed_at <= until]
    paid_from = [ReceiptRecord(id="", customer_id=who, customer_name=name, date=until.date(),
                               amount=request.amount, currency=request.currency,
                               method="bank_transfer", payer_account=account)
                 for account in repos.bank_accounts.paying_accounts(request.customer_id)]
    return [*account_changed_before_refund([refund], changes, c.account_change_days),
            *refund_to_other_account([refund], paid_from)]
