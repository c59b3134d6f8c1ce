"""Trying to break a signed contract (issue 4, point 7): every tampering must fail our verifier
and poppler's pdfsig (with the vault CA trusted in a temporary NSS database); the genuine file
must pass both and be clean for `qpdf --check`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.pdf import pki, signing
from core.pdf.verify import OTHER, verify_pdf
from tests.core.pdf.conftest import COMPANY, CUSTOMER, HEAD_1, HEAD_2, NOW, Kit
from tests.core.pdf.helpers import (
    append_annotation,
    append_page,
    append_text,
    blank_last_signature,
    flip_text,
    pdfsig,
    qpdf_clean,
)

# The customer's /Reason ("Signed by 王芳 [audit head ...]") is a UTF-16 string; one letter of it.
REASON_FLIP = (rb"\000S\000i\000g\000n\000e\000d", rb"\000Z\000i\000g\000n\000e\000d")


def test_genuine_file_holds_in_every_validator(kit: Kit, nssdb: Path, tmp_path: Path) -> None:
    assert verify_pdf(kit.signed, [kit.ca.certificate]).ok
    theirs = pdfsig(kit.signed, nssdb, tmp_path)
    assert len(theirs.blocks) == 2 and theirs.holds, theirs.output
    clean, text = qpdf_clean(kit.signed, tmp_path)
    assert clean, text
    # The certified file, before the customer signs, is valid as a file awaiting a signature,
    # but not as a signed document: its prepared customer field is empty.
    assert verify_pdf(kit.certified, [kit.ca.certificate], unsigned_fields_allowed=True).ok
    awaiting = verify_pdf(kit.certified, [kit.ca.certificate])
    assert awaiting.problems == ["the signature field 'customer' is not signed"]
    assert pdfsig(kit.certified, nssdb, tmp_path).holds
    assert qpdf_clean(kit.certified, tmp_path)[0]


@pytest.fixture(scope="module")
def tampered(kit: Kit) -> dict[str, bytes]:
    return {
        "byte flip in the first revision": flip_text(
            kit.signed, b"Page 1: the buyer pays 1000.00", b"Page 1: the buyer pays 9000.00"),
        "byte flip in the signature dictionary": flip_text(kit.signed, *REASON_FLIP),
        "page appended": append_page(kit.signed),
        "text appended": append_text(kit.signed),
        "annotation appended": append_annotation(kit.signed),
        "last signature blanked": blank_last_signature(kit.signed),
        "re-signed by a CA outside the vault": signing.certify(
            kit.plain, kit.outsider, COMPANY, "Issued", HEAD_1, later=[CUSTOMER], at=NOW),
    }


CASES = ["byte flip in the first revision", "byte flip in the signature dictionary",
         "page appended", "text appended", "annotation appended", "last signature blanked",
         "re-signed by a CA outside the vault"]


@pytest.mark.parametrize("case", CASES)
def test_tampering_fails_our_verifier(kit: Kit, tampered: dict[str, bytes], case: str) -> None:
    report = verify_pdf(tampered[case], [kit.ca.certificate])
    assert not report.ok
    assert report.problems
    assert report.summary()[-1] == "The document does NOT verify."


@pytest.mark.parametrize("case", CASES)
def test_tampering_fails_pdfsig(tampered: dict[str, bytes], nssdb: Path, tmp_path: Path,
                               case: str) -> None:
    theirs = pdfsig(tampered[case], nssdb, tmp_path)
    assert not theirs.holds, theirs.output


def test_appended_content_is_reported_as_tampering_of_each_signature(kit: Kit) -> None:
    for data in (append_page(kit.signed), append_text(kit.signed),
                 append_annotation(kit.certified)):
        report = verify_pdf(data, [kit.ca.certificate])
        assert all(sig.intact and sig.valid and sig.trusted for sig in report.signatures)
        assert all(sig.modification == OTHER for sig in report.signatures)


def test_flipped_byte_is_a_digest_mismatch(kit: Kit) -> None:
    data = flip_text(kit.signed, b"Page 3: the buyer", b"Page 3: the payer")
    report = verify_pdf(data, [kit.ca.certificate])
    assert [sig.intact for sig in report.signatures] == [False, False]
    # After the customer's revision only the customer's signature covers the change.
    data = flip_text(kit.signed, *REASON_FLIP)
    company, customer = verify_pdf(data, [kit.ca.certificate]).signatures
    assert company.intact and not customer.intact


def test_a_cut_off_signature_is_found_when_the_contract_says_who_signed(kit: Kit) -> None:
    cut = kit.signed[:len(kit.certified)]
    report = verify_pdf(cut, [kit.ca.certificate], required_fields=("company", "customer"))
    assert not report.ok
    assert report.problems == ["the signature 'customer' is missing"]
    blanked = verify_pdf(blank_last_signature(kit.signed), [kit.ca.certificate])
    assert any("damaged or was removed" in p for p in blanked.problems)


def test_certificate_from_another_ca_is_not_trusted(kit: Kit,
                                                   tampered: dict[str, bytes]) -> None:
    copy = tampered["re-signed by a CA outside the vault"]
    (sig,) = verify_pdf(copy, [kit.ca.certificate]).signatures
    assert sig.intact and sig.valid and not sig.trusted
    assert "does not chain to a trusted certificate" in sig.problems[0]
    # The copy is perfectly good for whoever trusts the other CA: trust is the whole point.
    assert verify_pdf(copy, [kit.outsider_ca.certificate], unsigned_fields_allowed=True).ok


def test_certificate_without_non_repudiation_is_refused(kit: Kit) -> None:
    data = signing.certify(kit.plain, kit.no_nr, COMPANY, "Issued", HEAD_1, at=NOW)
    (sig,) = verify_pdf(data, [kit.ca.certificate]).signatures
    assert not sig.trusted
    assert "nonRepudiation" in sig.problems[0]
    # poppler's pdfsig validates for the "email signer" usage, which digitalSignature alone
    # satisfies: it accepts this file. Only our verifier enforces nonRepudiation.


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n%%EOF", b"%PDF-1.4\n" + b"\0" * 500,
                                  b"\xff" * 2000])
def test_garbage_gives_a_report_not_a_traceback(kit: Kit, data: bytes) -> None:
    report = verify_pdf(data, [kit.ca.certificate])
    assert not report.ok and report.problems
    assert report.summary()[-1] == "The document does NOT verify."


def test_truncated_signed_file_is_reported(kit: Kit) -> None:
    for cut in (len(kit.signed) // 2, len(kit.signed) - 10):
        report = verify_pdf(kit.signed[:cut], [kit.ca.certificate])
        assert not report.ok


def test_unsigned_pdf_does_not_verify(kit: Kit) -> None:
    report = verify_pdf(kit.plain, [kit.ca.certificate])
    assert not report.ok and report.problems == ["the document has no signatures"]


def test_without_trust_roots_trust_is_unknown(kit: Kit) -> None:
    report = verify_pdf(kit.signed, [])
    assert not report.ok
    assert "trust is unknown" in report.problems[0]
    assert all(sig.intact and sig.valid for sig in report.signatures)


def test_summary_has_one_block_per_signature(kit: Kit) -> None:
    lines = verify_pdf(kit.signed, [kit.ca.certificate]).summary()
    assert lines[0] == "Signature 1: field company (certification)"
    assert "Signature 2: field customer (approval)" in lines
    assert f"  audit head: {HEAD_2}" in lines
    assert lines[-1] == "All signatures hold."


def test_signatures_are_judged_at_their_signing_time(kit: Kit, nssdb: Path,
                                                     tmp_path: Path) -> None:
    """A contract must stay verifiable in Strongroom after its signer's certificate expires:
    B-B has no timestamp, so the chain is judged at the claimed signing time. A signature
    claiming a time outside its certificate's validity is refused (pdfsig, judging at the
    present time, accepts it: a claimed time is no proof without a timestamp authority)."""
    old = NOW - timedelta(days=5 * 365)
    expired = pki.issue_certificate(kit.ca, "Old Timer", "ACME", old, years=1)
    assert expired.certificate.not_valid_after_utc < NOW
    archived = signing.certify(kit.plain, expired, COMPANY, "Issued", HEAD_1,
                               at=old + timedelta(days=1))
    assert verify_pdf(archived, [kit.ca.certificate]).ok
    # poppler judges the certificate at the present time instead (docs/SIGNATURES.md says so).
    assert "Certificate has Expired" in pdfsig(archived, nssdb, tmp_path).output
    backdated = signing.certify(kit.plain, kit.company, COMPANY, "Issued", HEAD_1,
                                at=NOW - timedelta(days=30))
    (sig,) = verify_pdf(backdated, [kit.ca.certificate]).signatures
    assert not sig.trusted and "not valid at the signing time" in sig.problems[0]


def test_a_signing_time_in_the_future_is_refused(kit: Kit) -> None:
    future = signing.certify(kit.plain, kit.company, COMPANY, "Issued", HEAD_1,
                             at=datetime.now(UTC) + timedelta(days=1))
    report = verify_pdf(future, [kit.ca.certificate])
    assert not report.ok
    assert "company: the signing time lies in the future" in report.problems
