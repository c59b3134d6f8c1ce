"""After approval: signing (the signed PDF goes into the vault's immutable archive in the same
transaction as the state change), the life cycle to completion or termination, reading the
archive (an audited export), and amendments and renewals as new contracts linked to the
original."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from core.audit import AuditEvent
from core.contracts.approvals import (
    ANONYMISED,
    CHANGED_AFTER_APPROVAL,
    ApprovalOps,
    clean_comment,
)
from core.contracts.base import ContractChanged
from core.contracts.model import Contract, Instalment, Relation
from core.contracts.ports import ContractRepositories, contract_repos
from core.contracts.reading import current_approvals
from core.contracts.workflow import Action, ContractState, next_state
from core.errors import InvalidInput
from core.export_file import atomic_output, check_target, record_export
from core.money.billing import bill_contract
from core.roles import Permission
from core.trail import append
from core.users import User

_HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_PDF = 200 * 1024 * 1024
AMENDABLE = (ContractState.SIGNED.value, ContractState.ACTIVE.value)
RENEWABLE = (ContractState.SIGNED.value, ContractState.ACTIVE.value,
             ContractState.COMPLETED.value)


# Checks a signed PDF for the contract (number, content fingerprint) it is to be archived for:
# its signatures against the vault's trust roots, and that its certification names that very
# contract and content. Returns the problems found; wired by the session (core/session.py),
# never chosen by a caller.
SignedDocumentCheck = Callable[[bytes, str, str], list[str]]


class ArchiveOps(ApprovalOps):
    _signed_document_check: SignedDocumentCheck | None = None

    def set_signed_document_check(self, check: SignedDocumentCheck) -> None:
        """Wire, once, what verifies a signed PDF before it is archived as the legal record
        (without one, mark_signed refuses everything)."""
        if self._signed_document_check is not None:
            raise InvalidInput("The signed-document check is already set.")
        self._signed_document_check = check

    # -- signing -----------------------------------------------------------------------------
    def mark_signed(self, actor: User, contract_id: int, signed_pdf: bytes,
                    fingerprint: str) -> Contract:
        """Approved → signed. `fingerprint` must be the content fingerprint of
        `document(actor, id)` now and the one every approval of the round recorded (the
        approved content is what was signed); the PDF must pass the signed-document check; it
        is stored in the archive, which refuses any later change or removal."""
        contract, customer, _scope = self._writable(actor, contract_id, Permission.CONTRACT_SIGN)
        next_state(ContractState(contract.state), Action.SIGN)
        if customer.anonymised:
            raise InvalidInput(ANONYMISED)
        pdf = bytes(signed_pdf)
        if not pdf.startswith(b"%PDF-") or len(pdf) > MAX_PDF:
            raise InvalidInput("The signed document is not a PDF file.")
        fingerprint = (fingerprint or "").strip().lower()
        if not _HEX64.fullmatch(fingerprint):
            raise InvalidInput("The fingerprint must be a SHA-256 value (64 hex digits).")
        now_printed = self._document(contract, customer).fingerprint
        with self._store.reader() as plain:
            events = contract_repos(plain).contracts.events(contract.id)
        if {e.fingerprint for e in current_approvals(contract, events)} != {now_printed}:
            raise InvalidInput(CHANGED_AFTER_APPROVAL)
        if fingerprint != now_printed:
            raise InvalidInput("The signed document does not match the approved contract (its "
                               "fingerprint differs): render it again and sign that.")
        self._check_signed_document(pdf, contract.number, now_printed)
        digest = hashlib.sha256(pdf).hexdigest()
        now = self._clock()

        def approved_in_full(repos: ContractRepositories, current: Contract) -> None:
            done = current_approvals(current, repos.contracts.events(current.id))
            if [e.step_role for e in done] != list(current.approval_steps) or not done:
                raise ContractChanged()
            if any(e.fingerprint != fingerprint for e in done):
                raise InvalidInput(CHANGED_AFTER_APPROVAL)
            repos.contracts.archive(current.id, pdf, digest, fingerprint, actor.id, now)
            bill_contract(repos, current, now)  # its receivables, in the same transaction

        return self._move(actor, contract, Action.SIGN, "signed", {
            "sha256": digest, "fingerprint": fingerprint, "size": len(pdf)},
            check=approved_in_full, signed_at=now)

    def _check_signed_document(self, pdf: bytes, number: str, fingerprint: str) -> None:
        check = self._signed_document_check
        if check is None:  # fail closed: nothing unverified becomes the legal record
            raise InvalidInput("Signed documents cannot be checked here, so none is archived.")
        problems = list(check(pdf, number, fingerprint))
        if problems:
            raise InvalidInput("The signed document did not verify: " + "; ".join(problems))

    def activate(self, actor: User, contract_id: int, comment: str = "") -> Contract:
        contract, _customer, _scope = self._writable(actor, contract_id)
        return self._move(actor, contract, Action.ACTIVATE, "activated",
                          comment=clean_comment(comment))

    def complete(self, actor: User, contract_id: int, comment: str = "") -> Contract:
        contract, _customer, _scope = self._writable(actor, contract_id)
        return self._move(actor, contract, Action.COMPLETE, "completed",
                          comment=clean_comment(comment))

    def terminate(self, actor: User, contract_id: int, reason: str) -> Contract:
        contract, _customer, _scope = self._writable(actor, contract_id)
        next_state(ContractState(contract.state), Action.TERMINATE)
        if not clean_comment(reason):
            raise InvalidInput("Say why the contract is terminated.")
        return self._move(actor, contract, Action.TERMINATE, "terminated",
                          comment=clean_comment(reason))

    # -- the archive -------------------------------------------------------------------------
    def signed_pdf(self, actor: User, contract_id: int) -> bytes:
        """The signed PDF's bytes (CONTRACT_EXPORT; audited as an export)."""
        self._guard.require(actor, Permission.CONTRACT_EXPORT, "contract", str(contract_id))
        contract, _customer, _scope = self._readable(actor, contract_id)
        now = self._clock()
        with self._store.transaction() as plain:
            repos = contract_repos(plain)
            pdf = repos.contracts.archived_pdf(contract.id)
            if pdf is None:
                raise InvalidInput("This contract has no signed document yet.")
            append(repos, actor, AuditEvent("contract.exported", "contract", str(contract.id), {
                "number": contract.number, "sha256": hashlib.sha256(pdf).hexdigest(),
                "to": "application"}), now)
        return pdf

    def export_signed(self, actor: User, contract_id: int, path: Path) -> Path:
        """Write the signed PDF to `path` (atomically; the file exists only with its audit
        entry)."""
        self._guard.require(actor, Permission.CONTRACT_EXPORT, "contract", str(contract_id))
        contract, _customer, _scope = self._readable(actor, contract_id)
        target = check_target(Path(path))
        with self._store.reader() as plain:
            pdf = contract_repos(plain).contracts.archived_pdf(contract.id)
        if pdf is None:
            raise InvalidInput("This contract has no signed document yet.")
        with atomic_output(target) as handle:
            handle.write(pdf)
        record_export(self._store, actor, self._clock, target, "contract.exported", {
            "contract_id": contract.id, "number": contract.number,
            "sha256": hashlib.sha256(pdf).hexdigest()})
        return target

    # -- amendments and renewals -------------------------------------------------------------
    def amend(self, actor: User, contract_id: int) -> Contract:
        """A new draft with the same terms, linked to the signed original (which stays as
        signed)."""
        return self._follow_up(actor, contract_id, Relation.AMENDMENT)

    def renew(self, actor: User, contract_id: int) -> Contract:
        """A new draft for the next term: dates and due dates moved by the term's length."""
        return self._follow_up(actor, contract_id, Relation.RENEWAL)

    def _follow_up(self, actor: User, contract_id: int, relation: Relation) -> Contract:
        contract, customer, _scope = self._writable(actor, contract_id)
        allowed = AMENDABLE if relation == Relation.AMENDMENT else RENEWABLE
        if contract.state not in allowed:
            raise InvalidInput(f"Only a signed or active contract can be "
                               f"{'amended' if relation == Relation.AMENDMENT else 'renewed'}.")
        if customer.anonymised:
            raise InvalidInput("An anonymised customer cannot enter a new contract.")
        now = self._clock()
        draft = _successor(contract, relation, now.date())
        with self._store.transaction() as plain:
            repos = contract_repos(plain)
            family = contract.family_id or contract.id
            root = repos.contracts.get(family)
            version_no = repos.contracts.family_versions(family) + 1
            assert root is not None
            stored = repos.contracts.insert(dataclasses.replace(
                draft, author_id=actor.id, family_id=family, origin_id=contract.id,
                relation=relation.value, version_no=version_no,
                number=f"{root.number}-V{version_no}", created_at=now, updated_at=now))
            self._record(repos, actor, stored, "drafted", stored.state, now, {
                "relation": relation.value, "origin_id": contract.id,
                "origin_number": contract.number})
            append(repos, actor, AuditEvent(
                "contract.amended" if relation == Relation.AMENDMENT else "contract.renewed",
                "contract", str(contract.id), {"number": contract.number,
                                               "new_contract_id": stored.id,
                                               "new_number": stored.number}), now)
        self._publish()
        return stored


def _successor(contract: Contract, relation: Relation, today: date) -> Contract:
    shift = timedelta(0)
    start, end = contract.start_date, contract.end_date
    if relation == Relation.RENEWAL and start and end:
        new_start = end + timedelta(days=1)
        shift = new_start - start
        start, end = new_start, end + shift
    instalments = tuple(Instalment(i.due + shift, i.amount, i.label)
                        for i in contract.instalments)
    return dataclasses.replace(
        contract, id=0, state=ContractState.DRAFT.value, instalments=instalments,
        start_date=start, end_date=end, contract_date=today, revision=1, review_round=0,
        approval_steps=(), risk=None, signed_at=None)
