"""Checking a signed PDF against explicit trust roots, offline, with pyHanko's validator and
its difference analysis of the revisions appended after each signature.

A document holds when it has at least one signature and, for every signature: the signed bytes
are unchanged (intact), the CMS signature verifies (valid), the signer's certificate chains to
one of the given roots and is meant for signing documents (nonRepudiation), and what was
appended after it is at most form filling and further signatures (which a certification at
level 2 allows). Nothing unsigned may follow the last signature: it must cover the whole file.
Certificates are judged at the signing time each signature claims (there is no timestamp in
B-B), so an archived contract still verifies after its signer's certificate expires; a claimed
time outside the certificate's validity, or in the future, fails.

Never raises on bad input: garbage, a truncated file or a PDF without signatures gives a report
whose `problems` say so. pyHanko is imported when a check runs, not when this module loads.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509

from core.pdf.pki import cert_der, common_name, fingerprint
from core.pdf.signing import AUDIT_TAG

# Modification levels after a signature, in words.
UNCHANGED = "no changes after signing"
FORM_FILLING = "allowed changes only (form filling, further signatures)"
OTHER = "other changes after signing (tampered)"
UNKNOWN = "could not be determined"
CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str  # the certificate's subject, e.g. "CN=王芳,O=ACME"
    signer_name: str  # its common name
    signed_at: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    modification: str
    covers_whole_file: bool
    certification: bool
    audit_head: str | None
    problems: tuple[str, ...] = ()
    signer_sha256: str = ""  # the signing certificate's SHA-256 fingerprint (for pinning)
    signer_issuer: str = ""  # its issuer's name (RFC 4514)
    reason: str = ""  # the signature's /Reason, inside the signed bytes

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class VerificationReport:
    signatures: tuple[SignatureCheck, ...] = ()
    document_problems: tuple[str, ...] = field(default=())

    @property
    def problems(self) -> list[str]:
        out = list(self.document_problems)
        for sig in self.signatures:
            out.extend(f"{sig.field}: {p}" for p in sig.problems)
        return out

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and not self.problems

    def summary(self) -> list[str]:
        """Human-readable lines: one block per signature, then the verdict."""
        lines: list[str] = []
        for n, sig in enumerate(self.signatures, start=1):
            when = sig.signed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") \
                if sig.signed_at else "unknown"
            kind = "certification" if sig.certification else "approval"
            lines += [f"Signature {n}: field {sig.field} ({kind})",
                      f"  signer: {sig.signer}",
                      f"  signed at: {when}",
                      f"  intact: {_yes(sig.intact)}; valid: {_yes(sig.valid)}; "
                      f"trusted: {_yes(sig.trusted)}",
                      f"  after signing: {sig.modification}",
                      f"  audit head: {sig.audit_head or 'none'}",
                      f"  result: {'OK' if sig.ok else 'FAILED - ' + '; '.join(sig.problems)}"]
        lines.extend(f"Problem: {p}" for p in self.document_problems)
        lines.append("All signatures hold." if self.ok else "The document does NOT verify.")
        return lines


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def verify_pdf(data: bytes, trust_roots: Iterable[x509.Certificate], *,
               required_fields: Sequence[str] = (),
               unsigned_fields_allowed: bool = False) -> VerificationReport:
    """Check every signature of `data`. `required_fields` names signatures that must be
    present (a contract knows who signed it: a file cut back to an earlier revision is a valid
    PDF with fewer signatures). A signature field left empty is a problem too unless
    `unsigned_fields_allowed`: a certified document prepares the fields of everyone who must
    sign, so an empty one means a signature is missing (or was cut off)."""
    roots = list(trust_roots)
    try:
        embedded, empty = _embedded_signatures(data)
    except Exception as exc:  # any parser failure is a verdict about the file, not a crash
        return VerificationReport(document_problems=(
            f"not a readable PDF ({type(exc).__name__}: {_short(exc)})",))
    problems: list[str] = []
    if not roots:
        problems.append("no trusted certificate was given: trust is unknown")
    checks = [_check(sig, roots, last=(i == len(embedded) - 1))
              for i, sig in enumerate(embedded)]
    if not checks:
        problems.append("the document has no signatures")
    signed = {c.field for c in checks}
    problems.extend(f"the signature {name!r} is missing"
                    for name in required_fields if name not in signed)
    if not unsigned_fields_allowed:
        problems.extend(f"the signature field {name!r} is not signed"
                        for name in empty if name not in required_fields)
    return VerificationReport(tuple(checks), tuple(problems))


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "unreadable"


def _embedded_signatures(data: bytes) -> tuple[list[Any], list[str]]:
    """pyHanko's EmbeddedPdfSignature for each signed field in revision order (a field whose
    signature cannot even be parsed, blanked or cut /Contents, becomes a `_Broken`), and the
    names of the signature fields left empty."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    from core.pdf import pdfparse

    pdfparse.install()
    # pyHanko logs a full traceback when it rejects a revision; the verdict is in the report.
    logging.getLogger("pyhanko").addHandler(logging.NullHandler())
    logging.getLogger("pyhanko").propagate = False
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ValueError("no %PDF header")
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    found: list[Any] = []
    broken: list[Any] = []
    empty = [str(name) for name, _value, _ref in enumerate_sig_fields(reader,
                                                                        filled_status=False)]
    for name, _value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        try:
            found.append(EmbeddedPdfSignature(reader, field_ref, name))
        except Exception as exc:  # damaged signature data: a finding, not a crash
            broken.append(_Broken(str(name), _short(exc)))
    found.sort(key=lambda sig: sig.signed_revision)
    return found + broken, empty


