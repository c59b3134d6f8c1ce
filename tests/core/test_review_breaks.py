"""A reviewer's attempts to break the contracts, customers and signature code as a user inside
the app would: another rep's or another team's contracts through every method, signing or
approving around the workflow, protected values leaking into contracts, keys handed out without
the right to sign, and PDFs that must not verify. Holes that are not fixed yet are strict
xfails that say what the fix is."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.audit import AuditFilter
from core.contracts.model import (
    ClauseCategory,
    ContractFilter,
    Instalment,
    LineItem,
    QualificationKind,
)
from core.contracts.output import COMPANY_FIELD, CUSTOMER_FIELD
from core.contracts.workflow import ContractState, IllegalTransition
from core.customers.model import CustomerDraft, CustomerKind
from core.errors import InvalidInput, NotFound, PermissionDenied, StrongroomError
from core.roles import Role
from core.session import Session
from tests.core.contract_support import PDF, approve_all, drive, make_world, small_terms

OTHER_REP = ("Olga Other", "other rep pass phrase 77")
OTHER_MANAGER = ("Max Othermanager", "other manager phrase 88")
NATIONAL_ID = "11010519491231002X"
MOBILE = "13912345678"
BANK = "6222020200112233445"


@pytest.fixture
def world(login: Any) -> Any:
    return make_world(login)


def _add_user(w: Any, auth: Any, vault_path: Path, who: tuple[str, str], role: Role,
              manager_of: int | None = None) -> Session:
    admin = w.admin
    user = admin.accounts.add_user(admin.user, who[0], role, who[1], must_change=False)
    if manager_of is not None:
        admin.accounts.set_manager(admin.user, manager_of, user.id)
    return auth.login(vault_path, *who)


@pytest.fixture
def outsiders(world: Any, auth: Any, vault_path: Path) -> Any:
    """A rep in another team (with a manager of their own) and that manager."""
    other = _add_user(world, auth, vault_path, OTHER_REP, Role.SALES_REP)
    boss = _add_user(world, auth, vault_path, OTHER_MANAGER, Role.SALES_MANAGER,
                     manager_of=other.user.id)
    yield other, boss
    for s in (other, boss):
        if not s.locked:
            s.close()


# -- row-level access through every contract method --------------------------------------------
def _every_reader_call(s: Session, cid: int, customer_id: int) -> dict[str, Any]:
    u = s.user
    c = s.contracts
    return {
        "get": lambda: c.get(u, cid),
        "history": lambda: c.history(u, cid),
        "approval_progress": lambda: c.approval_progress(u, cid),
        "clause_diffs": lambda: c.clause_diffs(u, cid),
        "risk_preview": lambda: c.risk_preview(u, cid),
        "archived": lambda: c.archived(u, cid),
        "signed_pdf": lambda: c.signed_pdf(u, cid),
        "document": lambda: c.document(u, cid),
        "amend": lambda: c.amend(u, cid),
        "renew": lambda: c.renew(u, cid),
        "page_by_customer": lambda: c.page(u, ContractFilter(customer_id=customer_id)),
        "add_qualification": lambda: c.add_qualification(
            u, customer_id, QualificationKind.BUSINESS_LICENCE, "x"),
        "qualifications": lambda: c.qualifications(u, customer_id),
        "render": lambda: s.contract_pdfs.render(u, cid),
        "verify_archived": lambda: s.contract_pdfs.verify_archived(u, cid),
        "update": lambda: c.update(u, cid, small_terms(title="hijack")),
        "edit_clause": lambda: c.edit_clause(u, cid, 1, "hijacked"),
        "add_clause": lambda: c.add_clause(u, cid, ClauseCategory.PAYMENT, "x", "y"),
        "reset_clause": lambda: c.reset_clause(u, cid, 1),
        "submit": lambda: c.submit(u, cid),
        "terminate": lambda: c.terminate(u, cid, "because"),
        "activate": lambda: c.activate(u, cid),
    }


def test_another_team_reaches_no_contract_through_any_method(world: Any, outsiders: Any,
                                                             tmp_path: Path) -> None:
    signed = drive(world, ContractState.SIGNED)
    draft = drive(world, ContractState.DRAFT)
    number = world.rep.contracts.get(world.rep.user, signed).number
    for outsider in outsiders:
        for cid in (signed, draft):
            for name, call in _every_reader_call(outsider, cid, world.customer_id).items():
                with pytest.raises((NotFound, PermissionDenied)):
                    call()
                    pytest.fail(f"{outsider.user.name} reached contract {cid} via {name}")
            with pytest.raises((NotFound, PermissionDenied)):
                outsider.contracts.export_signed(outsider.user, cid, tmp_path / "x.pdf")
            with pytest.raises((NotFound, PermissionDenied)):
                outsider.contract_pdfs.sign(outsider.user, cid, "Someone", None)
        u = outsider.user
        c = outsider.contracts
        assert c.page(u) == []
        assert c.page(u, ContractFilter(text=number)) == []
        assert c.page(u, ContractFilter(text="HT")) == []
        assert c.page(u, ContractFilter(state="signed")) == []
        assert c.expiring(u, 100000) == []
        if outsider.user.role == Role.SALES_MANAGER:
            assert c.awaiting_approval(u) == []
    assert not (tmp_path / "x.pdf").exists()


def test_outside_manager_cannot_approve_a_contract_of_another_team(world: Any,
                                                                   outsiders: Any) -> None:
    cid = drive(world, ContractState.IN_REVIEW)
    _other, boss = outsiders
    with pytest.raises((NotFound, PermissionDenied)):
        boss.contracts.approve(boss.user, cid, OTHER_MANAGER[1])
    with pytest.raises((NotFound, PermissionDenied)):
        boss.contracts.reject(boss.user, cid, OTHER_MANAGER[1], "no")
    assert world.rep.contracts.approval_progress(world.rep.user, cid).approved == ()


def test_shared_rep_reads_but_cannot_change_or_sign(world: Any, outsiders: Any) -> None:
    other, _boss = outsiders
    world.rep.customers.set_shared(world.rep.user, world.customer_id, other.user.id, True)
    draft = drive(world, ContractState.DRAFT)
    approved = drive(world, ContractState.APPROVED)
    assert other.contracts.get(other.user, draft).id == draft
    with pytest.raises(PermissionDenied):
        other.contracts.update(other.user, draft, small_terms(title="mine now"))
    with pytest.raises(PermissionDenied):
        other.contracts.submit(other.user, draft)
    with pytest.raises(PermissionDenied):
        other.contracts.amend(other.user, approved)
    with pytest.raises(PermissionDenied):
        other.contract_pdfs.sign(other.user, approved, "X", None)
    fp = other.contracts.document(other.user, approved).fingerprint
    with pytest.raises(PermissionDenied):
        other.contracts.mark_signed(other.user, approved, PDF, fp)
    assert world.rep.contracts.get(world.rep.user, approved).state == ContractState.APPROVED


def _write_calls(s: Session, customer_id: int, draft: int, approved: int) -> list[Any]:
    u = s.user
    return [lambda: s.contracts.draft(u, customer_id, small_terms()),
            lambda: s.contracts.update(u, draft, small_terms(title="x")),
            lambda: s.contracts.edit_clause(u, draft, 1, "x"),
            lambda: s.contracts.submit(u, draft),
            lambda: s.contracts.amend(u, approved),
            lambda: s.contract_pdfs.sign(u, approved, "X", None),
            lambda: s.contracts.mark_signed(
                u, approved, PDF, s.contracts.document(u, approved).fingerprint),
            lambda: s.contracts.add_qualification(u, customer_id, QualificationKind.OTHER, "1")]


def test_finance_and_auditor_cannot_write(world: Any) -> None:
    draft = drive(world, ContractState.DRAFT)
    approved = drive(world, ContractState.APPROVED)
    for s in (world.finance, world.auditor):
        for call in _write_calls(s, world.customer_id, draft, approved):
            with pytest.raises(PermissionDenied):
                call()
    with pytest.raises(PermissionDenied):
        world.auditor.contracts.approve(world.auditor.user, approved, "x")


# -- workflow ----------------------------------------------------------------------------------
def test_no_signature_without_full_approval(world: Any) -> None:
    rep = world.rep
    for state in (ContractState.DRAFT, ContractState.IN_REVIEW, ContractState.REJECTED):
        cid = drive(world, state)
        fp = rep.contracts.document(rep.user, cid).fingerprint
        with pytest.raises(IllegalTransition):
            rep.contract_pdfs.sign(rep.user, cid, "Li Lei", None)
        with pytest.raises(IllegalTransition):
            rep.contracts.mark_signed(rep.user, cid, PDF, fp)
        assert rep.contracts.archived(rep.user, cid) is None


def test_old_fingerprint_after_an_edit_and_reapproval_is_refused(world: Any) -> None:
    rep = world.rep
    cid = drive(world, ContractState.APPROVED)
    old = rep.contracts.document(rep.user, cid).fingerprint
    rep.contracts.edit_clause(rep.user, cid, 1, "买方无需付款。")
    assert rep.contracts.get(rep.user, cid).state == ContractState.DRAFT
    with pytest.raises(IllegalTransition):
        rep.contracts.mark_signed(rep.user, cid, PDF, old)
    rep.contracts.reset_clause(rep.user, cid, 1)
    rep.contracts.update(rep.user, cid, small_terms(title="改过的标题"))
    rep.contracts.submit(rep.user, cid)
    approve_all(world, cid)
    with pytest.raises(InvalidInput, match="fingerprint"):
        rep.contracts.mark_signed(rep.user, cid, PDF, old)
    with pytest.raises(InvalidInput):
        rep.contracts.mark_signed(rep.user, cid, PDF, "0" * 64)


def test_approval_after_an_edit_needs_a_new_submission(world: Any) -> None:
    rep, manager = world.rep, world.manager
    cid = drive(world, ContractState.IN_REVIEW)
    rep.contracts.update(rep.user, cid, small_terms(title="悄悄改了"))
    with pytest.raises(IllegalTransition):
        manager.contracts.approve(manager.user, cid, world.password(manager))
    # A manager who edits a contract in their team cannot approve it afterwards.
    manager.contracts.update(manager.user, cid, small_terms(title="经理改的"))
    rep.contracts.submit(rep.user, cid)
    with pytest.raises(PermissionDenied):
        manager.contracts.approve(manager.user, cid, world.password(manager))


def test_one_person_never_takes_two_steps_nor_the_same_step_twice(world: Any) -> None:
    big = small_terms(
        items=(LineItem("大型设备", Decimal("1"), Decimal("200000.00"), Decimal("0"),
                        Decimal("0")),),
        instalments=(Instalment(date(2030, 1, 10), Decimal("200000.00"), "全款"),))
    cid = drive(world, ContractState.IN_REVIEW, big)
    steps = world.admin.contracts.approval_progress(world.admin.user, cid).steps
    assert "finance" in steps
    admin = world.admin
    admin.contracts.approve(admin.user, cid, world.password(admin))  # the manager step
    with pytest.raises(PermissionDenied):
        admin.contracts.approve(admin.user, cid, world.password(admin))  # finance step too
    with pytest.raises((PermissionDenied, InvalidInput, StrongroomError)):
        world.manager.contracts.approve(world.manager.user, cid, world.password(world.manager))
    progress = admin.contracts.approval_progress(admin.user, cid)
    assert len(progress.approved) == 1


def test_signed_contract_cannot_change_through_any_method(world: Any) -> None:
    rep = world.rep
    cid = drive(world, ContractState.SIGNED)
    before = rep.contracts.document(rep.user, cid).fingerprint
    for call in (lambda: rep.contracts.update(rep.user, cid, small_terms(title="x")),
                 lambda: rep.contracts.edit_clause(rep.user, cid, 1, "x"),
                 lambda: rep.contracts.reset_clause(rep.user, cid, 1),
                 lambda: rep.contracts.add_clause(
                     rep.user, cid, rep.contracts.get(rep.user, cid).clauses[0].category,
                     "t", "x"),
                 lambda: rep.contracts.submit(rep.user, cid),
                 lambda: rep.contracts.mark_signed(rep.user, cid, PDF, before)):
        with pytest.raises(StrongroomError):
            call()
    assert rep.contracts.document(rep.user, cid).fingerprint == before
    assert rep.contracts.get(rep.user, cid).state == ContractState.SIGNED


# -- injection ---------------------------------------------------------------------------------
INJECTIONS = ("' OR 1=1 --", "%", "_", "\\", "\" OR \"\"=\"", "1); DROP TABLE contracts; --",
              "{customer_name.__class__.__mro__}", "{0.__class__}", "%%%", "' UNION SELECT "
              "pdf FROM contract_archive --")


def test_injection_strings_in_filters_titles_and_clauses_are_harmless(world: Any,
                                                                      outsiders: Any) -> None:
    other, _boss = outsiders
    rep = world.rep
    cid = drive(world, ContractState.DRAFT)
    for text in INJECTIONS:
        assert other.contracts.page(other.user, ContractFilter(text=text)) == []
        assert other.contracts.page(other.user, ContractFilter(state=text)) == []
        found = rep.contracts.page(rep.user, ContractFilter(text=text))
        assert all(text.lower() in (s.title + s.number).lower() for s in found)
        rep.contracts.update(rep.user, cid, small_terms(title=text))
        rep.contracts.edit_clause(rep.user, cid, 1, "条款 " + text)
        doc = rep.contracts.document(rep.user, cid)
        assert doc.title == text.strip()
        assert "<class" not in doc.clauses[0].text
    rep.contracts.update(rep.user, cid, small_terms(title="100% 折扣"))
    assert [s.id for s in rep.contracts.page(rep.user, ContractFilter(text="%"))] == [cid]


def test_template_variables_cannot_reach_python_attributes(world: Any) -> None:
    rep = world.rep
    cid = drive(world, ContractState.DRAFT)
    for probe in ("{customer_name.__class__}", "{total.__init__.__globals__}",
                  "{customer_name!r}", "{customer_name:>99999999}", "{contract_number[0]}"):
        rep.contracts.edit_clause(rep.user, cid, 1, f"甲方 {probe} 乙方")
        text = rep.contracts.document(rep.user, cid).clauses[0].text
        assert "class" not in text.replace(probe, "") and "function" not in text
        assert len(text) < 1000
    with pytest.raises(InvalidInput):
        rep.contracts.submit(rep.user, cid)  # an unknown placeholder stops submission


# -- protected customer data -------------------------------------------------------------------
def _protected_customer(w: Any) -> int:
    admin = w.admin
    rep_id = w.rep.user.id
    view = admin.customers.create(admin.user, CustomerDraft(
        kind=CustomerKind.INDIVIDUAL, name="赵敏", city="北京", address="朝阳区建国路1号",
        phones=("010-88886666",),
        sensitive={"national_id": NATIONAL_ID, "personal_mobile": MOBILE,
                   "bank_account": BANK}), owner_id=rep_id)
    return view.id


def _leaks(blob: str | bytes) -> list[str]:
    text = blob.decode("latin-1") if isinstance(blob, bytes) else blob
    found = []
    for value in (NATIONAL_ID, MOBILE, BANK):
        for variant in (value, value[:6] + value[-4:], value[-8:]):
            if variant in text:
                found.append(variant)
    return found


def test_protected_values_never_reach_document_pdf_history_or_trail(world: Any) -> None:
    customer_id = _protected_customer(world)
    rep = world.rep
    cid = drive(world, ContractState.DRAFT)
    # drive() uses the world's company customer; write one for the individual too.
    contract = rep.contracts.draft(rep.user, customer_id, small_terms())
    doc = rep.contracts.document(rep.user, contract.id)
    assert not _leaks(repr(doc))
    rendered = rep.contract_pdfs.render(rep.user, contract.id)
    assert not _leaks(rendered.pdf)
    assert not _leaks(repr(rep.contracts.history(rep.user, contract.id)))
    assert not _leaks(repr(rep.contracts.page(rep.user)))
    admin = world.admin
    trail = admin.audit.page(admin.user, AuditFilter(), limit=500)
    assert not _leaks(repr(trail))
    assert cid


# -- keys ----------------------------------------------------------------------------------------
def test_only_a_user_who_may_sign_gets_the_company_signer_or_the_customer_seal(
        world: Any) -> None:
    """The customer seal (shared by the vault) and an installed organisation certificate sign
    in the company's or the customer's name: no public service returns a private key, and the
    contract signing's own access to them needs CONTRACT_SIGN."""
    from core.signing_service import ContractSigners

    for name in ("company_signer", "customer_seal", "signer_for", "ensure_ca"):
        assert not hasattr(world.rep.signing, name), name
    for s in (world.auditor, world.finance):
        with pytest.raises(PermissionDenied):
            ContractSigners(s.signing).seal(s.user)
        with pytest.raises(PermissionDenied):
            ContractSigners(s.signing).company(s.user)
    assert ContractSigners(world.rep.signing).seal(world.rep.user).key is not None


