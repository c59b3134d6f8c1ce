"""Reading contracts: each method goes through the customer's row-level access, so whoever may
see the customer sees its contracts and nobody else learns they exist."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from core.contracts.clauses import ClauseDiff, category_label, diff_clause
from core.contracts.comments import opened
from core.contracts.document import (
    ContractDocument,
    DocumentApproval,
    DocumentClause,
    DocumentLine,
    content_fingerprint,
)
from core.contracts.drafting import DraftingOps
from core.contracts.model import (
    ApprovalProgress,
    ArchivedDocument,
    Contract,
    ContractEvent,
    ContractFilter,
    ContractSummary,
    Party,
)
from core.contracts.money import format_amount, line_net, tax_on
from core.contracts.ports import contract_repos
from core.contracts.templates import render
from core.contracts.workflow import ContractState, next_approval
from core.customers.model import Customer
from core.errors import InvalidInput
from core.users import User

MAX_PAGE = 500
REMINDER_STATES = (ContractState.SIGNED.value, ContractState.ACTIVE.value)
MAX_REMINDER_DAYS = 3650


def current_approvals(contract: Contract, events: list[ContractEvent]) -> list[ContractEvent]:
    return [e for e in events if e.round == contract.review_round and e.action == "approved"]


def progress_of(contract: Contract, events: list[ContractEvent]) -> ApprovalProgress:
    approved = current_approvals(contract, events)
    pending = None
    if contract.state == ContractState.IN_REVIEW.value:
        pending = next_approval(contract.approval_steps, [e.step_role for e in approved])
    return ApprovalProgress(contract.approval_steps, tuple(approved),
                            None if pending is None else str(pending))


def buyer_of(customer: Customer) -> Party:
    """The customer as printed: public business details only, never a protected field."""
    contact = customer.contacts[0] if customer.contacts else None
    address = " ".join(p for p in (customer.region, customer.city, customer.address) if p)
    return Party(name=customer.name, address=address, credit_code=customer.credit_code,
                 contact=contact.name if contact else "",
                 phone=(contact.phone if contact and contact.phone else
                        (customer.phones[0] if customer.phones else "")),
                 email=(contact.email if contact and contact.email else customer.email))


class ReadingOps(DraftingOps):
    def get(self, actor: User, contract_id: int) -> Contract:
        return self._readable(actor, contract_id)[0]

    def page(self, actor: User, flt: ContractFilter | None = None,
             before_id: int | None = None, limit: int = 100) -> list[ContractSummary]:
        """Newest first; pass the last id you got as `before_id` for the next page."""
        scope = self._customers.read_scope(actor)
        if flt is not None and flt.customer_id is not None:
            self._customers.visible(actor, flt.customer_id)
        with self._store.reader() as plain:
            return contract_repos(plain).contracts.page(
                scope, flt or ContractFilter(), before_id, max(1, min(int(limit), MAX_PAGE)))

    def history(self, actor: User, contract_id: int) -> list[ContractEvent]:
        """Every transition and approval decision, oldest first, with comments."""
        contract, _customer, _scope = self._readable(actor, contract_id)
        with self._store.reader() as plain:
            return opened(plain, contract_repos(plain).contracts.events(contract.id))

    def approval_progress(self, actor: User, contract_id: int) -> ApprovalProgress:
        contract, _customer, _scope = self._readable(actor, contract_id)
        with self._store.reader() as plain:
            events = opened(plain, contract_repos(plain).contracts.events(contract.id))
        return progress_of(contract, events)

    def clause_diffs(self, actor: User, contract_id: int) -> list[ClauseDiff]:
        contract, _customer, _scope = self._readable(actor, contract_id)
        return [diff_clause(c) for c in contract.clauses]

    def archived(self, actor: User, contract_id: int) -> ArchivedDocument | None:
        """What the archive holds for the contract (no bytes: reading those is an export)."""
        contract, _customer, _scope = self._readable(actor, contract_id)
        with self._store.reader() as plain:
            return contract_repos(plain).contracts.archived(contract.id)

    def expiring(self, actor: User, within_days: int) -> list[ContractSummary]:
        """Signed or active contracts the actor may see whose term ends within `within_days`
        from today (reminders at 30 and 60 days), soonest first."""
        try:
            days = int(within_days)
        except (TypeError, ValueError, OverflowError):
            raise InvalidInput("Give the number of days as a whole number.") from None
        days = max(0, min(days, MAX_REMINDER_DAYS))  # a date past year 9999 cannot be made
        scope = self._customers.read_scope(actor)
        today = self._clock().date()
        with self._store.reader() as plain:
            return contract_repos(plain).contracts.ending_between(
                scope, today, today + timedelta(days=days), REMINDER_STATES)

    def document(self, actor: User, contract_id: int) -> ContractDocument:
        """Everything the PDF renderer prints, as plain data, with its content fingerprint."""
        contract, customer, _scope = self._readable(actor, contract_id)
        return self._document(contract, customer)

    def _document(self, contract: Contract, customer: Customer) -> ContractDocument:
        with self._store.reader() as plain:
            repos = contract_repos(plain)
            events = repos.contracts.events(contract.id)
            version = (repos.contract_templates.version(contract.template_version_id)
                       if contract.template_version_id else None)
            origin = repos.contracts.get(contract.origin_id) if contract.origin_id else None
            author = repos.users.get(contract.author_id)
        seller = self.company()
        buyer = buyer_of(customer)
        values = {
            "customer_name": buyer.name, "company_name": seller.name,
            "contract_number": contract.number,
            "contract_date": contract.contract_date.isoformat(),
            "start_date": contract.start_date.isoformat() if contract.start_date else "",
            "end_date": contract.end_date.isoformat() if contract.end_date else "",
            "total": f"{format_amount(contract.gross, contract.currency)} {contract.currency}",
            "currency": contract.currency, "delivery_terms": contract.delivery_terms,
        }
        unknown: dict[str, None] = {}
        preamble = render(version.preamble if version else "", values)
        unknown.update(dict.fromkeys(preamble.unknown))
        clauses = []
        for clause in contract.clauses:
            text = render(clause.text, values)
            unknown.update(dict.fromkeys(text.unknown))
            clauses.append(DocumentClause(clause.position, clause.category.value,
                                          category_label(clause.category, contract.language),
                                          clause.title, text.text, clause.nonstandard))
        lines = []
        for n, item in enumerate(contract.items, start=1):
            net = line_net(item.quantity, item.unit_price, item.discount, contract.currency)
            tax = tax_on(net, item.tax_rate, contract.currency)
            lines.append(DocumentLine(n, item.product, item.quantity, item.unit_price,
                                      item.discount, item.tax_rate, net, tax, net + tax))
        names = {e.actor_id: e.actor_name for e in events}
        approvals = tuple(DocumentApproval(e.step_role, names.get(e.actor_id, ""), e.at)
                          for e in current_approvals(contract, events))
        document = ContractDocument(
            contract_id=contract.id, number=contract.number, title=contract.title,
            language=contract.language, state=contract.state, version_no=contract.version_no,
            revision=contract.revision, origin_number=origin.number if origin else None,
            relation=contract.relation, seller=seller, buyer=buyer,
            author_name=author.name if author else "", preamble=preamble.text,
            currency=contract.currency, lines=tuple(lines), net=contract.net, tax=contract.tax,
            gross=contract.gross, schedule=contract.instalments,
            delivery_terms=contract.delivery_terms, contract_date=contract.contract_date,
            start_date=contract.start_date, end_date=contract.end_date, clauses=tuple(clauses),
            approvals=approvals, unknown_variables=tuple(unknown), fingerprint="")
        return dataclasses.replace(document, fingerprint=content_fingerprint(document))
