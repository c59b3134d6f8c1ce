"""A data subject's rights under PIPL over one customer: the access request (everything held
about them, in clear, as one JSON file) and anonymisation (on request or at retention end).

Both need PRIVACY_MANAGE and the customer to be visible to the actor; both are audited without
the data itself. Anonymising is irreversible: the row, its id, owner, financial and legal fields
(credit code, tags, city) and the existence and dates of its interactions and tasks stay, under
a pseudonym; every personal value is erased from the rows and the search indexes."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, cast

from core.audit import AuditEntry, AuditEvent
from core.audit_personal import subject_of
from core.audit_service import opened
from core.changes import ChangeBus, Changes
from core.contracts.model import Contract, ContractFilter
from core.contracts.ports import contract_repos
from core.customers.access import Scope
from core.customers.collected import FIELDS_KEY, field_settings
from core.customers.interactions import Interaction, Task
from core.customers.privacy import privacy_repo
from core.customers.service import CustomerService
from core.customers.validate import clean_text
from core.errors import InvalidInput
from core.ports import Repositories, Store
from core.roles import Permission
from core.trail import Clock, Guard, append
from core.users import User

FORMAT = "strongroom-access-request/1"
_ALL = 1 << 30


def pseudonym(customer_id: int) -> str:
    # The id is already in every financial record that points here; the pseudonym adds no
    # information about the person and stays stable, so "Customer #42" is findable.
    return f"Customer #{customer_id}"


class _HistoryRepos(Protocol):
    def scrub_history(self, customer_id: int) -> tuple[int, int]: ...
    def purge_index_residue(self) -> None: ...
    def audit_about(self, customer_id: int) -> list[AuditEntry]: ...


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def write_atomically(path: Path, data: bytes) -> None:
    """Temp file in the same folder, flushed to disk, then renamed over `path`: a crash leaves
    the old file or the new one, never half of one."""
    path = Path(path)
    handle, temp = tempfile.mkstemp(prefix=".access-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)  # the subject's clear data: nobody else on the machine
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


class SubjectRightsService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 customers: CustomerService) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._customers = customers

    def access_request(self, actor: User, customer_id: int, path: Path) -> dict[str, int]:
        """Write everything held about one customer to `path` (JSON, UTF-8): the record with
        protected values in clear (it is the subject's own data), contacts, consents,
        interactions, tasks, who it is shared with, and the audit entries about it. Returns
        the counts written; the audit entry records the counts, never the data."""
        self._guard.require(actor, Permission.PRIVACY_MANAGE, "customer", str(customer_id))
        customer, _scope = self._customers.visible(actor, customer_id)
        with self._store.reader() as repos:
            labels = field_settings(repos.settings.get(FIELDS_KEY)).custom
            owner = repos.users.get(customer.owner_id)
            shared = sorted(repos.customers.shared_with(customer_id))
            names = {u.id: u.name for u in repos.users.all()}
            consents = privacy_repo(repos).consents(customer_id)
            interactions: list[Interaction] = repos.interactions.timeline(  # type: ignore
                customer_id, None, _ALL)
            tasks: list[Task] = repos.tasks.for_customer(customer_id, _ALL)  # type: ignore
            trail = opened(repos, cast(_HistoryRepos, repos.privacy).audit_about(  # type: ignore
                customer_id))
            contracts = _contracts_of(repos, customer_id)
            # As stored: an identity document's number is the subject's own, given in clear.
            qualifications = contract_repos(repos).qualifications.for_customer(customer_id)
        record = _plain(customer)
        record["owner_name"] = owner.name if owner else ""
        record["custom_labels"] = {k: labels[k].label for k in customer.custom if k in labels}
        document = {
            "format": FORMAT,
            "generated_at": self._clock().isoformat(),
            "customer": record,
            "contacts": _plain(customer.contacts),
            "consents": _plain(consents),
            "interactions": _plain(list(reversed(interactions))),
            "tasks": _plain(tasks),
            "shared_with": [{"id": u, "name": names.get(u, "")} for u in shared],
            "contracts": [_contract_record(c) for c in contracts],
            "qualifications": [{"kind": q.kind.value, "number": q.number,
                                "expires_on": _plain(q.expires_on),
                                "added_at": _plain(q.created_at)} for q in qualifications],
            "audit": [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor_name,
                       "action": e.action, "outcome": e.outcome, "details": _plain(e.details)}
                      for e in trail],
        }
        write_atomically(path, json.dumps(document, ensure_ascii=False, indent=1,
                                          sort_keys=True).encode("utf-8"))
        counts = {"contacts": len(customer.contacts), "consents": len(consents),
                  "interactions": len(interactions), "tasks": len(tasks),
                  "contracts": len(contracts), "qualifications": len(qualifications),
                  "audit_entries": len(trail)}
        with self._store.transaction() as repos:
            append(repos, actor, AuditEvent("privacy.access_exported", "customer",
                                            str(customer_id), counts), self._clock())
        return counts

    def anonymise(self, actor: User, customer_id: int, reason: str) -> None:
        """Irreversibly erase the personal data of one customer (see the module docstring)."""
        self._guard.require(actor, Permission.PRIVACY_MANAGE, "customer", str(customer_id))
        customer, _scope = self._customers.visible(actor, customer_id)
        reason = clean_text(reason, 200)
        if len(reason) < 3:
            raise InvalidInput("Say why this customer is anonymised (request, retention end).")
        if customer.anonymised:
            raise InvalidInput("This customer is already anonymised.")
        now = self._clock()
        with self._store.transaction() as repos:
            done = repos.customers.anonymise(  # type: ignore[attr-defined]
                customer_id, pseudonym(customer_id), now)
            if done is None:
                raise InvalidInput("This customer no longer exists.")
            interactions, tasks = cast(_HistoryRepos, repos.privacy).scrub_history(  # type: ignore
                customer_id)
            append(repos, actor, AuditEvent("customer.anonymised", "customer", str(customer_id), {
                "reason": reason, "interactions_scrubbed": interactions,
                "tasks_scrubbed": tasks}), now)
            cast(_HistoryRepos, repos.privacy).purge_index_residue()  # type: ignore
            # Personal details in the audit trail become unreadable (crypto-shredding).
            repos.subject_keys.forget(subject_of("customer", str(customer_id)))  # type: ignore
        # The erased pages are overwritten in the database (secure_delete), but their last
        # versions still sit in the write-ahead log until it is checkpointed.
        self._store.checkpoint()
        self._bus.publish(Changes(customers=True, interactions=True))


def _contracts_of(repos: Repositories, customer_id: int) -> list[Contract]:
    """Every contract of the customer, oldest first, whoever wrote it: the request is about
    the subject, and the actor already sees the customer."""
    found = contract_repos(repos).contracts
    out: list[Contract] = []
    before: int | None = None
    while True:
        page = found.page(Scope(everyone=True), ContractFilter(customer_id=customer_id),
                          before, 500)
        out.extend(c for c in (found.get(s.id) for s in page) if c is not None)
        if len(page) < 500:
            return sorted(out, key=lambda c: c.id)
        before = page[-1].id


def _contract_record(contract: Contract) -> dict[str, Any]:
    return {
        "number": contract.number, "title": contract.title, "state": contract.state,
        "contract_date": _plain(contract.contract_date),
        "start_date": _plain(contract.start_date), "end_date": _plain(contract.end_date),
        "signed_at": _plain(contract.signed_at), "currency": contract.currency,
        "net": _plain(contract.net), "tax": _plain(contract.tax),
        "gross": _plain(contract.gross),
        "items": [{"product": i.product, "quantity": _plain(i.quantity),
                   "unit_price": _plain(i.unit_price)} for i in contract.items],
        "instalments": [{"due": _plain(i.due), "amount": _plain(i.amount), "label": i.label}
                        for i in contract.instalments],
        "clauses": [c.title for c in contract.clauses],
    }


__all__ = ["SubjectRightsService", "pseudonym", "write_atomically"]