def test_mark_signed_refuses_an_unsigned_pdf_as_the_legal_record(world: Any) -> None:
    rep = world.rep
    cid = drive(world, ContractState.APPROVED)
    fp = rep.contracts.document(rep.user, cid).fingerprint
    forged = b"%PDF-1.7\n% price: 1.00 CNY, no signatures at all\n%%EOF\n"
    with pytest.raises(InvalidInput):
        rep.contracts.mark_signed(rep.user, cid, forged, fp)


# -- the contract's signed PDF -------------------------------------------------------------------
def _handwriting() -> bytes:
    from tests.core.pdf.helpers import png_scribble

    return png_scribble()


@pytest.fixture
def signed_contract(world: Any) -> tuple[Any, int, bytes]:
    cid = drive(world, ContractState.APPROVED)
    signed = world.rep.contract_pdfs.sign(world.rep.user, cid, "李雷", _handwriting())
    return world, cid, signed.pdf


def test_tampered_or_resigned_contract_pdfs_do_not_verify(signed_contract: Any) -> None:
    from core.pdf import pki, signing
    from tests.core.pdf.helpers import append_annotation, append_page

    w, _cid, data = signed_contract
    verify = w.admin.contract_pdfs.verify
    u = w.admin.user
    assert verify(u, data).ok
    # Signatures added after the two, by a stranger or self-signed under the CA's own name.
    ca = w.admin.signing.ca_certificate()
    now = datetime.now(UTC)
    stranger_ca = pki.create_ca(pki.common_name(ca), now)
    stranger = pki.issue_certificate(stranger_ca, "Alice Admin", pki.common_name(ca), now)
    third = _sign_new_field(data, stranger, "Third")
    report = verify(u, third)
    assert len(report.signatures) == 3
    assert not report.ok and any(p.startswith("Third:") for p in report.problems)
    # A self-signed CA with exactly the vault CA's name, and a user certificate from it whose
    # issuer name therefore matches the real CA.
    twin = _twin_ca(ca)
    assert twin.certificate.subject == ca.subject
    for forger in (twin, pki.issue_certificate(twin, "Alice Admin", "x", now)):
        report = verify(u, _sign_new_field(data, forger, "Third"))
        assert not report.ok and any(p.startswith("Third:") for p in report.problems)
    # A copy re-made from scratch with the same subject names but another CA.
    plain = w.rep.contract_pdfs.render(w.rep.user, _cid).pdf
    customer_box = signing.SignatureBox(CUSTOMER_FIELD, 0, (320, 60, 540, 160))
    fake = signing.certify(plain, stranger, signing.SignatureBox(COMPANY_FIELD, 0,
                                                                 (60, 60, 270, 130)),
                           "forged", "cd" * 32, later=[customer_box], at=now)
    fake = signing.countersign(fake, stranger_ca, customer_box, None, "李雷", now, "cd" * 32)
    assert not verify(u, fake).ok
    # Content or comments appended after signing.
    assert not verify(u, append_page(data)).ok
    assert not verify(u, append_annotation(data)).ok
    assert not verify(u, _append_javascript(data)).ok


