"""Drafting and editing: terms checked and totalled in Decimal, clauses copied from the template
version, an edited clause kept beside its standard wording. Any edit of a contract in review,
approved or rejected returns it to draft (the workflow table), voiding its approvals."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import date, datetime

from core.contracts.base import ContractChanged
from core.contracts.clauses import MAX_CLAUSE_TEXT, MAX_CLAUSE_TITLE
from core.contracts.default_templates import DEFAULT_TEMPLATE_CODE
from core.contracts.library import LibraryOps
from core.contracts.model import (
    NUMBER_PREFIX,
    ClauseCategory,
    Contract,
    ContractClause,
    ContractTerms,
    Instalment,
    LineItem,
)
from core.contracts.money import (
    check_currency,
    decimal,
    fraction,
    line_net,
    quantize,
    tax_on,
    totals,
)
from core.contracts.ports import ContractRepositories, contract_repos
from core.contracts.schedule import MAX_LABEL, check_schedule
from core.contracts.workflow import Action, ContractState, next_state
from core.customers.access import can_edit
from core.customers.validate import clean_text
from core.errors import InvalidInput, NotFound
from core.roles import Permission
from core.users import User

MAX_ITEMS = 500
MAX_PRODUCT = 300
MAX_TITLE = 200
MAX_DELIVERY = 4000
MAX_QUANTITY = decimal("1e9")


def contract_number(year: int, serial: int) -> str:
    return f"{NUMBER_PREFIX}-{year:04d}-{serial:06d}"


def clean_block(text: str, limit: int) -> str:
    """Multi-line text kept as written (NFC, control characters but newlines and tabs dropped)."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = text.strip()
    if len(text) > limit:
        raise InvalidInput(f"The text is too long (at most {limit} characters).")
    return text


def checked_items(items: tuple[LineItem, ...], currency: str) -> tuple[LineItem, ...]:
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"A contract has at most {MAX_ITEMS} line items.")
    out = []
    for number, item in enumerate(items, start=1):
        product = clean_text(item.product, MAX_PRODUCT)
        if not product:
            raise InvalidInput(f"Line {number} needs a product.")
        quantity = decimal(item.quantity, f"quantity of line {number}")
        if not 0 < quantity < MAX_QUANTITY:
            raise InvalidInput(f"The quantity of line {number} must be above zero.")
        price = decimal(item.unit_price, f"unit price of line {number}")
        if price < 0:
            raise InvalidInput(f"The unit price of line {number} cannot be negative.")
        if quantize(price, currency) != price:
            raise InvalidInput(f"The unit price of line {number} has more decimals than "
                               f"{currency} allows.")
        out.append(LineItem(product, quantity, price,
                            fraction(item.discount, f"discount of line {number}"),
                            fraction(item.tax_rate, f"tax rate of line {number}")))
    return tuple(out)


def priced(items: tuple[LineItem, ...], currency: str) -> list[tuple[object, object]]:
    result = []
    for item in items:
        net = line_net(item.quantity, item.unit_price, item.discount, currency)
        result.append((net, tax_on(net, item.tax_rate, currency)))
    return result


def apply_terms(contract: Contract, terms: ContractTerms, today: date) -> Contract:
    """The contract with `terms` checked, cleaned and totalled. An empty schedule is allowed
    while drafting (submit requires one); a given schedule must sum to the gross total."""
    currency = check_currency(terms.currency)
    items = checked_items(tuple(terms.items), currency)
    total = totals(priced(items, currency), currency)  # type: ignore[arg-type]
    instalments = tuple(
        Instalment(i.due, decimal(i.amount, "instalment amount"), clean_text(i.label, MAX_LABEL))
        for i in terms.instalments)
    if instalments:
        check_schedule(instalments, total.gross, currency)
    if terms.start_date and terms.end_date and terms.end_date < terms.start_date:
        raise InvalidInput("The end date is before the start date.")
    title = clean_text(terms.title, MAX_TITLE) or contract.title
    return dataclasses.replace(
        contract, title=title, currency=currency, items=items, instalments=instalments,
        delivery_terms=clean_block(terms.delivery_terms, MAX_DELIVERY),
        contract_date=terms.contract_date or contract.contract_date or today,
        start_date=terms.start_date, end_date=terms.end_date,
        net=total.net, tax=total.tax, gross=total.gross)


def terms_of(contract: Contract) -> ContractTerms:
    """The editable terms of a stored contract (a form starts from these)."""
    return ContractTerms(title=contract.title, currency=contract.currency, items=contract.items,
                         instalments=contract.instalments,
                         delivery_terms=contract.delivery_terms,
                         contract_date=contract.contract_date, start_date=contract.start_date,
                         end_date=contract.end_date)


