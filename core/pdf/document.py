"""What the contract renderer draws: plain, immutable input records and the content fingerprint.

Nothing here imports reportlab, so the contract domain can build documents and compute their
fingerprint at app start without paying for the renderer. Values arrive ready to print: masked
fields are already masked (the renderer never sees protected data), amounts are Decimal and
already computed by the domain (the renderer formats them, it does not recompute them).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[str, ...] = ("zh", "en")
# Bumped whenever the canonical form below changes, so old fingerprints stay explainable.
FINGERPRINT_SCHEMA = "strongroom.contract-document/1"


@dataclass(frozen=True)
class Party:
    """One side of the contract. credit_code is the unified social credit code (or a company
    registration number abroad); empty strings are simply not printed."""

    name: str
    address: str = ""
    credit_code: str = ""
    phone: str = ""
    contact: str = ""
    email: str = ""


@dataclass(frozen=True)
class LineItem:
    """A row of the items table. Percentages are percent values: Decimal("13") means 13 %.
    line_total is the domain's figure for the row (the renderer prints it as given)."""

    product: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate_percent: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class Instalment:
    label: str
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class Clause:
    title: str
    text: str
    nonstandard: bool = False


@dataclass(frozen=True)
class Signatories:
    """Who signs for each side; the signatures themselves are placed later by the signer."""

    company_name: str = ""
    company_title: str = ""
    customer_name: str = ""
    customer_title: str = ""


@dataclass(frozen=True)
class ContractDocument:
    """Everything printed in a contract PDF.

    created_at is when this contract version was created (not when it is rendered), so the same
    contract always renders to the same bytes. audit_head is the audit-chain head at render time
    (hex, or ""): it is printed and stored in the metadata but is not part of the content
    fingerprint, because it describes the vault, not the agreement."""

    number: str
    title: str
    language: Language
    company: Party
    customer: Party
    issue_date: date
    currency: str
    items: tuple[LineItem, ...]
    totals: Totals
    created_at: datetime
    start_date: date | None = None
    end_date: date | None = None
    schedule: tuple[Instalment, ...] = ()
    delivery_terms: str = ""
    clauses: tuple[Clause, ...] = ()
    signatories: Signatories = field(default_factory=Signatories)
    audit_head: str = ""

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")
        if self.created_at.tzinfo is None or self.created_at.utcoffset() is None:
            raise ValueError("created_at must be timezone-aware")
        if self.audit_head and not all(c in "0123456789abcdefABCDEF" for c in self.audit_head):
            raise ValueError("audit_head must be hexadecimal")
        # Lists are accepted for convenience but stored as tuples so the record stays immutable.
        for name in ("items", "schedule", "clauses"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for item in self.items:
            _require_decimals(item, ("quantity", "unit_price", "discount_percent",
                                     "tax_rate_percent", "line_total"))
        _require_decimals(self.totals, ("net", "tax", "gross"))
        for instalment in self.schedule:
            _require_decimals(instalment, ("amount",))


@dataclass(frozen=True)
class SignatureBox:
    """An empty rectangle reserved for a visible signature, in PDF points (origin bottom-left)
    on page page_index (0-based). `box` is the (x1, y1, x2, y2) tuple pyHanko's SigFieldSpec
    takes."""

    page_index: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)


@dataclass(frozen=True)
class RenderedContract:
    pdf: bytes
    pages: int
    company_box: SignatureBox
    customer_box: SignatureBox
    fingerprint: str


def _require_decimals(record: object, names: tuple[str, ...]) -> None:
    # A float amount would print and hash differently from the Decimal the domain stored.
    for name in names:
        if not isinstance(getattr(record, name), Decimal):
            raise TypeError(f"{type(record).__name__}.{name} must be a Decimal")


def _canonical(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        # Equal amounts hash equally: 1.50 and 1.5 are one value; 'f' avoids exponent forms.
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    return value


def canonical_json(doc: ContractDocument) -> bytes:
    """The document's content as canonical JSON (sorted keys, UTF-8, no insignificant space),
    without audit_head: the bytes the content fingerprint is taken over."""
    content = _canonical(doc)
    del content["audit_head"]
    payload = {"schema": FINGERPRINT_SCHEMA, "contract": content}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def content_fingerprint(doc: ContractDocument) -> str:
    """SHA-256 (hex) of the canonical JSON of the document's content."""
    return hashlib.sha256(canonical_json(doc)).hexdigest()
