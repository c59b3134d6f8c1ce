"""Shared set-up for the money tests: the contract world (a customer of the sales rep, whose
manager is the sales manager) with signed contracts, and receipts made simply."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.contracts.workflow import ContractState
from core.money.model import PaymentMethod, ReceiptDraft, Receivable, ReceivableFilter
from core.session import Session
from tests.core.contract_support import World, drive

TODAY = date(2026, 1, 5)  # before any due date of small_terms (2030): receipts are not future


def signed(w: World, state: ContractState = ContractState.SIGNED) -> int:
    return drive(w, state)


def receivables_of(session: Session, contract_id: int) -> list[Receivable]:
    return session.money.receivables(session.user, ReceivableFilter(contract_id=contract_id,
                                                                     open_only=False))


def draft(amount: str, reference: str = "BOC-2026-0001", payer: str = "上海明珠贸易有限公司",
          method: PaymentMethod | str = PaymentMethod.BANK_TRANSFER,
          received_on: date = TODAY, currency: str = "CNY") -> ReceiptDraft:
    return ReceiptDraft(received_on=received_on, amount=Decimal(amount), method=method,
                        reference=reference, payer_name=payer, currency=currency)