class DraftingOps(LibraryOps):
    def draft(self, actor: User, customer_id: int, terms: ContractTerms,
              template_version_id: int | None = None) -> Contract:
        """A new draft for a customer the actor may edit, its clauses copied from the template
        version (default: the latest Chinese standard sales contract)."""
        self._guard.require(actor, Permission.CONTRACT_WRITE, "customer", str(customer_id))
        customer, scope = self._customers.visible(actor, customer_id)
        if not can_edit(self._stored(actor), scope, customer):
            self._deny(actor, Permission.CONTRACT_WRITE, None)
        if customer.anonymised:
            raise InvalidInput("An anonymised customer cannot enter a new contract.")
        version = (self.template_version(actor, template_version_id)
                   if template_version_id is not None
                   else self.latest_version(actor, DEFAULT_TEMPLATE_CODE))
        with self._store.reader() as plain:
            template = next(t for t in contract_repos(plain).contract_templates.templates()
                            if t.id == version.template_id)
        now = self._clock()
        clauses = tuple(ContractClause(n, c.category, c.title, c.text, c.text)
                        for n, c in enumerate(version.clauses, start=1))
        blank = Contract(
            id=0, number="", customer_id=customer_id, author_id=actor.id,
            template_version_id=version.id, language=template.language,
            state=ContractState.DRAFT.value, title=version.title, currency="CNY", items=(),
            instalments=(), clauses=clauses, delivery_terms="", contract_date=now.date(),
            start_date=None, end_date=None, net=decimal(0), tax=decimal(0), gross=decimal(0),
            created_at=now, updated_at=now)
        contract = apply_terms(blank, terms, now.date())
        with self._store.transaction() as plain:
            repos = contract_repos(plain)
            stored = self._insert(repos, contract, now)
            self._record(repos, actor, stored, "drafted", stored.state, now, {
                "customer_id": customer_id, "template_version_id": version.id})
        self._publish()
        return stored

    @staticmethod
    def _insert(repos: ContractRepositories, contract: Contract, now: datetime) -> Contract:
        number = contract.number or contract_number(
            now.year, repos.contracts.next_number(now.year))
        return repos.contracts.insert(dataclasses.replace(contract, number=number))

    def update(self, actor: User, contract_id: int, terms: ContractTerms,
               expected_revision: int | None = None) -> Contract:
        """New terms (items, schedule, dates, delivery). In review, approved or rejected: back
        to draft, approvals void."""
        contract, _customer, _scope = self._writable(actor, contract_id)
        changed = apply_terms(contract, terms, self._clock().date())
        return self._save_edit(actor, contract, changed, expected_revision, {"what": "terms"})

    def edit_clause(self, actor: User, contract_id: int, position: int, text: str,
                    expected_revision: int | None = None) -> Contract:
        """Store the clause's new wording; `clause_diffs` then shows how it differs from the
        standard text, and it counts as non-standard in the risk assessment and approval."""
        contract, _customer, _scope = self._writable(actor, contract_id)
        clause = self._clause(contract, position)
        new_text = clean_block(text, MAX_CLAUSE_TEXT)
        if not new_text:
            raise InvalidInput("A clause cannot be empty.")
        changed = dataclasses.replace(contract, clauses=tuple(
            dataclasses.replace(c, text=new_text) if c.position == clause.position else c
            for c in contract.clauses))
        edited = dataclasses.replace(clause, text=new_text)
        return self._save_edit(actor, contract, changed, expected_revision, {
            "what": "clause", "position": position, "nonstandard": edited.nonstandard})

    def reset_clause(self, actor: User, contract_id: int, position: int,
                     expected_revision: int | None = None) -> Contract:
        contract, _customer, _scope = self._writable(actor, contract_id)
        clause = self._clause(contract, position)
        return self.edit_clause(actor, contract_id, position,
                                clause.standard_text or clause.text, expected_revision)

    def add_clause(self, actor: User, contract_id: int, category: ClauseCategory, title: str,
                   text: str, expected_revision: int | None = None) -> Contract:
        """A clause of the parties' own (no standard wording: always non-standard)."""
        contract, _customer, _scope = self._writable(actor, contract_id)
        title = clean_text(title, MAX_CLAUSE_TITLE)
        body = clean_block(text, MAX_CLAUSE_TEXT)
        if not title or not body:
            raise InvalidInput("A clause needs a title and a text.")
        position = max((c.position for c in contract.clauses), default=0) + 1
        changed = dataclasses.replace(contract, clauses=(*contract.clauses, ContractClause(
            position, ClauseCategory(category), title, body, "")))
        return self._save_edit(actor, contract, changed, expected_revision, {
            "what": "clause_added", "position": position})

    @staticmethod
    def _clause(contract: Contract, position: int) -> ContractClause:
        for clause in contract.clauses:
            if clause.position == position:
                return clause
        raise NotFound("No such clause in this contract.")

    def _save_edit(self, actor: User, contract: Contract, changed: Contract,
                   expected_revision: int | None, details: dict[str, object]) -> Contract:
        if expected_revision is not None and expected_revision != contract.revision:
            raise ContractChanged()
        to_state = next_state(ContractState(contract.state), Action.EDIT)
        now = self._clock()
        with self._store.transaction() as plain:
            repos = contract_repos(plain)
            current = self._fresh(repos, contract)
            voided = current.state != ContractState.DRAFT.value
            stored = repos.contracts.update_terms(dataclasses.replace(
                changed, state=to_state.value, revision=current.revision + 1, updated_at=now,
                # Approvals belong to the revision they saw: an edit voids them.
                approval_steps=() if voided else current.approval_steps,
                risk=None if voided else current.risk))
            self._record(repos, actor, current, "edited", to_state.value, now,
                         {**details, "approvals_voided": voided})
        self._publish()
        return stored
