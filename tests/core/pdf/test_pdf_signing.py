"""The vault CA, users' certificates and PAdES signing: what a signed contract must carry."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from core.errors import InvalidInput
from core.pdf import pki, signing
from core.pdf.verify import FORM_FILLING, UNCHANGED, verify_pdf
from tests.core.pdf.conftest import COMPANY, CUSTOMER, HEAD_1, HEAD_2, NOW, Kit

ROOT = Path(__file__).resolve().parents[3]


def test_vault_ca_is_a_p256_root_that_may_only_issue_end_entity_certificates(kit: Kit) -> None:
    cert = kit.ca.certificate
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    assert cert.subject == cert.issuer
    assert cert.not_valid_after_utc - cert.not_valid_before_utc > timedelta(days=3650)


def test_user_certificate_names_the_person_and_company_for_document_signing(kit: Kit) -> None:
    cert = kit.customer.certificate
    assert pki.common_name(cert) == "王芳"
    assert cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == \
        "ACME 贸易有限公司"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    cert.verify_directly_issued_by(kit.ca.certificate)
    assert kit.customer.chain == (kit.ca.certificate,)
    # Serials are random, never sequential.
    assert kit.customer.certificate.serial_number != kit.company.certificate.serial_number
    assert kit.customer.certificate.serial_number.bit_length() > 100


def test_keys_round_trip_through_pkcs8_and_pem(kit: Kit) -> None:
    again = pki.load_key(pki.key_der(kit.company.key))
    assert again.private_numbers() == kit.company.key.private_numbers()  # type: ignore[union-attr]
    assert pki.load_pem_certificates(pki.cert_pem(kit.ca.certificate)) == [kit.ca.certificate]
    with pytest.raises(InvalidInput):
        pki.load_pem_certificates(b"not a certificate")


def test_organisation_pkcs12_becomes_a_signer_with_its_chain(kit: Kit) -> None:
    blob = pkcs12.serialize_key_and_certificates(
        b"org", kit.outsider.key, kit.outsider.certificate, [kit.outsider_ca.certificate],
        BestAvailableEncryption(b"p12 secret"))  # type: ignore[arg-type]
    org = pki.load_pkcs12(blob, "p12 secret")
    assert org.certificate == kit.outsider.certificate
    assert org.root == kit.outsider_ca.certificate
    signed = signing.certify(kit.plain, org, COMPANY, "Issued", HEAD_1, at=NOW)
    assert verify_pdf(signed, [org.root]).ok
    assert not verify_pdf(signed, [kit.ca.certificate]).ok
    with pytest.raises(InvalidInput, match="wrong password"):
        pki.load_pkcs12(blob, "wrong")
    no_chain = pkcs12.serialize_key_and_certificates(
        b"org", kit.outsider.key, kit.outsider.certificate, None,  # type: ignore[arg-type]
        BestAvailableEncryption(b"x"))
    with pytest.raises(InvalidInput, match="root"):
        pki.load_pkcs12(no_chain, "x")


def test_certify_then_countersign_keeps_the_certification_valid(kit: Kit) -> None:
    report = verify_pdf(kit.signed, [kit.ca.certificate])
    assert report.ok, report.summary()
    company, customer = report.signatures
    assert (company.field, company.certification, company.modification) == (
        "company", True, FORM_FILLING)
    assert (customer.field, customer.certification, customer.modification) == (
        "customer", False, UNCHANGED)
    assert customer.covers_whole_file and not company.covers_whole_file
    assert company.signer_name == "Alice Admin" and customer.signer_name == "王芳"
    assert company.audit_head == HEAD_1 and customer.audit_head == HEAD_2
    assert company.signed_at == NOW and customer.signed_at == NOW
    # Signing appends: the certified revision is a byte-for-byte prefix of the final file.
    assert kit.signed.startswith(kit.certified)
    assert kit.certified.startswith(kit.plain)


def test_customer_appearance_shows_name_and_time(kit: Kit, tmp_path: Path) -> None:
    path = tmp_path / "signed.pdf"
    path.write_bytes(kit.signed)
    text = subprocess.run(["pdftotext", "-f", "3", "-l", "3", str(path), "-"],
                          capture_output=True, text=True, check=False).stdout \
        if _has("pdftotext") else None
    if text is None:
        pytest.skip("pdftotext not installed")
    assert "王芳" in text and "2026-03-01 09:30 UTC" in text
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "Alice Admin" in first and "Digitally certified by" in first


def _has(tool: str) -> bool:
    import shutil

    return shutil.which(tool) is not None


def test_countersign_needs_the_field_prepared_at_certification(kit: Kit) -> None:
    alone = signing.certify(kit.plain, kit.company, COMPANY, "Issued", HEAD_1, at=NOW)
    with pytest.raises(signing.SigningFailed, match="prepared"):
        signing.countersign(alone, kit.customer, CUSTOMER, None, "王芳", NOW, HEAD_2)
    # A field signed once cannot be signed again.
    with pytest.raises(signing.SigningFailed):
        signing.countersign(kit.signed, kit.customer, CUSTOMER, None, "王芳", NOW, HEAD_2)


def test_certification_must_be_the_first_signature(kit: Kit) -> None:
    with pytest.raises(signing.SigningFailed):
        signing.certify(kit.signed, kit.company, signing.SignatureBox("again", 0, (300, 300, 500,
                        360)), "Again", HEAD_1, at=NOW)


def test_bad_inputs_are_refused_with_a_reason(kit: Kit) -> None:
    with pytest.raises(signing.SigningFailed, match="not a readable PDF"):
        signing.certify(b"not a pdf", kit.company, COMPANY, "x", HEAD_1)
    with pytest.raises(InvalidInput, match="hex"):
        signing.certify(kit.plain, kit.company, COMPANY, "x", "not hex; [audit head 00]")
    with pytest.raises(InvalidInput, match="PNG"):
        signing.countersign(kit.certified, kit.customer, CUSTOMER, b"garbage", "王芳", NOW,
                            HEAD_2)
    with pytest.raises(InvalidInput, match="name"):
        signing.countersign(kit.certified, kit.customer, CUSTOMER, None, "  ", NOW, HEAD_2)
    with pytest.raises(InvalidInput):
        signing.SignatureBox("tiny", 0, (0, 0, 5, 5))


def test_without_handwriting_the_printed_name_still_seals_it(kit: Kit) -> None:
    signed = signing.countersign(kit.certified, kit.customer, CUSTOMER, None, "王芳", NOW,
                                 HEAD_2)
    assert verify_pdf(signed, [kit.ca.certificate]).ok


def test_signer_is_built_once_per_loaded_key(kit: Kit) -> None:
    assert signing._pyhanko_signer(kit.company) is signing._pyhanko_signer(kit.company)


def test_importing_the_modules_does_not_import_pyhanko() -> None:
    code = ("import sys, core.pdf.signing, core.pdf.verify, core.pdf.pki; "
            "import core.session; "
            "print(sorted(m for m in sys.modules if m.startswith(('pyhanko', 'reportlab'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[]"


def test_fields_laid_out_before_certification_are_used_as_they_are(kit: Kit) -> None:
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    writer = IncrementalPdfFileWriter(io.BytesIO(kit.plain))
    append_signature_field(writer, SigFieldSpec("customer", on_page=2, box=(300, 60, 520, 160)))
    out = io.BytesIO()
    writer.write(out)
    data = signing.certify(out.getvalue(), kit.company, COMPANY, "Issued", HEAD_1,
                           later=[CUSTOMER], at=NOW)
    # The caller's box is only a fallback: the appearance takes the prepared field's size.
    elsewhere = signing.SignatureBox("customer", -1, (0, 0, 100, 40))
    certified = data
    data = signing.countersign(data, kit.customer, elsewhere, None, "王芳", NOW, HEAD_2)
    assert verify_pdf(data, [kit.ca.certificate]).ok
    assert b"/BBox [ 0 0 220 100 ]" in data[len(certified):]


def _rsa_chain() -> tuple[pki.Identity, x509.Certificate]:
    """An RSA-4096 root and leaf, as a public CA might issue (bigger than the vault's EC
    certificates: the signature's reserved room must still fit)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa

    root_key = rsa.generate_private_key(65537, 4096)
    leaf_key = rsa.generate_private_key(65537, 4096)
    root_name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Public Root R1")])
    leaf_name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "ACME Trading Ltd"),
                           x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "ACME")])
    start, end = NOW - timedelta(days=1), NOW + timedelta(days=700)
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(7).not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(root_key, hashes.SHA256()))
    usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    leaf = (x509.CertificateBuilder().subject_name(leaf_name).issuer_name(root_name)
            .public_key(leaf_key.public_key()).serial_number(8).not_valid_before(start)
            .not_valid_after(end).add_extension(usage, critical=True)
            .sign(root_key, hashes.SHA256()))
    return pki.Identity(leaf_key, leaf, (root,)), root


def test_rsa_organisation_certificate_signs_and_verifies(kit: Kit) -> None:
    org, root = _rsa_chain()
    data = signing.certify(kit.plain, org, COMPANY, "Issued", HEAD_1, later=[CUSTOMER], at=NOW)
    data = signing.countersign(data, kit.customer, CUSTOMER, kit.handwriting, "王芳", NOW,
                               HEAD_2)
    report = verify_pdf(data, [root, kit.ca.certificate])
    assert report.ok, report.summary()
    assert report.signatures[0].signer_name == "ACME Trading Ltd"
