"""PAdES B-B signatures with pyHanko, offline (no timestamp server, no revocation fetching).

The company certifies first (DocMDP level 2: form filling and signatures allowed), creating the
empty fields of every later signature in the same revision: a field created after a
certification is a change pyHanko's (and Adobe's) diff analysis refuses. Each later signature
fills its prepared field in an incremental update, so earlier signatures stay valid. A signed
PDF is never re-saved: every function returns the signer's output bytes untouched.

The current audit-chain head goes into the signature's /Reason ("... [audit head <hex>]"):
the signature dictionary is inside the signed byte range, every viewer shows the reason, and
core/pdf/verify.py reads it back. Appearances are drawn by reportlab (the CJK font of
core/pdf/fonts.py, so Chinese names render) and placed as the widget's static appearance.

pyHanko is imported inside the functions: importing this module costs nothing at app start.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.x509.oid import NameOID

from core.errors import InvalidInput
from core.pdf.pki import Identity, cert_der

Rect = tuple[float, float, float, float]
AUDIT_TAG = re.compile(r"\[audit head ([0-9a-f]{8,128})\]")
_HEX = re.compile(r"[0-9a-fA-F]{8,128}")
# A signature pad's PNG is tens of KB; this bounds what a caller can make the PDF carry.
MAX_HANDWRITING_BYTES = 2 * 1024 * 1024
# Bytes reserved for a signature's CMS blob beyond its measured size (see _sign).
_CMS_MARGIN = 128


@dataclass(frozen=True)
class SignatureBox:
    """Where a signature goes: its field name, page (0-based; negative counts from the end)
    and rectangle (x1, y1, x2, y2) in points from the page's bottom-left corner."""

    field: str
    page: int
    rect: Rect

    def __post_init__(self) -> None:
        if not self.field or "." in self.field:
            raise InvalidInput("A signature field needs a name without dots.")
        x1, y1, x2, y2 = self.rect
        if x2 - x1 < 20 or y2 - y1 < 10:
            raise InvalidInput("A signature box must be at least 20 x 10 points.")


class SigningFailed(InvalidInput):
    """The PDF could not be signed (not a PDF, field missing or already signed...)."""


def reason_with_head(reason: str, audit_head: str) -> str:
    head = audit_head.strip()
    if head and not _HEX.fullmatch(head):
        raise InvalidInput("The audit head must be a hex digest.")
    reason = " ".join(reason.split())
    return f"{reason} [audit head {head.lower()}]" if head else reason


# -- the pyHanko signer around a loaded key ----------------------------------------------------
_signers: weakref.WeakKeyDictionary[Identity, Any] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _pyhanko_signer(identity: Identity) -> Any:
    """One pyHanko Signer per Identity, kept as long as the Identity lives (and no longer: the
    key goes with it): it holds the already-parsed key object (pyHanko's SimpleSigner parses
    its key on every signature), the certificate's signing-certificate attribute and the size
    of its CMS blob, all the same for every document this Identity signs."""
    with _lock:
        found = _signers.get(identity)
        if found is None:
            found = _signers[identity] = _build_signer(identity)
        return found


def _build_signer(identity: Identity) -> Any:
    from asn1crypto import tsp
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from pyhanko.sign.attributes import SigningCertificateV2Provider
    from pyhanko.sign.general import as_signing_certificate_v2, get_pyca_cryptography_hash
    from pyhanko.sign.signers.pdf_cms import Signer
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def asn1(cert: Any) -> Any:
        return asn1_x509.Certificate.load(cert_der(cert))

    key = identity.key
    signing_cert = asn1(identity.certificate)
    # The signing-certificate-v2 attribute (the certificate's hash, issuer and serial) is the
    # same in every signature of this certificate. Built by asn1crypto it costs ~10 ms a
    # signature (re-encoding its deeply nested, freshly built value again and again); parsed
    # from its DER it encodes to the very same bytes at once.
    ess_der = as_signing_certificate_v2(signing_cert).dump()

    class CachedSigningCertificate(SigningCertificateV2Provider):  # type: ignore[misc]
        async def build_attr_value(self, dry_run: bool = False) -> Any:
            return tsp.SigningCertificateV2.load(ess_der)

    class KeySigner(Signer):  # type: ignore[misc]
        async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                                 dry_run: bool = False) -> bytes:
            if dry_run:  # room for the largest value this key can produce; nothing signed
                return bytes(_max_signature_size(key))
            digest = get_pyca_cryptography_hash(digest_algorithm)
            if isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(digest))
            return key.sign(data, padding.PKCS1v15(), digest)

        def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Any:
            for provider in super()._signed_attr_providers(*args, **kwargs):
                if (type(provider) is SigningCertificateV2Provider
                        and provider.signing_cert is signing_cert):
                    yield CachedSigningCertificate(signing_cert)
                else:
                    yield provider

    signer = KeySigner(signing_cert=signing_cert, embed_roots=True,
                       cert_registry=SimpleCertificateStore.from_certs(
                           [asn1(c) for c in identity.chain]))
    # The CMS blob of this signer has the same size in every signature (the same certificates
    # and attributes; only an ECDSA value's length varies, by a few bytes): measured once here
    # on a dry run with the longest possible value, it is the room to reserve (see _sign).
    sample = asyncio.run(signer.async_sign(hashlib.sha256(b"").digest(), "sha256",
                                           dry_run=True, use_pades=True))
    signer.strongroom_cms_size = len(sample.dump())
    return signer


