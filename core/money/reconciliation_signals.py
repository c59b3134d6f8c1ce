"""The fraud signals (core/money/signals.py) a statement's import can raise from what it has:
receipt references used twice and cash at or above the threshold among the receipts of the
statement's period and those it matched, and bank payers unlike the customer they paid for.
The refund rules (an account changed before a refund, a refund to another account) are about
fund requests, not statements: core/money/fund_signals.py and the fraud watch
(core/money/watch.py) run them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.money.match_model import RECEIPT, MatchResult, OpenInstalment, OpenReceipt
from core.money.signals import (
    HIGH,
    MEDIUM,
    ReceiptRecord,
    Signal,
    SignalConfig,
    cash_above_threshold,
    duplicate_receipt_references,
    payer_unlike_customer,
)

_RANK = {HIGH: 0, MEDIUM: 1}


def statement_signals(result: MatchResult, records: Sequence[ReceiptRecord],
                      receipts: Mapping[str, OpenReceipt],
                      instalments: Mapping[str, OpenInstalment],
                      config: SignalConfig | None = None) -> list[Signal]:
    # The bank's payer is compared with the customer's own name only: a name typed on an
    # earlier receipt is not proof the customer pays under it.
    c = config or SignalConfig()
    paid_for: list[ReceiptRecord] = []
    for m in result.matches:
        first = m.allocations[0]
        if first.kind == RECEIPT:
            r = receipts.get(first.target_id)
            if r is None:
                continue
            customer_id, name = r.customer_id, r.customer_name
        else:
            i = instalments.get(first.target_id)
            if i is None:
                continue
            customer_id, name = i.customer_id, i.customer_name
        line = m.line
        paid_for.append(ReceiptRecord(
            f"statement row {line.row}", customer_id, name, line.date, line.amount,
            line.currency, "bank_transfer", line.reference, line.payer_name,
            line.payer_account))
    found = [*duplicate_receipt_references(records),
             *cash_above_threshold(records, c.cash_threshold, c.cash_currency),
             *payer_unlike_customer(paid_for, c.unlike_below)]
    return sorted(found, key=lambda s: (_RANK.get(s.severity, 9), s.code, s.refs))
