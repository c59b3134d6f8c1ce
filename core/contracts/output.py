"""A contract as a PDF: rendered for review, signed in one sitting (the company's certification,
then the customer's handwritten signature sealed by a further signature), verified.

The contract service owns the content and the states; core/pdf renders, signs and verifies; this
module joins them. reportlab and pyHanko are imported only when a PDF is made or checked, so
opening the app costs nothing for them.

The customer has no certificate: their signature is their handwriting, printed name and time,
placed in the field the certification prepared and sealed with the vault's customer-signature
seal (a certificate of its own from the vault CA; the company's signature names the person who
signed for it). A later change to the file breaks both signatures.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from core.audit import GENESIS, AuditEvent
from core.changes import ChangeBus, Changes
from core.contracts.document import ContractDocument
from core.contracts.service import ContractService
from core.contracts.workflow import Action, ContractState, next_state
from core.errors import InvalidInput
from core.ports import Store
from core.roles import Permission
from core.signing_service import ContractSigners, SigningService
from core.trail import Clock, Guard, append
from core.users import User

if TYPE_CHECKING:
    from core.pdf import document as pdf
    from core.pdf.verify import VerificationReport

# In the certification's reason (inside the signed bytes): which contract and which content
# the company signed, so a genuine signed PDF of one contract cannot become another's record.
CONTRACT_TAG = re.compile(r"\[contract (\S+) ([0-9a-f]{64})\]")
COMPANY_FIELD = "CompanySignature"
CUSTOMER_FIELD = "CustomerSignature"
SIGNATURE_FIELDS = (COMPANY_FIELD, CUSTOMER_FIELD)
SIGNING_TIME_SKEW = timedelta(minutes=15)


@dataclass(frozen=True)
class ContractPdf:
    number: str
    pdf: bytes
    pages: int
    fingerprint: str  # the contract service's content fingerprint (what the archive checks)


def to_pdf_document(doc: ContractDocument, audit_head: str = "") -> pdf.ContractDocument:
    """The contract service's read model in the renderer's terms (rates as percentages)."""
    from core.pdf import document as pdf

    def party(p: Any) -> pdf.Party:
        return pdf.Party(name=p.name, address=p.address, credit_code=p.credit_code,
                         phone=p.phone, contact=p.contact, email=p.email)

    hundred = 100
    clauses = tuple(pdf.Clause(title=c.title, text=c.text, nonstandard=c.nonstandard)
                    for c in doc.clauses)
    if doc.preamble.strip():
        label = "前言" if doc.language == "zh" else "Preamble"
        clauses = (pdf.Clause(title=label, text=doc.preamble), *clauses)
    return pdf.ContractDocument(
        number=doc.number, title=doc.title, language=doc.language,
        company=party(doc.seller), customer=party(doc.buyer), issue_date=doc.contract_date,
        currency=doc.currency,
        items=tuple(pdf.LineItem(product=line.product, quantity=line.quantity, unit="",
                                 unit_price=line.unit_price,
                                 discount_percent=line.discount * hundred,
                                 tax_rate_percent=line.tax_rate * hundred,
                                 line_total=line.net) for line in doc.lines),
        totals=pdf.Totals(net=doc.net, tax=doc.tax, gross=doc.gross),
        # The version's own date, not the time of rendering: the same content renders to the
        # same bytes, whenever it is printed.
        created_at=datetime.combine(doc.contract_date, time(0), UTC),
        start_date=doc.start_date, end_date=doc.end_date,
        schedule=tuple(pdf.Instalment(label=i.label, due_date=i.due, amount=i.amount)
                       for i in doc.schedule),
        delivery_terms=doc.delivery_terms, clauses=clauses,
        signatories=pdf.Signatories(company_name=doc.seller.name,
                                    customer_name=doc.buyer.name),
        audit_head=audit_head)


class ContractOutputService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 contracts: ContractService, signing: SigningService) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._contracts, self._signing = contracts, signing
        self._signers = ContractSigners(signing)

    def render(self, actor: User, contract_id: int) -> ContractPdf:
        """The contract as it stands (any state its reader may see), for review or printing;
        audited as contract.rendered. A signed contract's binding copy is the archived one
        (ContractService.signed_pdf)."""
        from core.pdf.render import render

        doc = self._contracts.document(actor, contract_id)
        rendered = render(to_pdf_document(doc, self._audit_head()))
        with self._store.transaction() as repos:
            append(repos, actor, AuditEvent("contract.rendered", "contract", str(contract_id), {
                "number": doc.number, "state": doc.state, "fingerprint": doc.fingerprint}),
                self._clock())
        return ContractPdf(doc.number, rendered.pdf, rendered.pages, doc.fingerprint)

    def sign(self, actor: User, contract_id: int, customer_name: str,
             handwriting_png: bytes | None, at: datetime | None = None) -> ContractPdf:
        """Approved → signed: certify for the company, add the customer's signature, check
        the result with our own verifier and archive it. Nothing is stored unless every step
        succeeds; the contract service refuses anything not approved."""
        from core.pdf.render import render
        from core.pdf.signing import SignatureBox, certify, countersign

        self._guard.require(actor, Permission.CONTRACT_SIGN, "contract", str(contract_id))
        customer_name = " ".join(customer_name.split())
        if not customer_name:
            raise InvalidInput("The customer's signatory must print their name.")
        contract = self._contracts.get(actor, contract_id)
        next_state(ContractState(contract.state), Action.SIGN)  # fail before any work
        doc = self._contracts.document(actor, contract_id)
        head = self._audit_head()
        rendered = render(to_pdf_document(doc, head))
        company_box = SignatureBox(COMPANY_FIELD, rendered.company_box.page_index,
                                   rendered.company_box.box)
        customer_box = SignatureBox(CUSTOMER_FIELD, rendered.customer_box.page_index,
                                    rendered.customer_box.box)
        now = self._clock()
        # The sealed time is the legal signing time: no caller picks one far from the clock.
        if at is not None and abs(at - now) > SIGNING_TIME_SKEW:
            raise InvalidInput("The signing time must be now.")
        at = at or now
        company = self._signers.company(actor)
        seal = self._signers.seal(actor)
        reason = (f"合同 {doc.number} 经审批签署" if doc.language == "zh"
                  else f"Contract {doc.number}, approved and signed")
        reason += f" [contract {doc.number} {doc.fingerprint}]"
        certified = certify(rendered.pdf, company, company_box, reason, head,
                            later=[customer_box], at=at)
        final = countersign(certified, seal, customer_box, handwriting_png, customer_name,
                            at, head, reason=f"Signed by the customer: {customer_name}")
        # mark_signed archives it only if archive_problems (wired by the session) finds none.
        self._contracts.mark_signed(actor, contract_id, final, doc.fingerprint)
        self._bus.publish(Changes(contracts=True))
        return ContractPdf(doc.number, final, rendered.pages, doc.fingerprint)

    def verify(self, actor: User, data: bytes) -> VerificationReport:
        """Every signature of `data` against this vault's trust roots (its CA and any
        organisation certificate's root)."""
        from core.pdf.verify import verify_pdf

        del actor  # anyone logged in may check a document; nothing of the vault is revealed
        report = verify_pdf(data, self._signing.trust_roots(), required_fields=SIGNATURE_FIELDS)
        pinned = self._signing.pinned()
        ca = self._signing.ca_certificate()
        vault_issued = {c.signer_sha256 for c in report.signatures} - pinned.organisations
        problems: list[str] = []
        for check in report.signatures:
            if check.field == CUSTOMER_FIELD and check.signer_sha256 not in pinned.seals:
                # Any vault certificate chains to the vault CA; only the seal may sign here.
                problems.append("the customer's signature was not sealed by this vault's "
                                "customer-signature seal")
            if check.field == COMPANY_FIELD and check.signer_sha256 in pinned.seals:
                problems.append("the company's signature was made with the customer-signature "
                                "seal")
            elif (check.field == COMPANY_FIELD and check.signer_sha256 in vault_issued
                    and (ca is None or not _issued_by(check, ca))):
                problems.append("the company's signature is neither from this vault's "
                                "certificate authority nor an organisation certificate "
                                "installed in it")
        if not problems:
            return report
        return dataclasses.replace(report, document_problems=(*report.document_problems,
                                                               *problems))

    def archive_problems(self, pdf: bytes, number: str, fingerprint: str) -> list[str]:
        """Why `pdf` cannot be archived as the signed record of contract `number` with content
        `fingerprint` ([] when it can): its signatures must hold, and its certification must
        name that contract and content."""
        report = self.verify(None, pdf)  # type: ignore[arg-type]
        problems = list(report.problems) if not report.ok else []
        if not report.ok and not problems:
            problems.append("the document holds no verifiable signature")
        company = next((c for c in report.signatures if c.field == COMPANY_FIELD), None)
        tags = CONTRACT_TAG.findall(company.reason) if company else []
        if company is not None and (not tags or tags[-1] != (number, fingerprint)):
            problems.append(f"the signed PDF is not contract {number} as approved (its "
                            "certification names another contract or other content)")
        return problems

    def verify_archived(self, actor: User, contract_id: int) -> VerificationReport:
        """The archived copy checked inside the vault (whoever may read the contract; nothing
        leaves the vault, so this is not an export)."""
        from core.pdf.verify import VerificationReport

        self._contracts.get(actor, contract_id)  # NotFound unless the actor may read it
        with self._store.reader() as repos:
            data = repos.contracts.archived_pdf(contract_id)  # type: ignore[attr-defined]
        if data is None:
            return VerificationReport(document_problems=(
                "this contract has no signed document yet",))
        return self.verify(actor, data)

    def _audit_head(self) -> str:
        with self._store.reader() as repos:
            head = repos.audit.head()
        return head.hash if head else GENESIS


def _issued_by(check: Any, ca: Any) -> bool:
    """The signer's certificate names the vault CA as its issuer (the chain itself was
    validated by verify_pdf against the trust roots)."""
    return check.signer_issuer == ca.subject.rfc4514_string()


__all__ = ["COMPANY_FIELD", "CUSTOMER_FIELD", "ContractOutputService", "ContractPdf",
           "to_pdf_document"]
