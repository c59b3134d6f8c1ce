"""Contracts as the core sees them: terms a person enters, the stored contract, its clauses,
approval events, templates and the clause library, customer qualification documents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from core.contracts.money import DEFAULT_CURRENCY

NUMBER_PREFIX = "SR"


class ClauseCategory(StrEnum):
    PAYMENT = "payment"
    DELIVERY = "delivery"
    ACCEPTANCE = "acceptance"
    WARRANTY = "warranty"
    LIABILITY = "liability"
    CONFIDENTIALITY = "confidentiality"
    DATA_PROTECTION = "data_protection"
    DISPUTE_RESOLUTION = "dispute_resolution"
    OTHER = "other"


class Relation(StrEnum):
    """How a contract follows an earlier one."""

    AMENDMENT = "amendment"
    RENEWAL = "renewal"


@dataclass(frozen=True)
class LineItem:
    product: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)  # a fraction: 0.05 is 5 % off
    tax_rate: Decimal = Decimal(0)  # a fraction: 0.13 is China's standard VAT


@dataclass(frozen=True)
class Instalment:
    due: date
    amount: Decimal
    label: str = ""


@dataclass(frozen=True)
class ContractTerms:
    """What a person enters when drafting or editing (clauses are edited one by one)."""

    title: str = ""
    currency: str = DEFAULT_CURRENCY
    items: tuple[LineItem, ...] = ()
    instalments: tuple[Instalment, ...] = ()
    delivery_terms: str = ""
    contract_date: date | None = None  # None: today
    start_date: date | None = None
    end_date: date | None = None


_SPACE = re.compile(r"\s+")


def same_text(a: str, b: str) -> bool:
    """Clause texts compared as a reader compares them: runs of white space do not count."""
    return _SPACE.sub(" ", a).strip() == _SPACE.sub(" ", b).strip()


@dataclass(frozen=True)
class ContractClause:
    position: int
    category: ClauseCategory
    title: str
    text: str
    standard_text: str  # the template's wording when the contract was drafted

    @property
    def nonstandard(self) -> bool:
        return not same_text(self.text, self.standard_text)


@dataclass(frozen=True)
class RiskRecord:
    """The assessment stored with the contract on submit (plain data, decoupled from risk.py's
    classes so a later change of the scoring does not rewrite history)."""

    score: int
    level: str
    reasons: tuple[tuple[str, str, int], ...]  # (code, message, points)


@dataclass(frozen=True)
class Contract:
    id: int
    number: str
    customer_id: int
    author_id: int
    template_version_id: int | None
    language: str
    state: str  # a workflow.ContractState value
    title: str
    currency: str
    items: tuple[LineItem, ...]
    instalments: tuple[Instalment, ...]
    clauses: tuple[ContractClause, ...]
    delivery_terms: str
    contract_date: date
    start_date: date | None
    end_date: date | None
    net: Decimal
    tax: Decimal
    gross: Decimal
    created_at: datetime
    updated_at: datetime
    revision: int = 1  # grows with every edit: optimistic concurrency and "what was approved"
    review_round: int = 0  # grows with every submit; approvals belong to one round
    approval_steps: tuple[str, ...] = ()  # workflow.ApproverRole values, in order
    risk: RiskRecord | None = None
    family_id: int | None = None  # the first contract of an amendment/renewal chain
    origin_id: int | None = None  # the contract this one amends or renews
    relation: str | None = None  # a Relation value
    version_no: int = 1
    signed_at: datetime | None = None

    @property
    def nonstandard_clauses(self) -> tuple[ContractClause, ...]:
        return tuple(c for c in self.clauses if c.nonstandard)


@dataclass(frozen=True)
class ContractSummary:
    """One row of a contract list."""

    id: int
    number: str
    customer_id: int
    customer_name: str
    title: str
    state: str
    currency: str
    gross: Decimal
    end_date: date | None
    version_no: int
    updated_at: datetime
    author_id: int


@dataclass(frozen=True)
class ContractFilter:
    customer_id: int | None = None
    state: str | None = None
    text: str = ""  # contract number or title contains


@dataclass(frozen=True)
class ContractEvent:
    """One step of a contract's history: a transition or an approval decision. `comment` is
    kept here, not in the audit trail (free text may carry personal data)."""

    id: int
    contract_id: int
    round: int
    at: datetime
    actor_id: int
    actor_name: str
    action: str  # submitted, approved, rejected, edited, signed, activated, ...
    from_state: str
    to_state: str
    step_role: str = ""  # the approval step decided (approved/rejected)
    comment: str = ""
    fingerprint: str = ""  # of an approval: the content approved (document().fingerprint)


@dataclass(frozen=True)
class ApprovalProgress:
    steps: tuple[str, ...]
    approved: tuple[ContractEvent, ...]  # of the current round, in step order
    next_step: str | None  # None when every step is approved (or none is pending)


@dataclass(frozen=True)
class ArchivedDocument:
    """A signed PDF kept in the vault (the bytes are read separately, audited)."""

    contract_id: int
    sha256: str
    fingerprint: str
    size: int
    signed_by: int
    signed_at: datetime


# -- templates and the clause library ---------------------------------------------------------
@dataclass(frozen=True)
class TemplateClause:
    category: ClauseCategory
    title: str
    text: str


@dataclass(frozen=True)
class Template:
    id: int
    code: str
    name: str
    language: str  # "zh" or "en"
    latest_version: int


@dataclass(frozen=True)
class TemplateVersion:
    id: int
    template_id: int
    version: int
    title: str
    preamble: str
    clauses: tuple[TemplateClause, ...]
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class StandardClause:
    id: int
    key: str  # stable identity across versions, e.g. "payment"
    language: str
    category: ClauseCategory
    title: str
    text: str
    version: int
    created_at: datetime


# -- customer qualifications ------------------------------------------------------------------
class QualificationKind(StrEnum):
    BUSINESS_LICENCE = "business_licence"
    TAX_REGISTRATION = "tax_registration"
    BANK_ACCOUNT_PERMIT = "bank_account_permit"
    INDUSTRY_PERMIT = "industry_permit"
    ID_DOCUMENT = "id_document"
    OTHER = "other"


@dataclass(frozen=True)
class Qualification:
    id: int
    customer_id: int
    kind: QualificationKind
    number: str
    expires_on: date | None
    added_by: int
    created_at: datetime

    def expired(self, on: date) -> bool:
        return self.expires_on is not None and self.expires_on < on


@dataclass(frozen=True)
class Party:
    """A side of the contract as printed: no protected (masked) field is ever part of it."""

    name: str
    address: str = ""
    credit_code: str = ""
    contact: str = ""
    phone: str = ""
    email: str = ""
