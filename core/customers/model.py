"""Customer records as the core sees them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.errors import InvalidInput


class CustomerKind(StrEnum):
    COMPANY = "company"
    INDIVIDUAL = "individual"


class CustomerStatus(StrEnum):
    LEAD = "lead"
    PROSPECT = "prospect"
    ACTIVE = "active"
    INACTIVE = "inactive"


# Built-in fields whose values are personal data of the kind PIPL calls sensitive, or that enable
# fraud: masked unless revealed, never indexed for ordinary search.
NATIONAL_ID = "national_id"
PERSONAL_MOBILE = "personal_mobile"
BANK_ACCOUNT = "bank_account"
SENSITIVE_FIELDS: tuple[str, ...] = (NATIONAL_ID, PERSONAL_MOBILE, BANK_ACCOUNT)


@dataclass(frozen=True)
class Contact:
    name: str
    title: str = ""
    phone: str = ""
    email: str = ""
    id: int | None = None


@dataclass(frozen=True)
class CustomerDraft:
    """What a person enters to create or edit a customer (values as typed, before validation)."""

    kind: CustomerKind
    name: str
    status: CustomerStatus = CustomerStatus.LEAD
    phones: tuple[str, ...] = ()
    email: str = ""
    address: str = ""
    city: str = ""
    region: str = ""
    industry: str = ""
    source: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    credit_code: str = ""
    contacts: tuple[Contact, ...] = ()
    custom: Mapping[str, str] = field(default_factory=dict)
    sensitive: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Customer:
    """A stored customer. `sensitive` holds clear values: it never leaves core unmasked except
    through an audited reveal."""

    id: int
    kind: CustomerKind
    name: str
    status: CustomerStatus
    owner_id: int
    phones: tuple[str, ...]
    email: str
    address: str
    city: str
    region: str
    industry: str
    source: str
    tags: tuple[str, ...]
    notes: str
    credit_code: str
    contacts: tuple[Contact, ...]
    custom: Mapping[str, str]
    sensitive: Mapping[str, str]
    created_at: datetime
    updated_at: datetime
    version: int = 1
    anonymised: bool = False


@dataclass(frozen=True)
class CustomerView:
    """A customer as one user may see it: sensitive values masked (or revealed for a while)."""

    customer: Customer
    sensitive: Mapping[str, str]
    revealed: frozenset[str]
    owner_name: str
    can_edit: bool

    def __getattr__(self, name: str) -> object:
        return getattr(self.customer, name)


@dataclass(frozen=True)
class CustomerSummary:
    """One row of a list or search result; holds no sensitive field."""

    id: int
    kind: CustomerKind
    name: str
    status: CustomerStatus
    city: str
    phone: str
    email: str
    owner_id: int
    owner_name: str
    updated_at: datetime


class EditConflict(InvalidInput):
    """The record changed since it was read (optimistic locking); storage raises it on save."""

    def __init__(self) -> None:
        super().__init__("Someone else changed this customer meanwhile; reload and try again.")