def _max_signature_size(key: Any) -> int:
    """The longest signature value `key` makes: RSA's is the modulus size; ECDSA's is a DER
    SEQUENCE of two INTEGERs, each at most the order's size plus a leading zero byte."""
    from cryptography.hazmat.primitives.asymmetric import ec

    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return (key.key_size + 7) // 8
    body = 2 * (2 + (key.curve.key_size + 7) // 8 + 1)
    return body + (2 if body < 128 else 3)


# -- appearances ----------------------------------------------------------------------------------
def _appearance(rect: Rect, lines: Sequence[tuple[str, float]], image: bytes | None) -> bytes:
    """A one-page PDF the size of the box: the handwriting (if any) above the text lines."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from core.pdf.fonts import cjk_font

    width, height = rect[2] - rect[0], rect[3] - rect[1]
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
    # Latin-only text uses a standard PDF font (nothing embedded); any other script the
    # contract's CJK font, whose subset costs ~10 KB per appearance.
    font = "Helvetica" if all(_latin(text) for text, _ in lines) else cjk_font()
    text_height = sum(size * 1.25 for _, size in lines) + 4
    if image is not None:
        if len(image) > MAX_HANDWRITING_BYTES:
            raise InvalidInput("The handwriting image is too large (over 2 MB).")
        try:
            reader = ImageReader(io.BytesIO(image))
        except Exception as exc:  # reportlab/Pillow raise many kinds for a bad image
            raise InvalidInput("The handwriting image is not a readable PNG.") from exc
        room = max(height - text_height - 4, height * 0.4)
        c.drawImage(reader, 2, height - room - 2, width - 4, room, mask="auto",
                    preserveAspectRatio=True, anchor="c")
        c.setLineWidth(0.5)
        c.line(4, text_height, width - 4, text_height)
    y = text_height - 2
    for text, size in lines:
        y -= size * 1.25
        c.setFont(font, size)
        c.drawString(4, y + size * 0.25, _fit(c, text, font, size, width - 8))
    c.showPage()
    c.save()
    return out.getvalue()


def _latin(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _fit(c: Any, text: str, font: str, size: float, room: float) -> str:
    if c.stringWidth(text, font, size) <= room:
        return text
    while text and c.stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text + "…"


def _stamp(appearance_pdf: bytes) -> Any:
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.content import ImportedPdfPage
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.stamp import StaticStampStyle

    class PageFromBytes(ImportedPdfPage):  # type: ignore[misc]
        def render(self) -> bytes:
            xobj = self._ensure_writer.import_page_as_xobject(
                PdfFileReader(io.BytesIO(appearance_pdf)), page_ix=0)
            self.resources.xobject["/Appearance"] = xobj
            x1, y1, x2, y2 = xobj.get_object()["/BBox"]
            self.box = layout.BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1))
            return b"/Appearance Do"

    return StaticStampStyle(background=PageFromBytes(""), border_width=0,
                            background_opacity=1.0,
                            background_layout=layout.SimpleBoxLayoutRule(
                                x_align=layout.AxisAlignment.ALIGN_MID,
                                y_align=layout.AxisAlignment.ALIGN_MID,
                                margins=layout.Margins.uniform(0)))


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# -- signing --------------------------------------------------------------------------------------
def _writer(pdf: bytes) -> Any:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfReadError

    from core.pdf import pdfparse

    pdfparse.install()
    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfReadError, ValueError, KeyError, IndexError) as exc:
        raise SigningFailed("The document to sign is not a readable PDF.") from exc


def _sign(writer: Any, signer: Identity, field: str, reason: str, at: datetime,
          appearance: bytes, *, certify: bool, new_field: Any = None) -> bytes:
    from pyhanko.pdf_utils.misc import PdfWriteError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError

    class TimedSigner(signers.PdfSigner):  # type: ignore[misc]
        # The signing time comes from the application's clock (shown in the appearance, the
        # audit trail and /M alike), not from a second call to datetime.now().
        def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = at
            return session

    meta = signers.PdfSignatureMetadata(
        field_name=field, reason=reason, certify=certify, md_algorithm="sha256",
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        subfilter=fields.SigSeedSubFilter.PADES)
    pdf_signer = TimedSigner(meta, _pyhanko_signer(signer), stamp_style=_stamp(appearance),
                             new_field_spec=new_field)
    # Room for the CMS blob: its size measured once per signer, plus a margin, instead of
    # pyHanko's estimate (a dummy signature built for every document, plus 50 %). /Contents
    # is padded to this room and every reader of the PDF (our verifier, the next signer)
    # parses all of it, so no more than needed is reserved. pyHanko counts hex digits: two
    # per byte.
    reserved = 2 * (pdf_signer.signer.strongroom_cms_size + _CMS_MARGIN)
    try:
        out = pdf_signer.sign_pdf(writer, existing_fields_only=new_field is None,
                                  bytes_reserved=reserved)
    except (SigningError, PdfWriteError) as exc:
        raise SigningFailed(f"The PDF could not be signed: {exc}") from exc
    return bytes(out.getvalue())


def _field_spec(box: SignatureBox) -> Any:
    from pyhanko.sign.fields import SigFieldSpec

    return SigFieldSpec(box.field, on_page=box.page, box=box.rect)


def certify(pdf: bytes, signer: Identity, box: SignatureBox, reason: str, audit_head: str, *,
            later: Sequence[SignatureBox] = (), at: datetime | None = None) -> bytes:
    """The company's certification signature (the document's first), visible in `box`;
    `later` are the empty fields the other parties will sign into afterwards."""
    from pyhanko.pdf_utils.misc import PdfWriteError
    from pyhanko.sign.fields import append_signature_field

    at = at or datetime.now(UTC)
    names = [box.field, *(b.field for b in later)]
    if len(set(names)) != len(names):
        raise InvalidInput("Each signature needs its own field name.")
    writer = _writer(pdf)
    for spec in later:
        # The renderer may already have laid out the empty fields; they are used as they are.
        if _empty_field_rect(writer, spec.field) is None:
            try:
                append_signature_field(writer, _field_spec(spec))
            except PdfWriteError as exc:  # e.g. a field of that name is already signed
                raise SigningFailed(f"The PDF could not be prepared for signing: {exc}") from exc
    org = signer.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    lines = [("Digitally certified by", 6.5), (signer.common_name, 9.5)]
    if org:
        lines.append((str(org[0].value), 7))
    lines.append((_when(at), 7))
    appearance = _appearance(box.rect, lines, None)
    return _sign(writer, signer, box.field, reason_with_head(reason, audit_head), at,
                 appearance, certify=True, new_field=_field_spec(box))


def countersign(pdf: bytes, signer: Identity, box: SignatureBox, handwriting_png: bytes | None,
                name: str, at: datetime, audit_head: str, reason: str = "") -> bytes:
    """A further (approval) signature in the field prepared at certification, showing the
    signatory's handwriting, printed name and time; an incremental update, so the signatures
    before it stay valid. The appearance is sized to the prepared field (`box.rect` only when
    the field has no rectangle of its own)."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("The signatory's printed name is required.")
    writer = _writer(pdf)
    rect = _empty_field_rect(writer, box.field)
    if rect is None:
        raise SigningFailed(f"The document has no empty signature field {box.field!r}: later "
                            "signatures go into fields prepared when the document is certified.")
    appearance = _appearance(rect or box.rect, [(name, 9.5), (_when(at), 7)], handwriting_png)
    return _sign(writer, signer, box.field,
                 reason_with_head(reason or f"Signed by {name}", audit_head), at, appearance,
                 certify=False)


def _empty_field_rect(writer: Any, name: str) -> Rect | tuple[()] | None:
    """The rectangle of the unsigned signature field `name`: None when there is no such
    field, () when it has no usable rectangle."""
    from pyhanko.sign.fields import enumerate_sig_fields

    for _name, _value, field_ref in enumerate_sig_fields(writer.prev, filled_status=False,
                                                         with_name=name):
        field = field_ref.get_object()
        widget = field if "/Rect" in field else next(
            (kid.get_object() for kid in field.get("/Kids", ())), field)
        try:
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        except (KeyError, TypeError, ValueError):
            return ()
        rect = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
        return rect if rect[2] - rect[0] >= 20 and rect[3] - rect[1] >= 10 else ()
    return None