def _twin_ca(ca: Any) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from core.pdf.pki import Identity

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=True, crl_sign=True, encipher_only=False,
                          decipher_only=False)
    cert = (x509.CertificateBuilder().subject_name(ca.subject).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=9))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return Identity(key, cert, ())


def _sign_new_field(data: bytes, identity: Any, field: str) -> bytes:
    """A further signature in a new field, as any PDF tool would add it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from core.pdf.signing import _pyhanko_signer

    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    out = signers.sign_pdf(w, signers.PdfSignatureMetadata(field_name=field),
                           signer=_pyhanko_signer(identity),
                           new_field_spec=fields.SigFieldSpec(field, on_page=0,
                                                              box=(60, 300, 200, 360)))
    return bytes(out.getvalue())


def _append_javascript(data: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    js = w.add_object(generic.DictionaryObject({
        generic.NameObject("/S"): generic.NameObject("/JavaScript"),
        generic.NameObject("/JS"): generic.TextStringObject("app.alert('paid');"),
    }))
    w.root[generic.NameObject("/OpenAction")] = js
    w.update_root()
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_future_or_expired_signing_times_do_not_verify(world: Any) -> None:
    from core.pdf import pki, signing
    from tests.core.pdf.helpers import make_pdf

    w = world
    admin = w.admin
    me = admin.signing._signer_for(admin.user)
    roots = admin.signing.trust_roots()
    from core.pdf.verify import verify_pdf

    box = signing.SignatureBox("company", 0, (60, 60, 270, 130))
    future = signing.certify(make_pdf(1), me, box, "future", "ab" * 32,
                             at=datetime.now(UTC) + timedelta(days=3))
    assert not verify_pdf(future, roots).ok
    ca = admin.signing._ensure_ca(admin.user)
    old = datetime.now(UTC) - timedelta(days=5 * 365)
    expired = pki.issue_certificate(ca, "Alice Admin", "x", old)
    late = signing.certify(make_pdf(1), expired, box, "late", "ab" * 32,
                           at=datetime.now(UTC))
    assert expired.certificate.not_valid_after_utc < datetime.now(UTC)
    report = verify_pdf(late, roots)
    assert not report.ok
    assert any("not valid at the signing time" in p for p in report.problems)


def test_cli_verify_refuses_a_contract_cut_back_to_before_the_customer_signed(
        signed_contract: Any, tmp_path: Path) -> None:
    from core.pdf.verify import verify_pdf

    w, _cid, data = signed_contract
    cut = data[:_revision_end(data, 2)]  # rendering, then the company's certification
    report = verify_pdf(cut, w.admin.signing.trust_roots())
    assert [s.field for s in report.signatures] == [COMPANY_FIELD]
    assert not w.admin.contract_pdfs.verify(w.admin.user, cut).ok  # the app refuses it
    # ... and so must what `pdf verify --vault` runs:
    assert not verify_pdf(cut, w.admin.signing.trust_roots()).ok


def _revision_end(data: bytes, n: int) -> int:
    """The end of the n-th revision (after its %%EOF)."""
    at = -1
    for _ in range(n):
        at = data.index(b"%%EOF", at + 1)
    end = at + len(b"%%EOF")
    while end < len(data) and data[end:end + 1] in b"\r\n":
        end += 1
    return end


# -- what approval covers ------------------------------------------------------------------------
def test_changing_the_customer_after_approval_does_not_sign_unapproved_content(
        world: Any) -> None:
    rep = world.rep
    cid = drive(world, ContractState.APPROVED)
    approved_fp = rep.contracts.document(rep.user, cid).fingerprint
    view = rep.customers.get(rep.user, world.customer_id)
    rep.customers.update(rep.user, world.customer_id, CustomerDraft(
        kind=CustomerKind.COMPANY, name="另一家空壳公司", city=view.city,
        address="开曼群岛"), view.version)
    doc = rep.contracts.document(rep.user, cid)
    assert doc.buyer.name == "另一家空壳公司" and doc.fingerprint != approved_fp
    with pytest.raises(StrongroomError):
        rep.contracts.mark_signed(rep.user, cid, PDF, doc.fingerprint)


# -- qualification documents and anonymisation ---------------------------------------------------
def test_identity_document_numbers_are_masked_and_erased_with_the_customer(
        world: Any) -> None:
    """A qualification of kind 'identity document' holds a national ID number: it must not be
    readable unmasked by whoever sees the customer (the auditor may not reveal), and it must
    go when the customer is anonymised."""
    customer_id = _protected_customer(world)
    rep, auditor, admin = world.rep, world.auditor, world.admin
    rep.contracts.add_qualification(rep.user, customer_id, QualificationKind.ID_DOCUMENT,
                                    NATIONAL_ID)
    for s in (auditor, rep, admin):
        held = s.contracts.qualifications(s.user, customer_id)
        assert held and NATIONAL_ID not in repr(held), s.user.role
    admin.subject_rights.anonymise(admin.user, customer_id, "erasure request")
    held = admin.contracts.qualifications(admin.user, customer_id)
    assert [q.kind for q in held] == [QualificationKind.ID_DOCUMENT]
    assert all(q.number == "" for q in held)


def test_anonymised_customer_name_is_gone_from_contract_reads(world: Any) -> None:
    customer_id = _protected_customer(world)
    rep, admin = world.rep, world.admin
    contract = rep.contracts.draft(rep.user, customer_id, small_terms())
    admin.subject_rights.anonymise(admin.user, customer_id, "erasure request")
    doc = admin.contracts.document(admin.user, contract.id)
    assert "赵敏" not in repr(doc) and "朝阳区" not in repr(doc)
    assert "赵敏" not in repr(admin.contracts.page(admin.user))
    assert "赵敏" not in repr(admin.audit.page(admin.user, AuditFilter(), limit=1000))
    assert not _leaks(repr(admin.audit.page(admin.user, AuditFilter(), limit=1000)))
    pdf = admin.contract_pdfs.render(admin.user, contract.id).pdf
    assert "赵敏".encode("utf-16-be") not in pdf


def test_contract_comments_naming_the_customer_go_with_anonymisation(world: Any) -> None:
    customer_id = _protected_customer(world)
    rep, admin, manager = world.rep, world.admin, world.manager
    contract = rep.contracts.draft(rep.user, customer_id, small_terms())
    rep.contracts.submit(rep.user, contract.id, "赵敏女士要求加急")
    manager.contracts.reject(manager.user, contract.id, world.password(manager),
                             "赵敏的信用记录不好")
    before = [e.comment for e in admin.contracts.history(admin.user, contract.id)]
    assert "赵敏女士要求加急" in before and "赵敏的信用记录不好" in before
    admin.subject_rights.anonymise(admin.user, customer_id, "erasure request")
    after = admin.contracts.history(admin.user, contract.id)
    assert "赵敏" not in repr(after)
    assert all(e.comment.startswith("(erased") for e in after if e.comment)


# -- trust ---------------------------------------------------------------------------------------
def test_a_stranger_with_a_certificate_from_the_same_public_ca_does_not_verify(
        world: Any) -> None:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    from core.pdf import pki, signing

    admin = world.admin
    now = datetime.now(UTC)
    public_ca = pki.create_ca("Public Trust Services", now)
    ours = pki.issue_certificate(public_ca, "ACME Trading", "ACME Trading", now)
    p12 = pkcs12.serialize_key_and_certificates(
        b"org", ours.key, ours.certificate, [public_ca.certificate],  # type: ignore[arg-type]
        BestAvailableEncryption(b"pw"))
    admin.signing.use_organisation_certificate(admin.user, p12, "pw")
    stranger = pki.issue_certificate(public_ca, "ACME Trading", "Evil Corp", now)
    rep = world.rep
    plain = rep.contract_pdfs.render(rep.user, drive(world, ContractState.DRAFT)).pdf
    customer_box = signing.SignatureBox(CUSTOMER_FIELD, 0, (320, 60, 540, 160))
    forged = signing.certify(plain, stranger, signing.SignatureBox(
        COMPANY_FIELD, 0, (60, 60, 270, 130)), "issued", "ab" * 32, later=[customer_box],
        at=now)
    other = pki.issue_certificate(public_ca, "Customer Seal", "Evil Corp", now)
    forged = signing.countersign(forged, other, customer_box, None, "李雷", now, "ab" * 32)
    assert not admin.contract_pdfs.verify(admin.user, forged).ok


# -- keys handed out by the session ----------------------------------------------------------
def _sign_as_contract(plain: bytes, company: Any, customer: Any) -> bytes:
    from core.pdf import signing

    now = datetime.now(UTC)
    customer_box = signing.SignatureBox(CUSTOMER_FIELD, 0, (320, 60, 540, 160))
    data = signing.certify(plain, company, signing.SignatureBox(COMPANY_FIELD, 0,
                                                                (60, 60, 270, 130)),
                           "issued", "ab" * 32, later=[customer_box], at=now)
    return signing.countersign(data, customer, customer_box, None, "李雷", now, "ab" * 32)


def test_a_draft_cannot_be_sealed_outside_the_workflow(world: Any) -> None:
    rep = world.rep
    cid = drive(world, ContractState.DRAFT)
    plain = rep.contract_pdfs.render(rep.user, cid).pdf
    # The keys that would make it verify are not on the session's services at all
    # (ContractSigners is handed to core/contracts/output.py only)...
    assert not any(hasattr(rep.signing, n) for n in ("company_signer", "customer_seal"))
    # ...and a rep's own certificate in both fields is not the customer-signature seal.
    own = rep.signing._signer_for(rep.user)
    forged = _sign_as_contract(plain, own, own)
    assert not rep.contract_pdfs.verify(rep.user, forged).ok


def test_an_auditor_cannot_make_a_contract_that_verifies(world: Any) -> None:
    auditor = world.auditor
    cid = drive(world, ContractState.APPROVED)
    plain = auditor.contract_pdfs.render(auditor.user, cid).pdf
    with pytest.raises(PermissionDenied):  # only who may sign contracts gets a certificate
        auditor.signing._signer_for(auditor.user)
    rep = world.rep.signing._signer_for(world.rep.user)
    forged = _sign_as_contract(plain, rep, rep)
    assert not auditor.contract_pdfs.verify(auditor.user, forged).ok


def test_sign_refuses_a_backdated_signing_time(world: Any) -> None:
    """The time sealed into the PDF is the legal signing time: a caller must not choose one
    far from the vault's clock (here: a certificate issued long ago makes a backdated
    signature verify)."""
    rep = world.rep
    cid = drive(world, ContractState.APPROVED)
    now = datetime.now(UTC)
    clock = rep.signing._clock
    rep.signing._clock = lambda: now - timedelta(days=400)  # type: ignore[method-assign]
    rep.signing._signer_for(rep.user)
    rep.signing._customer_seal(rep.user)
    rep.signing._clock = clock  # type: ignore[method-assign]
    with pytest.raises(InvalidInput):
        rep.contract_pdfs.sign(rep.user, cid, "李雷", None, at=now - timedelta(days=300))
    assert rep.contracts.get(rep.user, cid).state == ContractState.APPROVED
    signed = rep.contract_pdfs.sign(rep.user, cid, "李雷", None, at=now)
    assert rep.contract_pdfs.verify(rep.user, signed.pdf).ok


def test_merging_away_a_customer_with_contracts_is_refused(world: Any) -> None:
    cid = drive(world, ContractState.SIGNED)
    admin = world.admin
    other = admin.customers.create(admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="上海明珠贸易公司", city="上海"),
        owner_id=world.rep.user.id)
    with pytest.raises(InvalidInput):
        admin.customers.merge(admin.user, other.id, world.customer_id)
    assert admin.contracts.get(admin.user, cid).customer_id == world.customer_id


def test_a_printed_name_cannot_spoof_the_embedded_audit_head(world: Any) -> None:
    """The audit-chain head sealed in each signature anchors the trail; the customer's printed
    name goes into the same /Reason, before the real tag."""
    rep = world.rep
    cid = drive(world, ContractState.APPROVED)
    fake = "deadbeef" * 8
    signed = rep.contract_pdfs.sign(rep.user, cid, f"李雷 [audit head {fake}]", None)
    report = rep.contract_pdfs.verify(rep.user, signed.pdf)
    assert report.ok
    company, customer = report.signatures
    assert company.audit_head and customer.audit_head == company.audit_head != fake
