"""What the contracts services need from storage (implemented in storage/contracts_repo.py).

They hang off the repositories object as `contracts`, `contract_templates`, `qualifications`
and `credit`; `contract_repos(repos)` gives them typed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, cast

from core.contracts.model import (
    ArchivedDocument,
    Contract,
    ContractEvent,
    ContractFilter,
    ContractSummary,
    Qualification,
    QualificationKind,
    StandardClause,
    Template,
    TemplateClause,
    TemplateVersion,
)
from core.customers.access import Scope
from core.ports import Repositories


class ContractRepository(Protocol):
    def next_number(self, year: int) -> int:
        """The next serial of `year` (1, 2, ...); called inside the transaction that inserts."""
        ...
    def insert(self, contract: Contract) -> Contract:
        """Store a new contract (its id is ignored) with items, schedule and clauses."""
        ...
    def get(self, contract_id: int) -> Contract | None: ...
    def by_number(self, number: str) -> Contract | None: ...
    def update_terms(self, contract: Contract) -> Contract:
        """Replace the header, items, schedule and clauses (refused by the database once
        signed)."""
        ...
    def update_workflow(self, contract: Contract) -> Contract:
        """Write state, review round, approval steps, risk, signed_at, updated_at only."""
        ...
    def page(self, scope: Scope, flt: ContractFilter, before_id: int | None,
             limit: int) -> list[ContractSummary]:
        """Newest first (by id), strictly older than `before_id` when given."""
        ...
    def ending_between(self, scope: Scope, first: date, last: date,
                       states: tuple[str, ...]) -> list[ContractSummary]: ...
    def has_signed(self, customer_id: int, excluding: int, states: tuple[str, ...]) -> bool: ...
    def family_versions(self, family_id: int) -> int: ...
    def add_event(self, event: ContractEvent) -> ContractEvent: ...
    def events(self, contract_id: int) -> list[ContractEvent]: ...
    def archive(self, contract_id: int, pdf: bytes, sha256: str, fingerprint: str,
                signed_by: int, signed_at: datetime) -> ArchivedDocument: ...
    def archived(self, contract_id: int) -> ArchivedDocument | None: ...
    def archived_pdf(self, contract_id: int) -> bytes | None: ...


class TemplateRepository(Protocol):
    def templates(self) -> list[Template]: ...
    def add_template(self, code: str, name: str, language: str, created_at: datetime) -> int: ...
    def add_version(self, template_id: int, title: str, preamble: str,
                    clauses: tuple[TemplateClause, ...], created_by: int | None,
                    created_at: datetime) -> TemplateVersion: ...
    def version(self, version_id: int) -> TemplateVersion | None: ...
    def versions(self, template_id: int) -> list[TemplateVersion]: ...
    def clauses(self, language: str | None) -> list[StandardClause]:
        """The latest version of every standard clause (of one language when given)."""
        ...
    def add_clause(self, key: str, language: str, category: str, title: str, text: str,
                   created_at: datetime) -> StandardClause:
        """A new version of the clause `key` in `language` (version 1 if it is new)."""
        ...


class QualificationRepository(Protocol):
    def add(self, customer_id: int, kind: QualificationKind, number: str,
            expires_on: date | None, added_by: int, created_at: datetime) -> Qualification: ...
    def for_customer(self, customer_id: int) -> list[Qualification]: ...


class CreditSource(Protocol):
    """The customer's available credit in `currency` (the approved limit minus open receivables
    and approved contracts not signed yet); None when no limit is known. `rating` is the
    credit rating ("A".."D") recorded with the customer's latest limit, None without one."""

    def available_credit(self, customer_id: int, currency: str) -> Decimal | None: ...
    def rating(self, customer_id: int) -> str | None: ...


class ContractRepositories(Repositories, Protocol):
    contracts: ContractRepository
    contract_templates: TemplateRepository
    qualifications: QualificationRepository
    credit: CreditSource


def contract_repos(repos: Repositories) -> ContractRepositories:
    return cast(ContractRepositories, repos)
