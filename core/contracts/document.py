"""The read model a PDF renderer needs: everything printed on the contract as plain data, and a
SHA-256 fingerprint over exactly that content (not the state or the approvals, which change
while the content does not)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.contracts.model import Instalment, Party


@dataclass(frozen=True)
class DocumentLine:
    position: int
    product: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal  # fraction
    tax_rate: Decimal  # fraction
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class DocumentClause:
    position: int
    category: str
    category_label: str  # in the contract's language
    title: str
    text: str  # variables substituted
    nonstandard: bool


@dataclass(frozen=True)
class DocumentApproval:
    step: str  # manager, finance, administrator
    name: str
    at: datetime


@dataclass(frozen=True)
class ContractDocument:
    contract_id: int
    number: str
    title: str
    language: str  # "zh" or "en"
    state: str
    version_no: int
    revision: int
    origin_number: str | None  # the contract this amends or renews
    relation: str | None
    seller: Party
    buyer: Party
    author_name: str
    preamble: str  # variables substituted
    currency: str
    lines: tuple[DocumentLine, ...]
    net: Decimal
    tax: Decimal
    gross: Decimal
    schedule: tuple[Instalment, ...]
    delivery_terms: str
    contract_date: date
    start_date: date | None
    end_date: date | None
    clauses: tuple[DocumentClause, ...]
    approvals: tuple[DocumentApproval, ...]  # of the current review round
    unknown_variables: tuple[str, ...]  # placeholders a template left unfilled
    fingerprint: str  # SHA-256 hex of the content (see content_fingerprint)


# Fields that may change without the contract's content changing.
_NOT_CONTENT = frozenset({"state", "approvals", "fingerprint", "author_name"})


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


def content_fingerprint(document: ContractDocument) -> str:
    """SHA-256 of the canonical JSON of the printed content; the same content always gives
    the same value, any change of a figure, date, party or word another."""
    content = {f.name: _plain(getattr(document, f.name)) for f in fields(document)
               if f.name not in _NOT_CONTENT}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
