"""Templates and the clause library (seeded with the defaults on first use), the company's own
details printed as the seller, and customers' qualification documents."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime

from core.audit import AuditEvent
from core.changes import Changes
from core.contracts.base import ContractBase
from core.contracts.clauses import MAX_CLAUSE_TEXT, MAX_CLAUSE_TITLE
from core.contracts.default_templates import DEFAULTS
from core.contracts.model import (
    ClauseCategory,
    Party,
    Qualification,
    QualificationKind,
    StandardClause,
    Template,
    TemplateClause,
    TemplateVersion,
)
from core.contracts.ports import ContractRepositories, contract_repos
from core.contracts.templates import VARIABLES, unknown_variables
from core.customers.access import can_edit
from core.customers.masking import mask
from core.customers.model import NATIONAL_ID, CustomerKind
from core.customers.validate import clean_text
from core.errors import InvalidInput, NotFound
from core.roles import Permission
from core.trail import append
from core.users import User

COMPANY_KEY = "company_profile"
LANGUAGES = ("zh", "en")
# Which qualification documents a customer of each kind must have on file; a missing or expired
# one is a reason in the risk assessment, not a refusal.
REQUIRED_QUALIFICATIONS: dict[CustomerKind, tuple[QualificationKind, ...]] = {
    CustomerKind.COMPANY: (QualificationKind.BUSINESS_LICENCE,),
    CustomerKind.INDIVIDUAL: (),
}
QUALIFICATION_LABELS: dict[QualificationKind, str] = {
    QualificationKind.BUSINESS_LICENCE: "Business licence",
    QualificationKind.TAX_REGISTRATION: "Tax registration",
    QualificationKind.BANK_ACCOUNT_PERMIT: "Bank account permit",
    QualificationKind.INDUSTRY_PERMIT: "Industry permit",
    QualificationKind.ID_DOCUMENT: "Identity document",
    QualificationKind.OTHER: "Other document",
}


def seed_defaults(repos: ContractRepositories, actor: User | None, at: datetime) -> bool:
    """Write the default templates and clause library if the vault has no template yet."""
    if repos.contract_templates.templates():
        return False
    for default in DEFAULTS:
        template_id = repos.contract_templates.add_template(default.code, default.name,
                                                           default.language, at)
        repos.contract_templates.add_version(template_id, default.title, default.preamble,
                                             default.clauses, None, at)
        for clause in default.clauses:
            repos.contract_templates.add_clause(clause.category.value, default.language,
                                                clause.category.value, clause.title,
                                                clause.text, at)
    append(repos, actor, AuditEvent("contract.templates_seeded", "template", "",
                                    {"templates": [d.code for d in DEFAULTS]}), at)
    return True


class LibraryOps(ContractBase):
    # -- templates ---------------------------------------------------------------------------
    def _ensure_seeded(self, actor: User) -> None:
        with self._store.reader() as plain:
            if contract_repos(plain).contract_templates.templates():
                return
        with self._store.transaction() as plain:
            seeded = seed_defaults(contract_repos(plain), actor, self._clock())
        if seeded:
            self._publish()

    def templates(self, actor: User) -> list[Template]:
        """Every template with its latest version number (anyone who may read customers)."""
        self._customers.read_scope(actor)
        self._ensure_seeded(actor)
        with self._store.reader() as plain:
            return contract_repos(plain).contract_templates.templates()

    def template_versions(self, actor: User, template_id: int) -> list[TemplateVersion]:
        self._customers.read_scope(actor)
        self._ensure_seeded(actor)
        with self._store.reader() as plain:
            return contract_repos(plain).contract_templates.versions(template_id)

    def template_version(self, actor: User, version_id: int) -> TemplateVersion:
        self._customers.read_scope(actor)
        self._ensure_seeded(actor)
        with self._store.reader() as plain:
            found = contract_repos(plain).contract_templates.version(version_id)
        if found is None:
            raise NotFound("No such template version.")
        return found

    def latest_version(self, actor: User, code: str) -> TemplateVersion:
        for template in self.templates(actor):
            if template.code == code:
                return self.template_versions(actor, template.id)[-1]
        raise NotFound(f"No template {code!r}.")

    def add_template(self, actor: User, code: str, name: str, language: str, title: str,
                     preamble: str, clauses: Sequence[TemplateClause]) -> TemplateVersion:
        """A new template and its version 1 (TEMPLATE_MANAGE)."""
        self._guard.require(actor, Permission.TEMPLATE_MANAGE, "template", code)
        self._ensure_seeded(actor)
        code, name = clean_text(code, 40), clean_text(name, 200)
        if not code or not name:
            raise InvalidInput("A template needs a code and a name.")
        if language not in LANGUAGES:
            raise InvalidInput(f"A template's language is one of {', '.join(LANGUAGES)}.")
        if any(t.code == code for t in self.templates(actor)):
            raise InvalidInput(f"There is already a template {code!r}.")
        title, preamble, cleaned = _checked(title, preamble, clauses)
        now = self._clock()
        with self._store.transaction() as plain:
            repos = contract_repos(plain)
            template_id = repos.contract_templates.add_template(code, name, language, now)
            version = repos.contract_templates.add_version(template_id, title, preamble,
                                                           cleaned, actor.id, now)
            append(repos, actor, AuditEvent("contract.template_added", "template",
                                            str(template_id), {"code": code, "version": 1}), now)
        self._publish()
        return version

    def add_template_version(self, actor: User, template_id: int, title: str, preamble: str,
                             clauses: Sequence[TemplateClause]) -> TemplateVersion:
        """A new version; earlier versions stay as they were (contracts name theirs)."""
        self._guard.require(actor, Permission.TEMPLATE_MANAGE, "template", str(template_id))
        if not any(t.id == template_id for t in self.templates(actor)):
            raise NotFound("No such template.")
        title, preamble, cleaned = _checked(title, preamble, clauses)
        now = self._clock()
        with self._store.transaction() as plain:
            repos = contract_repos(plain)
            version = repos.contract_templates.add_version(template_id, title, preamble,
                                                           cleaned, actor.id, now)
            append(repos, actor, AuditEvent("contract.template_changed", "template",
                                            str(template_id), {"version": version.version}),
                   now)
        self._publish()
        return version

    def clause_library(self, actor: User, language: str | None = None) -> list[StandardClause]:
        self._customers.read_scope(actor)
        self._ensure_seeded(actor)
        with self._store.reader() as plain:
            return contract_repos(plain).contract_templates.clauses(language)

    def save_standard_clause(self, actor: User, key: str, language: str,
                             category: ClauseCategory, title: str,
                             text: str) -> StandardClause:
        """A new version of a library clause (or a new clause); TEMPLATE_MANAGE."""
        self._guard.require(actor, Permission.TEMPLATE_MANAGE, "clause", key)
        self._ensure_seeded(actor)
        key = clean_text(key, 60)
        if not key or language not in LANGUAGES:
            raise InvalidInput("A library clause needs a key and a language (zh or en).")
        title, _, (clause,) = _checked(title, "", [TemplateClause(ClauseCategory(category),
                                                                  title, text)])
        now = self._clock()
        with self._store.transaction() as plain:
            repos = contract_repos(plain)
            saved = repos.contract_templates.add_clause(key, language, clause.category.value,
                                                        clause.title, clause.text, now)
            append(repos, actor, AuditEvent("contract.clause_library_changed", "clause", key, {
                "language": language, "version": saved.version}), now)
        self._publish()
        return saved

    # -- the company (seller) ----------------------------------------------------------------
    def company(self) -> Party:
        with self._store.reader() as repos:
            data = repos.settings.get(COMPANY_KEY) or {}
        return Party(name=str(data.get("name", "")), address=str(data.get("address", "")),
                     credit_code=str(data.get("credit_code", "")),
                     contact=str(data.get("contact", "")), phone=str(data.get("phone", "")),
                     email=str(data.get("email", "")))

    def set_company(self, actor: User, party: Party) -> Party:
        """The seller printed on every contract (POLICY_MANAGE; audited as a setting)."""
        self._guard.require(actor, Permission.POLICY_MANAGE, "settings", COMPANY_KEY)
        value = {k: clean_text(str(getattr(party, k)), 300) for k in (
            "name", "address", "credit_code", "contact", "phone", "email")}
        if not value["name"]:
            raise InvalidInput("The company needs a name.")
        now = self._clock()
        with self._store.transaction() as repos:
            before = repos.settings.get(COMPANY_KEY)
            repos.settings.put(COMPANY_KEY, value)
            append(repos, actor, AuditEvent("config.changed", "settings", COMPANY_KEY,
                                            {"before": before, "after": value}), now)
        self._publish()
        return self.company()

    # -- qualifications ----------------------------------------------------------------------
    def add_qualification(self, actor: User, customer_id: int, kind: QualificationKind,
                          number: str = "", expires_on: date | None = None) -> Qualification:
        """Record a document the customer showed (CUSTOMER_WRITE on a customer the actor may
        edit). The trail records the kind, never the document number."""
        self._guard.require(actor, Permission.CUSTOMER_WRITE, "customer", str(customer_id))
        customer, scope = self._customers.visible(actor, customer_id)
        if not can_edit(self._stored(actor), scope, customer):
            self._deny(actor, Permission.CUSTOMER_WRITE, None)
        kind = QualificationKind(kind)
        number = clean_text(number, 100)
        now = self._clock()
        with self._store.transaction() as plain:
            repos = contract_repos(plain)
            saved = repos.qualifications.add(customer_id, kind, number, expires_on, actor.id,
                                             now)
            append(repos, actor, AuditEvent("customer.qualification_added", "customer",
                                            str(customer_id), {"kind": kind.value}), now)
        self._bus.publish(Changes(customers=True, contracts=True))
        return saved

    def qualifications(self, actor: User, customer_id: int) -> list[Qualification]:
        """The customer's documents; an identity document's number is a national ID, so it is
        masked like the customer's own (revealing that goes through CustomerService.reveal,
        with a reason, audited)."""
        self._customers.visible(actor, customer_id)
        with self._store.reader() as plain:
            held = contract_repos(plain).qualifications.for_customer(customer_id)
        return [dataclasses.replace(q, number=mask(NATIONAL_ID, q.number))
                if q.kind == QualificationKind.ID_DOCUMENT else q for q in held]


def _checked(title: str, preamble: str, clauses: Sequence[TemplateClause],
             ) -> tuple[str, str, tuple[TemplateClause, ...]]:
    title = clean_text(title, MAX_CLAUSE_TITLE)
    if not title:
        raise InvalidInput("A title is required.")
    if len(preamble) > MAX_CLAUSE_TEXT:
        raise InvalidInput("The preamble is too long.")
    cleaned = []
    for clause in clauses:
        clause_title = clean_text(clause.title, MAX_CLAUSE_TITLE)
        if not clause_title or not clause.text.strip():
            raise InvalidInput("Every clause needs a title and a text.")
        if len(clause.text) > MAX_CLAUSE_TEXT:
            raise InvalidInput(f"The clause {clause_title!r} is too long.")
        cleaned.append(TemplateClause(ClauseCategory(clause.category), clause_title,
                                      clause.text.strip()))
    unknown = unknown_variables([title, preamble, *(c.text for c in cleaned)])
    if unknown:
        raise InvalidInput(f"Unknown variable(s) {', '.join('{' + u + '}' for u in unknown)}; "
                           f"the known ones are {', '.join(sorted(VARIABLES))}.")
    return title, preamble.strip(), tuple(cleaned)
