"""What a statement line becomes in the ledger: the receipt for the money it pays to
instalments (or the receipt recorded by hand for the same payment), and the fingerprint of a
statement's lines that refuses importing it twice."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from core.errors import InvalidInput
from core.money.match_model import RECEIPT, Allocation, Match
from core.money.model import PaymentMethod, ReceiptDraft
from core.money.receipt_batch import ReceiptBatch
from core.money.receipts import MAX_REFERENCE, DuplicateReceipt
from core.money.reconciliation_model import StoredLine
from core.money.statement import StatementLine


def content_hash(lines: Sequence[StatementLine]) -> str:
    """The statement's identity: its lines' values in order (not the file's bytes, which an
    export from the same bank may vary, nor the row numbers a preamble shifts)."""
    body = [[x.date.isoformat(), str(x.amount), x.currency, x.reference, x.payer_name,
             x.payer_account, x.description] for x in lines]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()


def line_draft(line: StoredLine, match: Match) -> ReceiptDraft:
    """The receipt for what the line pays to instalments (what it does not confirm of
    receipts recorded before)."""
    confirmed = sum((a.amount for a in match.allocations if a.kind == RECEIPT),
                    Decimal(0))
    return ReceiptDraft(line.date, line.amount - confirmed, PaymentMethod.BANK_TRANSFER,
                        (line.reference or f"statement line {line.id}")[:MAX_REFERENCE],
                        line.payer_name[:200], line.currency)


def receipt_for(batch: ReceiptBatch, line: StoredLine, customer_id: int,
                 draft: ReceiptDraft, paying: Sequence[Allocation], used: set[int],
                 confirmable: Callable[[], set[str]],
                 context: dict[str, Any]) -> tuple[int, int]:
    """The receipt for the line's money to the customer's instalments: recorded now, or,
    when the same payment was recorded by hand already, that receipt (if no other line
    confirms it, in the vault (`confirmable`: the receipts no line matches) or earlier in
    this import: `used`)."""
    allocation = {int(a.target_id): a.amount for a in paying if a.amount > 0}
    try:
        return batch.record(customer_id, draft, allocation, context), 1
    except DuplicateReceipt as exc:
        if str(exc.receipt_id) not in confirmable() or exc.receipt_id in used:
            raise InvalidInput(f"The payment of line {line.id} is receipt "
                               f"#{exc.receipt_id}, which another line confirms.") from None
        return exc.receipt_id, 0