@dataclass(frozen=True)
class _Broken:
    field_name: str
    error: str


def _context(roots: list[x509.Certificate], moment: datetime | None) -> Any:
    from pyhanko_certvalidator import ValidationContext

    # B-B signatures carry no timestamp: like poppler (and Adobe without a timestamp), the
    # chain is judged at the signer's claimed signing time, so a contract stays verifiable
    # after its signer's certificate expires. No revocation data exists offline.
    return ValidationContext(
        trust_roots=[_asn1_root(c) for c in roots],
        moment=moment, allow_fetching=False, revocation_mode="soft-fail")


# Parsed trust roots by their exact DER encoding: the same few roots (the vault CA, an
# organisation's root) anchor every verification, and decoding one costs ~0.8 ms a signature.
# Keyed by the whole certificate, so another certificate (another vault's CA, a CA re-issued
# with the same name) never finds this one. Public data only; bounded.
_ROOTS_KEPT = 32
_roots: OrderedDict[bytes, Any] = OrderedDict()
_roots_lock = threading.Lock()


def _asn1_root(cert: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509

    der = cert_der(cert)
    with _roots_lock:
        found = _roots.get(der)
        if found is not None:
            _roots.move_to_end(der)
            return found
    parsed = asn1_x509.Certificate.load(der)
    _ = parsed.native  # decode every field now: afterwards threads only read the object
    with _roots_lock:
        found = _roots.setdefault(der, parsed)
        _roots.move_to_end(der)
        while len(_roots) > _ROOTS_KEPT:
            _roots.popitem(last=False)
    return found


def _check(sig: Any, roots: list[x509.Certificate], last: bool) -> SignatureCheck:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if isinstance(sig, _Broken):
        return SignatureCheck(sig.field_name, "", "", None, False, False, False, UNKNOWN, False,
                              False, None, ("the signature data is damaged or was removed",))
    name = str(sig.field_name or "?")
    reason = str(sig.sig_object.get("/Reason", "") or "")
    # The tag is appended last; a printed name earlier in the reason may imitate one.
    tags = AUDIT_TAG.findall(reason)
    head = tags[-1] if tags else None
    try:
        claimed = sig.self_reported_timestamp
        status = validate_pdf_signature(
            sig, _context(roots, claimed),
            key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"}))
    except Exception as exc:  # a malformed signature object: report it, check the others
        return SignatureCheck(name, "", "", None, False, False, False, UNKNOWN, False, False,
                              head, (f"signature could not be checked: {_short(exc)}",))
    cert = x509.load_der_x509_certificate(status.signing_cert.dump())
    level = status.modification_level
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES):
        modification = UNCHANGED
    elif level == ModificationLevel.FORM_FILLING:
        modification = FORM_FILLING
    elif level is None:
        modification = UNKNOWN
    else:
        modification = OTHER
    problems: list[str] = []
    if not status.intact:
        problems.append("the signed content was changed (digest mismatch)")
    elif not status.valid:
        problems.append("the signature value does not verify")
    trusted = bool(status.trusted) and bool(roots)
    if status.intact and status.valid and not trusted:
        problems.append(_trust_problem(cert, roots, claimed))
    if claimed is not None and claimed > datetime.now(UTC) + CLOCK_SKEW:
        problems.append("the signing time lies in the future")
    if modification == OTHER or status.docmdp_ok is False:
        problems.append("the document was changed after this signature in a way it does not "
                        "allow")
    elif modification == UNKNOWN:
        problems.append("what changed after this signature could not be determined")
    if last and not whole and modification != OTHER:
        problems.append("content was added after the last signature")
    return SignatureCheck(
        field=name, signer=cert.subject.rfc4514_string(), signer_name=common_name(cert),
        signed_at=status.signer_reported_dt, intact=bool(status.intact),
        valid=bool(status.valid), trusted=trusted, modification=modification,
        covers_whole_file=whole, certification=sig.docmdp_level is not None,
        audit_head=head, problems=tuple(problems), signer_sha256=fingerprint(cert),
        signer_issuer=cert.issuer.rfc4514_string(), reason=reason)


def _trust_problem(cert: x509.Certificate, roots: list[x509.Certificate],
                   claimed: datetime | None) -> str:
    if not roots:
        return "trust unknown: no trusted certificate was given"
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not usage.content_commitment:
        return ("the signer's certificate is not meant for signing documents (no "
                "nonRepudiation key usage)")
    when = claimed or datetime.now(UTC)
    if not cert.not_valid_before_utc <= when <= cert.not_valid_after_utc:
        return "the signer's certificate was not valid at the signing time"
    return "the signer's certificate does not chain to a trusted certificate"
