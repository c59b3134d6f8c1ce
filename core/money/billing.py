"""Receivables from a signed contract: one per instalment of its payment schedule, written in
the transaction that marks the contract signed (core/contracts/archive.py), so a signed
contract never exists without what it makes the customer owe."""

from __future__ import annotations

from datetime import datetime

from core.contracts.model import Contract
from core.contracts.money import check_currency, to_minor
from core.money.ports import money_repos
from core.ports import Repositories


def bill_contract(repos: Repositories, contract: Contract, at: datetime) -> int:
    """Write the receivables of `contract`; their amounts sum to its gross total. Returns how
    many were written."""
    currency = check_currency(contract.currency)
    gross = to_minor(contract.gross, currency)
    if contract.instalments:
        rows = [(n, i.due, to_minor(i.amount, currency), i.label)
                for n, i in enumerate(contract.instalments, start=1)]
    else:  # drafting refuses an empty schedule; should one get here, it is owed at once
        rows = [(1, contract.contract_date, gross, "")]
    if sum(minor for _n, _due, minor, _label in rows) != gross:
        raise ValueError(f"the schedule of contract {contract.number} does not sum to its "
                         "total")
    rows = [r for r in rows if r[2] > 0]
    return money_repos(repos).money.add_receivables(contract.id, contract.customer_id,
                                                    currency, rows, at)
